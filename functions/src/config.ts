// Deploy-time configuration. Every value has a default, and functions/.env holds each default
// (a unit test keeps the two equal) so that neither the emulators nor a deploy ever stop to prompt
// for one, whatever the project; override per project in functions/.env.<projectId>.
import { defineInt, defineString } from "firebase-functions/params";

export const region = defineString("SYNC_REGION", {
  default: "us-central1",
  description: "Region of every function; put it next to the Firestore database.",
});

export const maxInstances = defineInt("MAX_INSTANCES", {
  default: 20,
  description: "Most instances of each function at once; bounds the load a burst of writes puts on Firestore.",
});

export const expenseRetentionDays = defineInt("EXPENSE_RETENTION_DAYS", {
  default: 30,
  description: "Days a soft-deleted expense is kept (and can be restored) before the purge hard-deletes it.",
});

export const recordRetentionDays = defineInt("RECORD_RETENTION_DAYS", {
  default: 90,
  description: "Days tombstones and conflict records are kept before the purge removes them.",
});

export const readNotificationRetentionDays = defineInt("READ_NOTIFICATION_RETENTION_DAYS", {
  default: 30,
  description: "Days a read notification is kept before the purge removes it.",
});

export const purgeBatchSize = defineInt("PURGE_BATCH_SIZE", {
  default: 300,
  description: "Documents per purge page (a page spread over many groups may take two commits).",
});

export const purgeTimeBudgetSeconds = defineInt("PURGE_TIME_BUDGET_SECONDS", {
  default: 420,
  description: "A purge run stops starting new pages after this long; the next run continues.",
});

export const triggerMaxEventAgeSeconds = defineInt("TRIGGER_MAX_EVENT_AGE_SECONDS", {
  default: 3600,
  description: "A retried trigger event older than this is logged, counted as dropped-too-old and dropped instead of retried again.",
});
