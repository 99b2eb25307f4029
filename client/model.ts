// The documents as a client reads them: the shared schemas' types with the web SDK's Timestamp
// (docs/data-model.md), and the one ordering every cursor decision rests on.
import { DocumentData, Timestamp } from "firebase/firestore";
import { Conflict, Expense, Group, Notification, Tombstone } from "../core/schemas";

export type { GroupSettings } from "../core/schemas";
export { compareTimestamps, laterOf } from "../core/timestamps";

/** An expense as the server stores it: the user's fields plus the sync fields. */
export type ExpenseRecord = Expense<Timestamp>;
/** What the user types for an expense: everything but the sync fields. */
export type ExpenseFields = Pick<ExpenseRecord, "description" | "amountMinor" | "currency" | "paidBy" | "splits" | "spentAt" | "category">;

export type GroupRecord = Group<Timestamp>;
/** What the user edits on a group. */
export type GroupFields = Pick<GroupRecord, "displayName" | "memberIds" | "settings">;

export type TombstoneRecord = Tombstone<Timestamp>;
export type ConflictRecord = Conflict<Timestamp>;
export type ConflictNotification = Notification<Timestamp>;

/** A server document read as an expense; refuses one without a committed updatedAt (a pending local write). */
export function asExpense(path: string, data: DocumentData | undefined): ExpenseRecord {
  if (!(data?.updatedAt instanceof Timestamp)) throw new Error(`${path} has no server updatedAt: not a committed expense`);
  return data as ExpenseRecord;
}
