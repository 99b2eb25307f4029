// A notification's owner marks it read by setting readAt, the one write the rules allow it, so
// the server dates the expiry: expireAt = readAt + READ_NOTIFICATION_RETENTION_DAYS, for the TTL
// policy on notifications. An unread notification never expires. A run that fails leaves the
// notification to the purge, which removes it at the same instant by readAt, so there is no retry.
import { DocumentData, FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { EXPIRE_AT_FIELD, expiryAfter, hasExpiry } from "./purge";

export interface NotificationRetention {
  readNotificationRetentionDays: number;
}

/** What a run did to the notification's expireAt. */
export type NotificationExpiryChange = "set" | "removed" | "unchanged";

/** The expireAt a notification calls for: readAt + the retention once it is read; none while unread. */
export function notificationExpiry(notification: DocumentData | undefined, retention: NotificationRetention): Timestamp | undefined {
  const readAt: unknown = notification?.readAt;
  return readAt instanceof Timestamp ? expiryAfter(readAt, retention.readNotificationRetentionDays) : undefined;
}

/**
 * Brings the notification at `path` to the expireAt its current state calls for: from what is
 * stored now, not from the event, so duplicate and late deliveries change nothing, and the run its
 * own write triggers finds nothing to do. A notification already deleted is left alone.
 */
export async function handleNotificationRead(db: Firestore, path: string, retention: NotificationRetention): Promise<NotificationExpiryChange> {
  const ref = db.doc(path);
  return db.runTransaction(async (tx) => {
    const snapshot = await tx.get(ref);
    const stored = snapshot.data();
    const expireAt = notificationExpiry(stored, retention);
    if (stored === undefined || hasExpiry(stored, expireAt)) return "unchanged";
    // Removed if readAt was ever cleared again (only an admin can): an unread notification must not expire.
    tx.update(ref, { [EXPIRE_AT_FIELD]: expireAt ?? FieldValue.delete() });
    return expireAt ? "set" : "removed";
  });
}
