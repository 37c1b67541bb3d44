import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';
import { describeSinkContract } from './sink-contract.js';

describeSinkContract('DuckDbSink', (connection) => DuckDbSink.create(connection));
