// users/{uid}/sync/membership: the server's note that the user's Tier 1 changed in a way a query
// since the device's mark cannot show (a group left their Tier 1, was deleted or restored, or a
// co-member's name changed in a group with no activity since). A device whose record moved since
// it last read it reads Tier 1 in full at its next start (docs/data-model.md, query 1b).
import { DocumentSnapshot, FieldValue, Firestore, Transaction } from "firebase-admin/firestore";

/** The event a record names: the write that moved it, and the group it concerned. */
export interface MembershipEvent {
  id: string;
  groupId: string;
}

/** The membership records of `uids`, read in `tx` (a transaction reads before it writes). */
export function readMembershipRecords(tx: Transaction, db: Firestore, uids: string[]): Promise<DocumentSnapshot[]> {
  return Promise.all(uids.map((uid) => tx.get(db.doc(`users/${uid}/sync/membership`))));
}

/**
 * Stamps each membership record with this commit's time, except where this event already did: a
 * redelivery (or the same event's commit for another group) then moves nothing, and costs no
 * device a second full Tier-1 read. Returns how many it wrote.
 */
export function recordMembershipChanges(tx: Transaction, records: DocumentSnapshot[], event: MembershipEvent): number {
  const due = records.filter((record) => record.get("eventId") !== event.id);
  for (const record of due) tx.set(record.ref, { changedAt: FieldValue.serverTimestamp(), groupId: event.groupId, eventId: event.id });
  return due.length;
}
