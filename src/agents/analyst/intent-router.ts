import {
  matchName,
  matchWordPart,
  type NameMatch,
  nearestNames,
  normaliseName,
  withinTypos,
} from './name-match.js';
import {
  type KindedName,
  type TableSpelt,
  tablesSpeltOut,
  withNamesSpelt,
  withWordsSpelt,
} from './name-words.js';
import type { WorkspaceNames } from './workspace-names.js';

/**
 * The deterministic intent router: a question in plain language → one of the intents below and the
 * names it is about, with no language model. It reads concepts, not sentences: each concept is a set
 * of word stems ("fail", "broke", "error", "red" all mean FAIL), and an intent is chosen from the
 * concepts present and the kind of name found (a job, a team, a table). So phrasings nobody wrote
 * down still land, which `test/agents/analyst/paraphrases.ts` — written apart from these lists —
 * checks.
 */
export const INTENTS = [
  'failures',
  'why_failed',
  'job_status',
  'job_duration',
  'sla_misses',
  'expensive_jobs',
  'expensive_queries',
  'expensive_users',
  'spend_by_team',
  'untagged_spend',
  'idle_warehouses',
  'warehouses_without_autostop',
  'clusters_without_autotermination',
  'long_queries_now',
  'table_access',
  'downstream',
  'pipeline_status',
] as const;
export type IntentName = (typeof INTENTS)[number];

export interface JobRef {
  readonly id: string;
  readonly name: string;
  readonly team: string | null;
  /** Who owns it: the identity it runs as and its creator (`system.lakeflow.jobs`), when read. */
  readonly owners?: readonly string[];
}

/** A SQL warehouse or an all-purpose cluster: its id, as the system tables spell it, and its name. */
export interface ComputeRef {
  readonly id: string;
  readonly name: string;
}

/**
 * What `system.billing.usage` calls a product (`billing_origin_product`), as the question names it:
 * "serverless", "SQL warehouses", "DLT", "model serving", "jobs".
 */
export const PRODUCTS = ['SQL', 'JOBS', 'DLT', 'MODEL_SERVING', 'ALL_PURPOSE', 'VECTOR_SEARCH'] as const;
export type Product = (typeof PRODUCTS)[number];

/** A name typed that the workspace does not have, and the nearest ones it does. */
export interface UnknownName {
  readonly what: NameKind | 'user' | null;
  readonly typed: string;
  readonly nearest: readonly string[];
}

/** What a question is about, besides its period. */
export interface Slots {
  /** One team, or the several a question names ("finance vs marketing"). Never empty. */
  readonly teams?: readonly string[];
  /** One job, or the several a question names ("the orders or payments job"). Never empty. */
  readonly jobs?: readonly JobRef[];
  readonly table?: string;
  readonly warehouse?: ComputeRef;
  readonly cluster?: ComputeRef;
  /** The billing product asked about ("DLT spend"). */
  readonly product?: Product;
  /** "Serverless" spend: usage of serverless compute only, whatever its product. */
  readonly serverless?: boolean;
  /** "Photon" usage: the bill's records of compute that ran on Photon (`product_features.is_photon`). */
  readonly photon?: boolean;
  /** "failures by team": group by team instead of job. */
  readonly byTeam?: boolean;
  /** "Photon vs non-Photon", "what share is Photon": spend split into Photon and the rest. */
  readonly byPhoton?: boolean;
  /** "Whose queries are slowest": people ranked by how long their queries take, not by their total. */
  readonly bySlowness?: boolean;
  /** "How many queries ran on finance_wh": a count of the queries, not the heaviest ten. */
  readonly counted?: boolean;
  /** A person or service principal who ran queries, as `query.history.executed_by` spells it. */
  readonly user?: string;
  readonly pipeline?: ComputeRef;
  /** Failures of one kind the system tables themselves tell apart ("timeouts", "cluster errors"). */
  readonly errorKind?: ErrorKind;
  /** "Is the 6am SLA going to be met": today's deadlines told as they stand, not the misses so far. */
  readonly forecast?: boolean;
}

/**
 * Kinds of failure the run timeline itself records: a run that hit its timeout ends `TIMED_OUT`, and
 * one whose cluster could not start ends with termination code `CLUSTER_ERROR` or `CLOUD_FAILURE`.
 * Other kinds (out of memory, permissions, bad data) end as `RUN_EXECUTION_ERROR` or `DRIVER_ERROR`
 * like any crash; only the run's error message tells them apart, and the system tables do not hold it.
 */
export const ERROR_KINDS = ['timeout', 'cluster'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** The filters a question can carry, each an answer must keep or decline. */
export type Filter = Exclude<keyof Slots, 'byTeam' | 'bySlowness' | 'byPhoton' | 'counted' | 'forecast'>;

export type Routed =
  | {
      readonly kind: 'intent';
      readonly intent: IntentName;
      readonly slots: Slots;
      /** How an abbreviated name was read ("mktg" as team marketing), for the answer to say. */
      readonly assumed?: string;
      /** A further question asked in the same message ("… and how much did it cost us"), not answered. */
      readonly secondAsk?: string;
    }
  | {
      readonly kind: 'ambiguous';
      readonly what: NameKind | 'user';
      readonly typed: string;
      readonly candidates: readonly string[];
      /** The intent it would answer once a candidate is picked, if known. */
      readonly intent: IntentName | undefined;
    }
  /**
   * The question names something that is no team, job or table of the workspace ("what failed for
   * team-x?"): said so, with the nearest names, instead of answering for everything.
   */
  | ({ readonly kind: 'unknown_name'; readonly intent: IntentName | undefined } & UnknownName)
  /**
   * The question's main ask is something no intent computes ("jobs with the most retries", "who owns
   * X", "forecast December"): said so, with the intents nearest to it, never answered with another.
   */
  | {
      readonly kind: 'uncovered';
      readonly subject: string;
      readonly nearest: readonly IntentName[];
      /** The jobs the question names: the nearest answers are offered about them. */
      readonly jobs?: readonly string[];
      /** A name in the question that is none of the workspace's ("markting"), said before the decline. */
      readonly unknownName?: UnknownName;
    }
  /** Only a name or only a period ("and last week?", "what about marketing?"): a follow-up. */
  | {
      readonly kind: 'follow_up';
      readonly slots: Slots;
      /** How a loosely typed name was read ("ordrs" as "orders"), for the answer to say. */
      readonly assumed?: string;
    }
  | { readonly kind: 'unknown' };

const concept = (pattern: string) => new RegExp(`(?:^|[^a-z0-9_])(?:${pattern})`, 'i');

// Stems, matched at the start of a word: "fail" covers fail/failed/failing/failure(s).
const C = {
  fail: concept(
    "fail|break|broke|broken|error|errored|crash|flak(?:y|iness)|die[ds]?\\b|red\\b|didn'?t (?:succeed|finish|complete|run)|(?:could ?n.?t|can.?t|failed to|did ?n.?t) (?:get|start|launch|acquire) (?:a |the )?cluster|did not (?:succeed|finish|complete)|unsuccessful|blew up|blow(?:s|ing|n)? up|(?:go|goes|going|went|gone) (?:boom|bang|kaput|pop)\\b|went wrong|go(?:ne)? wrong|timed? ?out|problem|issue|incident|(?:fall|falls|falling|fallen|fell|keel(?:s|ed)?|topple[sd]?) over\\b|fell down|f[ae]ll(?:s|ing|en)? (?:flat|apart)\\b|fall(?:s|ing|en)? down\\b|tank(?:s|ed)?\\b|bomb(?:s|ed)? out\\b|(?:choke|choked|chokes)\\b",
  ),
  why: concept(
    'why|y\\b|cause|reason|root|what happened|what went wrong|explain|how come|diagnos|error messages?|error (?:msgs?|text|output|details?)\\b|exceptions?\\b|what error|which error|what(?:.?s| is| was) (?:the|its|that) (?:\\w+ )?(?:error|exception)\\b|stack ?traces?',
  ),
  /** "What happened (last night)?" about no job: what went wrong in the period. */
  happened: concept(
    '(?:what|anything) (?:happened|happen|went on|going on)|what did i miss|worse\\b|better\\b',
  ),
  status: concept(
    'status|state\\b|health|how (?:is|are|was|did)|how.?s\\b|doing|history|runs?\\b|last run|latest|recent|ok\\b|okay|succeed',
  ),
  duration: concept(
    'duration|how long|slow|runtime|run ?time|taking|took|take longer|longer|faster|speed|trend|minutes|elapsed',
  ),
  sla: concept(
    'sla\\b|slas\\b|service.level|slos?\\b|deadline|late\\b|on time|breach|fresh|stale|overdue|missed|miss\\b|misses|up.to.date|out.of.date|outdated',
  ),
  cost: concept(
    // Photon is known to the system tables only by the bill: "photon usage" is a question about money.
    'cost|spend|spent|bill|billing|expenditure|expenses?\\b|outlay|invoice|dollar|\\$|expensive|pricey|pricy|dbus?\\b|money|budget|charge|paid|pay\\b|paying|pays\\b|burn|usd|cheap|damage\\b|photon|how much (?:serverless|dlt|model serving|all.purpose|interactive|jobs? compute|vector search)\\b|(?:serverless|dlt|model serving|all.purpose|vector search) (?:usage|consumption)\\b',
  ),
  top: concept(
    // Using a shared thing up: "who's hogging marketing_bi", "who is hammering finance_wh".
    'expensive|most|top\\b|biggest|costliest|priciest|highest|largest|heaviest|worst|hungriest|hog(?:s|ging|ged)?\\b|hammer(?:s|ing|ed)?\\b|maxing (?:it |them )?out',
  ),
  query: concept('quer(?:y|ies)|statements?|sql\\b|select'),
  user: concept(
    'users?\\b|who\\b|whos\\b|people|persons?|engineers?|analysts?|spenders?\\b|by user|per user|whom',
  ),
  job: concept('jobs?\\b|workflows?|pipelines?|etl'),
  /** How often runs fail or succeed, as a share: "failure rate", "percentage", "how flaky". */
  rate: concept(
    '(?:what|which|the) ?%|%\\s*of\\b|percent|percentage|(?:success|failure|fail|error) rates?\\b|ratio|fraction|proportion|share of (?:the |our |all )?(?:runs|jobs)\\b|reliab|flaky',
  ),
  /** DLT pipelines, not jobs: "which dlt pipelines failed". */
  pipeline: concept('dlt\\b|delta live|declarative pipelines?|lakeflow pipelines?'),
  timeout: concept('time ?outs?\\b|timed? ?out|hit (?:the|its|their) timeout'),
  clusterError: concept(
    'cluster (?:errors?|failures?|launch|start)|(?:could ?n.?t|can.?t|failed to|did ?n.?t) (?:get|start|launch|acquire) (?:a |the )?cluster|capacity|stockout|quota',
  ),
  team: concept('teams?\\b|by team|per team|departments?|cost cent'),
  change: concept(
    'week.over.week|wow\\b|versus|vs\\.?\\b|compared?|comparison|change|up\\b|increase|grew|grow|went up|rise|rising|jump|higher|more than|delta|differen',
  ),
  warehouse: concept('warehouses?|sql endpoints?|endpoints?'),
  idle: concept(
    'idle|idling|for nothing|for no reason|shut (?:down|off)|turn(?:ed)? off|switch(?:ed)? off|unused|doing nothing|nothing to do|not doing anything|no (?:work|load|queries|activity|traffic)|left (?:on|running)|wast|oversized|too big|over.?provision|underused|under.?utili|sitting|nobody (?:uses|using|querying)|no one (?:uses|using|querying)|not used|right.?siz|too large',
  ),
  autostop: concept(
    "auto.?stop|never stop|always on|don'?t stop|do not stop|without stop|no stop|stop automatically|(?:never|don'?t|do not|doesn'?t|does not|won'?t|will not|can'?t|never get) (?:shut|turn|switch|spin|power)(?:s|ting)? (?:themselves |itself )?(?:down|off)|(?:stop|shut down|turn off|switch off|spin down|power down)s? (?:on (?:its|their) own|by (?:itself|themselves)|when idle)",
  ),
  cluster: concept('clusters?|all.purpose|compute\\b'),
  autoterm: concept(
    "auto.?term(?:inat|\\b)|never terminat|don'?t terminat|do not terminat|without terminat|no terminat|terminate automatically|never shut|run forever|keep running|always on|never stop",
  ),
  now: concept(
    'right now|currently|now\\b|rn\\b|atm\\b|at the moment|in progress|in.flight|still running|running|ongoing|stuck|hung|hanging|long.running|longest',
  ),
  /** Something running too long at this moment, whatever it is: "running long", "stuck", "hung". */
  longRunning: concept(
    'running (?:long|for (?:hours|ages|ever)|forever)|long.running|stuck|hung\\b|hanging|taking (?:forever|ages)|never (?:ends|finish)|queued|queu(?:e?ing|es)\\b|in (?:the )?queue',
  ),
  /** Words that mean "at this moment" even beside a period ("stuck since this morning"). */
  nowOnly: concept(
    'right now|currently|now\\b|rn\\b|atm\\b|at the moment|in progress|in.flight|still running|ongoing|stuck|hung|hanging',
  ),
  access: concept(
    'who (?:read|reads|accessed|queried|touched|changed|modified|altered|wrote|granted|revoked|updated|dropped|used|ran|runs|selected)|(?:mess|fiddl|tamper|meddl|screw|muck|play|twiddl)(?:ed|ing)? (?:(?:around |about )?with|around)\\b|tweak(?:s|ed|ing)?\\b|read(?:s|ing)?\\b|accessed|access|queried|touch(?:es|ed)?\\b|change[sd]?\\b|changed|modified|altered|wrote|written|grant|revok|permission|writes\\b|updated|used\\b|modif(?:y|ies|ying)|edit(?:s|ed|ing)?\\b|overwr|delet(?:e|ed|es|ing)\\b|truncat|insert(?:s|ed|ing)?\\b|writ(?:e|es|ing) (?:to|into)\\b',
  ),
  downstream: concept(
    'downstream|what else (?:breaks|fails|is affected|goes down)|depend|consumer|lineage|impact|affected|feeds?\\b|fed\\b|blast radius|breaks? if|what uses|who uses|uses\\b|built from|derived',
  ),
  untagged: concept(
    "untagged|without (?:a )?tags?|no tags?|missing tags?|unattributed|not tagged|unallocated|unowned|without (?:a )?team|no team|isn'?t tagged|aren'?t tagged|tagless",
  ),
  byTeam: concept('by team|per team|each team|every team|which teams?|teams?\\b'),
} as const;

/**
 * Subjects the system tables hold but no intent computes (a `needs` concept must be present too). A question whose main ask is one of them is
 * declined with the nearest intents (or goes to the model, when one is configured), never answered
 * with whatever intent its other words would pick: "jobs with the most retries" is not a cost ranking.
 */
const UNCOVERED: readonly {
  subject: string;
  pattern: RegExp;
  nearest: readonly IntentName[];
  /** Concepts that make the words a mere lead-in to what an intent answers ("list all failed jobs"). */
  unless?: readonly (keyof typeof C)[];
  /** A concept the question must also carry for this subject to be its ask. */
  needs?: keyof typeof C;
  /** Intents that answer the question even with these words ("why did X fail with OOM"). */
  notFor?: readonly IntentName[];
  /** With a person named, the words say whose things to read ("jobs owned by alice"): no subject. */
  notWithPerson?: true;
  /**
   * The nearest answers follow what the question is about, where `nearest` is only the default: a
   * named job's status and usual duration, what failed for what may break, the spend for a bill.
   */
  nearestByAsk?: true;
  /** With a job named, an intent about that job answers it ("did X take longer than usual"): no subject. */
  notWithJob?: true;
}[] = [
  {
    // No intent reads a cluster's events (its driver, its nodes): whether one is healthy is said to be
    // unanswered, with what is known of clusters, rather than read as a question about nothing.
    subject: "a cluster's health (its driver, nodes and events)",
    pattern: concept(
      'ok\\b|okay|health|healthy|alive|down\\b|working|responsive|unresponsive|stuck|hung\\b|hanging|status|state\\b|doing\\b|up and running',
    ),
    needs: 'cluster',
    nearest: ['clusters_without_autotermination', 'failures'],
    unless: ['autoterm', 'cost', 'idle', 'fail', 'untagged', 'job'],
  },
  {
    subject: 'retries and attempts',
    pattern: concept('retr(?:y|ies|ied|ying)|attempts?\\b|repair(?:s|ed)? runs?'),
    nearest: ['failures', 'job_status'],
  },
  {
    subject: 'who owns something',
    pattern: concept(
      "(?<!\\bon (?:its|their|his|her|my|our|your) )owns?\\b|owners?\\b|owned by|ownership|who(?:'s| is) responsible|maintainers?|maintained by|who (?:created|made|set up|built)\\b",
    ),
    nearest: ['table_access', 'downstream'],
    notWithPerson: true,
  },
  {
    // Who holds a privilege now is no record the answers read; who granted or revoked one is (the audit
    // log, read by who read or changed a table), so that is the nearest answer.
    subject: 'privileges: who may read or change something',
    pattern: concept(
      'who (?:still |currently |now |else )?(?:has|have|had|holds?|got|keeps?) (?:select|modify|read|write|usage|manage|all privileges|access|permissions?|privileges?|rights?|grants?)\\b|who (?:can|could|may|is allowed to|are allowed to) (?:read|query|select|write|modify|access|see)\\b|(?:has|have|had) (?:select|modify) (?:on|to|for)\\b|(?:current|effective|existing) (?:grants|permissions|privileges|acls?)\\b|(?<!(?:chang|grant|revok|updat|modifi|remov|add|edit|mess|fiddl|tamper|tweak|alter|meddl|touch|play|screw|muck|fidget|hack|fudg|twiddl)(?:ed|ing) (?:(?:around |about )?with |up |around )?(?:the |its |their |any )?)privileges?\\b|show grants|access rights|acls?\\b|(?:which|what) (?:groups?|users?|people|principals?|service principals?|accounts?|identities|roles?) (?:still )?(?:can|could|may|are allowed to|have access|has access)\\b|(?<!(?:chang|grant|revok|updat|modifi|remov|add|edit|mess|fiddl|tamper|tweak|alter|meddl|touch|play|screw|muck|fidget|hack|fudg|twiddl)(?:ed|ing) (?:(?:around |about )?with |up |around )?(?:the |its |their |any )?)grants (?:on|for|of|to)\\b|show (?:me )?(?:the |all )?(?:grants|permissions|privileges)\\b',
    ),
    nearest: ['table_access', 'downstream'],
  },
  {
    subject: 'who is on call',
    pattern: concept(
      "who(?:'?s| is| was| will be)? (?:on.?call|on (?:the )?pager|holding the pager)|on.?call (?:rota|rotation|schedule|engineer|person)",
    ),
    nearest: ['failures', 'why_failed'],
  },
  {
    subject: "budgets (/dbx cost shows a team's budget status)",
    pattern: concept(
      '(?:over|under|within|against|vs\\.?|versus) (?:the |our |its |their )?budget|budget (?:status|left|remaining)|(?:blow|burn|go|eat|run|chew)\\w* through\\s+(?:\\S+\\s+){0,2}budget|(?:exceed|overr?un|overshoot|bust|blow|hit|reach)\\w*\\s+(?:\\S+\\s+){0,2}budget|on (?:track|target|course) (?:for|with|against)\\s+(?:\\S+\\s+){0,2}budget|(?:much|what) (?:of (?:the |our |its |their )?)?budget (?:\\S+\\s+){0,3}left\\b',
    ),
    nearest: ['spend_by_team', 'expensive_jobs'],
  },
  {
    // Spend is split by team (and a team's by product); split another way it would be another answer.
    subject: 'spend split by cluster, SKU, warehouse, tag or workspace',
    pattern: concept(
      '(?:by|per|each|for each|for every) (?:clusters?|skus?|sku_name|warehouses?|tags?|workspaces?|cost cent(?:er|re)s?)\\b|(?:rank|sort|order|line up|compare)\\w* (?:\\w+ ){0,2}(?:clusters?|skus?|warehouses?|workspaces?) by\\b|(?:which|what) (?:clusters?|skus?|warehouses?|workspaces?) (?:\\w+ )?(?:cost|spen[dt]|burn|billed|charged)',
    ),
    nearest: ['spend_by_team', 'expensive_jobs'],
    needs: 'cost',
    notFor: ['untagged_spend', 'expensive_queries', 'expensive_users', 'idle_warehouses'],
  },
  {
    subject: 'rates and percentages of runs',
    // "Flaky" or "reliable" alone is answered by failures; a share asked for is not.
    pattern: concept(
      '(?:what|which|the) ?%|%\\s*of\\b|percent|percentage|(?:success|failure|fail|error) rates?\\b|ratio|fraction|proportion|share of (?:the |our |all )?(?:runs|jobs)\\b',
    ),
    nearest: ['failures', 'job_status'],
    // Of one job, its status says "n of m runs failed"; a share of spend is the spend's split.
    notFor: ['job_status', 'job_duration', 'why_failed', 'spend_by_team', 'untagged_spend'],
  },
  {
    // Every job's runs against each one's own usual length is no statement of ours yet; one named
    // job's trend is (job_duration), and its status gives its median.
    subject: "runs that took longer than their job's usual",
    pattern: concept(
      '(?:longer|slower|later) than (?:usual|normal|normally|expected|typical|typically|average|before)|(?:unusually|abnormally|weirdly|suspiciously) (?:long|slow)',
    ),
    nearest: ['job_duration', 'job_status'],
    notWithJob: true,
  },
  {
    subject: 'the tables a job reads or writes',
    pattern: concept('(?:which|what) tables? (?:does|do|did|will)\\b'),
    nearest: ['downstream', 'table_access'],
    notWithPerson: true,
  },
  {
    subject: 'forecasts',
    // The future: what will be spent, what will break, what happens next week or tomorrow.
    pattern: concept(
      "forecast|predict|projection|projected|project(?:ing)? (?:our|the|my|their|its|this|that|what|how|end|month|quarter|year|eo[mqy]|total|spend|costs?|bill)\\b|at (?:this|the current|our current|current|that|the same) (?:burn |run |spend(?:ing)? )?(?:rate|pace)|extrapolat|will (?:we|it|they) (?:spend|cost)|will (?:the |our )?(?:bill|costs?|spend\\w*|invoice) be|run.?rate|(?:will|going to|gonna)\\s+(?:[a-z'-]+\\s+){0,5}(?:break|fail|crash|go down|be late|miss|finish|complete|land|make it|be on time|succeed|cope|handle|hold up|survive|scale|run out)\\b|next (?:week|wk|month|quarter|year|weekend)\\b|tomorrow|(?:at|by) (?:the )?(?:end of (?:the )?(?:month|quarter|year)|(?:month|quarter|year).?end)",
    ),
    nearest: ['spend_by_team', 'expensive_jobs'],
    nearestByAsk: true,
    // Whether today's deadlines will be kept is told from the runs so far (`sla-forecast.ts`).
    notFor: ['sla_misses'],
  },
  {
    // The system tables hold what Databricks bills, in DBUs: not another platform's bill, nor the cloud's.
    subject: "costs outside Databricks (another platform's bill, the cloud provider's VMs and storage)",
    pattern: concept(
      'snowflake|bigquery|redshift|synapse|teradata|looker|tableau|power ?bi|fivetran|datadog|ec2\\b|s3 (?:cost|bill|spend)|(?:aws|azure|gcp|google cloud|cloud) (?:bill|invoice|costs?|spend)|(?:pay|paying|paid|owe) (?:to )?(?:aws|amazon|azure|microsoft|gcp|google)\\b|cloud provider|vm costs?|egress',
    ),
    nearest: ['spend_by_team', 'expensive_jobs'],
  },
  {
    // Every job's runs are listed with their average length, not filtered by one: said, not dropped.
    subject: 'runs longer than a given length',
    pattern: concept(
      '(?:longer|more|over|greater) than (?:\\d+|an?|one|two|three|four|five|six|ten|twelve) ?(?:h\\b|hours?|hrs?|m\\b|min\\b|mins|minutes?)',
    ),
    nearest: ['job_duration', 'job_status'],
    needs: 'job',
    notFor: ['expensive_queries', 'long_queries_now', 'job_duration', 'why_failed'],
  },
  {
    subject: 'percentiles and latencies',
    pattern: concept('p\\d\\d\\b|percentiles?|latenc'),
    nearest: ['job_duration', 'expensive_queries'],
  },
  {
    // Incidents and their severities live in dbxops' own store, which no answer reads: /dbx incidents does.
    subject: 'incidents by severity (/dbx incidents lists them)',
    pattern: concept('p[1-4]s?\\b|sev(?:erity)? ?[1-4]s?\\b|severit(?:y|ies)'),
    nearest: ['failures', 'sla_misses'],
  },
  {
    subject: 'sign-ins',
    pattern: concept('log(?:ged|s)? ?ins?\\b|sign(?:ed|s)? ?ins?\\b|logons?'),
    nearest: ['table_access', 'expensive_users'],
  },
  {
    subject: 'counts and lists of objects',
    pattern: concept(
      'how many (?:tables|schemas|catalogs|notebooks|clusters|warehouses|jobs|pipelines|users|dashboards) (?:do|are|exist|have|in)\\b|list (?:all|every)\\b|inventory',
    ),
    nearest: ['failures', 'idle_warehouses'],
    unless: [
      'fail',
      'cost',
      'top',
      'sla',
      'idle',
      'autostop',
      'autoterm',
      'untagged',
      'access',
      'downstream',
    ],
  },
  {
    subject:
      'failures of one kind of error (out of memory, permissions, bad data, syntax, network, spot losses)',
    pattern: concept(
      'oom\\b|out of memory|spot|preempt|evict|memory error|heap|permissions?\\b|access denied|unauthori[sz]ed|forbidden|not authori[sz]ed|403\\b|syntax|parse error|schema mismatch|bad data|data quality|null pointer|network|connection (?:refused|reset|errors?)|dns|not found errors?|missing tables?|dependency|library errors?|config(?:uration)? errors?',
    ),
    // Only with words of failure: "permission changes on X" asks who changed it.
    nearest: ['failures', 'why_failed'],
    needs: 'fail',
    // Of one named job, its failure's own error says the kind: why it failed answers it.
    notFor: ['why_failed', 'job_status', 'job_duration'],
  },
  {
    subject: 'CPU, memory and disk use',
    pattern: concept('memory|cpu|oom\\b|out of memory|disk|spill'),
    nearest: ['idle_warehouses', 'job_duration'],
    notFor: ['why_failed'],
  },
  {
    subject: 'storage, table sizes and data volumes',
    // Bytes and their units ("cost per TB processed", "how many GB did X read"): no answer measures data.
    pattern: concept(
      'storage|table sizes?|how big is|bytes\\b|data volumes?|row counts?|how much data\\b|(?:scan|process|read|ingest|write|wrote)\\w* (?:the most |more |less )?(?:data|bytes)\\b|(?:[kmgtp]i?b|tbs|gbs)\\b|(?:kilo|mega|giga|tera|peta)bytes?|(?:data|rows) (?:processed|scanned|ingested)',
    ),
    nearest: ['table_access', 'downstream'],
    // A query's answer shows the data it read (`read_gb`): of queries, bytes are answered there.
    notFor: ['expensive_queries', 'expensive_users'],
  },
];

/**
 * Product words in a question about money, and the words they take out of it: "serverless SQL spend"
 * filters the spend, and its "SQL" must not make it a question about queries.
 */
const PRODUCT_WORDS: readonly { pattern: RegExp; product?: Product; serverless?: true; photon?: true }[] = [
  { pattern: /\bserverless\b/gi, serverless: true },
  { pattern: /\bphoton\b/gi, photon: true },
  {
    pattern:
      /\b(?:db ?sql|databricks sql|sql\s+(?:warehouses?|wh|compute|endpoints?)|sql(?=\s+(?:cost|costs|spend|spent|spending|bill|billing|dbus?|usage)\b)|(?<=\b(?:on|for|in)\s+)sql\b(?!\s+quer))/gi,
    product: 'SQL',
  },
  {
    pattern: /\b(?:dlt|delta live tables?|(?:lakeflow )?declarative pipelines?)\b/gi,
    product: 'DLT',
  },
  {
    pattern: /\b(?:model serving|serving endpoints?|model endpoints?|inference)\b/gi,
    product: 'MODEL_SERVING',
  },
  {
    pattern:
      /\b(?:all[- ]purpose(?:\s+(?:compute|clusters?))?|interactive (?:compute|clusters?)|notebooks?)\b/gi,
    product: 'ALL_PURPOSE',
  },
  { pattern: /\b(?:jobs? compute|workflows? compute)\b/gi, product: 'JOBS' },
  { pattern: /\bvector search\b/gi, product: 'VECTOR_SEARCH' },
];

/** The product filters of a question about money, and its text without their words. */
function productsOf(text: string): { text: string; product?: Product; serverless?: true; photon?: true } {
  if (!C.cost.test(text)) return { text };
  // Product words are taken out, yet they still say money is asked ("photon usage", "how much
  // serverless did marketing use"): the system tables know them only from the bill.
  const withoutProducts = PRODUCT_WORDS.reduce((t, words) => t.replace(words.pattern, ' '), text);
  let rest = C.cost.test(withoutProducts) ? text : `${text} spend`;
  let product: Product | undefined;
  let serverless: true | undefined;
  let photon: true | undefined;
  for (const words of PRODUCT_WORDS) {
    const next = rest.replace(words.pattern, ' ');
    if (next === rest) continue;
    rest = next;
    product ??= words.product;
    if (words.serverless) serverless = true;
    if (words.photon) photon = true;
  }
  return {
    text: rest,
    ...(product === undefined ? {} : { product }),
    ...(serverless ? { serverless } : {}),
    ...(photon ? { photon } : {}),
  };
}

/** Words that are never names, whatever a job happens to start with. */
const STOP_WORDS = new Set(
  `a an the and or of in on at to for from by with without about is are was were be been being do does did
  done has have had having what which who whom whose why how when where this that these those it its me my we our us you your
  i any all some each every most top show list tell give get find me please can could would should will
  there here than then so vs versus last past previous this next today yesterday night week weeks month
  months day days hour hours since ago now right currently still running run runs ran job jobs team teams
  table tables query queries user users warehouse warehouses cluster clusters cost costs spend spent bill
  failed fail fails failing failure failures error errors status history trend duration slow long sla slas
  expensive biggest highest who read changed downstream upstream lineage idle oversized untagged tag tags
  auto stop terminate termination happened happen over under up down much many more less update updates
  take takes`.split(/\s+/),
);

const tokensOf = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/[`"'’]s\b/g, '')
    .split(/[^a-z0-9_.-]+/)
    .map((t) => t.replace(/^[.-]+|[.-]+$/g, ''))
    .filter((t) => t.length > 0);

interface Found {
  readonly job?: NameMatch<JobRef> & { typed: string };
  readonly team?: NameMatch<string> & { typed: string };
  readonly table?: NameMatch<string> & { typed: string };
  readonly warehouse?: NameMatch<ComputeRef> & { typed: string };
  readonly cluster?: NameMatch<ComputeRef> & { typed: string };
  readonly pipeline?: NameMatch<ComputeRef> & { typed: string };
  readonly user?: NameMatch<string> & { typed: string };
  /** Teams and jobs named besides the first ("finance and marketing"), each matched to one. */
  readonly moreTeams?: readonly { item: string; typed: string }[];
  readonly moreJobs?: readonly { item: JobRef; typed: string }[];
}

type NameKind = 'team' | 'job' | 'table' | 'warehouse' | 'cluster' | 'pipeline';

/** An e-mail address as people paste it; anything else around it is no part of the name. */
const EMAIL =
  /[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+/gi;
/** The shortest first name read as a person's: "al" or "ed" would match too many plain words. */
const MIN_USER_WORD = 3;

/**
 * The person a question names: an e-mail address the query history knows, or a word that is exactly
 * one known address's part before the `@` ("bob" for bob@acme.example). Words the router reads as
 * concepts or stop words are never people, and a part shared by several addresses is ambiguous.
 */
function findUser(text: string, names: WorkspaceNames): (NameMatch<string> & { typed: string }) | undefined {
  const users = names.users;
  if (users.length === 0) return undefined;
  // A word that is a team's, job's or other name of the workspace is that name, not a person sharing it.
  const known = new Set(
    [
      ...names.teams,
      ...[...names.jobs, ...names.warehouses, ...names.clusters, ...names.pipelines].map((n) => n.name),
    ].map(normaliseName),
  );
  const byAddress = new Map(users.map((u) => [u.toLowerCase(), u]));
  const named = new Map<string, string>();
  for (const email of text.match(EMAIL) ?? []) {
    const user = byAddress.get(email.toLowerCase());
    if (user === undefined) return undefined;
    named.set(user, email);
  }
  for (const token of tokensOf(text.replace(EMAIL, ' '))) {
    // A name-shaped address part ("marketing-etl-sp") is read whole: the concepts its parts hold are not its.
    if (
      token.length < MIN_USER_WORD ||
      STOP_WORDS.has(token) ||
      (isConceptWord(token) && !looksLikeName(token))
    )
      continue;
    if (known.has(normaliseName(token))) continue;
    const local = (u: string) => normaliseName(u.split('@')[0] ?? '');
    const exact = users.filter((u) => local(u) === normaliseName(token));
    // A possessive typed without its apostrophe ("erins jobs", "bobs job") is the person too.
    const fits =
      exact.length > 0 || !token.endsWith('s')
        ? exact
        : users.filter((u) => local(u) === normaliseName(token.slice(0, -1)));
    if (fits.length > 1) return { kind: 'many', candidates: fits, typed: token };
    if (fits.length === 1 && !named.has(fits[0]!)) named.set(fits[0]!, token);
  }
  // One person at a time: "queries by bob and alice" is not answered for bob alone.
  if (named.size > 1) return { kind: 'many', candidates: [...named.keys()], typed: '' };
  const [one] = named;
  return one === undefined ? undefined : { kind: 'one', item: one[0], typed: one[1] };
}

/**
 * A person the question names whom the query history does not know: an address, or the word after
 * "by" / "from" (or before "'s queries") in a question about queries ("top queries by gus"). Said so,
 * rather than answered for everyone.
 */
function unknownPersonOf(
  text: string,
  names: WorkspaceNames,
  intent: IntentName | undefined,
): string | undefined {
  const email = text.match(EMAIL)?.[0];
  if (email !== undefined) return email;
  if (intent === undefined || !ON_WAREHOUSES.has(intent)) return undefined;
  const known = new Set(
    [...names.teams, ...[...names.warehouses, ...names.clusters].map((n) => n.name)].map(normaliseName),
  );
  const said =
    /\b(?:by|from)\s+([a-z][a-z0-9._-]{2,63})\b/i.exec(text)?.[1] ??
    /\b([a-z][a-z0-9._-]{2,63})['’]s\s+(?:quer|statement|sql)/i.exec(text)?.[1];
  if (said === undefined) return undefined;
  const word = said.toLowerCase();
  if (STOP_WORDS.has(word) || NOT_NAMES.has(word) || isConceptWord(word) || KIND_WORDS[word] !== undefined)
    return undefined;
  return known.has(normaliseName(word)) ? undefined : said;
}

/**
 * A word a typo or two away from exactly one team ("finnce", "markting"), when nothing else was
 * found: not guessed, but said, with the team as the nearest name.
 */
function misspeltTeam(text: string, names: WorkspaceNames): string | undefined {
  for (const token of tokensOf(text)) {
    if (!/^[a-z]{5,}$/.test(token) || STOP_WORDS.has(token) || isConceptWord(token)) continue;
    const near = names.teams.filter((team) => withinTypos(token, team));
    if (near.length === 1) return token;
  }
  return undefined;
}

/**
 * Chat shorthand for everyday words ("staff mtg", "thx", "eod"): they keep a team's letters in order
 * as often as not ("mtg" has marketing's m, t and g), and nobody means a team by them.
 */
const CHAT_SHORTHAND = new Set(
  `mtg mtgs msg msgs mgr mgrs mgmt pls plz thx tnx thnx fyi asap btw imo imho afaik eod eow eta wfh ooo pto
  tmrw tmr tmw rly prob pbly def dflt hrs mins secs ppl pic tbh idk lmk nvm smth sth bkgd bkg cfg`.split(
    /\s+/,
  ),
);

/**
 * The one team `typed` abbreviates — its first letter, then letters of the team's name in order,
 * skipping the second ("mktg", "mkting" → marketing; "dplat" → data-platform), or the initials of a
 * name of several words ("dp") — or undefined when none or several do.
 * Only letters count, at least three: "fi" abbreviates too much to mean anything.
 */
function teamAbbreviated(typed: string, teams: readonly string[]): string | undefined {
  const letters = typed.toLowerCase();
  // A name of several words is also shortened to its initials: "dp" for data-platform.
  const initials = teams.filter(
    (team) =>
      team.split(/[-_\s]+/).length > 1 &&
      team
        .split(/[-_\s]+/)
        .map((w) => w[0])
        .join('')
        .toLowerCase() === letters,
  );
  if (initials.length === 1 && !STOP_WORDS.has(letters)) return initials[0];
  if (
    !/^[a-z]{3,12}$/.test(letters) ||
    STOP_WORDS.has(letters) ||
    CHAT_SHORTHAND.has(letters) ||
    isConceptWord(letters) ||
    // An abbreviation drops the vowels after its first letter ("mktg", "fnc", "dplat"); a word whose
    // second letter is a vowel is a word ("met", "man"), however its letters fall in a team's name.
    /^.[aeiou]/.test(letters)
  )
    return undefined;
  const fits = teams.filter((team) => {
    const name = team.toLowerCase().replace(/[^a-z]/g, '');
    // A prefix is matched as one already; an abbreviation drops the letters after the first ("mk…"
    // for marketing), which keeps plain words that merely share a team's letters ("main") out.
    if (name[0] !== letters[0] || name[1] === letters[1] || letters.length >= name.length) return false;
    let at = 0;
    for (const ch of letters) {
      at = name.indexOf(ch, at) + 1;
      if (at === 0) return false;
    }
    return true;
  });
  return fits.length === 1 ? fits[0] : undefined;
}

/**
 * The same words naming a table and a job ("fx rates": main.finance.fx_rates and finance_fx_rates):
 * the job when the question asks what jobs do — fail, run, take long — and nothing tables answer
 * (who read it, what is downstream, its SLA); else the table.
 */
function tableOrJob(text: string, found: Found, names: WorkspaceNames): Found {
  const { table } = found;
  if (table === undefined || table.typed.includes('.')) return found;
  const aboutRuns =
    (has(text, 'fail') || has(text, 'why') || has(text, 'status') || has(text, 'duration')) &&
    !has(text, 'access') &&
    !has(text, 'downstream') &&
    !has(text, 'sla');
  // Tables do not fail or run: "did payments fail" is about the one job with that word, if one has it —
  // or, of a table named by a prefix ("campaign perf"), the one job holding the table's whole last part.
  const typedInside = matchWordPart(table.typed, names.jobs, (j) => j.name);
  const lastPart = table.kind === 'one' ? (table.item.split('.').pop() ?? '') : '';
  const inside =
    typedInside.kind === 'none' && lastPart !== ''
      ? matchWordPart(lastPart, names.jobs, (j) => j.name)
      : typedInside;
  const job =
    found.job ?? (aboutRuns && inside.kind === 'one' ? { ...inside, typed: table.typed } : undefined);
  if (job === undefined) return found;
  const same = `_${table.typed}_`.includes(`_${job.typed}_`) || `_${job.typed}_`.includes(`_${table.typed}_`);
  if (!same) return found;
  const { table: _table, job: _job, ...rest } = found;
  return aboutRuns ? { ...rest, job } : { ...rest, table };
}

/** Words of how often a job runs: shared by jobs' names and plain English ("hourly failures"). */
const CADENCE_WORDS = new Set(['hourly', 'daily', 'nightly', 'weekly', 'monthly', 'yearly', 'quarterly']);

/**
 * In a question about runs that names nothing else — failing, why, status, how long — a long word that is
 * a whole word of exactly one job's name and of no team's, warehouse's, cluster's or pipeline's is that job ("sessionize slower than
 * usual?": `mkt_sessionize`): jobs run, and people call a job by its one telling word. Shorter words,
 * cadence words and the router's own words are English too often ("daily spend", "hourly failures").
 */
function jobByItsOwnWord(text: string, names: WorkspaceNames): Found | undefined {
  // A name alone ("sessionize?") asks how it is doing, as a job named in full alone does.
  const alone = tokensOf(text).filter((t) => !STOP_WORDS.has(t)).length === 1;
  const aboutRuns =
    alone || has(text, 'fail') || has(text, 'why') || has(text, 'status') || has(text, 'duration');
  if (!aboutRuns || has(text, 'access') || has(text, 'downstream') || has(text, 'sla')) return undefined;
  // A kind word says what the word beside it names ("the orders pipeline"), and was read so already.
  if (tokensOf(text).some((t) => kindWord(t) !== undefined)) return undefined;
  // Tables do not run: a word a table shares with the job ("rollup" of usage_rollup) is still the job's.
  const others = [
    ...names.teams,
    ...[...names.warehouses, ...names.clusters, ...names.pipelines].map((n) => n.name),
  ];
  const words = tokensOf(text).filter(
    (t) =>
      /^[a-z]{6,}$/.test(t) &&
      !STOP_WORDS.has(t) &&
      !CADENCE_WORDS.has(t) &&
      !isConceptWord(t) &&
      matchWordPart(t, others, (n) => n).kind === 'none',
  );
  const jobs = words.flatMap((typed) => {
    const m = matchWordPart(typed, names.jobs, (j) => j.name);
    return m.kind === 'one' ? [{ ...m, typed }] : [];
  });
  return jobs.length === 1 && jobs[0] !== undefined ? { job: jobs[0] } : undefined;
}

/**
 * A word that starts several jobs, all of one team, and shortens that team's name — its abbreviation
 * or a word of it ("mkt" for marketing's mkt_… jobs, "platform" for data-platform's platform_… jobs):
 * that team, as people name a team by its jobs' prefix, rather than a choice among its jobs.
 */
function jobsPrefixOfTeam(found: Found, names: WorkspaceNames): { item: string; typed: string } | undefined {
  const jobs = found.job;
  if (jobs?.kind !== 'many' || found.team !== undefined) return undefined;
  const teams = new Set(jobs.candidates.map((j) => j.team));
  const [team] = teams;
  if (teams.size !== 1 || team === null || team === undefined) return undefined;
  const typed = jobs.typed.toLowerCase();
  const shortens =
    teamAbbreviated(typed, names.teams) === team ||
    team
      .toLowerCase()
      .split(/[-_\s]+/)
      .includes(typed);
  return shortens ? { item: team, typed: jobs.typed } : undefined;
}

/** Finds the names a question mentions: exact matches anywhere first, then prefixes. */
function findNames(text: string, names: WorkspaceNames): Found {
  const tokens = tokensOf(text);
  // Also try neighbouring words joined, so "orders etl" finds `orders_etl`.
  // Each gram with the kind the words around it say it is: "the orders job" names a job, not a table.
  const grams: { typed: string; kind: NameKind | undefined; first: number; last: number }[] = [];

  const kindAround = (first: number, last: number) =>
    KIND_WORDS[tokens[last + 1] ?? ''] ??
    KIND_WORDS[tokens[first - 1] ?? ''] ??
    // "the orders or payments job", "finance and marketing teams": the kind word after the last name
    // is every coordinated name's.
    (AND_OR.has(tokens[last + 1] ?? '') ? kindAfter(tokens, last + 2) : undefined) ??
    (AND_OR.has(tokens[first - 1] ?? '') ? kindWord(tokens[last + 1]) : undefined);
  for (let i = 0; i < tokens.length; i++) {
    for (const n of [3, 2, 1]) {
      if (i + n > tokens.length) continue;
      // The words of a name beside its kind word are of that kind too: in "the orders daily job",
      // "orders" is part of the job's name, not the table `orders`.
      const kind =
        kindAround(i, i + n - 1) ??
        grams.find((g) => g.kind !== undefined && g.first <= i && g.last >= i + n - 1)?.kind;
      grams.push({ typed: tokens.slice(i, i + n).join('_'), kind, first: i, last: i + n - 1 });
    }
  }
  const candidates = grams.filter(({ typed: g }) => !STOP_WORDS.has(g) && !/^\d+$/.test(g) && g.length >= 2);
  const found: { -readonly [K in keyof Found]: Found[K] } = {};
  for (const exactOnly of [true, false]) {
    for (const { typed, kind } of candidates) {
      const isExact = <T>(m: NameMatch<T>) => m.kind === 'one' || (m.kind === 'many' && exactOnly === false);
      // "The orders pipeline" may be a job as well as a DLT pipeline: people call both pipelines.
      const may = (what: NameKind) =>
        kind === undefined || kind === what || (kind === 'pipeline' && what === 'job');
      if (found.table === undefined && may('table') && (typed.includes('.') || !exactOnly)) {
        const m = matchName(typed, names.tables, (t) => t);
        // A plain word that only starts a table's last part ("daily" of daily_revenue) is English,
        // not the table, unless "table" says so.
        const plainPrefix = /^[a-z]+$/.test(typed) && kind !== 'table' && !lastPartIs(typed, m);
        if (m.kind !== 'none' && !plainPrefix && (typed.includes('.') || isExact(m)))
          found.table = { ...m, typed };
      }
      // "finance job failures": a team's name before "job" is the team's jobs, not a job's prefix.
      if (found.team === undefined && (may('team') || kind === 'job')) {
        const m = nameOrWordPart(typed, names.teams, (t) => t, !exactOnly && kind === 'team');
        const teamsJobs = kind === 'job' && exactTeam(typed, m);
        if (m.kind !== 'none' && (kind !== 'job' || teamsJobs) && (!exactOnly || exactTeam(typed, m)))
          found.team = { ...m, typed };
      }
      if (found.job === undefined && may('job')) {
        const m = nameOrWordPart(typed, names.jobs, (j) => j.name, !exactOnly && kind === 'job');
        if (m.kind !== 'none' && (!exactOnly || exactJob(typed, m))) found.job = { ...m, typed };
        // Two or more words in a row inside exactly one job's name are that job without a kind word
        // ("gl close keeps failing"); one word alone is too often plain English ("daily spend").
        else if (!exactOnly && kind === undefined && typed.includes('_')) {
          const inside = matchWordPart(typed, names.jobs, (j) => j.name);
          if (inside.kind === 'one') found.job = { ...inside, typed };
        }
      }
      if (found.warehouse === undefined && may('warehouse')) {
        // "The bi warehouse": beside its kind word, a whole word inside one warehouse's name.
        const m = nameOrWordPart(typed, names.warehouses, (w) => w.name, !exactOnly && kind === 'warehouse');
        if (m.kind !== 'none' && (!exactOnly || exactRef(typed, m))) found.warehouse = { ...m, typed };
      }
      if (found.cluster === undefined && may('cluster')) {
        // "The analysts cluster": beside its kind word, a whole word inside one cluster's name.
        const m = nameOrWordPart(typed, names.clusters, (c) => c.name, !exactOnly && kind === 'cluster');
        if (m.kind !== 'none' && (!exactOnly || exactRef(typed, m))) found.cluster = { ...m, typed };
      }
      // "the clickstream pipeline" may be a DLT pipeline or a job: "pipeline" names either.
      if (found.pipeline === undefined && (kind === undefined || kind === 'pipeline' || kind === 'job')) {
        const m = matchName(typed, names.pipelines, (p) => p.name);
        if (m.kind !== 'none' && (!exactOnly || exactRef(typed, m))) found.pipeline = { ...m, typed };
      }
    }
    if (Object.values(found).some((m) => m !== undefined)) break;
  }
  // A word that names one team by a prefix ("fin") is that team, not also the jobs and warehouses it
  // prefixes: one word names one thing, and teams are what short words stand for.
  const team = found.team;
  if (team?.kind === 'one' && norm(team.item) !== norm(team.typed)) {
    for (const what of ['job', 'warehouse', 'cluster', 'pipeline', 'table'] as const) {
      if (found[what]?.typed === team.typed) delete found[what];
    }
  }
  // A pipeline named exactly is that pipeline, not the jobs its name prefixes.
  if (
    found.pipeline?.kind === 'one' &&
    found.job?.kind === 'many' &&
    found.job.typed === found.pipeline.typed
  )
    delete found.job;
  if (found.job?.kind === 'one' && found.pipeline?.typed === found.job.typed) delete found.pipeline;
  if (found.team?.kind === 'one') {
    const more = moreNamed(
      candidates,
      found.team,
      (typed, kind) => nameOrWordPart(typed, names.teams, (t) => t, kind === 'team'),
      // "finance vs mktg vs dp": a further team may be abbreviated as the first may.
      (typed) => teamAbbreviated(typed, names.teams),
    );
    if (more.length > 0) found.moreTeams = more;
  }
  if (found.job?.kind === 'one') {
    const more = moreNamed(candidates, found.job, (typed, kind) =>
      nameOrWordPart(typed, names.jobs, (j) => j.name, kind === 'job'),
    );
    if (more.length > 0) found.moreJobs = more;
  }
  return found;
}

/**
 * A prefix or exact match, or else — with `wordPart`, when the question says the kind — a whole word
 * inside a name.
 */
function nameOrWordPart<T>(
  typed: string,
  items: readonly T[],
  nameOf: (item: T) => string,
  wordPart: boolean,
): NameMatch<T> {
  const m = matchName(typed, items, nameOf);
  return m.kind !== 'none' || !wordPart ? m : matchWordPart(typed, items, nameOf);
}

/**
 * Names of the same kind as `first` the question gives besides it ("finance and marketing", "mkt_a or
 * mkt_b"): each typed in full, or as a whole word of a name beside its kind word, matched to one —
 * never a bare prefix, which plain words share with names too easily.
 */
function moreNamed<T>(
  candidates: readonly { typed: string; kind: NameKind | undefined }[],
  first: { item: T; typed: string },
  match: (typed: string, kind: NameKind | undefined) => NameMatch<T>,
  abbreviated: (typed: string) => T | undefined = () => undefined,
): { item: T; typed: string }[] {
  // Words already read as a name: a gram holding them, or held by them, is the same words again.
  const taken = [first.typed];
  const more: { item: T; typed: string }[] = [];
  const overlaps = (a: string, b: string) => `_${a}_`.includes(`_${b}_`) || `_${b}_`.includes(`_${a}_`);
  for (const { typed, kind } of candidates) {
    if (taken.some((t) => overlaps(t, typed)) || isConceptWord(typed)) continue;
    const short = match(typed, kind).kind === 'none' ? abbreviated(typed) : undefined;
    if (short !== undefined && short !== first.item && !more.some((n) => n.item === short)) {
      more.push({ item: short, typed });
      taken.push(typed);
      continue;
    }
    const m = match(typed, kind);
    if (m.kind !== 'one' || m.item === first.item || more.some((n) => n.item === m.item)) continue;
    const label = typeof m.item === 'string' ? m.item : (m.item as { name: string }).name;
    const full = norm(label) === norm(typed) || norm(label).split(/[_.]/).at(-1) === norm(typed);
    if (!full && kind === undefined) continue;
    more.push({ item: m.item, typed });
    taken.push(typed);
  }
  return more;
}

/** A team abbreviated ("mktg failures"), when no name of the workspace was found in the question. */
function abbreviatedTeam(text: string, names: WorkspaceNames): { item: string; typed: string } | undefined {
  for (const token of tokensOf(text)) {
    const team = teamAbbreviated(token, names.teams);
    if (team !== undefined) return { item: team, typed: token };
  }
  return undefined;
}

const norm = (s: string) => s.toLowerCase().replace(/[\s\-_]+/g, '_');
/** Whether a table was matched by the whole of its last part ("orders"), not a prefix of it. */
const lastPartIs = (typed: string, m: NameMatch<string>) =>
  m.kind === 'one' && norm(m.item).split('.').at(-1) === norm(typed);
const exactTeam = (typed: string, m: NameMatch<string>) => m.kind === 'one' && norm(m.item) === norm(typed);
const exactRef = (typed: string, m: NameMatch<{ readonly name: string }>) =>
  m.kind === 'one' && norm(m.item.name) === norm(typed);
const exactJob = exactRef;

const has = (text: string, ...keys: (keyof typeof C)[]) => keys.every((k) => C[k].test(text));

/** Words that say what the next (or previous) word names: "team growth", "the orders job". */
const KIND_WORDS: Readonly<Record<string, NameKind>> = {
  team: 'team',
  job: 'job',
  workflow: 'job',
  pipeline: 'pipeline',
  table: 'table',
  dlt: 'pipeline',
  warehouse: 'warehouse',
  wh: 'warehouse',
  cluster: 'cluster',
  // A task is named by its job's words as people remember them ("the payments reconcile task"): no
  // system table the router reads holds task names, so the task's job is what is asked about.
  task: 'job',
};
/** Words that join names: "finance and marketing", "orders or payments", "finance vs marketing". */
const AND_OR = new Set(['and', 'or', 'vs', 'versus', '&', 'nor']);
/** The kind word closing the next name of up to three words ("… or gl close jobs"), if one does. */
const kindAfter = (tokens: readonly string[], from: number): NameKind | undefined => {
  for (let i = from + 1; i <= from + 3 && i < tokens.length; i++) {
    const kind = kindWord(tokens[i]);
    if (kind !== undefined) return kind;
    if (AND_OR.has(tokens[i] ?? '') || STOP_WORDS.has(tokens[i] ?? '')) return undefined;
  }
  return undefined;
};
/** A kind word, singular or plural ("teams", "jobs"). */
const kindWord = (word: string | undefined): NameKind | undefined =>
  word === undefined ? undefined : (KIND_WORDS[word] ?? KIND_WORDS[word.replace(/s$/, '')]);

/**
 * Before a kind word that heads the question ("which team had …", "what job ran …", "each team's …"):
 * the word after it is the rest of the sentence, not a name.
 */
const QUESTION_HEADS = new Set(['which', 'what', 'whose', 'each', 'every', 'any', 'per', 'by', 'one']);
/** Before "<name> team": "the growth team", "for growth team" — not "spend per team". */
const BEFORE_NAME = new Set(['the', 'our', 'my', 'their', 'for', 'of', 'about', 'from', 'on', 'in']);
/** Next to these, a word names something the router has no list of: never flagged as unknown. */
const UNLISTED_KINDS = new Set([
  'warehouse',
  'warehouses',
  'cluster',
  'clusters',
  'endpoint',
  'endpoints',
  'query',
]);
/** Plain words that follow a kind word without naming anything ("team members", "job settings"). */
const NOT_NAMES = new Set(
  `usage members member owner owners names name settings config configuration list count number ids id
  activity load loads data spending size sizes own owned running ran members' level levels level's wide
  overall total totals breakdown summary report overview today tonight morning evening average avg mean
  median sum amount volume`.split(/\s+/),
);
/** Hyphenated words the concepts use, whose parts read as English, not as a name. */
const WORD_PARTS = new Set(
  `week over month day year auto stop stopped terminate terminated termination long running all purpose
  right size sized provisioned under utilised utilized utilization on call real time top most per non re
  self serve up to date in out outs of off sub multi well known high low cost costs run runs last so far
  time timed service level agreement agreements objective objectives`.split(/\s+/),
);

const looksLikeName = (token: string): boolean => {
  if (/^[\d:./-]+$/.test(token) || /^\d+[a-z]{0,3}$/.test(token)) return false;
  // A severity ("p1s", "sev2") is no name.
  if (/^(?:p|sev)[1-4]s?$/.test(token)) return false;
  // "team-by-team", "job-by-job", "day-to-day": a word repeated around a preposition is English.
  if (/^([a-z]+)-(?:by|to|for|after|on)-\1$/.test(token)) return false;
  if (/[_.]|\d/.test(token)) return true;
  return token.includes('-') && !token.split('-').every((part) => WORD_PARTS.has(part));
};
const isConceptWord = (token: string) => Object.values(C).some((pattern) => pattern.test(token));

/**
 * A word the question uses as a name — name-shaped (`team-x`, `orders_v2`, `main.sales.x`) or next to
 * a kind word ("team growth") — when none of the workspace's names was found: the name the person
 * meant and the kind, if the question says it.
 */
function unknownNameOf(text: string): { typed: string; what: NameKind | null } | undefined {
  const tokens = tokensOf(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const before = tokens[i - 1] ?? '';
    const after = tokens[i + 1] ?? '';
    if (UNLISTED_KINDS.has(before) || UNLISTED_KINDS.has(after)) continue;
    if (STOP_WORDS.has(token) || NOT_NAMES.has(token) || token.length < 2) continue;
    if (KIND_WORDS[before] !== undefined && QUESTION_HEADS.has(tokens[i - 2] ?? '')) continue;
    // "The growth team", or at the very start: "clickstrem pipeline status".
    const kind = KIND_WORDS[before] ?? (BEFORE_NAME.has(before) || i === 0 ? KIND_WORDS[after] : undefined);
    const named = looksLikeName(token);
    if (!named && (kind === undefined || isConceptWord(token) || /^\d+$/.test(token))) continue;
    if (KIND_WORDS[token] !== undefined) continue;
    return {
      typed: token,
      what: kind ?? (/^[a-z0-9_-]+\.[a-z0-9_-]+\.[a-z0-9_-]+$/.test(token) ? 'table' : null),
    };
  }
  return undefined;
}

/** Whether `typed` is any name of the workspace, or a prefix of one: "finance and marketing_bi" names a warehouse. */
function namesSomething(typed: string, names: WorkspaceNames): boolean {
  const pools: readonly (readonly string[])[] = [
    names.teams,
    names.tables,
    names.users.map((u) => u.split('@')[0] ?? u),
    ...[names.jobs, names.warehouses, names.clusters, names.pipelines].map((list) => list.map((n) => n.name)),
  ];
  return pools.some((pool) => matchName(typed, pool, (n) => n).kind !== 'none');
}

/**
 * A name joined to a team or job the question does name ("team-x or finance", "finance and growth
 * team") that matches nothing: said so, rather than answered for the one that matched.
 */
function unknownBeside(
  text: string,
  found: Found,
  names: WorkspaceNames,
): { typed: string; what: NameKind } | undefined {
  const named = [
    ...[found.team, ...(found.moreTeams ?? [])].map((m) =>
      m === undefined ? undefined : (['team', m.typed] as const),
    ),
    ...[found.job, ...(found.moreJobs ?? [])].map((m) =>
      m === undefined ? undefined : (['job', m.typed] as const),
    ),
  ].filter((n) => n !== undefined);
  if (named.length === 0) return undefined;
  const tokens = tokensOf(text);
  const kindOf = (token: string) =>
    named.find(([, typed]) => typed.split('_').includes(token.replace(/-/g, '_')) || typed === token)?.[0];
  for (let i = 1; i < tokens.length - 1; i++) {
    if (!AND_OR.has(tokens[i]!)) continue;
    for (const [side, other, next] of [
      // Each side, with the word on its far side, which may say its kind ("team growth", "growth team").
      [tokens[i - 1]!, tokens[i + 1]!, tokens[i - 2]],
      [tokens[i + 1]!, tokens[i - 1]!, tokens[i + 2]],
    ] as const) {
      const what = kindOf(other);
      if (what === undefined || kindOf(side) !== undefined || namesSomething(side, names)) continue;
      if (
        STOP_WORDS.has(side) ||
        NOT_NAMES.has(side) ||
        // A name-shaped word ("team-x") is a name even where a concept's stem starts it.
        (isConceptWord(side) && !looksLikeName(side)) ||
        KIND_WORDS[side] !== undefined
      )
        continue;
      if (looksLikeName(side) || kindWord(next) !== undefined) return { typed: side, what };
    }
  }
  return undefined;
}

/**
 * The workspace's names of one kind (or of every kind), nearest to what was typed first: the one way
 * every unknown name — team, job, table, warehouse, cluster, person — gets its suggestions. A person
 * is matched by the part of their address before the `@`.
 */
function nearestOf(typed: string, what: NameKind | 'user' | null, names: WorkspaceNames): string[] {
  if (what === 'user') {
    const local = (address: string) => address.split('@')[0] ?? address;
    return nearestNames(local(typed), names.users, local);
  }
  const pool = [
    ...(what === null || what === 'team' ? names.teams : []),
    ...(what === null || what === 'job' ? names.jobs.map((j) => j.name) : []),
    ...(what === null || what === 'table' ? names.tables : []),
    ...(what === null || what === 'warehouse' ? names.warehouses.map((w) => w.name) : []),
    ...(what === null || what === 'cluster' ? names.clusters.map((c) => c.name) : []),
    ...(what === null || what === 'pipeline' ? names.pipelines.map((p) => p.name) : []),
  ];
  return nearestNames(typed, [...new Set(pool)], (n) => n);
}

/**
 * Teams as what a money question is split by ("jobs per team", "which team's jobs"), not the kind word
 * of the one team named ("priciest jobs for the platform team": that team's jobs, ranked).
 */
const BY_TEAMS =
  /\b(?:by|per|each|every|all|across|which|what|whose)\s+teams?\b|\bteams\b|\bteam.?by.?team\b/i;

/** Jobs or workflows as the words of a money question ("what are jobs costing us"), not pipelines. */
const JOBS_WORD = /\b(?:jobs?|workflows?|etl)\b/i;

/** People named as nouns ("users", "engineers"), not "who": the thing a question can rank. */
const USER_NOUN = /(?:^|[^a-z0-9_])(?:users?|people|persons?|engineers?|analysts?|spenders?)\b/i;
const QUERY_NOUN = /(?:^|[^a-z0-9_])(?:quer(?:y|ies)|statements?|sql)\b/i;

/**
 * Whether a question about users and queries ranks the users: the one named first is what is ranked,
 * the other its measure — "top users by query cost" ranks users, "costliest queries per user" queries.
 */
function rankedByUser(text: string): boolean {
  const user = USER_NOUN.exec(text)?.index;
  const query = QUERY_NOUN.exec(text)?.index;
  return user !== undefined && (query === undefined || user < query);
}

/** How much of the warehouses' time someone took: "how much warehouse time did carol use". */
const USER_TIME = /\b(?:time|hours?|compute|usage|use[ds]?|how many|count|number of|in total)\b/i;
/** "Who ran / used / fired off the most queries": the people are ranked. */
const WHO_RAN =
  /\bwho(?:'?s| is| has)?\s+(?:ran|runs|run|running|used|uses|fired|sent|submitted|executed|issued)\b/i;

/** Words of slowness: "slow", "slowest", "longest", "average query time". */
const SLOW =
  /\b(?:slow(?:er|est)?|long(?:er|est)|lengthiest|(?:average|avg|mean) (?:query )?(?:time|duration|runtime|length)|by (?:query |their )?(?:runtime|run ?time|duration|query time))\b/i;

/** Whether the question ranks people by how slow their queries are ("whose queries are slowest"). */
const slowestPeople = (text: string, found: Found): boolean =>
  found.user === undefined &&
  has(text, 'query') &&
  SLOW.test(text) &&
  (/\bwho(?:se)?\b/i.test(text) || rankedByUser(text));

/** "What ran at 2am", "anything run overnight", "which jobs kicked off at midnight": runs of a period. */
const RAN = /\b(?:ran|run|runs|kicked off|started|executed)\b/i;

/** "Did it run ok", "ran fine", "succeeded": whether anything went wrong, which failures answer. */
const WENT_WELL =
  /\b(?:ok|okay|fine|well|alright|all right|smooth(?:ly)?|clean(?:ly)?|success\w*|succeed\w*)\b/i;

/** Whether the question asks which runs a period had, of no one job: every job's runs then. */
const runsOfPeriod = (text: string, found: Found, hasPeriod: boolean): boolean =>
  hasPeriod &&
  (has(text, 'job') || RAN.test(text)) &&
  !WENT_WELL.test(text) &&
  found.cluster === undefined &&
  found.warehouse === undefined &&
  found.table === undefined &&
  found.pipeline === undefined;

/** "What's running on finance_wh right now": the statements running there. */
const WHAT_RUNS = /\b(?:what|anything|who)(?:'?s| is| are)? (?:still )?running\b/i;

/** A count of queries asked ("how many queries ran on X", "number of queries today", "query count"). */
const COUNT_OF_QUERIES =
  /\b(?:how many|number of|count of|total)\s+(?:\w+\s+)?(?:quer(?:y|ies)|statements)\b|\bquery counts?\b|\bcount (?:the |all )?(?:quer(?:y|ies)|statements)\b/i;

/** Said in the present ("are running", "queued", "in flight"): at this moment, when no period is named. */
const RUNNING_NOW_TENSE =
  /\b(?:is|are|being)\s+(?:still\s+)?(?:running|executing)\b|\bqueu(?:ed|e?ing)\b|\bin (?:the )?queue\b|\bin.flight\b/i;

/** Running long, not merely running: "how many queries are stuck" counts those past the threshold. */
const RUNNING_LONG = /\blong\b|\blonger\b|\bstuck\b|\bhung\b|\bhanging\b|\bforever\b|\bages\b/i;

/**
 * An SLA asked about ahead of its deadline: "is the 6am SLA going to be met", "will orders make its
 * 06:00 deadline", "which SLAs are at risk", "are we on track for the revenue sla".
 */
const SLA_AHEAD =
  /\b(?:will|going to|gonna|gona|goin to)\b|\b(?:on track|at risk|in danger|in jeopardy|on course|make it|be met|be on time|be late|still make|likely)\b|\bare we (?:ok|okay|good|fine)\b/i;

/** Decides the intent from the concepts present and the names found. */
/** Both sides of Photon, or its part of the whole, asked for. */
const PHOTON_SPLIT =
  /non.?photon|without photon|photon (?:vs\.?|versus|or not|and non)|percent|(?:what|which|the) ?%|%\s*of\b|\bshare\b|proportion|fraction|\bsplit\b|break.?down|how much of/i;

/** Runs started, triggered or kicked off, or runs at all ("bob's runs"): of jobs, whoever the question names. */
const RUNS_STARTED =
  /\bruns\b|\bkick(?:ed|s)? off\b|\btrigger(?:ed|s)?\b|\bruns?\b[^.?!]*\b(?:start(?:ed)?|trigger(?:ed)?|kick(?:ed)? off|launch(?:ed)?)\b|\b(?:start(?:ed)?|trigger(?:ed)?|kick(?:ed)? off|launch(?:ed)?)\b[^.?!]*\bruns?\b/i;

/**
 * Words that name how a run failed, failure or not said ("did gl_close OOM again", "orders job hit a
 * permission denied"): of one named job, its failure's own error answers them.
 */
const FAILED_OF_KIND = concept(
  'oom(?:ed|s)?\\b|out of memory|outofmemory|memory errors?|heap (?:space|errors?)|preempt(?:ed|ion)|evicted|spot (?:loss|losses|terminat|reclaim|interrupt)|lost (?:its |the |their |all )?(?:spot )?(?:nodes?|instances?|workers?|executors?)\\b|access denied|40[13]\\b|permission (?:denied|errors?)|unauthori[sz]ed|forbidden|syntax errors?|parse errors?|schema mismatch|null ?pointer|connection (?:refused|reset|errors?|timeouts?)|driver (?:\\w+ )?(?:unresponsive|not responding|crash\\w*|died|restart\\w*|lost)|unresponsive|not responding|gc overhead|executors? lost|(?:write|commit|concurrent) conflicts?|concurrent (?:append|writes?|modification)',
);

/** "What does bob own": of a person, the jobs they own (their pipelines and clusters are asked by name). */
const OWNS = /\bown(?:s|ed)?\b/i;

function chooseIntent(text: string, found: Found, hasPeriod: boolean): IntentName | undefined {
  const job = found.job !== undefined;
  const pipeline = found.pipeline !== undefined;
  const table = found.table !== undefined;
  const warehouse = found.warehouse !== undefined;
  const cluster = found.cluster !== undefined;
  if (has(text, 'untagged')) return 'untagged_spend';
  if (has(text, 'autostop') && !has(text, 'cluster')) return 'warehouses_without_autostop';
  if (has(text, 'autoterm') || (has(text, 'cluster') && has(text, 'autostop')))
    return 'clusters_without_autotermination';
  if (has(text, 'warehouse', 'idle') || (has(text, 'idle') && !job)) return 'idle_warehouses';
  if (table && has(text, 'downstream')) return 'downstream';
  // "Did anybody query main.finance.daily_revenue": querying a table is reading it.
  if (table && (has(text, 'access') || /\bquer(?:y|ies|ying)\b/i.test(text))) return 'table_access';
  // "Did daily_revenue miss its SLA": the deadline the jobs' `sla_table` tags promise for it.
  if (table && has(text, 'sla')) return 'sla_misses';
  if (table) return has(text, 'fail') ? 'failures' : 'downstream';
  // Beside a period ("slow queries from today"), the finished queries are asked about, unless the
  // question says "now" itself ("stuck since this morning").
  const runningNow = (t: string) => !hasPeriod || has(t, 'nowOnly');
  // "How many queries ran on finance_wh": counted — the queries and the people who ran them.
  // "How many queries are running right now", "… are queued on marketing_bi": those running at the moment, counted.
  if (COUNT_OF_QUERIES.test(text) && !table)
    return runningNow(text) && (has(text, 'nowOnly') || RUNNING_NOW_TENSE.test(text))
      ? 'long_queries_now'
      : 'expensive_users';
  // "Whose queries are slowest", "which users run the longest queries": the people are ranked.
  if (slowestPeople(text, found) && !has(text, 'nowOnly')) return 'expensive_users';
  // "Who's running the largest queries" ranks them; "the biggest queries running right now" does not.
  const ranked = has(text, 'top') && !has(text, 'nowOnly');
  if (has(text, 'query') && has(text, 'now') && !has(text, 'cost') && !ranked)
    return runningNow(text) ? 'long_queries_now' : 'expensive_queries';
  // "Anything running long rn?", "what's stuck?": of what runs now, the statements are what the
  // workspace can see, unless the question is about jobs, pipelines or clusters.
  if (
    (has(text, 'longRunning') || (warehouse && WHAT_RUNS.test(text) && !has(text, 'top'))) &&
    runningNow(text) &&
    !job &&
    !pipeline &&
    !has(text, 'job') &&
    !has(text, 'pipeline') &&
    !has(text, 'cluster') &&
    !has(text, 'cost')
  )
    return 'long_queries_now';
  if (has(text, 'sla')) return 'sla_misses';
  // A DLT pipeline named, or DLT pipelines asked about, whose health is asked (not their bill).
  if ((pipeline && !job) || (has(text, 'pipeline') && !job && !has(text, 'cost')))
    return has(text, 'cost') ? 'spend_by_team' : 'pipeline_status';
  // "Is dave running anything right now": what that person runs at the moment.
  if (found.user !== undefined && !job && has(text, 'nowOnly') && /\brunning\b/i.test(text))
    return 'long_queries_now';
  // A person's pipelines: the health of the DLT pipelines they own.
  if (found.user !== undefined && /\bpipelines?\b/i.test(text) && !has(text, 'cost'))
    return 'pipeline_status';
  // A person's jobs, or the runs they started ("what jobs did bob run", "runs started by alice"): the
  // runs of the jobs they own — no system table records who started a run — unless failures, money
  // or an SLA is asked.
  if (
    found.user !== undefined &&
    !job &&
    !table &&
    (has(text, 'job') || RUNS_STARTED.test(text) || OWNS.test(text)) &&
    !has(text, 'query') &&
    !has(text, 'fail') &&
    !has(text, 'cost') &&
    !has(text, 'sla') &&
    !has(text, 'top')
  )
    return 'job_status';
  // A person named: what they ran, or how much warehouse time they used.
  // Of jobs, pipelines and clusters, a person is their owner: "jobs owned by bob" is no query question.
  if (
    found.user !== undefined &&
    !has(text, 'fail') &&
    !job &&
    !table &&
    !has(text, 'job') &&
    !has(text, 'cluster')
  )
    // What a person spent is the warehouse time they used: the bill names no one for SQL warehouses.
    return USER_TIME.test(text) || has(text, 'cost') ? 'expensive_users' : 'expensive_queries';
  // "Top 3 worst jobs by failures": ranked by failing, which failures answer, not by cost.
  if (
    has(text, 'cost') ||
    (has(text, 'top') && !has(text, 'fail') && (has(text, 'query') || has(text, 'user') || has(text, 'job')))
  ) {
    // "Who ran the most queries": people ranked by their queries, when no money is asked.
    if (has(text, 'query') && !has(text, 'cost') && WHO_RAN.test(text)) return 'expensive_users';
    if (has(text, 'query') && !rankedByUser(text)) return 'expensive_queries';
    // "Marketing vs finance vs dp spend, who's worst": of the teams named, "who" is which team.
    if (has(text, 'user') && !has(text, 'team') && (found.team === undefined || USER_NOUN.test(text)))
      return 'expensive_users';
    // Jobs ranked, of one team if one is named ("costliest jobs for marketing"); "jobs per team" is spend.
    if ((has(text, 'job') || job) && !BY_TEAMS.test(text) && !warehouse && !cluster) return 'expensive_jobs';
    return 'spend_by_team';
  }
  // "Failure rate of X": one job's status says how many of its runs failed.
  if (job && has(text, 'rate') && !has(text, 'why')) return 'job_status';
  if (has(text, 'why') && job) return 'why_failed';
  // Of one named job, a kind of failure asks what its failure was: "did gl_close OOM again on sat?".
  // ("took out" is no length of time; "how long" or "slower" still asks its duration).
  if (job && FAILED_OF_KIND.test(text) && !/\bhow long\b|\bslow/i.test(text)) return 'why_failed';
  if (has(text, 'why') && has(text, 'fail') && found.team === undefined) return 'why_failed';
  if (has(text, 'fail') || (has(text, 'happened') && !job)) return 'failures';
  if (job && has(text, 'duration')) return 'job_duration';
  if (job) return 'job_status';
  if (has(text, 'query') && has(text, 'duration'))
    return runningNow(text) ? 'long_queries_now' : 'expensive_queries';
  // "Queries after 6pm on 11/20": the queries of a period, heaviest first.
  if (has(text, 'query') && hasPeriod && !cluster) return 'expensive_queries';
  // "The 3am jobs", "which jobs ran overnight", "what ran at 2am": every job's runs in the period asked.
  if (runsOfPeriod(text, found, hasPeriod)) return 'job_status';
  // "Did everything run ok last night": whether anything went wrong.
  if (hasPeriod && RAN.test(text) && WENT_WELL.test(text) && !warehouse && !cluster) return 'failures';
  if (cluster) return 'clusters_without_autotermination';
  if (warehouse)
    return has(text, 'query') || RAN.test(text)
      ? 'expensive_queries'
      : has(text, 'user')
        ? 'expensive_users'
        : 'idle_warehouses';
  return undefined;
}

/** Intents that need a job named, and those that need a table. */
const NEEDS_JOB: ReadonlySet<IntentName> = new Set(['why_failed', 'job_status', 'job_duration']);
const NEEDS_TABLE: ReadonlySet<IntentName> = new Set(['table_access', 'downstream']);

/** The names found, without those that are a plain word only starting the name ("data" of data-platform). */
function firmNames(found: Found): Found {
  const loose = (m: (NameMatch<string | { readonly name: string }> & { typed: string }) | undefined) => {
    if (m?.kind !== 'one' || !/^[a-z]+$/.test(m.typed)) return false;
    return norm(typeof m.item === 'string' ? m.item : m.item.name) !== norm(m.typed);
  };
  const { team, job, table, warehouse, cluster, pipeline, user, ...more } = found;
  const firm = { team, job, table, warehouse, cluster, pipeline, user };
  return {
    ...more,
    ...Object.fromEntries(Object.entries(firm).filter(([, m]) => m !== undefined && !loose(m))),
  };
}

/** The question without the names found in it, as typed ("mkt-analysts-shared", "mkt analysts shared"). */
function withoutNames(text: string, found: Found): string {
  let rest = text;
  const all = [
    ...Object.entries(found).flatMap(([key, m]) => (key.startsWith('more') ? [] : [m])),
    ...(found.moreTeams ?? []),
    ...(found.moreJobs ?? []),
  ] as { typed: string }[];
  for (const m of all) {
    if (m === undefined) continue;
    const typed = m.typed.split(/[_-]/).map((part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    rest = rest.replace(new RegExp(typed.join('[\\s_-]+'), 'i'), ' ');
  }
  return rest;
}

/** Intents that read the query history: all of it is SQL warehouse work. */
const ON_WAREHOUSES: ReadonlySet<IntentName> = new Set([
  'expensive_queries',
  'expensive_users',
  'long_queries_now',
]);

/** Intents about warehouses alone: a question about clusters is not theirs ("compute" may be either). */
const CLUSTER_NOUN = /(?:^|[^a-z0-9_])(?:clusters?|all.purpose)\b/i;
const WAREHOUSE_ONLY: ReadonlySet<IntentName> = new Set(['idle_warehouses', 'warehouses_without_autostop']);

/** Intents about runs: a question about the future of runs is nearest to what they answer now. */
const ABOUT_RUNS: ReadonlySet<IntentName> = new Set([
  'failures',
  'why_failed',
  'job_status',
  'job_duration',
  'sla_misses',
]);

/**
 * The answers nearest to a question no intent covers, by what it is about: a named job's status and
 * usual duration, what failed for runs in general, a pipeline's updates, else the subject's own.
 */
function nearestByAsk(
  text: string,
  intent: IntentName | undefined,
  jobs: readonly string[],
  fallback: readonly IntentName[],
): readonly IntentName[] {
  if (C.cost.test(text)) return fallback;
  if (jobs.length > 0) return ['job_status', 'job_duration'];
  if (intent === 'pipeline_status') return ['pipeline_status'];
  if (intent === 'sla_misses') return ['sla_misses', 'failures'];
  if ((intent !== undefined && ABOUT_RUNS.has(intent)) || C.fail.test(text))
    return ['failures', 'job_status'];
  return fallback;
}

/** The subject no intent covers that a question asks about, if any. */
function uncoveredOf(
  text: string,
  intent: IntentName | undefined,
  person: boolean,
  jobs: readonly string[] = [],
): Extract<Routed, { kind: 'uncovered' }> | undefined {
  const subject = UNCOVERED.find(
    (u) =>
      u.pattern.test(text) &&
      !(person && u.notWithPerson) &&
      !(jobs.length > 0 && u.notWithJob) &&
      (u.needs === undefined || C[u.needs].test(text)) &&
      !(intent !== undefined && (u.notFor ?? []).includes(intent)) &&
      !(u.unless ?? []).some((c) => C[c].test(text)),
  );
  if (subject !== undefined) {
    if (!subject.nearestByAsk)
      return { kind: 'uncovered', subject: subject.subject, nearest: subject.nearest };
    const nearest = nearestByAsk(text, intent, jobs, subject.nearest);
    return {
      kind: 'uncovered',
      subject: subject.subject,
      nearest,
      ...(nearest.includes('job_status') && jobs.length > 0 ? { jobs } : {}),
    };
  }
  if (
    intent !== undefined &&
    WAREHOUSE_ONLY.has(intent) &&
    CLUSTER_NOUN.test(text) &&
    !has(text, 'warehouse')
  ) {
    return {
      kind: 'uncovered',
      subject: 'how busy or how big clusters are',
      nearest: ['clusters_without_autotermination', 'idle_warehouses'],
    };
  }
  return undefined;
}

/** Where a second question starts: "… and how much did it cost", "…? what about …", "…; who ran …". */
const SECOND_ASK =
  /\s*(?:[?;]|\b(?:and|also|plus|then)\b)\s+(?=(?:how|what|which|who|why|when|where|is|are|did|does|do|was|were|can|could|will)\s+\w)/i;

/**
 * A statement after a question mark — words of how something looks or feels, no question word, no
 * question mark of its own ("… ? analysts cluster looks hung", "…? the dashboard is empty").
 */
const REMARK =
  /\?\s+(?!(?:how|what|which|who|whose|why|when|where|is|are|did|does|do|was|were|can|could|will|any|anything)\b)(?=[^?]*\b(?:looks?|seems?|feels?|appears?|is|are|was|were|keeps?|been)\b[^?]*$)/i;

/** The first of several questions asked in one message, or the whole text when it asks one. */
function firstAsk(text: string): string {
  const second = SECOND_ASK.exec(text);
  return second === null || second.index === 0 ? text : text.slice(0, second.index);
}

/** The questions after the first, as typed (names kept), or undefined when there are none. */
function restAsk(text: string): string | undefined {
  const second = SECOND_ASK.exec(text);
  if (second === null || second.index === 0) return undefined;
  const rest = text.slice(second.index + second[0].length).replace(/[\s?]+$/, '');
  return rest === '' ? undefined : rest;
}

export interface RouteOptions {
  /** Whether the question named a period: "slow queries today" asks about finished queries. */
  readonly hasPeriod?: boolean;
}

/**
 * Routes `text` (time words already taken out) given the workspace's names. Never throws; returns
 * `unknown` for what it cannot place, `uncovered` for a subject no intent computes, `ambiguous` with
 * candidates when a name fits several.
 */
export function routeQuestion(asked: string, names: WorkspaceNames, options: RouteOptions = {}): Routed {
  // Backticks quote a name as SQL does (`main`.`finance`.`orders`): the name is what they quote.
  const question = asked.replace(/`/g, '');
  // Of several questions in one, the first is answered — its names and words alone: "what failed last
  // night and how much did finance spend" asks about every team's failures first; the rest is offered.
  // A remark after the question ("… still failing? analysts cluster looks hung") says how things
  // look, asks nothing: the question before it is what is answered, with its own names.
  const remark = REMARK.exec(question);
  if (remark !== null) {
    const routed = routeQuestion(question.slice(0, remark.index + 1), names, options);
    if (routed.kind === 'intent') return routed;
  }
  const first = firstAsk(question);
  if (first !== question) {
    const routed = routeOne(first, names, options);
    const rest = restAsk(question);
    if (routed.kind === 'intent' && rest !== undefined) return { ...routed, secondAsk: rest };
    if (routed.kind !== 'unknown' && routed.kind !== 'follow_up') return routed;
  }
  return routeOne(question, names, options);
}

/**
 * The words that choose an intent or a kind of thing, as people misspell them at 4 a.m. ("dlt pipline
 * status", "which jobs faild"). Five letters or more: shorter words are one letter from too many
 * others. Periods are read before routing (time-words.ts), so their words are not here.
 */
const SPELT_WORDS = `pipeline pipelines warehouse warehouses cluster clusters failed failing failure failures
  running expensive queries dashboard dashboards duration downstream upstream lineage status
  history spend spent costs error errors tables schedule runaway queued queue`
  .split(/\s+/)
  .filter((w) => w.length >= 5);
const SPELT_WORD_SET = new Set(SPELT_WORDS);

/**
 * The question with each misspelt kind word put right: a word one typo from one kind word (two for long
 * words, same first letter) that names nothing in the workspace. A name always wins — a typo of a job's
 * name is matched as that name later, with its nearest names offered.
 */
function withKindWordsSpelt(question: string, names: WorkspaceNames): string {
  const known = workspaceWords(names);
  return question.replace(/[A-Za-z]{5,}/g, (word) => {
    const lower = word.toLowerCase();
    // A word already read as a concept is no typo of another ("spender" is a person, not "spend").
    if (SPELT_WORD_SET.has(lower) || STOP_WORDS.has(lower) || known.has(lower) || isConceptWord(lower))
      return word;
    // "pipline" is a typo of both "pipeline" and "pipelines": one word meant, its nearer length chosen.
    const meant = SPELT_WORDS.filter((k) => withinTypos(lower, k)).sort(
      (a, b) => Math.abs(a.length - lower.length) - Math.abs(b.length - lower.length),
    );
    const stems = new Set(meant.map((k) => k.replace(/s$/, '')));
    return stems.size === 1 ? (meant[0] as string) : word;
  });
}

/** Every word of every name in the workspace (teams, jobs, tables, warehouses, clusters, pipelines), lower case. */
function workspaceWords(names: WorkspaceNames): Set<string> {
  const all = [
    ...names.teams,
    ...names.tables,
    ...[...names.jobs, ...names.warehouses, ...names.clusters, ...names.pipelines].map((n) => n.name),
  ];
  return new Set(all.flatMap((n) => n.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length > 0));
}

/**
 * "+" and "&" between words join names as "and" does ("fx rates + payments hourly jobs"); a "+" inside
 * an address ("bob+ops@acme.example") is left alone.
 */
const JOINED = /\s+[+&]\s+|(?<=[a-z0-9_])[+&](?=[a-z_][^@\s]*(?:\s|$))/gi;

/**
 * A fragment that says it follows an earlier question ("and marketing?", "what about the orders job?",
 * "ok, same for dp"), by its first words.
 */
export const FOLLOWS_UP =
  /^(?:(?:ok(?:ay)?|k|kk|thx|thanks|ty|cool|great|nice|right)\b[\s,.!]*)*(?:and|also|plus|what about|how about|what of|same (?:for|with)|now)\b/i;
/** Words a follow-up fragment holds besides its name. */
const FRAGMENT_WORDS = new Set([
  'same',
  'also',
  'plus',
  'ok',
  'okay',
  'k',
  'kk',
  'thx',
  'thanks',
  'ty',
  'cool',
  'great',
  'nice',
  'then',
]);

/**
 * Two SQL warehouses or two clusters named in full in one question ("spend on platform_adhoc vs
 * finance_wh"): no answer narrows to several, so the question is declined rather than answered for the first.
 */
function severalOfOneKind(
  text: string,
  names: WorkspaceNames,
): Extract<Routed, { kind: 'uncovered' }> | undefined {
  const tokens = new Set(tokensOf(text.replace(/`/g, '')).map(norm));
  for (const [kind, items, nearest] of [
    ['warehouses', names.warehouses, ['spend_by_team', 'expensive_queries']],
    ['clusters', names.clusters, ['spend_by_team', 'clusters_without_autotermination']],
  ] as const) {
    const named = items.filter((item) => tokens.has(norm(item.name)));
    if (named.length > 1)
      return {
        kind: 'uncovered',
        subject: `several ${kind} at once (${named.map((n) => n.name).join(', ')})`,
        nearest,
      };
  }
  return undefined;
}

/**
 * Initials in a job's name spelt out as the words they stand for ("general ledger close" for
 * `finance_gl_close`): each run of two or three words whose first letters are a short part of one job's
 * name is put back as that part, so the name's words are found as typed.
 */
function withInitialsOfJobs(question: string, names: WorkspaceNames): string {
  const parts = new Set(
    names.jobs.flatMap((j) =>
      j.name
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((p) => /^[a-z]{2,3}$/.test(p) && !STOP_WORDS.has(p)),
    ),
  );
  let text = question;
  for (const part of parts) {
    const words = [...part].map((letter) => `${letter}[a-z]{2,}`).join('\\s+');
    text = text.replace(new RegExp(`\\b${words}\\b`, 'gi'), part);
  }
  return text;
}

/** Routes one question. */
type NameKindListed = 'job' | 'warehouse' | 'cluster' | 'pipeline' | 'team';
interface KindedNames {
  readonly kinded: readonly KindedName<NameKindListed>[];
  readonly withTables: readonly KindedName<NameKindListed | 'table'>[];
}
/** The names are read for every question, several times over: listed once per workspace's names. */
const kindedNames = new WeakMap<WorkspaceNames, KindedNames>();

function kindedNamesOf(names: WorkspaceNames): KindedNames {
  const cached = kindedNames.get(names);
  if (cached !== undefined) return cached;
  const kinded = [
    ...names.jobs.map((j) => ({ kind: 'job' as const, name: j.name })),
    ...names.warehouses.map((w) => ({ kind: 'warehouse' as const, name: w.name })),
    ...names.clusters.map((c) => ({ kind: 'cluster' as const, name: c.name })),
    ...names.pipelines.map((p) => ({ kind: 'pipeline' as const, name: p.name })),
    ...names.teams.map((t) => ({ kind: 'team' as const, name: t })),
  ];
  const withTables = [...kinded, ...names.tables.map((t) => ({ kind: 'table' as const, name: t }))];
  const built = { kinded, withTables };
  kindedNames.set(names, built);
  return built;
}

/** What tables answer rather than jobs: who read or changed it, what it feeds, whether it is fresh, a table or dataset said. */
const asksOfTables = (text: string): boolean =>
  has(text, 'access') ||
  has(text, 'downstream') ||
  has(text, 'sla') ||
  /\b(?:quer(?:y|ies|ying)|tables?|datasets?|data)\b/i.test(text);

/**
 * A table named word for word by its schema's and its own words ("marketing events" for
 * `main.marketing.events`), when the question asks what tables answer, is that table — even where the
 * same words shorten a job's name (`mkt_events_ingest`): the table is typed as it is, the job only
 * loosely. Otherwise the words are left to the jobs (tables do not run); the reading is said either way.
 */
function withTablesSpelt(question: string, names: WorkspaceNames): { text: string; tables: TableSpelt[] } {
  const tables = tablesSpeltOut(question, names.tables);
  if (tables.length === 0 || !asksOfTables(question)) return { text: question, tables: [] };
  let text = question;
  for (const t of [...tables].reverse()) text = `${text.slice(0, t.start)}${t.table}${text.slice(t.end)}`;
  return { text, tables };
}

function routeOne(asked: string, names: WorkspaceNames, options: RouteOptions): Routed {
  const joinedUp = withInitialsOfJobs(asked.replace(JOINED, ' and '), names);
  const ofTables = withTablesSpelt(joinedUp, names);
  const { kinded, withTables } = kindedNamesOf(names);
  const plain = (word: string) =>
    STOP_WORDS.has(word) || CHAT_SHORTHAND.has(word) || SPELT_WORD_SET.has(word) || isConceptWord(word);
  const names_ = withNamesSpelt(ofTables.text, kinded, plain);
  // Then one word alone misspelt from a word of the names ("finanse", "ordrs"), put right — tables'
  // words too — and the names matched as if typed so.
  const lone = names_.ambiguous === undefined ? withWordsSpelt(names_.text, withTables, plain) : undefined;
  const spelt = {
    text: lone?.text ?? names_.text,
    read: [...names_.read, ...(lone?.read ?? [])],
    ambiguous: names_.ambiguous ?? lone?.ambiguous,
  };
  if (spelt.ambiguous !== undefined) {
    const { typed, candidates } = spelt.ambiguous;
    const kinds = new Set(candidates.map((c) => c.kind));
    const [what] = kinds;
    const listed = candidates.map((c) => c.name);
    return kinds.size === 1 && what !== undefined
      ? { kind: 'ambiguous', what, typed, candidates: listed, intent: undefined }
      : { kind: 'unknown_name', what: null, typed, nearest: listed, intent: undefined };
  }
  const question = withKindWordsSpelt(spelt.text, names);
  const products = productsOf(question);
  const user = findUser(products.text, names);
  if (user?.kind === 'many' && user.typed === '') {
    return {
      kind: 'uncovered',
      subject: `several people at once (${user.candidates.join(', ')})`,
      nearest: ['expensive_users', 'expensive_queries'],
    };
  }
  // Answers narrow to one warehouse or cluster: a second one named would be dropped, so both are declined.
  const several = severalOfOneKind(products.text, names);
  if (several !== undefined) return several;
  // A person's address or first name is no other name: "alice@acme.example" is not a table.
  const text = user === undefined ? products.text : withoutNames(products.text, { user });
  let found: Found = findNames(text, names);
  let assumed: string | undefined;
  if (Object.values(found).every((m) => m === undefined)) {
    const team = abbreviatedTeam(text, names);
    if (team !== undefined) {
      found = { team: { kind: 'one', ...team } };
      assumed = `"${team.typed}" read as team ${team.item}`;
    }
  }
  found = tableOrJob(text, found, names);
  if (Object.values(found).every((m) => m === undefined)) found = jobByItsOwnWord(text, names) ?? found;
  const teamsPrefix = jobsPrefixOfTeam(found, names);
  if (teamsPrefix !== undefined) {
    // Nor the cluster or warehouse the same word starts: one word names one thing.
    const others = Object.entries(found).filter(([, m]) => m?.typed !== teamsPrefix.typed);
    const asTeam: Found = { ...Object.fromEntries(others), team: { kind: 'one', ...teamsPrefix } };
    // A question about one job ("how is mkt doing") keeps the choice among the jobs.
    const teamIntent = chooseIntent(withoutNames(text, asTeam), asTeam, options.hasPeriod === true);
    if (teamIntent !== undefined && !NEEDS_JOB.has(teamIntent)) {
      found = asTeam;
      assumed = `"${teamsPrefix.typed}" read as team ${teamsPrefix.item}`;
    }
  }
  // A further team read from its abbreviation is said too ("finance vs mktg"), and so is a name typed loosely.
  // Words a job was read from that also spell a table say so: the person sees which one was meant.
  const sameWords = tablesSpeltOut(joinedUp, names.tables);
  const readAs = [
    ...ofTables.tables.map((t) => `"${t.typed}" read as table ${t.table}`),
    ...spelt.read.map((r) => {
      const table = sameWords.find((t) => r.startsWith(`"${t.typed}" read as `));
      return table === undefined ? r : `${r}, the job, not the table ${table.table}`;
    }),
    ...(assumed === undefined ? [] : [assumed]),
    ...(found.moreTeams ?? [])
      .filter((t) => !norm(t.item).includes(norm(t.typed)))
      .map((t) => `"${t.typed}" read as team ${t.item}`),
  ];
  assumed = readAs.length === 0 ? undefined : readAs.join('; ');
  if (user !== undefined) found = { ...found, user };
  // A name's own words are no concepts: the cluster "mkt-analysts-shared" is not about analysts.
  const words = withoutNames(text, found);
  // A team misspelt beside other names ("markting … on finance_wh", "finanse and marketing") is said
  // too, never answered for all or for the other team alone.
  const misspelt = misspeltTeam(words, names);
  const intent = chooseIntent(words, found, options.hasPeriod === true);
  const jobsNamed =
    found.job?.kind === 'one' ? [found.job.item.name, ...(found.moreJobs ?? []).map((j) => j.item.name)] : [];
  // A plain word read as a name only by starting it ("data" of data-platform) may be the ask's own
  // word: "how much data did we scan" asks about data volumes, not about a team.
  const uncovered =
    uncoveredOf(words, intent, found.user !== undefined, jobsNamed) ??
    uncoveredOf(withoutNames(text, firmNames(found)), intent, found.user !== undefined, jobsNamed) ??
    // Product words are taken out of a money question, yet "rank our sql warehouses by $" is still a
    // split by warehouse.
    uncoveredOf(withoutNames(question, firmNames(found)), intent, found.user !== undefined, jobsNamed);
  if (uncovered !== undefined) {
    // The decline holds, and the misspelt team is said with it: the person sees both at once.
    return misspelt === undefined
      ? uncovered
      : {
          ...uncovered,
          unknownName: { what: 'team', typed: misspelt, nearest: nearestOf(misspelt, 'team', names) },
        };
  }
  const person = user === undefined ? unknownPersonOf(text, names, intent) : undefined;
  if (person !== undefined) {
    return {
      kind: 'unknown_name',
      what: 'user',
      typed: person,
      nearest: nearestOf(person, 'user', names),
      intent,
    };
  }
  const beside = unknownBeside(text, found, names);
  if (beside !== undefined) {
    return { kind: 'unknown_name', ...beside, nearest: nearestOf(beside.typed, beside.what, names), intent };
  }
  if (misspelt !== undefined) {
    return {
      kind: 'unknown_name',
      what: 'team',
      typed: misspelt,
      nearest: nearestOf(misspelt, 'team', names),
      intent,
    };
  }
  for (const what of ['table', 'job', 'team', 'warehouse', 'cluster', 'pipeline', 'user'] as const) {
    const m = found[what];
    if (m?.kind !== 'many') continue;
    // An ambiguous job prefix that is also exactly a team is the team ("finance" → the finance team).
    if (what === 'job' && found.team?.kind === 'one') continue;
    const label = (c: unknown) => (typeof c === 'string' ? c : (c as { name: string }).name);
    return { kind: 'ambiguous', what, typed: m.typed, candidates: m.candidates.map(label), intent };
  }
  if (Object.values(found).every((m) => m === undefined)) {
    const unknown = unknownNameOf(words);
    // A question the router would answer for everything, one it would answer about a job ("how long
    // does X take"), or a bare name as a follow-up ("and team-x?"): the name matched nothing, so say
    // so. Anything else ("average usage_quantity per sku_name") may still be the model's to answer.
    const bare = tokensOf(text).every(
      (t) => STOP_WORDS.has(t) || t === unknown?.typed || KIND_WORDS[t] !== undefined,
    );
    const aboutAJob = has(text, 'status') || has(text, 'duration') || has(text, 'why');
    // A table's full name that is none of the workspace's, asked who read it or what it feeds.
    const aboutATable =
      unknown?.what === 'table' && (has(text, 'access') || has(text, 'downstream') || has(text, 'sla'));
    if (unknown !== undefined && (intent !== undefined || bare || aboutAJob || aboutATable)) {
      return {
        kind: 'unknown_name',
        ...unknown,
        nearest: nearestOf(unknown.typed, unknown.what, names),
        intent,
      };
    }
  }
  const slots: { -readonly [K in keyof Slots]: Slots[K] } = {};
  if (found.team?.kind === 'one')
    slots.teams = [found.team.item, ...(found.moreTeams ?? []).map((t) => t.item)];
  if (found.job?.kind === 'one') slots.jobs = [found.job.item, ...(found.moreJobs ?? []).map((j) => j.item)];
  if (found.table?.kind === 'one') slots.table = found.table.item;
  if (found.warehouse?.kind === 'one') slots.warehouse = found.warehouse.item;
  if (found.cluster?.kind === 'one') slots.cluster = found.cluster.item;
  if (found.pipeline?.kind === 'one') slots.pipeline = found.pipeline.item;
  if (found.user?.kind === 'one') slots.user = found.user.item;
  if (intent === 'failures' && has(words, 'timeout')) slots.errorKind = 'timeout';
  else if (intent === 'failures' && has(words, 'clusterError')) slots.errorKind = 'cluster';
  // Every query the query history holds ran on a SQL warehouse: "SQL" narrows nothing there.
  if (
    products.product !== undefined &&
    !(products.product === 'SQL' && intent !== undefined && ON_WAREHOUSES.has(intent))
  )
    slots.product = products.product;
  // "What are jobs costing us per team": the spend of jobs compute, by team; "what did the warehouses
  // cost": of SQL warehouses.
  // Not "the clickstream pipeline": a pipeline's bill is DLT's, and "pipeline" alone names no product.
  else if (intent === 'spend_by_team' && JOBS_WORD.test(words) && found.pipeline === undefined)
    slots.product = 'JOBS';
  else if (intent === 'spend_by_team' && has(words, 'warehouse') && found.warehouse === undefined)
    slots.product = 'SQL';
  if (intent === 'sla_misses' && SLA_AHEAD.test(words)) {
    // Tomorrow's or next week's deadlines are not told from today's runs.
    if (/\btomorrow|\bnext (?:week|wk|month)\b/i.test(words))
      return { kind: 'uncovered', subject: 'forecasts', nearest: ['sla_misses', 'failures'] };
    slots.forecast = true;
  }
  if (intent === 'expensive_users' && slowestPeople(words, found)) slots.bySlowness = true;
  else if (intent === 'expensive_users' && found.user === undefined && COUNT_OF_QUERIES.test(words))
    slots.counted = true;
  else if (intent === 'long_queries_now' && COUNT_OF_QUERIES.test(words) && !RUNNING_LONG.test(words))
    slots.counted = true;
  if (products.serverless) slots.serverless = true;
  // Photon against the rest, or its share, is a split of the spend, not spend narrowed to Photon.
  if (products.photon && intent === 'spend_by_team' && PHOTON_SPLIT.test(question)) slots.byPhoton = true;
  else if (products.photon) slots.photon = true;
  if (has(text, 'byTeam') && found.team === undefined) slots.byTeam = true;
  // "And finance_wh?", "what about the clickstream pipeline": a name alone after words that say it
  // follows an earlier question is a follow-up, whatever kind of name it is.
  if (
    FOLLOWS_UP.test(question) &&
    Object.keys(slots).length > 0 &&
    tokensOf(words).every((t) => STOP_WORDS.has(t) || FRAGMENT_WORDS.has(t))
  )
    return { kind: 'follow_up', slots, ...(assumed === undefined ? {} : { assumed }) };
  if (intent === undefined) {
    const named = slots.teams !== undefined || slots.jobs !== undefined || slots.table !== undefined;
    const words = tokensOf(text).filter((t) => !STOP_WORDS.has(t));
    return named || words.length === 0
      ? { kind: 'follow_up', slots, ...(assumed === undefined ? {} : { assumed }) }
      : { kind: 'unknown' };
  }
  // Jobs of a period named with no one job ("the 3am jobs"), or a person's jobs: every job's runs then.
  const everyJob =
    intent === 'job_status' &&
    (runsOfPeriod(words, found, options.hasPeriod === true) || found.user !== undefined);
  if (NEEDS_JOB.has(intent) && slots.jobs === undefined && !everyJob) {
    return intent === 'why_failed'
      ? { kind: 'intent', intent: 'failures', slots, ...(assumed === undefined ? {} : { assumed }) }
      : { kind: 'follow_up', slots, ...(assumed === undefined ? {} : { assumed }) };
  }
  if (NEEDS_TABLE.has(intent) && slots.table === undefined) return { kind: 'unknown' };
  return { kind: 'intent', intent, slots, ...(assumed === undefined ? {} : { assumed }) };
}

/** Whether an intent can be answered with these slots (a follow-up that drops the job cannot). */
export function slotsFit(intent: IntentName, slots: Slots): boolean {
  if (NEEDS_JOB.has(intent)) return slots.jobs !== undefined;
  if (NEEDS_TABLE.has(intent)) return slots.table !== undefined;
  return true;
}
