// What one trigger invocation did: the vocabulary shared by the trigger handlers, their log
// events and the sync-health metrics.

export const TRIGGER_OUTCOMES = [
  "activity-raised",
  "conflict-recorded",
  "duplicate-skipped",
  "stale-skipped",
  "purge-skipped",
  // Raised lastActivityAt from a document the schema rejects (a skip of one stays a skip).
  "invalid-document",
  // Never handled: older than the retry cut-off, so the group's lastActivityAt may be behind.
  "dropped-too-old",
] as const;

export type TriggerOutcome = (typeof TRIGGER_OUTCOMES)[number];

/** What a handler that ran can report; the drop happens before any handler runs. */
export type HandledOutcome = Exclude<TriggerOutcome, "dropped-too-old">;

/** What a run did to the expense's tombstone. */
export type TombstoneChange = "written" | "removed" | "unchanged";

/** A conflict a run recorded: who overwrote whom, from which versions. */
export interface RecordedConflict {
  conflictId: string;
  winnerBy: string;
  winnerBaseVersion: number;
  overwrittenBy: string;
  overwrittenVersion: number;
  /** The overwritten author, told of it; none when they overwrote themselves (two devices). */
  notified?: string;
}
