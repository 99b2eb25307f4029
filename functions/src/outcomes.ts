// What one trigger invocation did: the vocabulary shared by the trigger handlers, their log
// events and the sync-health metrics.

export const TRIGGER_OUTCOMES = [
  "activity-raised",
  "conflict-recorded",
  "duplicate-skipped",
  "stale-skipped",
  "purge-skipped",
  "invalid-document",
] as const;

export type TriggerOutcome = (typeof TRIGGER_OUTCOMES)[number];
