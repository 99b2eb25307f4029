// The common path of every Firestore-triggered function: drop events too old to be worth
// retrying, run the handler, then log what it did. Handlers are idempotent, so the triggers run
// with retry on; the age cut-off keeps a poison event from being retried for days (except a v1
// write's, whose normalization nothing else would make). The log entry
// is the run's only record: log-based metrics (monitoring/) count it, so metrics cost the hot
// path no Firestore write.
import { Timestamp } from "firebase-admin/firestore";
import {
  logActivityRaised,
  logActivityRaisedFromInvalidDocument,
  logConflictRecorded,
  logDuplicateSkipped,
  logEventDropped,
  logLegacyWrite,
  logNotActivity,
  logPurgeDeleteSkipped,
  logStaleSkipped,
  TriggerRunFields,
} from "./logs";
import { HandledOutcome, RecordedConflict, TombstoneChange } from "./outcomes";

export interface DeliveredEvent {
  id: string;
  time: string;
  /**
   * False for an event that must be handled however late it comes: a v1 write's, which no later
   * event normalizes if this one is dropped (legacy.ts, normalizesOnThisEvent).
   */
  droppableWhenLate?: boolean;
}

export interface HandlerResult {
  outcome: HandledOutcome | "not-activity";
  activityAt?: Timestamp;
  attempts?: number;
  activityRaised?: boolean;
  tombstone?: TombstoneChange;
  conflict?: RecordedConflict;
  /** The handler met a document its schema rejects (and logged how), whatever the outcome says. */
  invalidDocument?: boolean;
  /** A write by an app build before 2.1; `normalized` when this run rewrote it as v2. */
  legacy?: { normalized: boolean };
  /** What the run did to the kept copy of a hard-deleted expense. */
  keptDeletion?: "kept" | "removed" | "unchanged";
  /** Users whose membership record the run wrote (a group write only). */
  membershipRecorded?: number;
}

type RunOutcome = HandlerResult["outcome"];

/** The log event of a run by its outcome; a recorded conflict logs its facts as well. */
const RUN_EVENTS: Record<Exclude<RunOutcome, "conflict-recorded">, (run: TriggerRunFields) => void> = {
  "activity-raised": logActivityRaised,
  "invalid-document": logActivityRaisedFromInvalidDocument,
  "duplicate-skipped": logDuplicateSkipped,
  "stale-skipped": logStaleSkipped,
  "purge-skipped": logPurgeDeleteSkipped,
  "not-activity": logNotActivity,
};

/** Seconds between the event's commit and `now`. */
export function eventAgeSeconds(event: DeliveredEvent, now: Date): number {
  return (now.getTime() - Date.parse(event.time)) / 1000;
}

export async function deliver<R extends HandlerResult>(
  trigger: string,
  event: DeliveredEvent & { path: string },
  maxAgeSeconds: number,
  handle: () => Promise<R>,
): Promise<R | undefined> {
  const ageSeconds = eventAgeSeconds(event, new Date());
  if (ageSeconds > maxAgeSeconds && event.droppableWhenLate !== false) {
    logEventDropped({ trigger, eventId: event.id, path: event.path, outcome: "dropped-too-old", ageSeconds, maxAgeSeconds });
    return undefined;
  }
  const result = await handle();
  // Lag from the client's commit to the server's reaction: what a Tier-1 listener waits.
  const lagMs = result.activityAt ? Date.now() - result.activityAt.toMillis() : undefined;
  // Read as the union (not R's), so the checks below narrow it.
  const outcome: RunOutcome = result.outcome;
  const run: TriggerRunFields = {
    trigger,
    eventId: event.id,
    path: event.path,
    outcome,
    lagMs,
    activityAt: result.activityAt?.toDate().toISOString(),
    attempts: result.attempts,
    activityRaised: result.activityRaised,
    tombstone: result.tombstone,
    invalidDocument: result.invalidDocument,
    membershipRecorded: result.membershipRecorded || undefined,
  };
  if (outcome === "conflict-recorded") logConflictRecorded({ ...run, ...result.conflict });
  else RUN_EVENTS[outcome](run);
  // Counted once per write: by the run that rewrote it, or that kept the hard-deleted document.
  const legacyWrite = result.legacy?.normalized ? "normalized" : result.keptDeletion === "kept" ? "hard-delete-kept" : undefined;
  if (legacyWrite) logLegacyWrite({ trigger, eventId: event.id, path: event.path, kind: legacyWrite });
  return result;
}
