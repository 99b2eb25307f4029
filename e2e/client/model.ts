// The documents as a client reads them (Firestore JS SDK types), and the one ordering every
// cursor decision rests on. Names follow the sync contract (/work/shared/SYNC_CONTRACT.md).
import { DocumentData, Timestamp } from "firebase/firestore";

export const PROJECT_ID = "demo-expense-sync";

/** What the user types for an expense: everything but the sync fields. */
export interface ExpenseFields {
  description: string;
  /** Integer minor units (cents): money is never a float. */
  amountMinor: number;
  currency: string;
  paidBy: string;
  /** Member uid → integer minor units. */
  splits: Record<string, number>;
  /** The business date the user picked, not a sync timestamp. */
  spentAt: Timestamp;
  category?: string;
}

/** An expense as the server stores it: the user's fields plus the sync fields. */
export interface ExpenseRecord extends ExpenseFields {
  createdAt: Timestamp;
  createdBy: string;
  updatedAt: Timestamp;
  updatedBy: string;
  version: number;
  baseVersion: number;
  deletedAt: Timestamp | null;
  deletedBy: string | null;
}

export interface GroupSettings {
  defaultCurrency: string;
  simplifyDebts: boolean;
}

/** What the user edits on a group. */
export interface GroupFields {
  displayName: string;
  memberIds: string[];
  settings: GroupSettings;
}

export interface GroupRecord extends GroupFields {
  ownerId: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  updatedBy: string;
  deletedAt: Timestamp | null;
  deletedBy: string | null;
  /** Server-owned: absent until the server has seen the group's first activity. */
  lastActivityAt?: Timestamp;
  /** Server-owned: deletions before this may be gone for good (purged). */
  purgedBefore?: Timestamp;
}

export interface TombstoneRecord {
  collection: "expenses";
  docId: string;
  deletedAt: Timestamp;
  deletedBy: string | null;
}

export interface ConflictSide {
  version: number;
  updatedBy: string;
  updatedAt: Timestamp;
  data: DocumentData;
}

export interface ConflictRecord {
  expenseId: string;
  detectedAt: Timestamp;
  resolution: "last-writer-wins";
  winner: ConflictSide & { baseVersion: number };
  overwritten: ConflictSide;
}

export interface ConflictNotification {
  type: "conflict";
  groupId: string;
  expenseId: string;
  conflictId: string;
  createdAt: Timestamp;
  readAt: Timestamp | null;
}

/** Orders timestamps to the nanosecond (toMillis() would merge distinct commit times). */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a.seconds - b.seconds || a.nanoseconds - b.nanoseconds;
}

export function laterOf(a: Timestamp | null | undefined, b: Timestamp | null | undefined): Timestamp | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return compareTimestamps(a, b) >= 0 ? a : b;
}

/** A server document read as an expense; refuses one without a committed updatedAt (a pending local write). */
export function asExpense(path: string, data: DocumentData | undefined): ExpenseRecord {
  if (!(data?.updatedAt instanceof Timestamp)) throw new Error(`${path} has no server updatedAt: not a committed expense`);
  return data as ExpenseRecord;
}
