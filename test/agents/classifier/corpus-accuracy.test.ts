import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/agents/classifier/classify-error.js';
import { gatheredBlind } from '../../support/blind-corpus-rows.js';

/**
 * One labelled real error message. Labels follow docs/error-labels.md (root cause over
 * loudest word). `split` decides who may look at a row:
 * - `tune`: patterns are written and corrected against these; misses are printed in full.
 *   They are also the learned layer's training examples (src/agents/classifier/learned-examples.jsonl,
 *   a copy that test/agents/classifier/learned-classifier.test.ts keeps in step), so its figures here
 *   are not a measure of anything.
 * - `holdout`: no pattern is written from these rows. Rows come only from public issue threads of
 *   repositories chosen by a hash of the repository name before the classifier was run on them. Its
 *   misses were read once, by kind, to find which general rule they broke; each fix is a general rule
 *   with new tune rows of that kind from other repositories. Only aggregates are printed.
 *   The 62 `fresh-` rows were a third unseen set until the round that gathered `unseen`; they had
 *   been measured by then, so they joined the tune set.
 * - `unseen`, 89 messages gathered blind in an earlier round, joined the tune set (ids `unseen-`) when
 *   `unseen3` replaced it as the measured set: it had been measured by then, and its misses were read to
 *   find the kinds of error the rules gave up on.
 * - `unseen2`: a second such set, 80 messages, gathered with 71 `pub5-` tune rows from repositories
 *   no earlier row came from and labelled before the classifier saw any of them; the 151 were split
 *   by category, alternately in an order fixed by a hash of each thread's address, so neither half
 *   was chosen by its result. Aggregates only.
 * - `unseen3`, 88 messages from public threads no other row comes from, weighted towards the kinds the
 *   earlier splits showed weak (config, network, syntax, timeout), labelled and committed alone before
 *   the classifier ran on any of them, joined the tune set (ids `unseen3-`) in the round after
 *   `unseen4` was gathered: it had been measured several times by then (so it no longer measured
 *   anything honestly), and its misses — mostly errors a pattern matched and put in the wrong category — were
 *   what the next round of general rules had to be read from.
 * - `unseen4`, 120 messages gathered blind while the learned layer was being built, by someone who
 *   did not read the classifier, from public threads no earlier row cites (73 repositories, leaning on
 *   connector and ecosystem threads — BigQuery, Kusto, ClickHouse, MongoDB, Glue/EMR, Spark on
 *   Kubernetes), labelled from what each thread's maintainers said the cause was, joined the tune set
 *   (ids `u4-`) in the round after: it had been measured several times by then (last 64 and 84 of 120
 *   right, 20 given up, 4 needless retries), so it no longer measured anything, and its misses — errors
 *   from tools around Spark that no pattern named — were what that round's general rules were read from.
 *   Two of its labels went against the convention and were corrected when it joined (a refused login is
 *   `permission`; a syntax error in code a connector generated is `syntax`).
 * - `pub6-101` onwards, 147 tune rows gathered in that round from public threads (CLI, SDKs, Terraform,
 *   dbt, delta-rs, Iceberg, drivers) by someone else, none from a holdout repository. Before any rule
 *   was read from them the classifier got 69.1 % of the categories and 78.9 % of the actions of the 152
 *   such rows, and gave up on 8.6 % (5 were then left out for contradicting earlier rows of the same
 *   wording): the gap the hidden set showed, which is why they became rows to learn from.
 * - `pub7-`, 87 tune rows gathered in the next round from even-numbered public threads by someone who
 *   labelled them without looking at the classifier. Before any was read, the classifier got 57.7 % of
 *   the categories and 50.0 % of the actions of all 130 gathered, gave up on 16.9 % and retried 5
 *   needlessly. 40 came from holdout repositories and stayed out (their aggregate, never read, is
 *   the round's check: 25 → 26 categories and 17 → 19 actions of 40, 6 → 5 given up, 3 → 2 needless
 *   retries); 3 contradicted earlier rows of the same wording; one label was corrected against the
 *   convention (a Terraform registry's `context deadline exceeded` is a timeout).
 * - `unseen5`: 134 messages gathered blind in the same session as the `pub6-` and `pub7-` rows, by
 *   someone who never read the classifier, from odd-numbered public threads (the tune gatherers took
 *   even ones, so no thread is in both), mostly Databricks' own repositories (CLI, SDKs, Terraform
 *   provider, bundles, drivers, ucx, Delta), labelled from what each thread's maintainers found —
 *   which puts an error the thread showed to be a tool's or the platform's bug at `ESCALATE` (40 of
 *   134), something the text alone often cannot show. Committed after both of that session's rounds of
 *   rules were written and measured then, it joined the tune set (ids `u5-`) in the round after: its
 *   last honest figures were 91 and 86 of 134 right (67.9 % / 64.2 %), 9 given up (6.7 %), 5 needless
 *   retries — 88 and 85, 11 given up, 5 needless retries before that session's rules. 31 of its 48
 *   action misses were `ESCALATE` labels answered `NOTIFY_OWNER`. 15 rows were left out for
 *   contradicting an earlier row of the same wording (an unresolved column, a parse error, an existing
 *   table, a certificate, a missing grant, a missing module, a missing file, an invalid operation
 *   handle, an HTML sign-in page, an HTML answer, a TLS EOF, a self-bootstrap failure and a cluster
 *   terminated by a person labelled `ESCALATE`, `RETRY` or another category where earlier rows say
 *   otherwise); one label was corrected against the convention: Terraform's "nil entry in ImportState
 *   results. This is always a bug … Please report this as a bug" is the tool's own failure,
 *   `unknown`, not `config`.
 * - `unseen6`: 132 messages gathered blind from odd-numbered public threads by someone who never read
 *   the classifier, mostly from connectors and engines around Spark (BigQuery, Elasticsearch, Kusto,
 *   Snowflake, Neo4j and MongoDB connectors, lakeFS, Celeborn, Uniffle, Gluten, Hudi, SynapseML) and
 *   Databricks' repositories, measured and never read until it joined the tune set (ids `u6-`) in the
 *   round after. Its honest figures: with the rules before the round that moved `unseen5` in, 76 and
 *   87 of 132 right, 20 given up, 3 needless retries; with that round's rules 76 and 85, 20 given up,
 *   3 needless (rules read from `unseen5` did not transfer to it); with the learned answer in place of
 *   every `unknown` it has two known tokens for (commit bbbabee), 84 and 90 (63.6 % / 68.2 %), 3 given
 *   up, 3 needless retries. Its misses were connectors' errors a generic rule read for the wrong
 *   reason: a stated deadline, and a client that had already retried and named a setting to check,
 *   answered with a plain retry; lock and commit conflicts of table formats; search-engine errors
 *   (missing index, rejected document, version conflict); a namespace quota read as a refusal. 8 rows
 *   were left out for contradicting an earlier tune row of the same wording (an unknown worker
 *   environment labelled `concurrency`, "Requested array size exceeds VM limit" labelled `config`,
 *   `'NoneType' object has no attribute 'lower'` labelled `config`, a GPU split-and-retry OOM labelled
 *   `RETRY_WITH_NEW_PARAMS`, a Py4J "Method … does not exist" labelled `syntax`, dbt's "… is
 *   undefined. This can happen when calling a macro" labelled `syntax`/`ESCALATE`, "Futures timed out"
 *   labelled `ESCALATE`, "Name or service not known" labelled `network`, where earlier rows say
 *   otherwise); one label was corrected against the convention: Azure's ConcurrentUpdateError
 *   ("could not be completed because it has been updated by another process") is a concurrency
 *   conflict the same request passes once the other process is done, `RETRY`, not `NOTIFY_OWNER` — a
 *   rule written from the `NOTIFY_OWNER` label cost an `unseen2` action and was dropped. 28 `u6-` rows
 *   come from repositories the holdout also draws on (apache/spark, the Terraform provider, …).
 * - `unseen7`: 124 messages gathered blind from odd-numbered public threads no other split uses, by
 *   someone who never read the classifier (89 repositories: the Databricks CLI, SDKs, Terraform
 *   provider, dbt, drivers and VS Code extension, Spark, Delta, Hudi and Iceberg connectors, MLflow,
 *   kedro, dagster, prefect, dlt, SQLMesh, airbyte, cloud quota threads), gathered while the
 *   `unseen5` and `unseen6` rounds were written and measured only after the learned answer had
 *   replaced `unknown` (so no choice of that session was made on it). Its figures: the classifier the
 *   session began with (fd690ac) 81 and 77 of 124 right, 26 given up, 4 needless retries; with the
 *   `unseen5` round's rules alone 80 and 77 (they did not transfer); with the learned answer in place
 *   of `unknown` 88 and 92, 2 given up, 4 needless; with the `unseen6` round 90 and 91, 2 given up, 6
 *   needless. Two of those six came from the round's new lock rule, seen through the aggregates by
 *   rule (not the messages); the bare "could not acquire lock" wording then went to the owner by the
 *   convention (the corpus labels it both ways), leaving 90 and 90, 2 given up, 5 needless — so this
 *   split is nearly, not wholly, blind. The classifier with the learned action model (af8a9f1) got
 *   the same 90 and 90. It joined the tune set (ids `u7-`) when `unseen8` was gathered, as learned
 *   examples and without a round of rules read from its misses (rounds read from misses have not
 *   carried to the next blind set): only its five needless retries were read, and three became
 *   general rules — urllib3's own retry log quoted in a failure means its loop already ran; a lock
 *   manager with no lock object is a missing setting; a run Databricks ended in `INTERNAL_ERROR` is
 *   the platform's failure, not a blip. Two were left out for contradicting earlier rows of the same
 *   wording: Iceberg's "Retrying task after failure: Cannot commit" labelled `ESCALATE` (two earlier
 *   rows say `RETRY`), and a bare dropped connection ("Connection aborted … Remote end closed
 *   connection without response") labelled a timeout needing new settings, the corpus's commonest
 *   transient.
 * - `unseen8`: 150 messages gathered blind by two people who never read the classifier, from public
 *   threads no other row cites (checked by thread, whichever form its address takes): 38 (`u8-`) left
 *   of a first gathering of 130 once the 92 from threads already in the corpus were dropped (its
 *   check compared `owner/repo#N` with the older rows' full addresses), then 112 (`u9-`) from 77
 *   repositories around Spark and Databricks — connectors (BigQuery, GCS, Event Hubs, Elasticsearch,
 *   Neo4j, Snowflake, Redshift, ClickHouse, MongoDB, Kinesis), table formats (Iceberg, Hudi, Paimon,
 *   delta-rs, Trino's Delta connector), schedulers and sessions (dagster, Livy, Kyuubi, sparkmagic,
 *   the Spark operator), GPU and ML libraries, Databricks' own. The common wordings were nearly all
 *   taken already, so it leans on version clashes, settings and tools' own bugs (27 labelled
 *   `unknown`, 34 `ESCALATE`). Measured before anything of this session was chosen on it: the code
 *   the session began with (e765b74) 73 and 92 of 150 right (48.7 % / 61.3 %), 7 given up, 2 needless
 *   retries; with the learned action model and the `u7-` examples 75 and 95 (50.0 % / 63.3 %), 7, 2
 *   — 28 and 26 of the 38 `u8-` rows, 47 and 69 of the 112 `u9-`. Each row keeps the gatherer's one line on why it is
 *   labelled so. It joined the tune set (ids `u8-`, `u9-`) in the round after, as learned examples
 *   and with no rule read from its misses; only its two needless retries were read, and both were
 *   left out for contradicting eleven earlier rows (two of them holdout) of the same wording: an
 *   invalid session or operation handle labelled a tool's bug (`unknown`/`ESCALATE`) where every
 *   earlier row says the server closed the session (`timeout`/`RETRY`).
 * - `unseen10`: 150 messages gathered blind by two people who never read the classifier, from public
 *   threads no other row cites, while the round that moved `unseen8` into tune was being written (144
 *   kept: six repeated an earlier row's message word for word, short generic lines): 75
 *   from Databricks' own repositories and databrickslabs (the Terraform provider, ucx, Overwatch, the
 *   SDKs, dbx, spark-xml, the SQL connectors, MLflow), 75 from the tools around Spark (sparklyr,
 *   Spark NLP, the BigQuery connector, Hudi, Iceberg, Delta and delta-rs, Hail, SynapseML, Event Hubs,
 *   dagster, kedro, airbyte). Asked for every category in proportion to what users hit, not the
 *   exotic: of the 144 kept, config 32, dependency 20, data quality and missing object 13 each,
 *   one `unknown`, 34 `ESCALATE`. Measured once the round's code was merged and before anything was chosen on it: the
 *   code the round began with (a8bd95c) 93 and 101 of 144 right (64.6 % / 70.1 %), 2 given up,
 *   5 needless retries; the round's code (unseen8 as learned examples, the category over the
 *   categories alone) 92 and 100 (63.9 % / 69.4 %), 2, 5; after the round that narrowed plain
 *   RETRYs, 92 and 100, 2, 4. Each row keeps the gatherer's one line on why it is labelled so. It
 *   joined the tune set (ids `u10-`) in the round after, as unseen8 had, while `unseen11` was gathered
 *   to measure that round: 133 of its 144 rows, 11 left out for contradicting earlier rows of the
 *   same wording — 7 found by comparing every row's words with the earlier rows' (a missing table,
 *   an unresolved column, a 403 `PERMISSION_DENIED`, a Spark NLP resource not found, all labelled
 *   `ESCALATE` where earlier rows label them by what the text says; a wheel that cannot be found
 *   labelled `dependency` where an earlier row says `config`; sparklyr's gateway that did not respond
 *   labelled `config` where an earlier row says `network`), and its 4 needless retries, read as
 *   unseen8's were: a connect timeout, a bare `RemoteDisconnected`, a `RESOURCE_EXHAUSTED` for
 *   throttling and a concurrent-usage limit, each labelled something a retry cannot fix where earlier
 *   rows of the same wording are blips to retry (the thread, not the text, showed otherwise).
 * - `unseen11`: 150 messages gathered blind by two people who never read the classifier, from public
 *   threads no other row cites, while the round that moved `unseen10` into tune was being written: 75
 *   from Databricks' own repositories and the tools that call them (the Terraform provider, the CLIs,
 *   the SDKs, the SQL connectors, ucx, MLflow, Delta Sharing, Azure's SDKs) and 75 from the tools
 *   around Spark (Hudi, Iceberg, delta-rs, Delta, connectors for Cosmos DB, Event Hubs, BigQuery,
 *   Snowflake, Excel, Hadoop's file systems). A third person, who saw neither the classifier nor the
 *   first labels, labelled every message again (`second_label`): the two agree on 119 categories and
 *   109 actions of 150 (79.3 % / 72.7 %; 85.9 % of categories where neither said `unknown`), which is
 *   about as well as anyone can be judged on such a set. Measured once, before anything was chosen on
 *   it: the code the round began with (87d2cb2) 100 and 98 of 150 right (66.7 % / 65.3 %), 4 given
 *   up, 4 needless retries; the round's code (`unseen10` in tune, its misses read by kind) 100 and 99
 *   (66.7 % / 66.0 %), 5 given up, 4 needless retries — the rules read from one blind set again did not carry to the next. On the rows both
 *   labellers agree on: 91 of 119 categories (76.5 %) and 89 of 109 actions (81.7 %). It joined the
 *   tune set (ids `u11a-`, `u11b-`, each keeping its `second_label`) in the round after, while
 *   `unseen12` was gathered to measure that round: only the 94 rows whose two labellers agree on both
 *   category and action were candidates (repository-grouped cross-validation with the 56 disputed
 *   rows joined under the first label, under the second, or where the categories agree moved nothing
 *   beyond a few rows either way, so no tune label is one a second careful reader disputes), and 88
 *   joined: 6 were left out for contradicting earlier rows of the same wording (Simba's "(1170)
 *   Unexpected response received from server" and a `CAST_WITHOUT_SUGGESTION` labelled otherwise
 *   before, a missing `_delta_log` file and delta-rs's "Failed to commit transaction: 15" given other
 *   actions than earlier rows of that wording, and its 2 needless retries, a bundle's deploy lock and a
 *   closed `SessionHandle`, each a wait or a blip to retry in earlier rows).
 * - `unseen12`: 150 messages gathered blind by two people who never read the classifier, from public
 *   threads no other row cites, while the round that moved `unseen11` into tune was being written: 75
 *   from Databricks' own tools (ucx, the Terraform provider, dbdemos, the CLI, dolly, dbt-databricks,
 *   the SDKs and drivers, MLflow, the VS Code extension) and 75 from the tools around Spark (Spark's own
 *   PRs, Hudi, delta-rs, Delta, Iceberg, the BigQuery, Snowflake, GCS, Kinesis and S3A connectors,
 *   xgboost, Spark NLP, SynapseML, petastorm, pydeequ, sparklyr); one repeated an earlier row's message
 *   word for word and was dropped, leaving 149. Labelled twice, as `unseen11` was: the two labellers
 *   agree on 119 categories and 116 actions (79.9 % / 77.9 %). Measured once, before anything was
 *   chosen on it: the code the round began with 99 and 103 of 149 right (66.4 % / 69.1 %), 7 given up,
 *   4 needless retries, and on the agreed rows 92 of 119 and 93 of 116; the round's code (`unseen11` in
 *   tune, its agreed misses read by kind) 101 and 104 (67.8 % / 69.8 %), 7, 4, and on the agreed rows
 *   94 of 119 (79.0 %) and 94 of 116 (81.0 %) — two categories and one action carried. It joined the
 *   tune set (ids `u12a-`, `u12b-`, each keeping its `second_label`) in the round after, measured by
 *   `unseen13`: only the 97 rows whose two labellers agree on both category and action were
 *   candidates, and 91 joined: 6 were left out for contradicting earlier rows of the same wording (a
 *   cluster "in unexpected state Running", a wait to retry in three earlier rows; an
 *   `UNRESOLVED_COLUMN` and a refused connection inside a stage failure given other actions than
 *   earlier rows of that wording; a `PERMISSION_DENIED` for missing Git credentials, `config` before;
 *   Spark's "Initial job has not accepted any resources", another action before) and its needless
 *   retry, a bare `Connection refused`, which earlier rows label a blip to retry or the owner's.
 * - `unseen13`: 139 messages gathered blind at the end of the round that measured `unseen12`, by two
 *   people who never read the classifier, from threads no other row cites (68 from Databricks' own
 *   tools and the schedulers and catalogues that call them, 71 from Spark and the tools around it); two
 *   repeated an earlier row's message and were dropped, leaving 137. Labelled twice: the labellers agree
 *   on 106 categories and 107 actions (77.4 % / 78.1 %). Measured once on the code as it was when it was
 *   gathered (the same as `unseen12`'s "after"): 89 and 88 of 137 right (65.0 % / 64.2 %), 4 given up,
 *   5 needless retries; where the labellers agree, 80 of 106 categories (75.5 %) and 82 of 107 actions
 *   (76.6 %). Nothing was chosen on it; nobody has read its messages. Measured once more on the code
 *   of the round that moved `unseen12` into tune, after all of it was chosen: 91 and 89 of 137
 *   (66.4 % / 65.0 %), 4 given up, 4 needless retries; where the labellers agree, 82 of 106 (77.4 %)
 *   and 83 of 107 (77.6 %). It joined the tune set (ids `u13a-`, `u13b-`, each keeping its
 *   `second_label`) in the round after, measured by `unseen14`: only the 87 rows whose two labellers
 *   agree on both category and action were candidates, and 85 joined: one was left out for
 *   contradicting earlier rows of the same wording (a "cannot resolve … due to data type mismatch:
 *   cannot cast", `syntax` for the owner in eight earlier rows) and its agreed needless retry (a Hive
 *   metastore client that cannot be instantiated, a blip to retry in an earlier row of that wording).
 * - `unseen14`: 91 messages gathered blind after that round, by two people who never read the
 *   classifier, from threads no other row cites (70 from Databricks' own tools, the Terraform provider,
 *   Azure Data Factory and Synapse, delta-rs, koalas and dbt; 21 more from a second gatherer who found
 *   most threads on everyday errors already used, so the set leans to settings and libraries: 33
 *   `config` and 24 `dependency` by the first labels). Labelled twice: the labellers agree on 78
 *   categories and 85 actions (85.7 % / 93.4 %). Measured once, on the code of the round that moved
 *   `unseen12` into tune: 56 and 77 of 91 (61.5 % / 84.6 %), 5 given up, no needless retry; where the
 *   labellers agree, 51 of 78 (65.4 %) and 73 of 85 (85.9 %). Nothing was chosen on it. Measured once
 *   more on the code of the round that moved `unseen13` into tune, after all of it was chosen: 58 and 77
 *   of 91 (63.7 % / 84.6 %), 4 given up, no needless retry; where the labellers agree, 52 of 78 (66.7 %)
 *   and 74 of 85 (87.1 %). It joined the tune set (ids `u14a-`, `u14b-`, each keeping its
 *   `second_label`) in the round after, measured by `unseen15`: only the 74 rows whose two labellers
 *   agree on both category and action were candidates, and 68 joined; six were left out for
 *   contradicting earlier rows of the same wording (the Go SDK's "invalid character '<' looking for
 *   beginning of value", "Finding instances for new nodes" as a plain retry, delta-rs's "Not a Delta
 *   table: No snapshot or version 0 found", py4j's "Method …([]) does not exist", "query parameters
 *   are not supported", and the Terraform provider's "permissions for … are …, but have to be …").
 * - `unseen15`: 146 messages gathered blind after the round that moved `unseen13` into tune, by two
 *   people who never read the classifier: 80 from outside issue threads (Databricks knowledge-base
 *   articles, Microsoft Learn troubleshooting pages, the Databricks community forum, question-and-answer
 *   sites, blogs; some plain Spark on HDInsight, Synapse and Data Factory) and 66 from issue threads in
 *   repositories no earlier gatherer reached; one repeated an earlier row's message and one repeated
 *   another of its own, leaving 144 (`config` 37, `dependency` 28, `permission` 16 by the first
 *   labels). Labelled twice: the labellers agree on 120 categories and 125 actions (83.3 % / 86.8 %).
 *   Measured once, on the code of the round that moved `unseen13` into tune: 92 and 108 of 144
 *   (63.9 % / 75.0 %), 4 given up, 8 needless retries; where the labellers agree, 86 of 120 (71.7 %)
 *   and 105 of 125 (84.0 %). Nothing was chosen on it. Measured once more on the code of the round
 *   that moved `unseen14` into tune, after all of it was chosen: the same counts, row for row in each
 *   (92 and 108 of 144, 4 given up, 8 needless retries; 86 of 120 and 105 of 125).
 */
interface CorpusRow {
  id: string;
  split: 'tune' | 'holdout' | 'unseen2' | 'unseen15';
  message: string;
  error_code?: string;
  termination_code?: string;
  expected_category: string;
  expected_action: string;
  source: string;
  /** A second, independent labeller's answer (`u11a-` … `u14b-`, `unseen15`): how far two careful people agree. */
  second_label?: { category: string; action: string };
}

const CORPUS_PATH = new URL('../../fixtures/errors/real-errors.jsonl', import.meta.url);
const rows: CorpusRow[] = readFileSync(CORPUS_PATH, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CorpusRow);

const tuneRows = rows.filter((r) => r.split === 'tune');
const holdoutRows = rows.filter((r) => r.split === 'holdout');
const unseen2Rows = rows.filter((r) => r.split === 'unseen2');
const unseen15Rows = rows.filter((r) => r.split === 'unseen15');

/** Rows labelled twice whose two labellers agree on the category, and those agreeing on the action. */
function agreedRows(subset: readonly CorpusRow[]): { category: CorpusRow[]; action: CorpusRow[] } {
  return {
    category: subset.filter((r) => r.second_label?.category === r.expected_category),
    action: subset.filter((r) => r.second_label?.action === r.expected_action),
  };
}

/**
 * Issue 16's targets (item 1), for both splits the patterns were not written from. `unknown` counts
 * answers that gave up on an error whose label names a category: some real errors are labelled
 * `unknown` (SDK parse bugs, provider crashes) and answering `unknown` for those is right, so they
 * cannot count against the classifier. The raw share is printed beside it. Printed with every run
 * until they are met.
 */
const TARGETS = { category: 0.9, action: 0.85, unknown: 0.03 } as const;
/**
 * What the classifier reaches on the holdout today (160 and 163 of 170 right, one given up, no
 * needless retry), rounded towards failing: a change that makes any of them worse fails here. The
 * 160th category came when the learned layer began predicting the category over the categories
 * alone instead of summing its (category, action) pairs (chosen by repository-grouped
 * cross-validation on tune, bench/learned-classifier.bench.ts). The 163rd action came when the `u7-` rows joined the learned layer's examples. The 162nd action came when the learned layer began predicting the action apart from the category
 * (chosen by repository-grouped cross-validation on tune, bench/learned-classifier.bench.ts); it was
 * 159 and 161 before that, and 160 and 162 until the `u6-` rows joined the learned layer's examples: a row the rules leave alone,
 * which had fallen back to `unknown`, now shares two tokens with them and gets a wrong guess
 * (confidence 0.19); none of that round's rules changed a holdout answer. It was 163 and 165 until the learned answer replaced every `unknown` it has two known tokens for, whatever
 * its confidence: three holdout rows labelled `unknown` now get a wrong guess, while on the blind
 * `unseen6` set twenty rows given up became eight more right categories and five more right actions
 * (the trade is in classify-error.ts, by DEFAULT_LEARNED_POLICY). It was
 * 162 and 164 from the round that moved `unseen3` into tune until the round that moved `unseen5` in,
 * whose general rules added one of each (a workspace whose worker environment is not ready yet is
 * capacity to retry, a rule read from two older tune rows); 47 of the `u5-` rows come from
 * repositories the holdout also draws on, so gains from rules read from them would be less independent. The holdout was read once, by kind, to find the rules its
 * misses broke (wrappers outranking causes, status codes and exception families not read); the fixes
 * are general rules backed by new tune rows. The rules alone reached 161 and 164 before those rounds;
 * the learned layer (trained on the tune rows only) added one.
 */
const HOLDOUT_FLOOR = { category: 0.941, action: 0.958, unknown: 0.006, needlessRetries: 0 } as const;
/**
 * What the classifier reaches on the second unseen split today (76 and 80 of 80 right, none given
 * up, no needless retry), rounded towards failing: 76 and 79 until the `u10-` rows joined the learned
 * layer's examples, which turned one learned answer's action right (no rule changed); 75 and 79 from when the `u8-` and `u9-` rows
 * joined the learned layer's examples, which turned one learned answer into a wrong category (no
 * rule changed), until the learned category came from the categories alone rather than the sum of
 * their pairs, which turned it back; 76 and 79 before; 75 and 79 until the `u6-` rows joined the learned
 * layer's examples, which turned one learned guess into the right category (no rule changed an
 * answer; one rule, written from a label then corrected, cost an action here and was dropped);
 * 75 and 79 since the learned answer replaces every `unknown` it has evidence for, 75 and 78, 2 given up, just before that; it was 63 and 68 of 80, 11 given up, when the rows
 * were gathered, 72 and 75, 5 given up, with the rules alone before the learned layer, 73 and 78,
 * 2 given up, before the round that moved `unseen4` into tune, and 75 and 79, 1 given up, until the
 * `u5-` rows joined the learned layer's examples: one row it had answered with a wrong category whose
 * action happened to match (confidence 0.5) it now leaves to the fallback (no rule changed it). Its
 * rows came from the same searches as the `pub5-` tune rows, so it is less independent of the rules
 * written in that round than a split gathered blind by someone who never read the classifier.
 */
const UNSEEN2_FLOOR = { category: 0.949, action: 0.999, unknown: 0, needlessRetries: 0 } as const;
/**
 * What the classifier reaches on `unseen15` (92 and 108 of 144 right, 4 given up, 8 needless retries;
 * 86 of 120 and 105 of 125 where its labellers agree), rounded towards failing: measured once on the
 * code of the round that moved `unseen13` into tune, before anything was chosen on it, and again,
 * unchanged, on the code of the round that moved `unseen14` into tune, after all of it was chosen (its
 * rules for lasting causes behind blip wording changed none of these answers). Its needless retries
 * are a floor to come down from, not a target.
 */
const UNSEEN15_FLOOR = { category: 0.638, action: 0.75, unknown: 0.028, needlessRetries: 8 } as const;
const UNSEEN15_AGREED_FLOOR = { category: 0.716, action: 0.84 } as const;
/**
 * Tune targets are higher: most of these are the messages the patterns were written from. The
 * category target was 0.95 until the 122 `u7-` rows joined as learned examples with no rules read
 * from their misses (about three in four of their categories are right, as when they were blind),
 * 0.94 until the 148 `u8-` and `u9-` rows joined the same way (about half of theirs are right), and
 * 0.925 and 0.92 until the 133 `u10-` rows joined the same way (92.3 % / 91.3 % with them: about two
 * in three of their categories and three in four of their actions are right held out); 0.92 and 0.91
 * just after, and 0.93 and 0.915 once that round's rules, read from their misses by kind, reached
 * 93.5 % / 91.6 %; 0.91 for actions just after the 88 `u11a-`/`u11b-` rows joined the same way
 * (93.4 % / 91.4 % with them), 0.915 again once that round's rules reached 93.7 % / 91.6 %. The 91
 * `u12a-`/`u12b-` rows joined without lowering either (93.4 % / 91.7 % with them, 94.0 % / 91.9 %
 * once that round's rules were read from their misses), the 85 `u13a-`/`u13b-` rows the same way
 * (93.7 % / 91.5 % with them, 94.4 % / 91.8 % after that round's rules), and the 68 `u14a-`/`u14b-`
 * rows the same way (94.2 % / 91.9 % with them, 94.4 % / 91.9 % after that round's rules).
 */
const TUNE_TARGETS = { category: 0.93, action: 0.915, unknown: 0.02 } as const;

interface Outcome {
  row: CorpusRow;
  category: string;
  action: string;
  rule: string;
}

interface Report {
  total: number;
  category: number;
  action: number;
  /** Share answered `unknown` although the label names a category: the classifier gave up. */
  unknown: number;
  /** Share answered `unknown` at all, including errors labelled `unknown` (platform bugs nobody can attribute). */
  unknownAny: number;
  /** Plain RETRY proposed for an error whose labelled action is not RETRY: retries that cannot help. */
  needlessRetries: Outcome[];
  misses: Outcome[];
  perCategory: Map<string, { right: number; total: number }>;
}

function evaluate(subset: readonly CorpusRow[]): Report {
  const report: Report = {
    total: subset.length,
    category: 0,
    action: 0,
    unknown: 0,
    unknownAny: 0,
    needlessRetries: [],
    misses: [],
    perCategory: new Map(),
  };
  let category = 0;
  let action = 0;
  let unknown = 0;
  let unknownAny = 0;
  for (const row of subset) {
    const got = classifyError({
      message: row.message,
      errorCode: row.error_code,
      terminationCode: row.termination_code,
    });
    const outcome = { row, category: got.category, action: got.action, rule: got.rule };
    const bucket = report.perCategory.get(row.expected_category) ?? { right: 0, total: 0 };
    bucket.total += 1;
    if (got.category === row.expected_category) {
      category += 1;
      bucket.right += 1;
    }
    report.perCategory.set(row.expected_category, bucket);
    if (got.action === row.expected_action) action += 1;
    if (got.category === 'unknown') unknownAny += 1;
    if (got.category === 'unknown' && row.expected_category !== 'unknown') unknown += 1;
    if (got.action === 'RETRY' && row.expected_action !== 'RETRY') report.needlessRetries.push(outcome);
    if (got.category !== row.expected_category || got.action !== row.expected_action) {
      report.misses.push(outcome);
    }
  }
  report.category = category / subset.length;
  report.action = action / subset.length;
  report.unknown = unknown / subset.length;
  report.unknownAny = unknownAny / subset.length;
  return report;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function summary(name: string, r: Report): string[] {
  const perCategory = [...r.perCategory.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cat, { right, total }]) => `${cat} ${right}/${total}`)
    .join(', ');
  return [
    `${name} (${r.total}): category ${pct(r.category)}, action ${pct(r.action)}, gave up (unknown) ${pct(r.unknown)}, ` +
      `unknown at all ${pct(r.unknownAny)}, needless RETRY ${r.needlessRetries.length}`,
    `  per expected category: ${perCategory}`,
  ];
}

const describeMiss = (o: Outcome): string =>
  `${o.row.id} expected ${o.row.expected_category}/${o.row.expected_action}, got ${o.category}/${o.action} (${o.rule})`;

const tune = evaluate(tuneRows);
const holdout = evaluate(holdoutRows);
const unseen2 = evaluate(unseen2Rows);
const unseen15 = evaluate(unseen15Rows);

console.info(
  [
    ...summary('tune', tune),
    ...tune.misses.map((o) => `  tune miss ${describeMiss(o)}`),
    ...summary('holdout', holdout),
    ...summary('unseen2', unseen2),
    ...summary('unseen15', unseen15),
    // Holdout and unseen rows stay unread: only how many, never which, so the patterns cannot be fitted to them.
  ].join('\n'),
);

/** `owner/repo` of a source: a GitHub URL or the short `owner/repo#N` form. */
function repoOf(source: string): string | null {
  const match = /^(?:https:\/\/github\.com\/)?([\w.-]+\/[\w.-]+?)(?:#\d+|\/(?:issues|pull)\/\d+)/.exec(
    source.trim(),
  );
  return match?.[1]?.toLowerCase() ?? null;
}

describe('the labelled corpus of real error messages', () => {
  it('has at least 500 messages, each with a source, a label and a unique id', () => {
    expect(rows.length).toBeGreaterThanOrEqual(500);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row.source.length, row.id).toBeGreaterThan(0);
      expect(row.message.trim().length, row.id).toBeGreaterThan(0);
      expect(['tune', 'holdout', 'unseen2', 'unseen15'], row.id).toContain(row.split);
    }
  });

  it('keeps at least 150 holdout messages from public issue threads, and no new tune row from their repositories', () => {
    expect(holdoutRows.length).toBeGreaterThanOrEqual(150);
    for (const row of holdoutRows)
      expect(repoOf(row.source), `${row.id} needs a GitHub source`).not.toBeNull();
    const holdoutRepos = new Set(holdoutRows.map((r) => repoOf(r.source)));
    // Tune rows written as `owner/repo#N` before the split was made share a repository with the
    // holdout in 20 cases (the Terraform provider, ucx, …); the check once read only full URLs and
    // missed them. They stay, counted; no tune row may add to them.
    // The former `fresh-`, `unseen-`, `unseen3-`, `u4-` … `u10-`, `u11a-` … `u14b-` rows were gathered
    // blind, as measured sets, so they are not rows written from holdout repositories and do not count here.
    // `fresh-` rows, measured as a set before they joined, count here too (the benchmark's blind tally leaves them out).
    const blind = (r: CorpusRow): boolean => r.id.startsWith('fresh-') || gatheredBlind(r.id);
    const shared = tuneRows.filter((r) => !blind(r) && holdoutRepos.has(repoOf(r.source)));
    expect(shared.length, shared.map((r) => `${r.id} ${r.source}`).join(', ')).toBeLessThanOrEqual(20);
  });

  it('holds no tune row whose second labeller disputed its category or action', () => {
    const labelledTwice = tuneRows.filter((r) => r.second_label !== undefined);
    const agreed = agreedRows(labelledTwice);
    expect(labelledTwice.length).toBeGreaterThan(0);
    expect(agreed.category.length).toBe(labelledTwice.length);
    expect(agreed.action.length).toBe(labelledTwice.length);
  });

  it('does not hold the same message twice', () => {
    const seen = new Map<string, string>();
    for (const row of rows) {
      const key = row.message.replace(/\s+/g, ' ').trim().toLowerCase();
      expect(seen.get(key), `${row.id} repeats ${seen.get(key)}`).toBeUndefined();
      seen.set(key, row.id);
    }
  });
});

/** The floors a split the patterns were not written from must keep, as sentences. */
interface Floor {
  category: number;
  action: number;
  unknown: number;
  needlessRetries: number;
}

function keepsItsFloor(report: Report, floor: Floor): void {
  it(`gets the category right for at least ${pct(floor.category)}`, () => {
    expect(report.category).toBeGreaterThanOrEqual(floor.category);
  });

  it(`gets the action right for at least ${pct(floor.action)}`, () => {
    expect(report.action).toBeGreaterThanOrEqual(floor.action);
  });

  it(`gives up (unknown for a categorisable error) on at most ${pct(floor.unknown)}`, () => {
    expect(report.unknown).toBeLessThanOrEqual(floor.unknown);
  });

  it(`proposes a plain RETRY for an error a retry cannot fix at most ${floor.needlessRetries} times`, () => {
    // Ids only: enough to find the pattern that retried, without printing the messages.
    expect(
      report.needlessRetries.length,
      report.needlessRetries.map((o) => `${o.row.id} (${o.rule})`).join(', '),
    ).toBeLessThanOrEqual(floor.needlessRetries);
  });
}

/** `owner/repo#N` of a GitHub thread, whichever form the source is written in; else the source. */
function threadOf(source: string): string {
  const match = /^(?:https:\/\/github\.com\/)?([\w.-]+\/[\w.-]+?)(?:#|\/(?:issues|pull)\/)(\d+)/.exec(
    source.trim(),
  );
  return match === null ? source.trim().toLowerCase() : `${match[1]?.toLowerCase()}#${match[2]}`;
}

// Not yet at issue 16's targets: the floors keep what was reached, the line below shows the way left.
console.info(
  `targets (issue 16) for holdout and the unseen splits: category ${pct(TARGETS.category)}, action ${pct(TARGETS.action)}, gave up ≤ ${pct(TARGETS.unknown)}, no needless RETRY`,
);

describe('classifier accuracy on messages the patterns were never fitted to (holdout)', () => {
  keepsItsFloor(holdout, HOLDOUT_FLOOR);
});

/** The floors on the rows of a twice-labelled split whose two labellers agree with each other. */
interface AgreedFloor {
  category: number;
  action: number;
}

/**
 * A split gathered blind: at least 80 rows, each from a thread no other split uses, and its floor.
 * A split labelled twice (`second_label` on every row, as `unseen11` was) also names the floor on the
 * rows its labellers agree on — the figure least tied to one person's reading — and prints how far
 * they agree.
 */
function measuredSplit(
  split: CorpusRow['split'],
  subset: readonly CorpusRow[],
  report: Report,
  floor: Floor,
  agreedFloor?: AgreedFloor,
): void {
  it(`keeps at least 80 ${split} messages, each from a public thread no other split uses`, () => {
    expect(subset.length).toBeGreaterThanOrEqual(80);
    const seenElsewhere = new Set(rows.filter((r) => r.split !== split).map((r) => threadOf(r.source)));
    for (const row of subset) {
      expect(row.source, row.id).toMatch(/^https:\/\//);
      expect(seenElsewhere.has(threadOf(row.source)), row.id).toBe(false);
    }
  });

  keepsItsFloor(report, floor);
  if (agreedFloor !== undefined) keepsItsAgreedFloor(split, subset, agreedFloor);
}

function keepsItsAgreedFloor(split: string, subset: readonly CorpusRow[], floor: AgreedFloor): void {
  const agreed = agreedRows(subset);
  const category = evaluate(agreed.category).category;
  const action = evaluate(agreed.action).action;
  console.info(
    `${split}: its labellers agree on ${pct(agreed.category.length / subset.length)} of categories and ${pct(agreed.action.length / subset.length)} of actions; ` +
      `where they agree the classifier gets ${pct(category)} of ${agreed.category.length} categories, ${pct(action)} of ${agreed.action.length} actions`,
  );

  it("was labelled twice, by people who did not see each other's labels", () => {
    expect(subset.every((r) => r.second_label !== undefined)).toBe(true);
  });

  it(`gets the category right for at least ${pct(floor.category)} of the rows both labellers agree on`, () => {
    expect(category).toBeGreaterThanOrEqual(floor.category);
  });

  it(`gets the action right for at least ${pct(floor.action)} of the rows both labellers agree on`, () => {
    expect(action).toBeGreaterThanOrEqual(floor.action);
  });
}

describe('classifier accuracy on a second set gathered blind in the issue-16 round (unseen2)', () => {
  measuredSplit('unseen2', unseen2Rows, unseen2, UNSEEN2_FLOOR);
});

describe('classifier accuracy on a set gathered blind and labelled twice after the unseen13 round, half of it outside issue threads (unseen15)', () => {
  measuredSplit('unseen15', unseen15Rows, unseen15, UNSEEN15_FLOOR, UNSEEN15_AGREED_FLOOR);
});

describe('classifier accuracy on the messages the patterns were written from (tune)', () => {
  it('meets the tune targets for category, action and unknown', () => {
    expect(tune.category).toBeGreaterThanOrEqual(TUNE_TARGETS.category);
    expect(tune.action).toBeGreaterThanOrEqual(TUNE_TARGETS.action);
    expect(tune.unknown).toBeLessThanOrEqual(TUNE_TARGETS.unknown);
  });

  it('never proposes a plain RETRY for an error a retry cannot fix', () => {
    expect(tune.needlessRetries.map(describeMiss)).toEqual([]);
  });
});
