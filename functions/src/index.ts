// Wiring only: each export binds an event to a domain module. Logic lives in the modules.
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentUpdated, onDocumentWritten, onDocumentWrittenWithAuthContext } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import {
  expenseRetentionDays,
  maxInstances,
  purgeBatchSize,
  purgeTimeBudgetSeconds,
  readNotificationRetentionDays,
  recordRetentionDays,
  region,
  triggerMaxEventAgeSeconds,
} from "./config";
import { deliver } from "./eventDelivery";
import { handleExpenseWrite } from "./expenseActivity";
import { handleGroupWrite } from "./groupActivity";
import { isLegacyExpense, isLegacyGroup } from "./legacy";
import { handleNotificationRead } from "./notificationRead";
import { handleProfileWrite } from "./people";
import { purgeExpired, SCHEDULED_PURGE_TIMEOUT_SECONDS, scheduledTimeBudgetMs } from "./purge";
import { rollupPreviousUtcDay } from "./syncHealth";

initializeApp();
setGlobalOptions({ region, maxInstances });

// With auth context, so a hard delete's tombstone can name its deleter. It replaced the plain
// trigger `expenseWritten` under a new name: a trigger's event type cannot change in place
// without losing events (docs/operations.md, "Deploy order for the auth-context trigger").
export const expenseChanged = onDocumentWrittenWithAuthContext({ document: "groups/{groupId}/expenses/{expenseId}", retry: true }, (event) => {
  const before = event.data?.before.data();
  const after = event.data?.after.data();
  const delivered = { id: event.id, time: event.time, path: event.document, droppableWhenLate: !isLegacyExpense(after) };
  return deliver("expenseChanged", delivered, triggerMaxEventAgeSeconds.value(), () =>
    handleExpenseWrite(
      getFirestore(),
      {
        id: event.id,
        time: event.time,
        groupId: event.params.groupId,
        expenseId: event.params.expenseId,
        before,
        after,
        author: { authType: event.authType, authId: event.authId },
      },
      { recordRetentionDays: recordRetentionDays.value() },
    ),
  );
});

export const groupWritten = onDocumentWritten({ document: "groups/{groupId}", retry: true }, (event) => {
  const before = event.data?.before.data();
  const after = event.data?.after.data();
  const delivered = { id: event.id, time: event.time, path: event.document, droppableWhenLate: !isLegacyGroup(after) };
  return deliver("groupWritten", delivered, triggerMaxEventAgeSeconds.value(), () =>
    handleGroupWrite(getFirestore(), { id: event.id, time: event.time, groupId: event.params.groupId, before, after }),
  );
});

// Carries a profile's displayName into the groups its user is in, for co-members to read.
export const profileWritten = onDocumentWritten({ document: "users/{uid}", retry: true }, (event) =>
  deliver("profileWritten", { id: event.id, time: event.time, path: event.document }, triggerMaxEventAgeSeconds.value(), () =>
    handleProfileWrite(getFirestore(), { id: event.id, uid: event.params.uid, before: event.data?.before.data(), after: event.data?.after.data() }),
  ),
);

// Dates a notification's expiry once its owner has read it, for the TTL policy (docs/purge.md).
export const notificationRead = onDocumentUpdated("users/{uid}/notifications/{notificationId}", async (event) => {
  await handleNotificationRead(getFirestore(), event.document, { readNotificationRetentionDays: readNotificationRetentionDays.value() });
});

// Daily, at a quiet hour; the schedule time is the run's clock, so a late or repeated delivery of
// the same tick uses the same cutoffs.
export const scheduledPurge = onSchedule(
  { schedule: "every day 03:17", timeZone: "Etc/UTC", timeoutSeconds: SCHEDULED_PURGE_TIMEOUT_SECONDS, retryCount: 2 },
  async (event) => {
    await purgeExpired(getFirestore(), {
      now: new Date(event.scheduleTime),
      retentionDays: {
        expenses: expenseRetentionDays.value(),
        records: recordRetentionDays.value(),
        readNotifications: readNotificationRetentionDays.value(),
      },
      batchSize: purgeBatchSize.value(),
      timeBudgetMs: scheduledTimeBudgetMs(purgeTimeBudgetSeconds.value()),
    });
  },
);

// Shortly after UTC midnight: summarizes the day that just ended (docs/operations.md).
export const syncHealthRollup = onSchedule({ schedule: "every day 00:15", timeZone: "Etc/UTC", retryCount: 2 }, async (event) => {
  await rollupPreviousUtcDay(getFirestore(), event.scheduleTime);
});
