import { describe, expect, it } from 'vitest';
import {
  type Classification,
  classifyError,
  classifyErrorWithSecondOpinion,
  createErrorClassifier,
  isLearnedRule,
} from '../../../src/agents/classifier/classify-error.js';
import {
  loadDefaultErrorPatterns,
  parseErrorPatterns,
} from '../../../src/agents/classifier/error-patterns.js';

const verdict = (message: string, extra: Partial<Parameters<typeof classifyError>[0]> = {}) =>
  classifyError({ message, ...extra });

describe('classifyError by family', () => {
  it.each([
    ['java.lang.OutOfMemoryError: Java heap space', 'resource', 'RETRY_WITH_NEW_PARAMS'],
    ['java.lang.OutOfMemoryError: GC overhead limit exceeded', 'resource', 'RETRY_WITH_NEW_PARAMS'],
    ['java.lang.OutOfMemoryError: Metaspace', 'resource', 'RETRY_WITH_NEW_PARAMS'],
    [
      'Container killed by YARN for exceeding memory limits. 5.5 GB of 5.5 GB physical memory used.',
      'resource',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      'org.apache.spark.shuffle.FetchFailedException: Failed to connect to host/10.0.0.1:7337',
      'resource',
      'RETRY_WITH_NEW_PARAMS',
    ],
    ['Could not execute broadcast in 300 secs.', 'timeout', 'RETRY_WITH_NEW_PARAMS'],
    ['org.apache.spark.SparkException: Task not serializable', 'syntax', 'NOTIFY_OWNER'],
    ["ModuleNotFoundError: No module named 'great_expectations'", 'dependency', 'NOTIFY_OWNER'],
    ["KeyError: 'amount'", 'data_quality', 'NOTIFY_OWNER'],
    ["AttributeError: 'NoneType' object has no attribute 'split'", 'syntax', 'NOTIFY_OWNER'],
    ['ZeroDivisionError: division by zero', 'data_quality', 'NOTIFY_OWNER'],
    ['MemoryError', 'resource', 'RETRY_WITH_NEW_PARAMS'],
    [
      '[DELTA_CONCURRENT_APPEND] Files were added to the root of the table by a concurrent update.',
      'concurrency',
      'RETRY',
    ],
    [
      '[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] Cannot perform Merge as multiple source rows matched',
      'data_quality',
      'NOTIFY_OWNER',
    ],
    ["[DELTA_FAILED_TO_MERGE_FIELDS] Failed to merge fields 'a' and 'a'", 'data_quality', 'NOTIFY_OWNER'],
    ['[SCHEMA_NOT_FOUND] The schema `main`.`x` cannot be found.', 'missing_object', 'NOTIFY_OWNER'],
    ["[NO_SUCH_CATALOG_EXCEPTION] Catalog 'x' was not found.", 'missing_object', 'NOTIFY_OWNER'],
    [
      '[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have MODIFY on Table main.a.b.',
      'permission',
      'NOTIFY_OWNER',
    ],
    ['Status Code: 403; Error Code: AccessDenied', 'permission', 'NOTIFY_OWNER'],
    ['java.net.UnknownHostException: foo.example.com', 'config', 'NOTIFY_OWNER'],
    ['socket.gaierror: [Errno -3] Temporary failure in name resolution', 'network', 'RETRY'],
    [
      'requests.exceptions.ReadTimeout: Read timed out. (read timeout=60)',
      'timeout',
      'RETRY_WITH_NEW_PARAMS',
    ],
    ['java.net.SocketTimeoutException: connect timed out', 'network', 'RETRY'],
    ['[INVALID_HANDLE.SESSION_CLOSED] The handle abc is invalid. Session was closed.', 'timeout', 'RETRY'],
    ['[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed', 'network', 'NOTIFY_OWNER'],
    ['INVALID_STATE: Cluster 0101-abc is in unexpected state Pending.', 'concurrency', 'RETRY'],
    [
      'Cluster terminated. Reason: AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE',
      'capacity',
      'RETRY_WITH_NEW_PARAMS',
    ],
    ['ZONE_RESOURCE_POOL_EXHAUSTED', 'capacity', 'RETRY_WITH_NEW_PARAMS'],
    ['REQUEST_LIMIT_EXCEEDED: RPC token bucket limit has been exceeded.', 'network', 'RETRY'],
    ['[PARSE_SYNTAX_ERROR] Syntax error at or near end of input.', 'syntax', 'NOTIFY_OWNER'],
    ['Compilation Error in model orders (models/orders.sql)', 'syntax', 'NOTIFY_OWNER'],
    ['Error: default auth: cannot configure default credentials', 'config', 'NOTIFY_OWNER'],
    ["Flow 'silver' had 3 rows that failed expectations", 'data_quality', 'NOTIFY_OWNER'],
    // A setting of the wrong type is configuration, though a conversion exception reports it.
    [
      'java.lang.IllegalArgumentException: spark.sql.shuffle.partitions should be int, but was auto',
      'config',
      'NOTIFY_OWNER',
    ],
    [
      'java.lang.NumberFormatException: For input string: "4g"\n\tat java.lang.Integer.parseInt(Integer.java:615)\n\tat org.apache.spark.SparkConf.getInt(SparkConf.scala:184)',
      'config',
      'NOTIFY_OWNER',
    ],
    ['java.lang.NumberFormatException: For input string: "n/a"', 'data_quality', 'NOTIFY_OWNER'],
    // Spark 3 cannot read the datetime pattern written in the code.
    [
      "[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION] Spark >= 3.0: Fail to recognize 'YYYY-ww' pattern in the DateTimeFormatter.",
      'syntax',
      'NOTIFY_OWNER',
    ],
    // A bracketed word followed by another bracket is a value in a printed list, not an error class.
    ['permissions are &{[{admins [ALL_PRIVILEGES] []}]}, but have to be {[]}', 'unknown', 'ESCALATE'],
    // The limit's own wording outranks the envelope code it arrives in.
    ['INVALID_STATE: Workspace limit exceeded, only 20 workspaces are allowed', 'capacity', 'NOTIFY_OWNER'],
    // A JVM class that failed to initialise, relayed by its message through gRPC.
    [
      'details = "Could not initialize class com.example.udf.Registry" status = StatusCode.UNKNOWN',
      'dependency',
      'NOTIFY_OWNER',
    ],
    // A client's own deadline wants more time, not the same call again.
    ['rpc error: code = DeadlineExceeded desc = stream terminated', 'timeout', 'RETRY_WITH_NEW_PARAMS'],
    // dbt: a compile error inside a macro the model called is the macro's package, not the model.
    [
      "Compilation Error in model orders (models/orders.sql)\n  'None' has no attribute 'get'\n  > in macro materialization_incremental_databricks (macros/materializations/incremental.sql)",
      'dependency',
      'NOTIFY_OWNER',
    ],
    [
      "Compilation Error in model orders (models/orders.sql)\n  'amount' is undefined",
      'syntax',
      'NOTIFY_OWNER',
    ],
    // Nothing listens on this machine's port: a retry does not start the server.
    [
      "HTTPConnectionPool(host='localhost', port=5000): Max retries exceeded (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
      'network',
      'NOTIFY_OWNER',
    ],
    // A remote refusal too: nothing listens at that host and port, and nothing says it soon will.
    [
      'java.net.ConnectException: Connection refused: db.internal.example/10.1.2.3:5432',
      'network',
      'NOTIFY_OWNER',
    ],
    // A refusal naming nothing it came from is as likely a local server that never started.
    ['ConnectionRefusedError: [Errno 111] Connection refused', 'network', 'NOTIFY_OWNER'],
    // Tools around Spark: each keyed on what that tool always prints for the kind.
    ['Livy session 12 did not start up in 120 seconds.', 'timeout', 'RETRY_WITH_NEW_PARAMS'],
    ["requirement failed: Session isn't active.", 'timeout', 'RETRY_WITH_NEW_PARAMS'],
    [
      'org.apache.iceberg.exceptions.CommitFailedException: Cannot commit db.events: metadata location s3://b/m/2.json has changed from s3://b/m/1.json',
      'concurrency',
      'RETRY',
    ],
    ['_internal.DeltaError: Failed to commit transaction: 15', 'concurrency', 'NOTIFY_OWNER'],
    [
      'org.apache.kafka.common.errors.ProducerFencedException: There is a newer producer with the same transactionalId',
      'concurrency',
      'NOTIFY_OWNER',
    ],
    [
      'WARN TaskSchedulerImpl: Initial job has not accepted any resources; check your cluster UI',
      'capacity',
      'RETRY_WITH_NEW_PARAMS',
    ],
    ['java.util.NoSuchElementException: spark.sql.catalog.lake.uri', 'config', 'NOTIFY_OWNER'],
    [
      'java.lang.RuntimeException: Failed to initialize MemoryUtil. You must start Java with `--add-opens=java.base/java.nio=ALL-UNNAMED`\nCaused by: java.lang.reflect.InaccessibleObjectException: Unable to make field long java.nio.Buffer.address accessible: module java.base does not "opens java.nio" to unnamed module',
      'config',
      'NOTIFY_OWNER',
    ],
    [
      'py4j.Py4JException: Method transform([class org.apache.spark.sql.Dataset, class java.lang.Integer]) does not exist',
      'dependency',
      'NOTIFY_OWNER',
    ],
    ["TypeError: 'JavaPackage' object is not callable", 'dependency', 'NOTIFY_OWNER'],
    ['msal: Failed to acquire token for the service principal', 'permission', 'NOTIFY_OWNER'],
    [
      "[PARSE_SYNTAX_ERROR] Syntax error at or near 'CALL'. SQLSTATE: 42601\n== SQL ==\nCALL cat.system.rewrite_data_files('db.t')",
      'config',
      'NOTIFY_OWNER',
    ],
    [
      'command-4021:7: error: value withColum is not a member of org.apache.spark.sql.DataFrame',
      'syntax',
      'NOTIFY_OWNER',
    ],
    [
      'Error: cannot read job: Get "https://adb-1.azuredatabricks.net/api/2.1/jobs/get?job_id=5": EOF',
      'network',
      'RETRY',
    ],
    // The server refusing the TLS settings is met again on the next handshake.
    [
      'javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version',
      'network',
      'NOTIFY_OWNER',
    ],
    // A quota's own wording outranks the 403 / PERMISSION_DENIED Google Cloud sends it in.
    [
      '{"code":403,"message":"Insufficient regional quota to satisfy request: resource \\"CPUS\\"","status":"PERMISSION_DENIED"}',
      'capacity',
      'NOTIFY_OWNER',
    ],
    [
      'Error: Failed to acquire deployment lock: deploy lock acquired by someone@example.com',
      'concurrency',
      'RETRY',
    ],
    [
      'Error: cannot load config file ~/.databrickscfg: profile "staging" not found',
      'config',
      'NOTIFY_OWNER',
    ],
    ['Error: expected "autoscale.0.min_workers" to be at least (1), got 0', 'config', 'NOTIFY_OWNER'],
    ['An existing connection was forcibly closed by the remote host', 'network', 'RETRY'],
    [
      'TrinoUserError(type=USER_ERROR, name=INVALID_CAST_ARGUMENT, message="Cannot cast \'abc\' to INT")',
      'data_quality',
      'NOTIFY_OWNER',
    ],
    // A tool's own null dereference is its bug, not the caller's code.
    ["TypeError: Cannot read properties of undefined (reading 'map')", 'unknown', 'ESCALATE'],
    [
      'java.net.UnknownHostException: lake01.dfs.core.windows.net: Name or service not known',
      'network',
      'NOTIFY_OWNER',
    ],
  ])('classifies %j as %s / %s', (message, category, action) => {
    const got = verdict(message);
    expect([got.category, got.action]).toEqual([category, action]);
  });

  it('reads termination codes when the message says little', () => {
    expect(verdict('', { terminationCode: 'SPOT_INSTANCE_TERMINATION' }).category).toBe('capacity');
    expect(verdict('Run timed out', { terminationCode: 'TIMEDOUT' }).paramsHint).toEqual({
      timeout_seconds: 'x2',
    });
    expect(verdict('Workload failed', { terminationCode: 'LIBRARY_INSTALLATION_ERROR' }).category).toBe(
      'dependency',
    );
  });

  it.each([
    ['INTERNAL_CAPACITY_FAILURE', 'capacity', 'RETRY'],
    ['DRIVER_LAUNCH_TIMEOUT', 'capacity', 'RETRY'],
    ['IP_EXHAUSTION_FAILURE', 'capacity', 'RETRY'],
    ['AZURE_VNET_CONFIGURATION_FAILURE', 'config', 'NOTIFY_OWNER'],
    ['UNSUPPORTED_INSTANCE_TYPE', 'config', 'NOTIFY_OWNER'],
    ['EOS_SPARK_IMAGE', 'config', 'NOTIFY_OWNER'],
    ['AWS_INACCESSIBLE_KMS_KEY_FAILURE', 'permission', 'NOTIFY_OWNER'],
    ['GCP_SERVICE_ACCOUNT_ACCESS_DENIED', 'permission', 'NOTIFY_OWNER'],
    ['INSTANCE_POOL_NOT_FOUND', 'missing_object', 'NOTIFY_OWNER'],
    ['DATABASE_CONNECTION_FAILURE', 'network', 'RETRY'],
    ['DRIVER_UNEXPECTED_FAILURE', 'unknown', 'ESCALATE'],
  ] as const)(
    'labels the cluster termination reason %s from the code alone as %s, %s',
    (code, category, action) => {
      for (const got of [
        verdict('Cluster terminated.', { terminationCode: code }),
        verdict(`Cluster terminated. Reason: ${code}`),
      ]) {
        expect([got.category, got.action]).toEqual([category, action]);
        expect(got.confidence).toBeGreaterThanOrEqual(0.9);
      }
    },
  );

  it.each([
    ['RESOURCE_LIMIT_EXCEEDED', 'capacity', 'NOTIFY_OWNER'],
    ['COULD_NOT_ACQUIRE_LOCK', 'concurrency', 'RETRY'],
    ['INVALID_STATE_TRANSITION', 'concurrency', 'RETRY'],
    ['ENDPOINT_NOT_FOUND', 'missing_object', 'NOTIFY_OWNER'],
    ['CUSTOMER_UNAUTHORIZED', 'permission', 'NOTIFY_OWNER'],
    ['MAX_NOTEBOOK_SIZE_EXCEEDED', 'config', 'NOTIFY_OWNER'],
    ['DIRECTORY_NOT_EMPTY', 'config', 'NOTIFY_OWNER'],
    ['UNAVAILABLE', 'network', 'RETRY'],
  ] as const)('labels the API error code %s as %s, %s', (code, category, action) => {
    const got = verdict('Request failed.', { errorCode: code });
    expect([got.category, got.action]).toEqual([category, action]);
  });

  it.each([
    ['21000', 'data_quality', 'NOTIFY_OWNER'],
    ['23505', 'data_quality', 'NOTIFY_OWNER'],
    ['40001', 'concurrency', 'RETRY'],
    ['HYT00', 'timeout', 'RETRY_WITH_NEW_PARAMS'],
  ] as const)('reads SQLSTATE %s alone as %s, %s', (state, category, action) => {
    const got = verdict(`Query failed: the statement could not finish. SQLSTATE: ${state}`);
    expect([got.category, got.action]).toEqual([category, action]);
  });

  it('reads Azure Storage being busy as a blip and a value too long for its column as data', () => {
    expect(verdict('StorageException: The server is busy. ErrorCode: ServerBusy').action).toBe('RETRY');
    expect(
      verdict('[EXCEED_LIMIT_LENGTH] Exceeds char/varchar type length limitation: 10. SQLSTATE: 54006')
        .category,
    ).toBe('data_quality');
  });

  it('reads the SDK’s FeatureDisabled and Spark’s SparkUpgradeException by their names', () => {
    expect(verdict('databricks.sdk.errors.platform.FeatureDisabled: x').category).toBe('config');
    expect(verdict('org.apache.spark.SparkUpgradeException: x').category).toBe('data_quality');
  });

  it.each([
    ['Error: required flag(s) "job-id" not set', 'config', 'NOTIFY_OWNER'],
    ['Error: Got unexpected extra argument (x)', 'config', 'NOTIFY_OWNER'],
    ['Error: expected exactly one of [a b] to be set', 'config', 'NOTIFY_OWNER'],
    ['Error: Backend initialization required, please run "terraform init"', 'config', 'NOTIFY_OWNER'],
    ['Error: Error acquiring the state lock', 'concurrency', 'NOTIFY_OWNER'],
    ['Error: cannot find job with name nightly', 'missing_object', 'NOTIFY_OWNER'],
    ['Error: no matching cluster found', 'missing_object', 'NOTIFY_OWNER'],
  ] as const)('reads the tool message "%s" as %s, %s', (message, category, action) => {
    const got = verdict(message);
    expect([got.category, got.action]).toEqual([category, action]);
  });

  it.each([
    ['Error: access was denied to the bucket', 'permission'],
    ['Error: the library versions are incompatible', 'dependency'],
    ['Error: checksum mismatch for part 3', 'data_quality'],
    ['Error: the file is corrupt', 'data_quality'],
    ['Error: the pod was evicted', 'resource'],
  ] as const)('guesses "%s" as %s from general words, and says it is a guess', (message, category) => {
    const got = verdict(message);
    expect(got.category).toBe(category);
    expect(got.confidence).toBeLessThan(0.5);
  });

  it('reads a grant to a principal nobody knows as configuration, not a missing table', () => {
    for (const message of [
      'Error: cannot create grants: Could not find principal with name data-eng',
      'PrincipalNotFound: Principal 1f2e does not exist in the directory 9a8b. Check that you have the correct principal ID.',
    ]) {
      const got = verdict(message);
      expect([got.category, got.action], message).toEqual(['config', 'NOTIFY_OWNER']);
    }
    expect(verdict('Could not find user with name ana@example.com').category).toBe('missing_object');
  });

  it('does not treat RUN_EXECUTION_ERROR as a category: the message decides', () => {
    const got = verdict("NameError: name 'df' is not defined", { terminationCode: 'RUN_EXECUTION_ERROR' });
    expect(got.category).toBe('syntax');
    expect(verdict('something odd', { terminationCode: 'RUN_EXECUTION_ERROR' }).action).toBe('ESCALATE');
  });

  it('answers the REST not-found quirk (400 INVALID_PARAMETER_VALUE) as a missing object', () => {
    const got = verdict('Run 42 does not exist', { errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(got.category).toBe('missing_object');
  });

  it('lets the root cause inside a Py4JJavaError decide', () => {
    const got = verdict(
      'py4j.protocol.Py4JJavaError: An error occurred while calling o77.save.\n: org.apache.spark.SparkException: Job aborted due to stage failure\nCaused by: java.lang.OutOfMemoryError: Java heap space',
    );
    expect(got.category).toBe('resource');
    expect(got.rule).toBe('spark.oom.java_heap');
  });

  it('prefers the last Caused by over an equally specific wrapper', () => {
    const got = verdict(
      'java.net.SocketException: Connection reset while talking to metastore\nCaused by: java.net.ConnectException: Connection refused',
    );
    expect(got.rule).toBe('network.connection_refused');
  });

  it('reads a chained Python traceback at its first exception, where Python prints the cause', () => {
    const got = verdict(
      [
        'Traceback (most recent call last):',
        "KeyError: 'warehouse_id'",
        '',
        'The above exception was the direct cause of the following exception:',
        '',
        'Traceback (most recent call last):',
        "AttributeError: 'NoneType' object has no attribute 'id'",
      ].join('\n'),
    );
    expect(got.rule).toBe('python.key_error');
  });

  it('reads the error class from an explicit field and from the bracket prefix alike', () => {
    expect(verdict('whatever', { errorClass: 'TABLE_OR_VIEW_NOT_FOUND' }).rule).toBe('uc.table_not_found');
    expect(verdict('[TABLE_OR_VIEW_NOT_FOUND] nope').rule).toBe('uc.table_not_found');
    expect(verdict('failed: SQLSTATE: 42P01').category).toBe('missing_object');
  });

  it('reports how directly it recognised the error', () => {
    expect(verdict('x', { errorClass: 'DELTA_CONCURRENT_APPEND' }).confidence).toBeGreaterThan(0.9);
    expect(verdict('the thing was not found').confidence).toBeLessThanOrEqual(0.4);
    expect(verdict('qwerty').confidence).toBeLessThan(0.2);
  });
});

describe('the never-RETRY rule', () => {
  it.each([
    "NameError: name 'x' is not defined",
    '[TABLE_OR_VIEW_NOT_FOUND] The table or view `a`.`b` cannot be found.',
    'PERMISSION_DENIED: User does not have SELECT on Table a.b.c',
    '[PARSE_SYNTAX_ERROR] Syntax error at or near SELECT',
    'Error: cannot create job: Missing required field',
    '[CAST_INVALID_INPUT] The value abc of the type STRING cannot be cast to INT',
    // The tool that failed says a person must act.
    'connector FAILED USER_ACTIONABLE_ERROR connector: Connection timeout expired. Please double check the connectivity.',
  ])('never proposes a plain RETRY for %j', (message) => {
    expect(verdict(message).action).not.toBe('RETRY');
  });
});

describe('totality', () => {
  it('answers empty, whitespace and missing messages with the fallback', () => {
    for (const message of ['', '   \n\t', undefined as unknown as string, null as unknown as string]) {
      const got = verdict(message);
      expect(got.rule).toBe('fallback');
      expect(got.action).toBe('ESCALATE');
    }
  });

  it('survives 1 MB of text, binary bytes, control characters and non-string input', () => {
    const huge = `${'a'.repeat(600_000)} java.lang.OutOfMemoryError: Java heap space ${'b'.repeat(600_000)}`;
    expect(() => verdict(huge)).not.toThrow();
    // The cause sits in the middle of 1.2 MB, outside the scanned head and tail: a fallback is acceptable.
    expect(['fallback', 'spark.oom.java_heap']).toContain(verdict(huge).rule);
    expect(
      verdict(`${'x'.repeat(2_000_000)}\nCaused by: java.net.ConnectException: Connection refused`).category,
    ).toBe('network');
    const binary = String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => i % 256));
    expect(() => verdict(binary)).not.toThrow();
    expect(verdict('\u0000\u0007Connection\u0000 reset by peer\u001b[0m').category).toBe('network');
    expect(() =>
      classifyError({ message: 42 as unknown as string, trace: { a: 1 } as unknown as string }),
    ).not.toThrow();
    expect(() => classifyError(undefined as unknown as { message: string })).not.toThrow();
  });

  it('resists catastrophic backtracking on adversarial repetition', () => {
    const adversarial = `${'Table '.repeat(20_000)}${'a'.repeat(20_000)}`;
    const started = performance.now();
    verdict(adversarial);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('createErrorClassifier', () => {
  it('lets a higher priority win over file order', () => {
    const classify = createErrorClassifier(
      parseErrorPatterns(`
- id: a.generic
  priority: 10
  match: { regex: ['boom'] }
  category: unknown
  transient: false
  action: ESCALATE
  params_hint: null
  fix_hint: Something went boom somewhere.
- id: a.specific
  priority: 90
  match: { regex: ['big boom'] }
  category: resource
  transient: false
  action: RETRY_WITH_NEW_PARAMS
  params_hint: { increase: memory }
  fix_hint: The big boom needs more memory.
`),
    );
    expect(classify({ message: 'a big boom' }).rule).toBe('a.specific');
    expect(classify({ message: 'a boom' }).rule).toBe('a.generic');
  });

  it('lets the error class a message names outrank a pattern that knows only its SQLSTATE', () => {
    // 42704 is an undefined object for most classes, and an ambiguous reference for one.
    const classify = createErrorClassifier(
      parseErrorPatterns(`
- id: s.undefined_object
  priority: 92
  match: { sqlstate: ['42704'] }
  category: missing_object
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: The object does not exist.
- id: s.ambiguous_family
  priority: 53
  match: { regex: ['\\[AMBIGUOUS_[A-Z_]+\\]'] }
  category: syntax
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: The reference is ambiguous; qualify it.
`),
    );
    const message = 'Reference `id` is ambiguous, could be: [`a`.`id`, `b`.`id`]. SQLSTATE: 42704';
    expect(classify({ message: `[AMBIGUOUS_REFERENCE] ${message}` }).rule).toBe('s.ambiguous_family');
    expect(classify({ message }).rule).toBe('s.undefined_object');
  });
});

describe('a blip that names a cause a retry cannot fix', () => {
  const classify = createErrorClassifier(
    parseErrorPatterns(`
- id: b.reset
  priority: 72
  match: { regex: ['connection reset'] }
  category: network
  transient: true
  action: RETRY
  params_hint: null
  fix_hint: The connection dropped; retry.
- id: b.exact_class
  priority: 95
  match: { regex: ['\\[CONCURRENT_COMMIT\\]'] }
  category: concurrency
  transient: true
  action: RETRY
  params_hint: null
  fix_hint: Another writer committed first; retry.
- id: c.firewall
  priority: 70
  match: { regex: ['blocked by the firewall'] }
  category: network
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: The firewall blocks the path; ask for it to be opened.
- id: c.memory
  priority: 70
  match: { regex: ['out of heap'] }
  category: resource
  transient: false
  action: RETRY_WITH_NEW_PARAMS
  params_hint: { increase: memory }
  fix_hint: The executor ran out of heap; give it more memory.
- id: c.deadline
  priority: 71
  match: { regex: ['deadline ran out'] }
  category: timeout
  transient: false
  action: RETRY_WITH_NEW_PARAMS
  params_hint: { increase: timeout }
  fix_hint: The call ran out of time; give it more.
- id: c.vague
  priority: 60
  match: { regex: ['check your network'] }
  category: network
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: Something about the network; look at it.
- id: c.install_step
  priority: 71
  match: { regex: ['failed to install'] }
  category: dependency
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: The package did not install.
`),
  );

  it('lets a lasting cause decide over a blip that outranks it, even inside the root cause', () => {
    const got = classify({
      message:
        'upload rejected: blocked by the firewall\nCaused by: java.net.SocketException: connection reset',
    });
    expect(got).toMatchObject({ rule: 'c.firewall', action: 'NOTIFY_OWNER' });
  });

  it('lets memory run out decide over the connection it dropped, but not a deadline that ran out beside it', () => {
    expect(classify({ message: 'executor lost: out of heap; connection reset' }).rule).toBe('c.memory');
    expect(classify({ message: 'connection reset; deadline ran out' }).rule).toBe('b.reset');
  });

  it('keeps the retry when the other wording is only vague, or names the step that failed rather than a cause', () => {
    expect(classify({ message: 'connection reset; check your network' }).rule).toBe('b.reset');
    expect(classify({ message: 'failed to install provider: connection reset' }).rule).toBe('b.reset');
  });

  it('keeps the retry an exact error class calls for', () => {
    expect(classify({ message: '[CONCURRENT_COMMIT] lost the race; blocked by the firewall' }).rule).toBe(
      'b.exact_class',
    );
  });
});

describe('wrappers and causes', () => {
  const classify = createErrorClassifier(
    parseErrorPatterns(`
- id: w.cluster_start
  wrapper: true
  priority: 80
  match: { regex: ['could not start the cluster'] }
  category: capacity
  transient: false
  action: ESCALATE
  params_hint: null
  fix_hint: The cluster did not start; read why.
- id: c.init_script
  priority: 40
  match: { regex: ['init script failed'] }
  category: config
  transient: false
  action: NOTIFY_OWNER
  params_hint: null
  fix_hint: Fix the init script.
- id: c.generic_words
  priority: 12
  match: { regex: ['failed'] }
  category: unknown
  transient: false
  action: ESCALATE
  params_hint: null
  fix_hint: Something failed somewhere.
`),
  );

  it('lets the cause a wrapper quotes decide, however high the wrapper ranks', () => {
    expect(classify({ message: 'could not start the cluster: init script failed' }).rule).toBe(
      'c.init_script',
    );
  });

  it('keeps the wrapper when only generic words match inside it', () => {
    expect(classify({ message: 'could not start the cluster: it failed' }).rule).toBe('w.cluster_start');
  });

  it('reads a real nested failure at its cause', () => {
    expect(
      verdict(
        'Error: cannot create cluster: 1201-1 is not able to transition from TERMINATED to RUNNING: Init scripts failed. databricks_error_message: Cluster scoped init script /ETL/script.sh failed: Script exit status is non-zero',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    expect(
      verdict(
        'Run failed with error message: Library installation failed: ModuleNotFoundError: No module named foo',
      ),
    ).toMatchObject({ category: 'dependency' });
  });
});

describe('retries already spent', () => {
  it('tells the owner instead of retrying a blip the run already retried several times', () => {
    const spent = verdict(
      'Job aborted due to stage failure: Task 0 in stage 0.0 failed 4 times, most recent failure: java.net.SocketTimeoutException: connect timed out',
    );
    expect(spent).toMatchObject({ category: 'network', action: 'NOTIFY_OWNER', transient: false });
    expect(spent.fixHint).toContain('already retried');
  });

  it('does not propose a plain retry on a guess from general words', () => {
    const guess = verdict('sync stopped: the socket closed');
    expect(guess).toMatchObject({ category: 'network', action: 'NOTIFY_OWNER', transient: false });
    expect(guess.confidence).toBeLessThan(0.5);
    expect(guess.fixHint).toContain('guess');
  });

  it('still retries a blip seen once', () => {
    expect(verdict('Caused by: java.net.SocketTimeoutException: connect timed out').action).toBe('RETRY');
    expect(
      verdict('Lost task 0.0 in stage 1.0 (TID 1): java.net.SocketTimeoutException: connect timed out')
        .action,
    ).toBe('RETRY');
  });
});

describe('statuses that carry a cause a retry cannot fix', () => {
  it.each([
    [
      'rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5000000 vs. 4194304)',
      'resource',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      'status = StatusCode.UNAVAILABLE details = "DNS resolution failed for sc://my-host:15002"',
      'network',
      'NOTIFY_OWNER',
    ],
    [
      'Caused by: java.io.EOFException\n\tat org.apache.parquet.hadoop.ParquetFileReader.readFooter(ParquetFileReader.java:538)',
      'data_quality',
      'NOTIFY_OWNER',
    ],
    [
      'databricks.sql.exc.RequestError: Error during request to server: Query was cancelled',
      'timeout',
      'NOTIFY_OWNER',
    ],
    ['Job killed: the worker exited with signal: SIGKILL', 'resource', 'RETRY_WITH_NEW_PARAMS'],
  ])('reads %s at its cause', (message, category, action) => {
    expect(verdict(message)).toMatchObject({ category, action });
  });

  it('still retries a bare gRPC UNAVAILABLE, which names no cause', () => {
    expect(verdict('io.grpc.StatusRuntimeException: UNAVAILABLE').action).toBe('RETRY');
  });
});

describe('failures inside the platform or the tool', () => {
  it.each([
    'Error: Provider produced inconsistent result after apply\n\nWhen applying changes to databricks_grants.this, provider produced an unexpected new value.',
    'ai.rapids.cudf.CudaException: an illegal memory access was encountered',
    'Something went wrong. TypeError: items.filter is not a function',
    'requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: https://example.cloud.databricks.com/api/2.0/sql/statements',
    'java.lang.IllegalStateException: This should not happen: plan has no output',
    'Error: nil entry in ImportState results. This is always a bug with the resource that is being imported. Please report this as a bug to Terraform.',
    "thread 'tokio-runtime-worker' panicked at 'called `Result::unwrap()` on an `Err` value', src/writer.rs:120:55",
    'Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.',
    'fatal error: concurrent map writes\n\ngoroutine 112 [running]:',
    "ValueError: 'SUCCESS_WITH_FAILURES' is not a valid RunResultState",
    'PATCH /api/2.0/preview/scim/v2/Groups/None\n< 404 Not Found\n< "detail": "Group with id None not found."',
    'java.sql.SQLException: [Databricks][JDBC](500593) Communication link failure. Failed to connect to server. Reason: HTTP Response code: 500, Error message: Unknown.',
    "java.lang.IllegalStateException: Couldn't find _metadata#123 in [id#1,value#2]",
    'Error: unexpected response status 500 from /api/2.1/jobs/runs/submit',
    'The server returned 500 while listing clusters',
    'AssertionError: assertion failed: Invalid batch: id#2 != id#5\n\tat scala.Predef$.assert(Predef.scala:223)',
    "AssertionError: Undefined error message parameter for error class: CANNOT_PARSE_DATATYPE. Parameters: {'error': 'x'}",
    'java.lang.UnsupportedOperationException\n\tat org.apache.spark.sql.vectorized.ColumnarBatchRow.update(ColumnarBatchRow.java:193)',
    'java.lang.ClassCastException: org.apache.spark.sql.catalyst.expressions.UnsafeRow cannot be cast to org.apache.spark.sql.Row',
    '[DELTA_MERGE_RESOLVED_ATTRIBUTE_MISSING_FROM_INPUT] Resolved attribute(s) id#878 missing from id#872,value#873 in operator !DeltaMergeInto (id#878 = id#880)',
    'Error: cannot update grants: permissions for catalog-main are &{[{analysts [USE_CATALOG] [Principal]}]}, but have to be {[{analysts [USE_CATALOG] []}]}',
    'Unexpected exception in the connector while reading the schema of table orders',
    'An unexpected exception was raised by the worker: missing field in payload',
  ])('escalates %s', (message) => {
    expect(verdict(message)).toMatchObject({ category: 'unknown', action: 'ESCALATE' });
  });

  it("escalates a programming error raised inside an installed library's own frame", () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/app/run.py", line 4, in <module>',
      '    client.jobs.get(job_id=1)',
      '  File "/venv/lib/python3.11/site-packages/somesdk/core.py", line 120, in _raise',
      '    raise ApiError(**payload)',
      "TypeError: ApiError.__init__() got an unexpected keyword argument 'trace_id'",
    ].join('\n');
    expect(verdict(traceback)).toMatchObject({ category: 'unknown', action: 'ESCALATE' });
  });

  it("escalates a JavaScript programming error thrown inside an installed package's frames, not a failed fetch", () => {
    const thrown = (error: string) =>
      verdict(
        `${error}\n    at getToken (/app/node_modules/@databricks/sql/dist/connection/auth/PlainHttpAuthentication.js:22:11)`,
      );
    expect(
      thrown("TypeError: Cannot destructure property 'token' of 'undefined' as it is undefined."),
    ).toMatchObject({
      category: 'unknown',
      action: 'ESCALATE',
    });
    expect(thrown('TypeError: fetch failed').category).not.toBe('unknown');
  });

  it('leaves a value the caller gave and a hedged "if you believe this is a bug" to the cause', () => {
    expect(verdict("ValueError: 'abc' is not a valid email address").category).not.toBe('unknown');
    expect(
      verdict(
        'No matching distribution found for foo==9.9. If you believe this is a bug, please open an issue',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });

  it('reads a user-defined function failing on a null as the data, not as an engine bug', () => {
    for (const message of [
      'org.apache.spark.SparkException: [FAILED_EXECUTE_UDF] Failed to execute user defined function (CleanName: (string) => string).\nCaused by: java.lang.NullPointerException\n\tat com.acme.udf.CleanName.apply(CleanName.scala:12)',
      "org.apache.spark.api.python.PythonException: Traceback (most recent call last):\n  File \"<command-123>\", line 5, in clean\nAttributeError: 'NoneType' object has no attribute 'strip'",
    ]) {
      expect(verdict(message)).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
    }
  });

  it('retries a dead pooled connection, but not one the server answered with an internal error', () => {
    expect(verdict('pinging: driver: bad connection')).toMatchObject({
      category: 'network',
      action: 'RETRY',
    });
    expect(verdict('driver: bad connection: HTTP Response code: 500')).toMatchObject({
      category: 'unknown',
      action: 'ESCALATE',
    });
  });

  it('lets the cause after "Internal error message:" decide, as the termination detail it labels', () => {
    expect(
      verdict(
        'Internal error message: Spark error: Driver down cause: java.io.IOException: Cannot run program "conda" (in directory "/databricks"): error=2, No such file or directory',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
    expect(
      verdict(
        'Internal error message: Failed to launch spark container on instance i-0abc. Exception: Container setup has timed out',
      ),
    ).toMatchObject({ category: 'capacity', action: 'RETRY_WITH_NEW_PARAMS' });
  });
});

describe('configuration and usage a person must change', () => {
  it.each([
    [
      'HTTPError: 413 Client Error: Request Entity Too Large for url: https://example.com/api/2.0/workspace/import',
      'config',
    ],
    [
      'S3ServiceException: The bucket you are attempting to access must be addressed using the specified endpoint.',
      'config',
    ],
    ['OSError: [Errno 38] Function not implemented: rename /Volumes/main/raw/landing/a.tmp', 'config'],
    [
      'assertion failed: There are [2] sources in the checkpoint offsets and now there are [3] sources requested by the query. Cannot continue.',
      'config',
    ],
    [
      'Spark error: Spark encountered an error on startup. This issue can be caused by invalid Spark configurations or malfunctioning init scripts.',
      'config',
    ],
    [
      'Error: invalid value "ten" for flag --max-workers: strconv.ParseInt: parsing "ten": invalid syntax',
      'config',
    ],
    ['Error: no deployment target named "staging" is defined', 'config'],
    ['Error: cannot parse config file: key-value delimiter not found', 'config'],
    [
      'Error: Failed to query available provider packages: provider registry registry.terraform.io does not have a provider named registry.terraform.io/hashicorp/databricks',
      'config',
    ],
    ['java.sql.SQLSyntaxErrorException: ORA-00904: "CUST_ID": invalid identifier', 'syntax'],
    [
      'ImportError: pyarrow is not installed. Please run pip install pyarrow to use this feature',
      'dependency',
    ],
    [
      'Error: failed to deploy: encountered possible permission error: /Workspace/Shared/.bundle/app',
      'permission',
    ],
  ])('reads %s as %s', (message, category) => {
    expect(verdict(message)).toMatchObject({ category, action: 'NOTIFY_OWNER' });
  });
});

describe('stable wordings the unseen5 round read', () => {
  it.each([
    [
      'System.Threading.Tasks.TaskCanceledException: The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.',
      'timeout',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      '    return self._sock.recv_into(b)\nsocket.timeout: timed out\njava.net.SocketException: Broken pipe',
      'timeout',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      'pyodbc.Error: [Simba][ThriftExtension] (14) Unexpected response from server during a HTTP connection: SSL_read: Resource temporarily unavailable.',
      'network',
      'NOTIFY_OWNER',
    ],
    ['A 503 response was returned but no Retry-After header was provided', 'network', 'RETRY'],
    [
      "TApplicationException: Required field 'client_protocol' is unset! Struct:TOpenSessionReq(client_protocol:null)",
      'dependency',
      'NOTIFY_OWNER',
    ],
    [
      'java.util.ServiceConfigurationError: org.apache.hadoop.fs.FileSystem: Provider org.apache.hadoop.fs.s3a.S3AFileSystem could not be instantiated',
      'dependency',
      'NOTIFY_OWNER',
    ],
    [
      'java.nio.file.FileAlreadyExistsException: s3://bucket/events/_delta_log/_last_checkpoint\n\tat org.apache.spark.sql.delta.storage.HDFSLogStore.writeInternal(HDFSLogStore.scala:100)',
      'config',
      'NOTIFY_OWNER',
    ],
    [
      "CatalogNotFoundException: Catalog 'iceberg' plugin class not found: spark.sql.catalog.iceberg is not defined",
      'config',
      'NOTIFY_OWNER',
    ],
    [
      "Error: cannot update permissions: Cannot remove owner's IS_OWNER permission on job 123",
      'config',
      'NOTIFY_OWNER',
    ],
    [
      'DatabricksSQLException: Communication link failure. Failed to connect to server. accessToken must be defined',
      'config',
      'NOTIFY_OWNER',
    ],
    ['Deployment failed. Code: PublicIPCountLimitReached', 'capacity', 'NOTIFY_OWNER'],
    [
      'ERROR: deadlock detected\nDETAIL: Process 123 waits for ShareLock on transaction 456',
      'concurrency',
      'RETRY',
    ],
    ['java.io.IOException: Too many open files', 'resource', 'RETRY_WITH_NEW_PARAMS'],
    ['kafka.errors.NoBrokersAvailable: NoBrokersAvailable', 'network', 'NOTIFY_OWNER'],
    [
      'google.api_core.exceptions.ServiceUnavailable: 503 The service is currently unavailable.',
      'network',
      'RETRY',
    ],
    ['RuntimeError: This event loop is already running', 'syntax', 'NOTIFY_OWNER'],
    [
      'Error: cannot start cluster: Cluster 0101-abc is in an invalid state TERMINATING',
      'concurrency',
      'RETRY',
    ],
    [
      "UnicodeEncodeError: 'ascii' codec can't encode character '\\u2019' in position 12",
      'data_quality',
      'NOTIFY_OWNER',
    ],
    [
      'Endpoint update failed: Served entity creation aborted because the model image build failed. See build logs.',
      'dependency',
      'NOTIFY_OWNER',
    ],
    [
      'Error: Timeout value connect was Timeout(connect=None, read=None, total=None), but it must be an int, float or None.',
      'dependency',
      'NOTIFY_OWNER',
    ],
  ])('reads %s as %s / %s', (message, category, action) => {
    expect(verdict(message)).toMatchObject({ category, action });
  });
});

describe('what other clients print, the kinds the unseen6 round read', () => {
  it.each([
    [
      'io.grpc.StatusRuntimeException: DEADLINE_EXCEEDED: deadline exceeded after 9.999s. [remote_addr=catalog.internal/10.0.0.1:443]',
      'timeout',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      'com.datastax.driver.core.exceptions.NoHostAvailableException: All host(s) tried for query failed (tried: /10.0.0.5:9042 (com.datastax.driver.core.exceptions.TransportException: [/10.0.0.5:9042] Cannot connect))',
      'network',
      'NOTIFY_OWNER',
    ],
    [
      'Generic GCS error: Error after 0 retries in 30.0s, max_retries:10, retry_timeout:180s, source:error sending request: operation timed out',
      'timeout',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      'org.projectnessie.error.NessieReferenceConflictException: Commit failed: Requirement failed: branch dev has changed: expected id 1 != 2',
      'concurrency',
      'RETRY',
    ],
    [
      'org.apache.hudi.exception.HoodieLockException: Unable to acquire lock, lock object null',
      'config',
      'NOTIFY_OWNER',
    ],
    [
      "WARNING:urllib3.connectionpool:Retrying (Retry(total=2, connect=5, read=5, redirect=5, status=5)) after connection broken by 'NewConnectionError('<urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: [Errno 111] Connection refused')': /api/2.0/jobs/runs/get",
      'network',
      'NOTIFY_OWNER',
    ],
    [
      "Run failed with terminal state: {'life_cycle_state': 'INTERNAL_ERROR', 'result_state': 'FAILED', 'state_message': 'Unexpected failure while waiting for the cluster (0412-xyz) to be ready.'}",
      'capacity',
      'ESCALATE',
    ],
    [
      'org.apache.hudi.exception.HoodieLockException: FAILED_TO_ACQUIRE lock atZkBasePath = /hudi, lock key = db_orders',
      'concurrency',
      'RETRY',
    ],
    [
      'psycopg2.errors.SerializationFailure: could not serialize access due to read/write dependencies among transactions',
      'concurrency',
      'RETRY',
    ],
    [
      'java.lang.OutOfMemoryError: Java heap space\nException in thread "main" java.lang.NoClassDefFoundError: Could not initialize class org.apache.spark.util.SizeEstimator$',
      'resource',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      'com.fasterxml.jackson.core.exc.StreamConstraintsException: String value length (20054016) exceeds the maximum allowed (20000000, from `StreamReadConstraints.getMaxStringLength()`)',
      'data_quality',
      'NOTIFY_OWNER',
    ],
    [
      'org.apache.poi.util.RecordFormatException: Tried to allocate an array of length 250,000,000, but the maximum length for this record type is 100,000,000. If the file is not corrupt, please open an issue on bugzilla',
      'resource',
      'RETRY_WITH_NEW_PARAMS',
    ],
    [
      "TypeError: DatabricksHook.__init__() missing 1 required positional argument: 'caller'",
      'dependency',
      'NOTIFY_OWNER',
    ],
    ['panic: HOME is not set\n\ngoroutine 1 [running]:', 'config', 'ESCALATE'],
    [
      'co.elastic.clients.elasticsearch._types.ElasticsearchException: [es/search] failed: [index_not_found_exception] no such index [logs-2024]',
      'missing_object',
      'NOTIFY_OWNER',
    ],
    [
      "OpenSearchStatusException[OpenSearch exception [type=mapper_parsing_exception, reason=failed to parse field [ts] of type [date] in document with id '1']]",
      'data_quality',
      'NOTIFY_OWNER',
    ],
    [
      'VersionConflictEngineException[[orders][7]: version conflict, current version [3] is different than the one provided [2]]',
      'concurrency',
      'ESCALATE',
    ],
    [
      'OpenSearch security_exception: missing authentication credentials for REST request [/_cluster/health]',
      'permission',
      'NOTIFY_OWNER',
    ],
    [
      './run.sh: line 3: 4242 Illegal instruction (core dumped) python train.py',
      'dependency',
      'NOTIFY_OWNER',
    ],
    [
      'Error from server (Forbidden): pods "spark-exec-1" is forbidden: exceeded quota: compute-resources, requested: limits.memory=8Gi, used: limits.memory=60Gi, limited: limits.memory=64Gi',
      'capacity',
      'NOTIFY_OWNER',
    ],
    [
      'Error Source: RUNTIME\nError Code: INVALID_STATE\nReason: (2 vs. 1) Unexpected number of children',
      'unknown',
      'ESCALATE',
    ],
    [
      'Caused by: java.io.FileNotFoundException: /var/log/spark/events/app-1.inprogress (Permission denied)',
      'permission',
      'NOTIFY_OWNER',
    ],
    [
      "google.api_core.exceptions.TooManyRequests: 403 Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'bigquery.googleapis.com'",
      'network',
      'RETRY',
    ],
    ['FATAL: database "analytics" does not exist (SQLSTATE 3D000)', 'missing_object', 'NOTIFY_OWNER'],
    ['ERROR: could not open relation with OID 16384 (SQLSTATE XX000)', 'unknown', 'ESCALATE'],
    ['rpc error: code = InvalidArgument desc = page_size must be positive', 'config', 'NOTIFY_OWNER'],
    [
      'io.grpc.StatusRuntimeException: UNIMPLEMENTED: Method not found: spark.connect.SparkConnectService/ReattachExecute',
      'dependency',
      'NOTIFY_OWNER',
    ],
    [
      'org.apache.kafka.common.errors.NotLeaderOrFollowerException: For requests intended only for the leader, this error indicates that the broker is not the current leader.',
      'network',
      'RETRY',
    ],
    [
      'com.azure.storage.blob.models.BlobStorageException: Status code 409, <Error><Code>LeaseAlreadyPresent</Code><Message>There is already a lease present.</Message></Error>',
      'concurrency',
      'RETRY',
    ],
    [
      'com.microsoft.sqlserver.jdbc.SQLServerException: The TCP/IP connection to the host db.example.com, port 1433 has failed. Error: "Connection timed out: no further information.. Verify the connection properties."',
      'network',
      'NOTIFY_OWNER',
    ],
    [
      'ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1129)',
      'network',
      'NOTIFY_OWNER',
    ],
    [
      'HTTP 429 Too Many Requests: You have exceeded your daily quota of 10000 requests',
      'capacity',
      'NOTIFY_OWNER',
    ],
    [
      "snowflake.connector.errors.ProgrammingError: 002003 (42S02): SQL compilation error:\nObject 'DB.PUBLIC.T' does not exist or not authorized.",
      'missing_object',
      'NOTIFY_OWNER',
    ],
    [
      "com.mongodb.MongoSecurityException: Exception authenticating MongoCredential{mechanism=SCRAM-SHA-1, userName='etl', source='admin'}",
      'permission',
      'NOTIFY_OWNER',
    ],
  ])('reads %s as %s / %s', (message, category, action) => {
    expect(verdict(message)).toMatchObject({ category, action });
  });
});

describe('numbers and words that only look like throttling', () => {
  it('does not retry an error thrown at line 429 of a file', () => {
    expect(
      verdict('java.lang.IllegalStateException: state is wrong\n\tat com.acme.Loader.load(Loader.java:429)'),
    ).not.toMatchObject({ action: 'RETRY' });
    expect(
      verdict(
        'Traceback (most recent call last):\n  File "/app/etl.py", line 429, in <module>\nKeyError: \'customer_id\'',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it('still reads a 429 status as throttling', () => {
    expect(verdict('Error: 429 Too Many Requests')).toMatchObject({ category: 'network', action: 'RETRY' });
  });

  it("reads S3's SlowDown code as throttling, but not the word slowdown", () => {
    expect(verdict('AmazonS3Exception: Status Code: 503; Error Code: SlowDown')).toMatchObject({
      action: 'RETRY',
    });
    expect(
      verdict(
        'WARN Executor: GC slowdown observed on executor 3\njava.lang.ClassNotFoundException: com.acme.udf.Parse',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });
});

describe('throttling that is really a quota used up for good', () => {
  it.each([
    // OpenAI's answer when the account's plan or credit is used up, under a 429 (ChatGPTNextWeb/NextChat#3123).
    `ChatGPT error 429: {"error": {"message": "You exceeded your current quota, please check your plan and billing details.", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}`,
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan and billing details.', 'type': 'insufficient_quota', 'code': 'insufficient_quota'}}",
    'requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://api.example.com/v1/embeddings: monthly request quota exhausted',
  ])('tells the owner about %s instead of retrying it', (message) => {
    expect(verdict(message)).toMatchObject({
      category: 'capacity',
      action: 'NOTIFY_OWNER',
      transient: false,
    });
  });

  it('tells the owner about one request larger than the whole per-minute budget, which every minute refuses', () => {
    // Aider-AI/aider#1880: "That is a hard error from the API, you will always get this error."
    expect(
      verdict(
        "litellm.RateLimitError: RateLimitError: OpenAIException - Error code: 429 - {'error': {'message': 'Request too large for gpt-4o in organization org-2itOgSdqw0DhUYp0QyLhttLL on tokens per min (TPM): Limit 30000, Requested 36278. The input or output tokens must be reduced in order to run successfully.', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}",
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    expect(
      verdict(
        "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 1500. Please try again in 1.2s.', 'type': 'tokens', 'code': 'rate_limit_exceeded'}}",
      ).action,
    ).toBe('RETRY');
  });

  it('reads a count of objects held as a quota however the answer is wrapped', () => {
    expect(verdict('HTTP 429: cannot create more than 10 api keys for this user')).toMatchObject({
      category: 'capacity',
      action: 'NOTIFY_OWNER',
    });
  });

  it('still retries throttling by the minute', () => {
    expect(
      verdict(
        "ResourceExhaustedException: RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Read data plane requests' and limit 'Read data plane requests per minute per user'",
      ),
    ).toMatchObject({ action: 'RETRY' });
  });

  it.each([
    'config: rate limit must be positive',
    'IllegalArgumentException: Billing rate limit must be positive',
    'ValidationError: Rate limit must be at least 1 per minute',
  ])('does not retry a setting’s validation that names a rate limit: %s', (message) => {
    expect(verdict(message).action).not.toBe('RETRY');
  });

  it('does not read a task number or a column named after throttling as a 429', () => {
    expect(
      verdict(
        'WARN TaskSetManager: Lost task 429.0 in stage 12.0 (TID 5310): java.lang.NullPointerException\n\tat com.acme.Enrich.apply(Enrich.scala:88)',
      ).action,
    ).not.toBe('RETRY');
    expect(
      verdict(
        'java.sql.BatchUpdateException: Batch entry 80 INSERT INTO API_SUMMARY (api, securityLatency, throttlingLatency) VALUES (1, 2, 3) was aborted: ERROR: deadlock detected',
      ),
    ).toMatchObject({ category: 'concurrency', action: 'RETRY' });
  });
});

describe('a dropped or timed-out connection whose text shows why', () => {
  it.each([
    [
      // airbytehq/airbyte#20344: the server's firewall has no rule for the caller's address.
      "Caused by: com.microsoft.sqlserver.jdbc.SQLServerException: Cannot open server 'ocplxha851' requested by the login. Client with IP address '34.106.127.139' is not allowed to access the server.  To enable access, use the Windows Azure Management Portal or run sp_set_firewall_rule on the master database to create a firewall rule for this IP address or address range.\nCaused by: java.net.SocketException: Connection reset",
      'network',
    ],
    [
      // A proxy that refuses the tunnel (databricks/databricks-cli#624 shows the 407 form).
      "requests.exceptions.ProxyError: HTTPSConnectionPool(host='adb-1.azuredatabricks.net', port=443): Max retries exceeded with url: /api/2.0/jobs/list (Caused by ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 403 Forbidden')))",
      'network',
    ],
    [
      // microsoft/mssql-jdbc#1127: client and server share no TLS version; the reset recurs on every attempt.
      'com.microsoft.sqlserver.jdbc.SQLServerException: The driver could not establish a secure connection to SQL Server by using Secure Sockets Layer (SSL) encryption. Error: "Connection reset ClientConnectionId:ebd0ff64".',
      'network',
    ],
    [
      "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))\n413 Request Entity Too Large",
      'config',
    ],
    [
      'Error: Post "https://adb-1.azuredatabricks.net/api/2.0/dbfs/add-block": read: connection reset by peer\n{"error_code":"MAX_BLOCK_SIZE_EXCEEDED","message":"The block of data exceeds 1 MB."}',
      'config',
    ],
    [
      'Caused by: java.net.SocketTimeoutException: connect timed out\nrequests.exceptions.InvalidURL: Failed to parse: https://adb-1.azuredatabricks.net:44a3/api',
      'config',
    ],
  ])('tells the owner about %s', (message, category) => {
    expect(verdict(message)).toMatchObject({ category, action: 'NOTIFY_OWNER', transient: false });
  });

  it.each([
    'java.net.SocketException: Permission denied (connect failed)',
    // Hadoop's EOF on connect: often a client speaking RPC to another port (wiki.apache.org/hadoop/EOFException).
    'java.io.EOFException: End of File Exception between local host is: "client/10.0.0.1"; destination host is: "namenode":50070; : java.io.EOFException; For more details see:  http://wiki.apache.org/hadoop/EOFException',
  ])('does not retry %s on the exception name alone', (message) => {
    expect(verdict(message).action).not.toBe('RETRY');
  });

  it.each([
    // A JDK that disabled the server's TLS version (a MySQL JDBC URL without enabledTLSProtocols).
    'Caused by: javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)',
    // TLS spoken to a plaintext port: the scheme or the port is wrong.
    'javax.net.ssl.SSLException: Unrecognized SSL message, plaintext connection?',
    // A certificate that does not name the address dialled (connecting by IP).
    'java.security.cert.CertificateException: No subject alternative names matching IP address 192.168.65.108 found',
  ])('reads the TLS setting or address behind %s as the owner’s to fix', (message) => {
    expect(verdict(message)).toMatchObject({ category: 'network', action: 'NOTIFY_OWNER' });
  });

  it('still retries a reset or a connect timeout that names no cause', () => {
    expect(verdict('ConnectionResetError: [Errno 104] Connection reset by peer').action).toBe('RETRY');
    expect(
      verdict(
        "HTTPSConnectionPool(host='adb-1.azuredatabricks.net', port=443): Max retries exceeded with url: /api/2.0/clusters/get (Caused by ConnectTimeoutError(<urllib3.connection.HTTPSConnection object at 0x7f>, 'Connection to adb-1.azuredatabricks.net timed out. (connect timeout=10)'))",
      ).action,
    ).toBe('RETRY');
  });

  it("gives a gRPC call that ran out of its own deadline more time, as the REST error code's retry does not", () => {
    // jumpstarter-dev/jumpstarter#141: a long call against a slow server; the fix was a longer deadline.
    expect(
      verdict(
        'Error:  (Caused by: <AioRpcError of RPC that terminated with:\n\tstatus = StatusCode.DEADLINE_EXCEEDED\n\tdetails = ""\n\tdebug_error_string = "UNKNOWN:Error received from peer  {grpc_status:4, grpc_message:""}"\n>)',
      ),
    ).toMatchObject({ category: 'timeout', action: 'RETRY_WITH_NEW_PARAMS' });
    expect(
      verdict('databricks.sql.exc.ServerOperationError: DEADLINE_EXCEEDED: This operation took too long')
        .action,
    ).toBe('RETRY');
  });
});

describe('a second SparkContext', () => {
  it('tells the owner that the code builds a SparkContext beside the running one, which every run repeats', () => {
    // nivdul/spark-in-practice#2, sryza/spark-timeseries#206: fixed in the code (getOrCreate), not by re-running.
    expect(
      verdict(
        'org.apache.spark.SparkException: Only one SparkContext may be running in this JVM (see SPARK-2243). To ignore this error, set spark.driver.allowMultipleContexts = true.',
      ),
    ).toMatchObject({ category: 'syntax', action: 'NOTIFY_OWNER', transient: false });
  });

  it('still retries a cluster that ran out of execution contexts', () => {
    expect(verdict('Run failed', { terminationCode: 'MAX_SPARK_CONTEXTS_EXCEEDED' }).action).toBe('RETRY');
  });
});

describe('a Delta table changed under the writer', () => {
  it('retries a lost race for the metadata', () => {
    expect(
      verdict(
        'io.delta.exceptions.MetadataChangedException: The metadata of the Delta table has been changed by a concurrent update. Please try the operation again.',
      ),
    ).toMatchObject({ category: 'concurrency', action: 'RETRY' });
  });

  it('tells the owner when columns the job was built against are gone', () => {
    // A rerun failed the same way: the code still expected the dropped columns.
    expect(
      verdict(
        '[DELTA_SCHEMA_CHANGE_SINCE_ANALYSIS] The schema of your Delta table has changed in an incompatible way since your DataFrame or DeltaTable object was created. Latest schema is missing field(s): name, embedding, contract_version, id',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it('lets a schema the writer must fix outrank general words about concurrent writes', () => {
    expect(
      verdict(
        'AnalysisException: A schema mismatch detected when writing to the Delta table (Table ID: 7a1b). To enable schema migration using DataFrameWriter or DataStreamWriter, please set: \'.option("mergeSchema", "true")\'. Another job\'s concurrent write added column `amount` as STRING.',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });
});

describe('HTTP statuses behind a client retry wrapper', () => {
  it('reads the status urllib3 gave up on, not the "max retries" around it', () => {
    const wrap = (status: number) =>
      verdict(
        `urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='x.cloud.databricks.com', port=443): Max retries exceeded with url: /sql/1.0/warehouses/abc (Caused by ResponseError('too many ${status} error responses'))`,
      );
    expect(wrap(404)).toMatchObject({ category: 'missing_object', action: 'NOTIFY_OWNER' });
    expect(wrap(403)).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
    expect(wrap(503)).toMatchObject({ category: 'network', action: 'RETRY' });
  });
});

describe("kinds the unseen10 round read, in other tools' words", () => {
  it('gives memory to a JVM a shell reports killed, and less heap to one that could not reserve it', () => {
    expect(
      verdict(
        '/opt/spark/bin/spark-class: line 77:  1234 Killed                  "$RUNNER" -Xmx4g -cp /opt/spark/jars/* org.apache.spark.deploy.SparkSubmit',
      ),
    ).toMatchObject({ category: 'resource', action: 'RETRY_WITH_NEW_PARAMS' });
    expect(
      verdict(
        'Error occurred during initialization of VM\nCould not reserve enough space for 4194304KB object heap',
      ),
    ).toMatchObject({
      category: 'resource',
      action: 'RETRY_WITH_NEW_PARAMS',
      paramsHint: { decrease: 'memory' },
    });
  });

  it('tells the owner about a heap size or a sized setting the JVM cannot read', () => {
    expect(
      verdict('Invalid initial heap size: -Xms64X\nError: Could not create the Java Virtual Machine.'),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    expect(
      verdict(
        'java.lang.NumberFormatException: For input string: "512m"\n\tat java.lang.Long.parseLong(Long.java:589)',
      ),
    ).toMatchObject({ category: 'config' });
    expect(verdict('java.lang.NumberFormatException: For input string: "N/A"')).toMatchObject({
      category: 'data_quality',
    });
  });

  it('reads a message-less IllegalArgumentException from the bytecode reader as a Java too new, not a setting', () => {
    expect(
      verdict(
        'java.lang.IllegalArgumentException\n\tat org.apache.xbean.asm7.ClassReader.<init>(ClassReader.java:195)\n\tat org.apache.spark.util.ClosureCleaner$.getClassReader(ClosureCleaner.scala:50)',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
    const bare = verdict(
      'Caused by: java.lang.IllegalArgumentException: null\n\tat com.example.pipeline.Loader.load(Loader.java:10)',
    );
    expect(bare.rule).not.toBe('family.exception_config');
    expect(
      verdict("java.lang.IllegalArgumentException: Invalid value for option 'mode': FASTEST"),
    ).toMatchObject({
      category: 'config',
    });
  });

  it("reads values the target cannot hold as the data, in pyarrow's and Redshift's words", () => {
    expect(
      verdict(
        'Could not infer schema: did not recognize Python value type when inferring an Arrow data type',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
    expect(
      verdict(
        "ERROR: Load into table 'events' failed. Check 'stl_load_errors' system table for details. err_reason: String length exceeds DDL length",
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it('tells the owner about settings a table format needs: a lock client, key fields the data has', () => {
    expect(
      verdict('Generic DeltaTable error: Atomic rename requires a LockClient for S3 backends.'),
    ).toMatchObject({
      category: 'config',
      action: 'NOTIFY_OWNER',
    });
    expect(
      verdict(
        'org.apache.hudi.exception.HoodieKeyException: event_time(Part -event_time) field not found in record. Acceptable fields were :[id, ts]',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it('reads a cluster stopped while a tool waited for it as a race, not a capacity or settings failure', () => {
    expect(
      verdict(
        'Error: cannot start cluster: 1234-567890-abcde123 is not able to transition from TERMINATING to RUNNING: Inactive cluster terminated (inactive for 120 minutes).',
      ),
    ).toMatchObject({ category: 'concurrency', action: 'NOTIFY_OWNER' });
    expect(
      verdict('failed to reach RUNNING, got TERMINATED: Termination requested by someone@example.com'),
    ).toMatchObject({ category: 'concurrency' });
  });

  it('reads missing models and missing log versions as missing objects', () => {
    expect(
      verdict(
        'Was not found appropriate resource to download for request: ResourceRequest(ner_dl,Some(fr),public/models,5.1.0,3.4.1)',
      ),
    ).toMatchObject({ category: 'missing_object', action: 'NOTIFY_OWNER' });
    expect(
      verdict('java.lang.IllegalStateException: could not find any delta file for version 42'),
    ).toMatchObject({
      category: 'missing_object',
    });
  });

  it("does not read a connector library's exception name as a connection failure", () => {
    const rules = createErrorClassifier(loadDefaultErrorPatterns());
    expect(
      rules({
        message:
          'com.google.cloud.bigquery.connector.common.BigQueryConnectorException: Failed to write to BigQuery',
      }).category,
    ).not.toBe('network');
  });

  it('reads a class a framework or Py4J cannot load by name as a missing library, not a missing object', () => {
    expect(
      verdict("dagster.DagsterInvariantViolationError: Class 'pyspark_io.DeltaLakeIOManager' not found"),
    ).toMatchObject({
      category: 'dependency',
      action: 'NOTIFY_OWNER',
    });
    expect(
      verdict(
        'py4j.protocol.Py4JError: org.apache.sedona.sql.utils.SedonaSQLRegistrator does not exist in the JVM',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });

  it("reads a driver's 'failed to connect' around the server's 400 answer as the request, not the transport", () => {
    expect(
      verdict(
        '[Simba][SparkJDBCDriver](500593) Communication link failure. Failed to connect to server. Reason: HTTP Response code: 400, Error message: Unknown.',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    expect(
      verdict(
        '[Simba][SparkJDBCDriver](500593) Communication link failure. Failed to connect to server. Reason: HTTP Response code: 403, Error message: Unknown.',
      ),
    ).toMatchObject({ category: 'permission' });
  });

  it("tells the owner about a Spark service that cannot bind this host's address, however often it retried", () => {
    expect(
      verdict(
        "java.net.BindException: Cannot assign requested address: Service 'SparkUI' failed after 16 retries (on a random free port)! Consider explicitly setting the appropriate binding address for the service 'SparkUI' (for example spark.driver.bindAddress for SparkDriver) to the correct binding address.",
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it("reads a heartbeat's RPC that ran out of its deadline as a timeout to lengthen", () => {
    expect(
      verdict(
        'WARN Executor: Issue communicating with driver in heartbeater\norg.apache.spark.rpc.RpcTimeoutException: Futures timed out after [30 seconds]. This timeout is controlled by spark.executor.heartbeatInterval',
      ),
    ).toMatchObject({ category: 'timeout', action: 'RETRY_WITH_NEW_PARAMS' });
  });

  it('reads a plugin that names the runtime builds it supports as a version clash', () => {
    expect(
      verdict(
        'java.lang.IllegalArgumentException: This connector build does not support Scala version 2.13.8. Supported Scala versions: 2.12',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });

  it("reads EMR's structured bootstrap-action failure as the init script's, whatever the script's runtime printed", () => {
    expect(
      verdict(
        "2021-03-02T10:00:00.000Z ERROR Source: BOOTSTRAP_ACTION | ErrorCode: SCRIPT_EXECUTION_FAILED_CODE | Execution for s3://my-bucket/bootstrap/install.sh failed with code '2'\nNameError: uninitialized constant Foo",
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it("escalates a Go panic wherever the output prints it, as Terraform does below the provider's stack trace", () => {
    expect(
      verdict(
        'Stack trace from the terraform-provider-databricks_v1.40.0 plugin:\n\npanic: interface conversion: interface {} is nil, not string\n\ngoroutine 42 [running]:',
      ),
    ).toMatchObject({ category: 'unknown', action: 'ESCALATE' });
    expect(verdict('Error: the run finished; no panic: all tasks succeeded')).not.toMatchObject({
      rule: 'tool.crash',
    });
  });

  it("escalates a library's own KeyError under Python 3.11's underline of the failing expression", () => {
    expect(
      verdict(
        [
          'Traceback (most recent call last):',
          '  File "/usr/lib/python3.12/site-packages/mlflow/tracking/client.py", line 812, in get_run',
          "    return Run(info=payload['info'])",
          '                    ~~~~~~~^^^^^^^^',
          "KeyError: 'info'",
        ].join('\n'),
      ),
    ).toMatchObject({ category: 'unknown', action: 'ESCALATE' });
  });

  it('gives a storage read whose body stopped arriving more time', () => {
    expect(
      verdict(
        'ObjectStore(Generic { store: "GCS", source: reqwest::Error { kind: Decode, source: "error decoding response body" } })',
      ),
    ).toMatchObject({ category: 'timeout', action: 'RETRY_WITH_NEW_PARAMS' });
  });

  it('reads credentials an SDK could not refresh as a refused identity', () => {
    expect(verdict('oauth-m2m auth: failed to refresh credentials: invalid_client')).toMatchObject({
      category: 'permission',
    });
  });

  it('reads an error class for a feature not supported in that setting as configuration', () => {
    expect(
      verdict(
        '[MANAGED_TABLE_WITH_CRED_NOT_SUPPORTED] Creating managed table with storage credential is not supported. SQLSTATE: 0AKUC',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });
});

describe('classifyErrorWithSecondOpinion', () => {
  const unknownInput = { message: 'the flux capacitor desynchronised' };

  it('asks the second opinion only for unknown errors', async () => {
    let calls = 0;
    const secondOpinion = async () => {
      calls += 1;
      return { category: 'config', transient: false, action: 'NOTIFY_OWNER' };
    };
    const known = await classifyErrorWithSecondOpinion(
      { message: 'java.lang.OutOfMemoryError' },
      { secondOpinion },
    );
    expect(known.rule).toBe('spark.oom.java_heap');
    expect(calls).toBe(0);
    const decided = await classifyErrorWithSecondOpinion(unknownInput, { secondOpinion });
    expect(calls).toBe(1);
    expect(decided).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER', rule: 'second_opinion' });
  });

  it('keeps the rule-based answer when the second opinion throws or answers nonsense', async () => {
    const failing = await classifyErrorWithSecondOpinion(unknownInput, {
      secondOpinion: async () => {
        throw new Error('model down');
      },
    });
    expect(failing.rule).toBe('fallback');
    const nonsense = await classifyErrorWithSecondOpinion(unknownInput, {
      secondOpinion: async () => ({ category: 'vibes', action: 'PANIC' }),
    });
    expect(nonsense.rule).toBe('fallback');
  });

  it('downgrades a plain RETRY proposed for a non-retryable category', async () => {
    const got: Classification = await classifyErrorWithSecondOpinion(unknownInput, {
      secondOpinion: async () => ({ category: 'permission', transient: true, action: 'RETRY' }),
    });
    expect(got.action).toBe('NOTIFY_OWNER');
    expect(got.transient).toBe(false);
  });
});

describe("kinds the unseen11 round read, in other tools' words", () => {
  it('tells the owner a feature is off for the account, even when the message says to contact support', () => {
    expect(
      verdict('Model Serving endpoints are not enabled for your account. Please contact Databricks support.'),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it('retries a request that met an object still busy, whatever settled states it lists', () => {
    expect(
      verdict(
        'InvalidState: cannot refresh materialized view: the update is in state QUEUED and must be in one of the following states: COMPLETED, FAILED, CANCELED',
      ),
    ).toMatchObject({ category: 'concurrency', action: 'RETRY' });
    expect(verdict('Error: the serving endpoint is not ready to accept traffic yet')).toMatchObject({
      category: 'concurrency',
    });
  });

  it('reads a 401 or 403 in a connection pool log line as refused access, by a rule rather than a guess', () => {
    const got = verdict(
      'DEBUG:urllib3.connectionpool:https://dbc-1234.cloud.databricks.com:443 "GET /api/2.1/unity-catalog/tables HTTP/1.1" 401 112\nERROR: request failed, giving up',
    );
    expect(got).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
    expect(isLearnedRule(got.rule)).toBe(false);
  });

  it('tells the owner that pods must declare limits under the namespace quota, not that access was refused', () => {
    expect(
      verdict(
        'Failure executing: POST at: https://10.0.0.1/api/v1/namespaces/spark-jobs/pods. Message: Forbidden! pods "etl-driver" is forbidden: failed quota: compute-quota: must specify limits.memory,requests.memory.',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it("gives a store whose every request timed out until the client's retry budget ran out more time", () => {
    expect(
      verdict(
        'polars.exceptions.ComputeError: Generic GCS error: Error after 7 retries in 301.2s, max_retries:10, retry_timeout:300s, source:error sending request for url (https://storage.googleapis.com/b/o): operation timed out',
      ),
    ).toMatchObject({ category: 'timeout', action: 'RETRY_WITH_NEW_PARAMS' });
  });

  it('reads an error raised while unpickling as two versions of a library, not the code', () => {
    expect(
      verdict(
        "File \"/opt/conda/lib/python3.10/site-packages/distributed/protocol/pickle.py\", line 96, in loads\n    return pickle.loads(x, buffers=buffers)\nAttributeError: Can't get attribute '_unpickle_block' on <module 'pandas._libs.internals'>",
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });

  it('reads a resource type the installed Terraform provider does not know as a provider too old', () => {
    expect(
      verdict(
        'Error: Invalid data source\n\n  on main.tf line 12, in data "azurerm_databricks_access_connector" "uc":\n\nThe provider hashicorp/azurerm does not support data source "azurerm_databricks_access_connector".',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });

  it("tells the owner a table another format registered needs that format's catalog", () => {
    expect(
      verdict(
        "HIVE_UNSUPPORTED_FORMAT: Unable to create input format. This query ran against the 'lake' database",
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it('reads a file of another kind than the reader expects as the data, in openpyxl words', () => {
    expect(
      verdict(
        'openpyxl.utils.exceptions.InvalidFileException: openpyxl does not support .pdf file format, please check you can open it with Excel first.',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it('reads a column name that resolves to two columns as the query, by a rule rather than a guess', () => {
    for (const message of [
      'Binder Error: Ambiguous reference to column name "id" (use: "o.id" or "c.id")',
      'Error: Schema contains duplicate unqualified field name "amount" and qualified field name t.amount which would be ambiguous',
    ]) {
      const got = verdict(message);
      expect(got, message).toMatchObject({ category: 'syntax', action: 'NOTIFY_OWNER' });
      expect(isLearnedRule(got.rule), message).toBe(false);
    }
  });
});

describe("kinds the unseen12 round read, in other tools' words", () => {
  it('tells the owner of a refused connection instead of retrying it, and still retries a connect that timed out', () => {
    for (const message of [
      'psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "pg.internal" and accepting TCP/IP connections on port 5432?',
      'Caused by: java.net.ConnectException: Connection refused\n\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)\n\tat org.apache.kafka.common.network.Selector.finishConnect(Selector.java:102)',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'network', action: 'NOTIFY_OWNER' });
    }
    expect(
      verdict(
        'java.net.ConnectException: Connection timed out\n\tat java.net.PlainSocketImpl.socketConnect(Native Method)',
      ),
    ).toMatchObject({ category: 'network', action: 'RETRY' });
    // A service that says it is unavailable keeps its retry even when the refusal is quoted beside it.
    expect(
      verdict(
        'io.grpc.StatusRuntimeException: UNAVAILABLE: io exception\nCaused by: java.net.ConnectException: Connection refused: worker-3/10.0.0.7:29999',
      ),
    ).toMatchObject({ category: 'network', action: 'RETRY' });
  });

  it('tells the owner that an account API was called with the wrong host or account id', () => {
    for (const message of [
      'databricks.sdk.errors.platform.NotFound: Endpoint not found for /2.0/accounts/0d4f-11aa/metastores',
      'Error: cannot read mws workspaces: The account does not exist or the user does not belong to this account',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    }
  });

  it('does not read advice about authentication errors as one', () => {
    expect(
      verdict(
        'WARN azure_workspace_resource_id field not provided. It is recommended to specify this field to avoid authentication errors.\nERROR Error: cannot read cluster: Cluster 0101-abc does not exist',
      ),
    ).toMatchObject({ category: 'missing_object' });
  });

  it('reads a storage credential that cannot reach the files as access refused, whatever state class wraps it', () => {
    expect(
      verdict(
        'SQL query error: [INVALID_STATE.UC_CLOUD_STORAGE_ACCESS_FAILURE] Failed to access cloud storage: [GCS] storage.objects.list request failed. SQLSTATE: 55000',
      ),
    ).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
  });

  it('reads an object looked up by an id that is not there as missing, inside an invalid-parameter envelope too', () => {
    expect(
      verdict(
        '{"error_code":"INVALID_PARAMETER_VALUE","message":"Could not find a cluster policy with id: 0012AB34CD56EF78."}',
      ),
    ).toMatchObject({ category: 'missing_object', action: 'NOTIFY_OWNER' });
  });

  it("reads R's undefined variable as the code's error, not a missing table", () => {
    expect(verdict("Error in eval(expr, envir, enclos) : object 'sales_df' not found")).toMatchObject({
      category: 'syntax',
      action: 'NOTIFY_OWNER',
    });
    expect(verdict("Error: object 'tbl_orders' not found")).toMatchObject({ category: 'syntax' });
  });

  it('tells the owner to turn on the option a refusal names', () => {
    expect(
      verdict(
        "ValueError: Cannot join these frames. To allow it, set the 'compute.ops_on_diff_frames' option to True.",
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it("reads a table format's missing metadata file as missing, not as a setting", () => {
    expect(
      verdict(
        'org.apache.iceberg.exceptions.ValidationException: Metadata file s3://lake/db/orders/metadata/00042-aa.metadata.json is missing',
      ),
    ).toMatchObject({ category: 'missing_object', action: 'NOTIFY_OWNER' });
  });

  it('reads rows whose record key is null as the data, even inside a stage failure', () => {
    expect(
      verdict(
        'org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times, most recent failure: Lost task 3.3 (TID 91, executor 2): org.apache.hudi.exception.HoodieKeyException: recordKey value: "null" for field: "order_id" cannot be null or empty.',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it("reads Hadoop's missing AbstractFileSystem for a scheme as a setting", () => {
    expect(
      verdict(
        'org.apache.hadoop.fs.UnsupportedFileSystemException: No AbstractFileSystem configured for scheme: gs',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it('reads a class that changed shape between build and run as two versions of a library, by a rule', () => {
    const got = verdict('Exception in thread "main" java.lang.InstantiationError: org.slf4j.LoggerFactory');
    expect(got).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
    expect(isLearnedRule(got.rule)).toBe(false);
  });

  it('reads a library calling another with more arguments than the installed one takes as two versions of them', () => {
    for (const message of [
      'File "/usr/lib/python3/site-packages/koalas/io.py", line 88, in read\nTypeError: read_table() takes 1 positional argument but 2 were given',
      'File "/opt/venv/lib/python2.7/site-packages/hdfs3/core.py", line 40, in open\nTypeError: connect() takes exactly 2 arguments (3 given)',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
    }
  });

  it("retries AWS's throttling of provisioned throughput, by a rule", () => {
    const got = verdict(
      'botocore.errorfactory.ProvisionedThroughputExceededException: An error occurred (ProvisionedThroughputExceededException) when calling the PutItem operation: The level of configured provisioned throughput for the table was exceeded.',
    );
    expect(got).toMatchObject({ category: 'network', action: 'RETRY' });
    expect(isLearnedRule(got.rule)).toBe(false);
  });

  it("reads a source decimal wider than the engine's as the data, not a setting", () => {
    expect(
      verdict(
        'java.lang.IllegalArgumentException: NUMERIC precision is too wide (45), Spark can only handle decimal types with max precision of 38',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it("retries S3's throttling as older clients spell it, and a busy pool that asks for a retry", () => {
    expect(
      verdict(
        'com.amazonaws.services.s3.model.AmazonS3Exception: Slow Down (Service: Amazon S3; Status Code: 503; Error Code: 503 Slow Down; Request ID: 7A1B)',
      ),
    ).toMatchObject({ category: 'network', action: 'RETRY' });
    expect(
      verdict(
        'QueryError: the executor cannot accept new tasks at the moment, please retry the operation later',
      ),
    ).toMatchObject({ category: 'network', action: 'RETRY' });
  });
});

describe("kinds the unseen13 round read, in other tools' words", () => {
  it('reads an expired JWT as an expired credential, inside a Terraform wrapper too', () => {
    for (const message of [
      'jwt.exceptions.ExpiredSignatureError: Signature has expired',
      'Error: cannot read secret scope: token validation failed: JWT is expired (exp 1700000000)',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
    }
  });

  it("reads a driver's failed OAuth exchange as access, not the transport that carried it", () => {
    expect(
      verdict(
        'java.sql.SQLTransientConnectionException: Communication link failure: OAuth token request failed for client 7f3e (invalid_client)',
      ),
    ).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
  });

  it('retries a service that says it is still starting and asks to be called later', () => {
    for (const message of [
      'ERROR: The scheduler is not ready yet. Please try again later.',
      'HttpError 409: Workspace not yet fully initialised, retry later',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'network', action: 'RETRY' });
    }
  });

  it("reads Go's failure to parse a value as a setting, not as code that does not parse", () => {
    for (const message of [
      'Error: invalid value for "max_workers": strconv.Atoi: parsing "eight": invalid syntax',
      'failed to load config: strconv.ParseBool: parsing "yes please": invalid syntax',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    }
  });

  it("retries Delta's conflicting commit quoted alone, whatever operation won the race", () => {
    expect(
      verdict(
        'Conflicting commit: {"timestamp":1700000000000,"operation":"MERGE","operationParameters":{"predicate":"t.id = s.id"},"readVersion":41,"isolationLevel":"WriteSerializable"}',
      ),
    ).toMatchObject({ category: 'concurrency', action: 'RETRY' });
  });

  it('runs out of file descriptors as a resource to raise, not a setting to fix', () => {
    for (const message of [
      'OSError: [Errno 24] Too many open files: /tmp/spark-local/part-00017.parquet',
      "Error: EMFILE: too many open files, open '/home/runner/work/app/node_modules/x.js'",
    ]) {
      expect(verdict(message), message).toMatchObject({
        category: 'resource',
        action: 'RETRY_WITH_NEW_PARAMS',
      });
    }
  });

  it('reads an HTTP 500 in a request log line as the service failing', () => {
    expect(
      verdict('10.0.0.4 - - [12/Mar/2024:10:01:02 +0000] "POST /api/2.1/jobs/run-now HTTP/1.1" 500 312'),
    ).toMatchObject({ category: 'unknown', action: 'ESCALATE' });
    // …and a request that answered 200 is no failure of the service.
    expect(verdict('"GET /api/2.0/clusters/get HTTP/1.1" 200 1043').rule).not.toBe(
      'http.server_error_response',
    );
  });

  it('reads values of different types merged into one inferred schema as the data', () => {
    expect(
      verdict(
        'pyspark.errors.exceptions.base.PySparkTypeError: [CANNOT_MERGE_TYPE] Can not merge type `LongType` and `StringType`.',
      ),
    ).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
  });

  it("raises the stack for the JVM's stack overflow, a deep plan or object rather than wrong code", () => {
    expect(
      verdict(
        'Exception in thread "dag-scheduler-event-loop" java.lang.StackOverflowError\n\tat scala.collection.TraversableLike.map(TraversableLike.scala:238)\n\tat org.apache.spark.sql.catalyst.trees.TreeNode.mapChildren(TreeNode.scala:331)',
      ),
    ).toMatchObject({ category: 'resource', action: 'RETRY_WITH_NEW_PARAMS' });
  });

  it('reads a credential or token that was not found as access, not a missing object', () => {
    for (const message of [
      'com.example.auth.GcpCredentialsNotFoundException: no application default credentials on this node',
      'java.io.IOException: Could not find AAD token for the current user',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
    }
  });

  it('tells the owner when a worker process Spark started never connected back', () => {
    expect(
      verdict(
        'org.apache.spark.SparkException: R worker failed\nCaused by: java.net.SocketTimeoutException: Accept timed out\n\tat java.net.ServerSocket.implAccept(ServerSocket.java:545)\n\tat org.apache.spark.api.r.RRunner.compute(RRunner.scala:72)',
      ),
    ).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
  });

  it('reads an external shuffle service that is not there as the setup, not lost memory', () => {
    for (const message of [
      'ExecutorLostFailure (executor 4 exited caused by one of the running tasks) Reason: Unable to create executor due to Unable to register with external shuffle server due to : java.util.concurrent.TimeoutException: Timeout waiting for task.',
      'org.apache.hadoop.yarn.exceptions.InvalidAuxServiceException: The auxService:spark_shuffle does not exist',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    }
  });

  it('reads a value Python could not convert as the data, and a bare ValueError as an argument or setting', () => {
    for (const message of [
      "ValueError: invalid literal for int() with base 10: 'N/A'",
      "ValueError: could not convert string to float: '12,5'",
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
    }
    expect(verdict('ValueError: max_workers must be a positive integer, got -1')).toMatchObject({
      category: 'config',
      action: 'NOTIFY_OWNER',
    });
  });

  it('reads a program a tool looks for and cannot find as one to install', () => {
    for (const message of [
      'Error: Unable to find the kubectl binary. Is kubectl installed and on your PATH?',
      "subprocess failed: command 'terraform' not found; it may not have been installed by the setup step",
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
    }
  });

  it('reads a value in the data that does not parse as the data, and the same words at startup as a setting', () => {
    for (const message of [
      'java.text.ParseException: Unparseable date: "31/02/2023"\n\tat java.text.DateFormat.parse(DateFormat.java:366)',
      'org.apache.spark.SparkException: Job aborted due to stage failure: Task 2 in stage 5.0 failed 4 times, most recent failure: Lost task 2.3 in stage 5.0: java.lang.NumberFormatException: For input string: "N/A"\n\tat java.lang.Long.parseLong(Long.java:589)',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'data_quality', action: 'NOTIFY_OWNER' });
    }
    expect(
      verdict(
        'Exception in thread "main" java.lang.NumberFormatException: For input string: "4g"\n\tat java.lang.Integer.parseInt(Integer.java:580)\n\tat org.apache.spark.SparkConf.getInt(SparkConf.scala:410)',
      ).category,
    ).toBe('config');
  });
});

describe("kinds the unseen14 round read, in other tools' words", () => {
  it('tells the owner about throttling whose limit is their plan or setting, and retries a throttle that names its wait', () => {
    for (const message of [
      'HTTP 429: You have hit the request limit of your current plan (100 calls/min). Upgrade your plan at https://example.com/billing to continue.',
      'RESOURCE_EXHAUSTED: rate limit exceeded for model endpoint "scoring". Increase the rate limit in the endpoint settings or contact your account team to raise it.',
    ]) {
      expect(verdict(message), message).toMatchObject({ action: 'NOTIFY_OWNER' });
    }
    expect(
      verdict(
        '429 Too Many Requests: the token rate limit of your current S0 pricing tier was exceeded. Please retry after 12 seconds. See https://aka.ms/quota if you would like to further increase the default rate limit.',
      ),
    ).toMatchObject({ category: 'network', action: 'RETRY' });
  });

  it('reads a host name DNS says does not exist as a setting, however each platform words it', () => {
    for (const message of [
      "System.Net.WebException: The remote name could not be resolved: 'adb-1234.azuredatabricks.nett'",
      'ping: bad.example.internal: Name does not resolve',
      "wget: unable to resolve host address 'pypi.orgg'",
      'dns.resolver.NXDOMAIN: The DNS query name does not exist: warehouse.corp.example.',
      'Error: queryA ENOTFOUND dbc-12ab.cloud.databricks.comm',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    }
  });

  it("reads the operating system's EAGAIN when starting a process or thread as a limit to raise, not a service to retry", () => {
    for (const message of [
      'bash: fork: retry: Resource temporarily unavailable',
      'java.io.IOException: Cannot run program "Rscript": error=11, Resource temporarily unavailable',
      "RuntimeError: can't start new thread: [Errno 11] Resource temporarily unavailable",
    ]) {
      expect(verdict(message), message).toMatchObject({
        category: 'resource',
        action: 'RETRY_WITH_NEW_PARAMS',
      });
    }
  });

  it('reads an unavailability that names memory as its cause as memory, not a blip', () => {
    for (const message of [
      'HTTP 503 Service Unavailable: model server is unresponsive after running out of memory while loading the model',
      'Error: the SQL gateway is temporarily unavailable due to memory pressure on the coordinator',
    ]) {
      expect(verdict(message), message).toMatchObject({
        category: 'resource',
        action: 'RETRY_WITH_NEW_PARAMS',
      });
    }
  });

  it('does not retry a closed connection whose cause is the request itself or a missing client certificate', () => {
    expect(
      verdict('ECONNRESET: socket hang up — nginx answered 431 Request Header Fields Too Large'),
    ).toMatchObject({
      category: 'config',
      action: 'NOTIFY_OWNER',
    });
    expect(
      verdict(
        'Connection closed by peer: the broker requires a client certificate (mutual TLS) and none was sent',
      ),
    ).toMatchObject({ category: 'network', action: 'NOTIFY_OWNER' });
  });

  it('reads a token issued for another audience or issuer as access', () => {
    for (const message of [
      "jwt.exceptions.InvalidAudienceError: Audience doesn't match",
      'Error 400 io.jsonwebtoken.IncorrectClaimException: Expected iss claim to be: https://sts.windows.net/x/, but was: https://login.example.com/',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
    }
  });

  it('reads "only the owner or an admin may" as a grant, and a key vault the service cannot use as access', () => {
    for (const message of [
      'PERMISSION_DENIED: Only workspace admins are allowed to create instance pools.',
      'Error: cannot update pipeline: Only the owner of the pipeline can change its run_as identity',
      'Failed to create the secret scope: the service could not access the Azure Key Vault kv-prod-01 (check its access policies)',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'permission', action: 'NOTIFY_OWNER' });
    }
  });

  it('reads a core quota the message asks to raise as capacity for the owner', () => {
    expect(
      verdict(
        'Bad Request (400): the requested pool needs 32 vCPUs but the subscription has a 16 vCPU limit; raise your vCPU quota or request fewer nodes.',
      ),
    ).toMatchObject({ category: 'capacity', action: 'NOTIFY_OWNER' });
  });

  it('reads a value a tool refuses while listing the ones it takes as a setting', () => {
    for (const message of [
      "Invalid write mode provided: 'upsertt'. Expected one of: 'append', 'overwrite', 'merge'",
      "ValueError: unknown compression codec 'zstdd', must be one of gzip, snappy, zstd",
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'config', action: 'NOTIFY_OWNER' });
    }
  });

  it('reads a listed mismatch between required and installed library versions as the libraries', () => {
    for (const message of [
      "2024/03/02 WARNING mlflow.pyfunc: Detected one or more mismatches between the model's dependencies and the current Python environment:\n - xgboost (current: 1.7.6, required: xgboost==2.0.3)\nTypeError: __init__() got an unexpected keyword argument 'device'",
      'ERROR: great-expectations 0.18.8 has requirement numpy<2, but you have numpy 2.0.1.',
    ]) {
      expect(verdict(message), message).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
    }
  });

  it('reads a Spark ML parameter a saved stage names and this version lacks as a library version mismatch', () => {
    expect(
      verdict(
        'py4j.protocol.Py4JJavaError: An error occurred while calling o88.load.\n: java.util.NoSuchElementException: Param handleInvalidRows does not exist.\n\tat org.apache.spark.ml.param.Params.$anonfun$getParam$2(params.scala:705)',
      ),
    ).toMatchObject({ category: 'dependency', action: 'NOTIFY_OWNER' });
  });
});
