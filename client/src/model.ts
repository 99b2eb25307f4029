// The documents as a client reads them: the shared schemas' types with the web SDK's Timestamp
// (docs/data-model.md), and the one ordering every cursor decision rests on.
import { DocumentData, Timestamp } from "firebase/firestore";
import { Conflict, Expense, Group, KeptDeletion, MembershipRecord, Notification, Tombstone } from "../../core/schemas";
import { compareTimestamps, isTimestamp } from "../../core/timestamps";

export type { GroupSettings, SyncConfig } from "../../core/schemas";
export { compareTimestamps, laterOf } from "../../core/timestamps";

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
/** `deletedExpenses/{expenseId}`: an expense hard-deleted by a v1 build (or an admin), restorable. */
export type KeptDeletionRecord = KeptDeletion<Timestamp>;
export type MembershipRecordData = MembershipRecord<Timestamp>;

/** A server document read as an expense; refuses one without a committed updatedAt (a pending local write). */
export function asExpense(path: string, data: DocumentData | undefined): ExpenseRecord {
  if (!(data?.updatedAt instanceof Timestamp)) throw new Error(`${path} has no server updatedAt: not a committed expense`);
  return data as ExpenseRecord;
}

/**
 * Whether a stored expense is in the v2 shape. One without `version` is a v1 build's write that the
 * server has not normalized yet (it does within about a second): its updatedAt is the phone's
 * clock, possibly hours off, so a client neither applies it nor moves a cursor with it, and never
 * edits it (the rules refuse a v2 update of it). The normalized version follows with a server time.
 */
export function isNormalizedExpense(data: DocumentData | undefined): boolean {
  return typeof data?.version === "number";
}

/** The user's fields of an expense document, whichever build wrote it. */
export function expenseFieldsOf(data: DocumentData): ExpenseFields {
  const { description, amountMinor, currency, paidBy, splits, spentAt, category } = data as ExpenseFields;
  return { description, amountMinor, currency, paidBy, splits, spentAt, ...(category === undefined ? {} : { category }) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Whether two Firestore field values are equal: maps and arrays by content, timestamps to the nanosecond. */
export function sameFieldValue(a: unknown, b: unknown): boolean {
  if (isTimestamp(a) && isTimestamp(b)) return compareTimestamps(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameFieldValue(item, b[index]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameFieldValue(a[key], b[key]));
  }
  return Object.is(a, b);
}
