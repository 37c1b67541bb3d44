import type { Kysely } from 'kysely';
import { ApprovalRepository } from './approval-repository.js';
import { AuditLogRepository } from './audit-log-repository.js';
import { AskContextRepository } from './ask-context-repository.js';
import type { Database } from './database.js';
import { CardPostRepository } from './card-post-repository.js';
import { ConsoleHistoryRepository } from './console-history-repository.js';
import { DetectorStateRepository, type DetectorStateOptions } from './detector-state-repository.js';
import { DigestRepository } from './digest-repository.js';
import { IncidentExplanationRepository } from './incident-explanation-repository.js';
import { IncidentFixRepository } from './incident-fix-repository.js';
import { IncidentRepository } from './incident-repository.js';
import { ProcessedKeyRepository } from './processed-key-repository.js';
import { RecurringIssueRepository } from './recurring-issue-repository.js';
import { ScheduledPostRepository } from './scheduled-post-repository.js';
import { SignalOutboxRepository } from './signal-outbox-repository.js';
import { RemediationRepository } from './remediation-repository.js';
import { TokenUsageRepository } from './token-usage-repository.js';
import { RemediationSwitchRepository } from './remediation-switch-repository.js';
import { WatermarkRepository } from './watermark-repository.js';

/** Every repository over one database, for wiring code (jobs, handlers) that needs several. */
export interface Repositories {
  readonly incidents: IncidentRepository;
  readonly cardPosts: CardPostRepository;
  readonly consoleHistory: ConsoleHistoryRepository;
  readonly recurringIssues: RecurringIssueRepository;
  readonly watermarks: WatermarkRepository;
  readonly detectorState: DetectorStateRepository;
  readonly processedKeys: ProcessedKeyRepository;
  readonly digests: DigestRepository;
  readonly scheduledPosts: ScheduledPostRepository;
  readonly remediations: RemediationRepository;
  readonly approvals: ApprovalRepository;
  readonly audit: AuditLogRepository;
  readonly askContexts: AskContextRepository;
  readonly tokenUsage: TokenUsageRepository;
  readonly explanations: IncidentExplanationRepository;
  readonly fixes: IncidentFixRepository;
  readonly switches: RemediationSwitchRepository;
  readonly signalOutbox: SignalOutboxRepository;
}

/**
 * Builds the repositories over `db` (a Store's `db`). They hold no state beyond the connection, but
 * for what a sole writer (`soleWriter`: an embedded PGlite store) knows of what it wrote.
 */
export function createRepositories(db: Kysely<Database>, options: DetectorStateOptions = {}): Repositories {
  return {
    incidents: new IncidentRepository(db),
    cardPosts: new CardPostRepository(db),
    consoleHistory: new ConsoleHistoryRepository(db),
    recurringIssues: new RecurringIssueRepository(db),
    watermarks: new WatermarkRepository(db, options),
    detectorState: new DetectorStateRepository(db, options),
    processedKeys: new ProcessedKeyRepository(db),
    digests: new DigestRepository(db),
    scheduledPosts: new ScheduledPostRepository(db),
    remediations: new RemediationRepository(db, options),
    approvals: new ApprovalRepository(db),
    audit: new AuditLogRepository(db),
    askContexts: new AskContextRepository(db),
    tokenUsage: new TokenUsageRepository(db),
    explanations: new IncidentExplanationRepository(db),
    fixes: new IncidentFixRepository(db),
    switches: new RemediationSwitchRepository(db),
    signalOutbox: new SignalOutboxRepository(db),
  };
}
