// The catalogue of every log event the deployed functions emit: one function per event, taking
// that event's structured fields. Each entry carries a stable `event` name (jsonPayload.event) that
// the log-based metrics in monitoring/ filter on, and some fields they extract (lagMs, outcome,
// kind, complete, deleted.*), so an event is an interface: add new ones, never rename.
// docs/operations.md lists the same events, and a unit test keeps the two equal.
import * as logger from "firebase-functions/logger";
import { HandledOutcome, RecordedConflict, TombstoneChange, TriggerOutcome } from "./outcomes";
import { PurgeCounts } from "./purgeRuns";

export type LogSeverity = "INFO" | "WARNING" | "ERROR";

/** One catalogue entry, as tests and docs see it. */
export interface LogEventSpec {
  event: string;
  message: string;
  severity: LogSeverity;
  /** The structured fields besides `event` (optional ones included). */
  fields: readonly string[];
}

/** Every field of F, each named once: the catalogue's field list cannot drift from the type. */
type FieldNames<F> = { readonly [K in keyof F]-?: true };

type LogFunction<F> = ((fields: F) => void) & { readonly spec: LogEventSpec };

function logEvent<F extends object>(spec: { event: string; severity: LogSeverity; message: string; fields: FieldNames<F> }): LogFunction<F> {
  const { event, severity, message } = spec;
  const write = (fields: F): void => {
    // An Error serializes to {}; its message is what the reader needs.
    const values = Object.entries(fields).map(([name, value]) => [name, value instanceof Error ? value.message : value]);
    // write(), not error(): error() replaces the message with a stack trace, and filters on the
    // message would stop matching.
    logger.write({ ...Object.fromEntries(values), event, message, severity });
  };
  return Object.assign(write, { spec: { event, message, severity, fields: Object.keys(spec.fields) } });
}

// --- Trigger runs (eventDelivery.ts): one event per invocation, named for its outcome ---

export interface TriggerRunFields {
  /** The function: expenseChanged or groupWritten. */
  trigger: string;
  /** The delivery's event id (the same on a redelivery). */
  eventId: string;
  /** The written document. */
  path: string;
  outcome: HandledOutcome | "not-activity";
  /** From the write's commit to the end of the run. */
  lagMs?: number;
  /** The write's commit time, ISO-8601. */
  activityAt?: string;
  /** Transaction attempts: above 1 means contention on the group. */
  attempts?: number;
  activityRaised?: boolean;
  tombstone?: TombstoneChange;
  /** The document does not match its schema (the schema-mismatch warning says how). */
  invalidDocument?: boolean;
  /** Users told through their membership record that a group left their Tier 1 or was (un)deleted. */
  membershipRecorded?: number;
}

const TRIGGER_RUN_FIELDS: FieldNames<TriggerRunFields> = {
  trigger: true,
  eventId: true,
  path: true,
  outcome: true,
  lagMs: true,
  activityAt: true,
  attempts: true,
  activityRaised: true,
  tombstone: true,
  invalidDocument: true,
  membershipRecorded: true,
};

/** The run raised the group's lastActivityAt. */
export const logActivityRaised = logEvent<TriggerRunFields>({
  event: "trigger.activity-raised",
  severity: "INFO",
  message: "Raised the group's lastActivityAt",
  fields: TRIGGER_RUN_FIELDS,
});

/** The run raised lastActivityAt from an expense the schema rejects. */
export const logActivityRaisedFromInvalidDocument = logEvent<TriggerRunFields>({
  event: "trigger.invalid-document",
  severity: "INFO",
  message: "Raised the group's lastActivityAt from a document the schema rejects",
  fields: TRIGGER_RUN_FIELDS,
});

/** The conflict's facts come from the expense trigger, which sets them on every conflict. */
export type ConflictRecordedFields = TriggerRunFields & Partial<RecordedConflict>;

/** The run recorded a conflict: the write overwrote a version its author had not seen. */
export const logConflictRecorded = logEvent<ConflictRecordedFields>({
  event: "trigger.conflict-recorded",
  severity: "INFO",
  message: "Concurrent edit: recorded conflict",
  fields: {
    ...TRIGGER_RUN_FIELDS,
    conflictId: true,
    winnerBy: true,
    winnerBaseVersion: true,
    overwrittenBy: true,
    overwrittenVersion: true,
    notified: true,
  },
});

/** A redelivery that found its work done. */
export const logDuplicateSkipped = logEvent<TriggerRunFields>({
  event: "trigger.duplicate-skipped",
  severity: "INFO",
  message: "Skipped a duplicate delivery",
  fields: TRIGGER_RUN_FIELDS,
});

/** An out-of-order event (a later one already raised lastActivityAt) or one for a missing group. */
export const logStaleSkipped = logEvent<TriggerRunFields>({
  event: "trigger.stale-skipped",
  severity: "INFO",
  message: "Skipped an out-of-order or orphaned event",
  fields: TRIGGER_RUN_FIELDS,
});

/** The delete event of the purge's own hard delete: nothing to do. */
export const logPurgeDeleteSkipped = logEvent<TriggerRunFields>({
  event: "trigger.purge-skipped",
  severity: "INFO",
  message: "Skipped the purge's own delete",
  fields: TRIGGER_RUN_FIELDS,
});

/** A write that is not activity: the server's own lastActivityAt or purgedBefore on a group, or an expense write that changed nothing. */
export const logNotActivity = logEvent<TriggerRunFields>({
  event: "trigger.not-activity",
  severity: "INFO",
  message: "Not activity: nothing to apply",
  fields: TRIGGER_RUN_FIELDS,
});

export interface EventDroppedFields {
  trigger: string;
  eventId: string;
  path: string;
  /** Always dropped-too-old: the per-outcome counter reads every run's outcome from this field. */
  outcome: Extract<TriggerOutcome, "dropped-too-old">;
  ageSeconds: number;
  maxAgeSeconds: number;
}

/** An event older than the retry cut-off, dropped without running its handler. */
export const logEventDropped = logEvent<EventDroppedFields>({
  event: "trigger.dropped-too-old",
  severity: "ERROR",
  message: "Dropping an event older than the retry cut-off",
  fields: { trigger: true, eventId: true, path: true, outcome: true, ageSeconds: true, maxAgeSeconds: true },
});

export type LegacyWriteKind = "normalized" | "hard-delete-kept";

export interface LegacyWriteFields {
  trigger: string;
  eventId: string;
  path: string;
  /** normalized: a v1 create or edit rewritten as v2; hard-delete-kept: a hard delete whose document was kept. */
  kind: LegacyWriteKind;
}

/**
 * A write by an app build from before 2.1 (or another hard delete, whose document was kept).
 * Counted by the legacy_writes metric: the compatibility window can close once these stop.
 */
export const logLegacyWrite = logEvent<LegacyWriteFields>({
  event: "legacy.write",
  severity: "INFO",
  message: "Legacy (v1) write handled",
  fields: { trigger: true, eventId: true, path: true, kind: true },
});

// --- Group documents (groupActivity.ts) ---

export interface GroupAbandonedFields {
  eventId: string;
  /** The group. */
  path: string;
  attempts: number;
}

/** The last member of a group left; the run soft-deleted the group (deletedBy: that member). */
export const logGroupAbandoned = logEvent<GroupAbandonedFields>({
  event: "group.abandoned-deleted",
  severity: "INFO",
  message: "Soft-deleted a group its last member left",
  fields: { eventId: true, path: true, attempts: true },
});

// --- Profiles (people.ts) ---

export interface NamesCopiedFields {
  eventId: string;
  /** The profile, users/{uid}. */
  path: string;
  /** Groups whose memberNames entry for the user changed. */
  groups: number;
  /** Transactions run, one per group the user is in (more under contention). */
  attempts: number;
}

/** A profile's new displayName was copied into the groups the user is in. */
export const logNamesCopied = logEvent<NamesCopiedFields>({
  event: "people.names-copied",
  severity: "INFO",
  message: "Copied a renamed profile into its groups",
  fields: { eventId: true, path: true, groups: true, attempts: true },
});

// --- Expense documents (expenseActivity.ts) ---

export interface SchemaMismatchFields {
  path: string;
  eventId: string;
  /** zod's issues: the field's dotted path and what is wrong with it. */
  issues: { path: string; message: string }[];
}

/** An expense the schema rejects; the trigger still keeps activity and tombstone right. */
export const logSchemaMismatch = logEvent<SchemaMismatchFields>({
  event: "trigger.schema-mismatch",
  severity: "WARNING",
  message: "Expense document does not match the schema; activity and tombstone kept right regardless",
  fields: { path: true, eventId: true, issues: true },
});

// --- Sync-health rollup (syncHealth.ts) ---

export interface PurgeRunUnreadableFields {
  day: string;
  runId: string;
}

/** A purge run record without usable deleted counts, left out of the day's rollup. */
export const logPurgeRunUnreadable = logEvent<PurgeRunUnreadableFields>({
  event: "sync-health.purge-run-unreadable",
  severity: "WARNING",
  message: "Purge run record without readable deleted counts; left out of the rollup",
  fields: { day: true, runId: true },
});

export interface RollupWrittenFields {
  day: string;
  conflicts: number;
  tombstones: number;
  purgedTotal: number;
  purgeRunsFinished: number;
  purgeRunsIncomplete: number;
}

/** A day's summary written to ops/syncHealth/days/{day}. */
export const logRollupWritten = logEvent<RollupWrittenFields>({
  event: "sync-health.rollup-written",
  severity: "INFO",
  message: "Sync-health rollup written",
  fields: { day: true, conflicts: true, tombstones: true, purgedTotal: true, purgeRunsFinished: true, purgeRunsIncomplete: true },
});

// --- The purge (purge.ts) ---

export interface PurgeBudgetClampedFields {
  configuredSeconds: number;
  boundSeconds: number;
}

/** PURGE_TIME_BUDGET_SECONDS would outlast the function's timeout; the bound is used instead. */
export const logPurgeBudgetClamped = logEvent<PurgeBudgetClampedFields>({
  event: "purge.time-budget-clamped",
  severity: "WARNING",
  message: "PURGE_TIME_BUDGET_SECONDS exceeds what the function timeout allows; using the bound",
  fields: { configuredSeconds: true, boundSeconds: true },
});

export interface PurgeSkippedFields {
  runId: string;
  heldBy: string;
  leaseExpiresAt: string;
}

/** Another run holds the purge lease, so this one did nothing. */
export const logPurgeSkippedLeaseHeld = logEvent<PurgeSkippedFields>({
  event: "purge.skipped-lease-held",
  severity: "INFO",
  message: "Purge skipped: another run holds the lease",
  fields: { runId: true, heldBy: true, leaseExpiresAt: true },
});

export interface PurgeRunFailedFields {
  runId: string;
  error: unknown;
}

/** A purge run threw part-way; what it deleted is recorded, and the next run carries on. */
export const logPurgeRunFailed = logEvent<PurgeRunFailedFields>({
  event: "purge.run-failed",
  severity: "ERROR",
  message: "Purge run failed part-way; what it deleted is recorded and the next run continues",
  fields: { runId: true, error: true },
});

export interface PurgeRunFinishedFields {
  runId: string;
  complete: boolean;
  deleted: PurgeCounts;
  groupsTouched: number;
  pages: number;
  commits: number;
  durationMs: number;
  /** Each retention class's cutoff, ISO-8601. */
  cutoffs: Record<string, string>;
}

/** A purge run recorded in ops/purge/runs/{runId} (complete or not). */
export const logPurgeRunFinished = logEvent<PurgeRunFinishedFields>({
  event: "purge.run-finished",
  severity: "INFO",
  message: "Purge run finished",
  fields: { runId: true, complete: true, deleted: true, groupsTouched: true, pages: true, commits: true, durationMs: true, cutoffs: true },
});

/** Every event above, for tests and tooling. */
export const LOG_EVENTS: readonly LogEventSpec[] = [
  logActivityRaised,
  logActivityRaisedFromInvalidDocument,
  logConflictRecorded,
  logDuplicateSkipped,
  logStaleSkipped,
  logPurgeDeleteSkipped,
  logNotActivity,
  logEventDropped,
  logLegacyWrite,
  logGroupAbandoned,
  logNamesCopied,
  logSchemaMismatch,
  logPurgeRunUnreadable,
  logRollupWritten,
  logPurgeBudgetClamped,
  logPurgeSkippedLeaseHeld,
  logPurgeRunFailed,
  logPurgeRunFinished,
].map((log) => log.spec);
