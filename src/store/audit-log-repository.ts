import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { canonicalJson } from '../domain/canonical-json.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { type Err, err, ok, type Result } from '../domain/result.js';
import { SURFACE_NAMES } from '../domain/surface-name.js';
import { rateLimitMessage } from '../domain/rate-limit-message.js';
import { redactSecrets } from '../domain/redact-secrets.js';
import { cleanText, truncateText } from '../domain/text.js';
import type { Database } from './database.js';
import { fromDate, toCount, toDate } from './rows.js';

/**
 * Propose (a press and the guardrails' decision), approve, execute and verify are separate entries;
 * `record_fix` is what a resolver said fixed an incident, `kill_switch` the live kill switch flipped.
 */
const AUDIT_ENTRY_KINDS = ['propose', 'approve', 'execute', 'verify', 'record_fix', 'kill_switch'] as const;

const text = (max: number) => z.string().max(max);
const optionalText = (max: number) => text(max).nullish();

/** One REST call an action made, and what came back. */
const callSchema = z
  .object({
    method: text(10),
    path: text(2_000),
    status: z.number().int().min(0).max(999).nullable().describe('the HTTP status; null when none came back'),
    requestId: optionalText(200),
  })
  .strict();

/**
 * What an audit entry records: who (chat user and Databricks principal), what, where (workspace and
 * resource), why (incident and classification), how (the calls and their statuses) and the result.
 * When is set by the log itself (`at`, UTC). Secrets are masked before anything is stored.
 */
const auditEntryInputSchema = z
  .object({
    kind: z.enum(AUDIT_ENTRY_KINDS),
    who: z
      .object({
        chat: z
          .object({
            surface: z.enum(SURFACE_NAMES),
            userId: text(256),
            displayName: optionalText(256),
          })
          .strict()
          .nullable()
          .describe('null when dbxops acted on its own (auto-heal)'),
        principal: z.string().max(256).nullable().describe('the Databricks user or service principal'),
      })
      .strict(),
    what: z
      .object({
        action: text(64),
        planHash: optionalText(128),
        summary: optionalText(2_000),
      })
      .strict(),
    where: z.object({ workspaceId: text(256), resource: text(512).nullable() }).strict(),
    why: z
      .object({
        incidentId: text(256).nullable(),
        classification: optionalText(256),
      })
      .strict(),
    how: z
      .object({ calls: z.array(callSchema).max(200).default([]) })
      .strict()
      .prefault({}),
    result: z
      .object({
        outcome: text(64).describe(
          'e.g. allowed, needs_approval, refused, shadow, approved, succeeded, failed',
        ),
        message: optionalText(4_000),
      })
      .strict(),
    /** Anything else worth keeping (the guardrail decision, the approval id, an attempt number). */
    details: z.record(z.string(), z.unknown()).optional(),
    /**
     * The same key twice records one entry: a redelivered job or a retried step that already wrote its
     * entry gets that entry back (e.g. `incident:action:attempt:execute`).
     */
    idempotencyKey: z.string().min(1).max(256).optional(),
  })
  .strict();

export type AuditEntryInput = z.input<typeof auditEntryInputSchema>;
type AuditEntry = z.output<typeof auditEntryInputSchema>;
type AuditBody = AuditEntry & { readonly seq: number; readonly at: string };

/** A stored entry as `export` writes it: the body, and the chain's two hashes. */
export type AuditRecord = AuditBody & { readonly prevHash: string; readonly hash: string };

/** The hash the first entry follows. */
export const GENESIS_HASH = '0'.repeat(64);

/** Longest string kept inside `details`; longer ones are cut with an ellipsis. */
const DETAIL_STRING_MAX = 4_000;
const DETAIL_ITEMS_MAX = 200;
const DETAIL_DEPTH_MAX = 8;

const HOUR_MS = 3_600_000;

/** Advisory-lock key of the chain's head ('dx' + 5): one appender at a time extends it. */
const CHAIN_LOCK = 0x6478_0005;

/** SHA-256 over the previous hash, a newline and the entry's canonical JSON. */
export function chainHash(prevHash: string, body: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** Where the chain first goes wrong, and how. */
interface AuditBreak {
  /** The sequence number of the first bad entry (or of the missing one). */
  readonly seq: number;
  readonly at: string | null;
  readonly kind: string | null;
  readonly problem: 'edited' | 'missing' | 'out_of_order' | 'broken_link' | 'unreadable' | 'truncated';
  readonly message: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly headHash: string }
  | { readonly ok: false; readonly entries: number; readonly firstBad: AuditBreak };

/**
 * The append-only, hash-chained audit log of remediations. Appends from any number of processes form one
 * chain: each takes a PostgreSQL advisory lock for its transaction, reads the head and links to it.
 */
export class AuditLogRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Appends one entry at `now` (wall clock, epoch ms) and returns it as stored. Secrets are masked,
   * strings made storable and `details` bounded before the entry is hashed.
   * @throws InvalidArgumentError when `input` does not have the entry's shape.
   */
  async append(input: AuditEntryInput, now: number): Promise<AuditRecord> {
    const appended = await this.#append(input, now);
    if (!appended.ok) throw new Error('unreachable: an append without limits was refused');
    return appended.value;
  }

  /**
   * Appends an `execute` entry only while the hourly rate limits hold (`remediation.rate_limits`),
   * counting under the chain's lock: two presses racing for a job's last action of the hour cannot
   * both be recorded, so the runner that records first runs and the other is refused.
   */
  async appendExecution(
    input: AuditEntryInput & { readonly kind: 'execute' },
    now: number,
    limits: { readonly perJobPerHour: number; readonly totalPerHour: number },
  ): Promise<Result<AuditRecord, 'rate_limit_per_job' | 'rate_limit_total'>> {
    return this.#append(input, now, async (trx, entry) => {
      const counts = await countExecutedSince(
        trx,
        now - HOUR_MS,
        entry.where.resource ?? '',
        entry.where.workspaceId,
      );
      if (counts.forResource >= limits.perJobPerHour) {
        return err(
          'rate_limit_per_job',
          rateLimitMessage('per_job', counts.forResource, limits.perJobPerHour, entry.where.resource),
        );
      }
      if (counts.total >= limits.totalPerHour) {
        return err('rate_limit_total', rateLimitMessage('total', counts.total, limits.totalPerHour, null));
      }
      return undefined;
    });
  }

  async #append<R extends string>(
    input: AuditEntryInput,
    now: number,
    admit?: (trx: Kysely<Database>, entry: AuditEntry) => Promise<Err<R> | undefined>,
  ): Promise<Result<AuditRecord, R>> {
    const parsed = auditEntryInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new InvalidArgumentError(
        `An audit entry is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
        {
          issues: parsed.error.issues.map((i) => ({
            path: i.path.map(String).join('.'),
            message: i.message,
          })),
        },
      );
    }
    const entry = storable(redactSecrets(parsed.data)) as AuditEntry;
    return this.#db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(trx);
      if (entry.idempotencyKey !== undefined) {
        const earlier = await trx
          .selectFrom('audit_entries')
          .select(['body', 'prev_hash', 'hash'])
          .where('idempotency_key', '=', entry.idempotencyKey)
          .executeTakeFirst();
        if (earlier !== undefined) return ok(toRecord(earlier));
      }
      const refused = await admit?.(trx, entry);
      if (refused !== undefined) return refused;
      const head = await trx
        .selectFrom('audit_entries')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const seq = head === undefined ? 1 : Number(head.seq) + 1;
      const prevHash = head?.hash ?? GENESIS_HASH;
      const body: AuditBody = { ...entry, seq, at: new Date(now).toISOString() };
      const bodyText = canonicalJson(body);
      const hash = chainHash(prevHash, bodyText);
      await trx
        .insertInto('audit_entries')
        .values({
          seq,
          at: toDate(now),
          kind: body.kind,
          workspace_id: body.where.workspaceId,
          resource: body.where.resource,
          incident_id: body.why.incidentId,
          idempotency_key: body.idempotencyKey ?? null,
          body: bodyText,
          prev_hash: prevHash,
          hash,
        })
        .execute();
      return ok({ ...body, prevHash, hash });
    });
  }

  /**
   * Executions in the window from `since` (epoch ms, wall clock) on: on `resource` (of `workspaceId`
   * when given: job 42 of one workspace is not job 42 of another), and in all. What the rate limits of
   * `dbxops.yaml` compare with.
   */
  async countExecutedSince(
    since: number,
    resource: string,
    workspaceId?: string,
  ): Promise<{ forResource: number; total: number }> {
    return countExecutedSince(this.#db, since, resource, workspaceId);
  }

  /** Every entry in chain order, read in pages so a long log never sits in memory. */
  async *entries(pageSize = 500): AsyncGenerator<AuditRecord> {
    for await (const row of this.#rows(pageSize)) {
      yield toRecord(row);
    }
  }

  /**
   * Walks the chain from the first entry and reports the first one that does not hold: a body that
   * does not hash to its hash (edited), a link that does not point at the entry before (an entry
   * before it was edited and re-hashed, or entries swapped), a gap in the sequence (deleted), or
   * columns that disagree with the hashed body. With `head` (a head hash an earlier verify printed and
   * someone kept elsewhere), the chain must also still hold that entry: removing the newest entries
   * leaves a chain that checks, and only a hash kept outside the database shows it.
   */
  async verify(
    options: { readonly head?: string; readonly pageSize?: number } = {},
  ): Promise<AuditVerification> {
    const pageSize = options.pageSize ?? 500;
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    let headSeen = options.head === undefined || options.head === GENESIS_HASH;
    for await (const row of this.#rows(pageSize)) {
      const seq = Number(row.seq);
      const at = safeIso(row.at);
      const bad = (problem: AuditBreak['problem'], message: string, badSeq = seq): AuditVerification => ({
        ok: false,
        entries: checked,
        firstBad: {
          seq: badSeq,
          at: badSeq === seq ? at : null,
          kind: badSeq === seq ? row.kind : null,
          problem,
          message,
        },
      });
      if (seq > expectedSeq) {
        return bad(
          'missing',
          `Entry ${expectedSeq} is missing: the log goes from entry ${expectedSeq - 1} to entry ${seq}. It was deleted.`,
          expectedSeq,
        );
      }
      if (row.prev_hash !== prevHash) {
        return bad(
          'broken_link',
          `Entry ${seq} does not link to entry ${seq - 1}: entry ${seq - 1} was changed after entry ${seq} was written, or entries were reordered.`,
        );
      }
      if (chainHash(row.prev_hash, row.body) !== row.hash) {
        return bad('edited', `Entry ${seq} was edited: its content no longer matches its hash.`);
      }
      let body: AuditBody;
      try {
        body = JSON.parse(row.body) as AuditBody;
      } catch {
        return bad('unreadable', `Entry ${seq} is not valid JSON.`);
      }
      const columnsAgree =
        body.seq === seq &&
        body.at === at &&
        body.kind === row.kind &&
        body.where?.workspaceId === row.workspace_id &&
        (body.where?.resource ?? null) === row.resource &&
        (body.why?.incidentId ?? null) === row.incident_id &&
        (body.idempotencyKey ?? null) === row.idempotency_key;
      if (!columnsAgree) {
        return bad(
          body.seq === seq ? 'edited' : 'out_of_order',
          body.seq === seq
            ? `Entry ${seq} was edited: its columns no longer match its hashed content.`
            : `Entry ${seq} holds the content of entry ${body.seq}: entries were reordered.`,
        );
      }
      prevHash = row.hash;
      expectedSeq = seq + 1;
      checked += 1;
      if (row.hash === options.head) headSeen = true;
    }
    if (!headSeen) {
      return {
        ok: false,
        entries: checked,
        firstBad: {
          seq: expectedSeq,
          at: null,
          kind: null,
          problem: 'truncated',
          message: `The log ends at entry ${checked} and no entry has the head hash ${options.head}: entries were removed from its end, or the hash is from another log.`,
        },
      };
    }
    return { ok: true, entries: checked, headHash: prevHash };
  }

  async *#rows(pageSize: number) {
    let after = 0;
    for (;;) {
      const page = await this.#db
        .selectFrom('audit_entries')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of page) yield row;
      if (page.length < pageSize) return;
      after = Number(page.at(-1)?.seq);
    }
  }
}

const toRecord = (row: { body: string; prev_hash: string; hash: string }): AuditRecord => ({
  ...(JSON.parse(row.body) as AuditBody),
  prevHash: row.prev_hash,
  hash: row.hash,
});

async function countExecutedSince(
  db: Kysely<Database>,
  since: number,
  resource: string,
  workspaceId: string | undefined,
): Promise<{ forResource: number; total: number }> {
  const row = await db
    .selectFrom('audit_entries')
    .select((eb) => [
      eb.fn.countAll().as('total'),
      eb.fn
        .count(
          eb
            .case()
            .when(
              workspaceId === undefined
                ? eb('resource', '=', resource)
                : eb.and([eb('resource', '=', resource), eb('workspace_id', '=', workspaceId)]),
            )
            .then(1)
            .end(),
        )
        .as('for_resource'),
    ])
    .where('kind', '=', 'execute')
    .where('at', '>=', toDate(since))
    .executeTakeFirstOrThrow();
  return { forResource: toCount(row.for_resource), total: toCount(row.total) };
}

function safeIso(value: Date | string): string | null {
  const ms = fromDate(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * Makes a redacted entry storable and bounded: strings lose NUL and lone surrogates, `details`' long
 * strings are cut, long arrays shortened and deep nesting flattened to a note.
 */
function storable(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return truncateText(cleanText(value), DETAIL_STRING_MAX);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= DETAIL_DEPTH_MAX) return '[nested too deep]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, DETAIL_ITEMS_MAX).map((item) => storable(item, depth + 1));
    return value.length > DETAIL_ITEMS_MAX ? [...kept, `[${value.length - DETAIL_ITEMS_MAX} more]`] : kept;
  }
  const out: Record<string, unknown> = {};
  const members = Object.entries(value);
  for (const [key, member] of members.slice(0, DETAIL_ITEMS_MAX)) {
    out[truncateText(cleanText(key), 200)] = storable(member, depth + 1);
  }
  if (members.length > DETAIL_ITEMS_MAX) out['[more]'] = `${members.length - DETAIL_ITEMS_MAX} more members`;
  return out;
}
