// The fixture world the rules cases run against, and builders for valid client writes. Valid
// writes use serverTimestamp() wherever the rules demand request.time; the denied cases change one
// thing at a time from these, so a denial is never an accident of a broken base document.
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { type DocumentData, type Firestore, Timestamp, deleteDoc, doc, serverTimestamp, setDoc } from "firebase/firestore";

/** Who makes a request. `root` carries the custom claim admin: true, `impostor` admin: "true". */
export type Actor = "alice" | "bob" | "carol" | "dave" | "erin" | "root" | "impostor" | "signedOut";

export const CUSTOM_CLAIMS: Partial<Record<Actor, Record<string, unknown>>> = {
  root: { admin: true },
  impostor: { admin: "true" },
};

/** alice owns g1, bob and carol are members, erin was a member and was removed, dave owns g2. */
export const OWNER = "alice";
export const MEMBER = "bob";
export const OTHER_MEMBER = "carol";
export const STRANGER = "dave";
export const REMOVED_MEMBER = "erin";
export const ADMIN = "root";

export const T0 = Timestamp.fromMillis(Date.UTC(2025, 0, 10, 9, 0, 0));
export const T1 = Timestamp.fromMillis(Date.UTC(2025, 0, 11, 9, 0, 0));
export const SPENT_AT = Timestamp.fromMillis(Date.UTC(2025, 0, 9, 0, 0, 0));

/** A client clock value: what a device would write instead of serverTimestamp(). */
export function clientClock(): Timestamp {
  return Timestamp.now();
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A device clock `days` away from now: negative for a write queued offline, positive for a clock ahead. */
export function deviceClock(days: number): Timestamp {
  return Timestamp.fromMillis(Date.now() + days * DAY_MS);
}

export interface SeedDoc {
  path: string;
  /** null: the document must not exist (deleted if it does). */
  data: DocumentData | null;
}

export const G1 = "groups/g1";
export const G2 = "groups/g2";
export const G_DELETED = "groups/gDeleted";
export const G_CROWDED = "groups/gCrowded";
export const G_HANDED_OVER = "groups/gHandedOver";
export const G_LAST_MEMBER = "groups/gLastMember";

export function uids(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
}

export function storedGroup(overrides: DocumentData = {}): DocumentData {
  return {
    displayName: "Lisbon trip",
    ownerId: OWNER,
    memberIds: [OWNER, MEMBER, OTHER_MEMBER],
    settings: { defaultCurrency: "EUR", simplifyDebts: false },
    createdAt: T0,
    updatedAt: T0,
    updatedBy: OWNER,
    deletedAt: null,
    deletedBy: null,
    lastActivityAt: T1,
    ...overrides,
  };
}

export function storedExpense(overrides: DocumentData = {}): DocumentData {
  return {
    description: "Dinner",
    amountMinor: 1200,
    currency: "EUR",
    paidBy: MEMBER,
    splits: { [OWNER]: 600, [MEMBER]: 600 },
    spentAt: SPENT_AT,
    category: "food",
    createdAt: T0,
    createdBy: MEMBER,
    updatedAt: T1,
    updatedBy: OWNER,
    version: 3,
    baseVersion: 2,
    deletedAt: null,
    deletedBy: null,
    ...overrides,
  };
}

export const STORED_DELETED_EXPENSE = storedExpense({ deletedAt: T1, deletedBy: MEMBER, version: 4, baseVersion: 3 });
/** Paid by and split with erin, who has since left g1. */
export const STORED_FORMER_MEMBER_EXPENSE = storedExpense({
  paidBy: REMOVED_MEMBER,
  splits: { [REMOVED_MEMBER]: 600, [OWNER]: 600 },
  createdBy: REMOVED_MEMBER,
});

export const STORED_NOTIFICATION = {
  type: "conflict",
  groupId: "g1",
  expenseId: "e1",
  conflictId: "c1",
  createdAt: T0,
  readAt: null,
};

export const STORED_MEMBERSHIP_RECORD = { changedAt: T1, groupId: "g1", eventId: "ev1" };

/** Without legacyWrites: the flag's default (on) applies. */
export const STORED_SYNC_CONFIG = { realtimeSyncEnabled: true, rolloutPercent: 50, allowlistUserIds: [OWNER] };

/** config/sync with v1 writes accepted or refused; a case that depends on the flag seeds one of these. */
export const LEGACY_WRITES_ON: SeedDoc = { path: "config/sync", data: { ...STORED_SYNC_CONFIG, legacyWrites: true } };
export const LEGACY_WRITES_OFF: SeedDoc = { path: "config/sync", data: { ...STORED_SYNC_CONFIG, legacyWrites: false } };
export const LEGACY_WRITES_FIELD_MISSING: SeedDoc = { path: "config/sync", data: STORED_SYNC_CONFIG };
export const LEGACY_WRITES_CONFIG_MISSING: SeedDoc = { path: "config/sync", data: null };

export function storedProfile(displayName: string): DocumentData {
  return { displayName, createdAt: T0, updatedAt: T0 };
}

/** g1 as the server keeps it: with its members' names (carol has no profile). */
export const STORED_G1 = storedGroup({ memberNames: { [OWNER]: "Alice", [MEMBER]: "Bob", [OTHER_MEMBER]: null } });
export const STORED_DELETED_GROUP = storedGroup({ displayName: "Old trip", memberIds: [OWNER, MEMBER], deletedAt: T1, deletedBy: OWNER });
/** g1 after alice handed it over to bob: alice is an ordinary member. */
export const STORED_HANDED_OVER_GROUP = storedGroup({ ownerId: MEMBER, handedOverAt: T1, handedOverBy: OWNER });
/** alice is the one member left. */
export const STORED_LAST_MEMBER_GROUP = storedGroup({ memberIds: [OWNER] });
/** 101 members: more than a client may write, so only the Admin SDK could have made it. */
export const STORED_CROWDED_GROUP = storedGroup({ displayName: "Crowd", memberIds: [OWNER, ...uids(100, "crowd")] });
export const STORED_E1 = storedExpense();

/** The shared world: read by every case, written only by denied cases (which change nothing). */
export const WORLD: SeedDoc[] = [
  { path: G1, data: STORED_G1 },
  { path: G2, data: storedGroup({ displayName: "Dave's flat", ownerId: STRANGER, memberIds: [STRANGER], updatedBy: STRANGER }) },
  { path: G_DELETED, data: STORED_DELETED_GROUP },
  { path: G_CROWDED, data: STORED_CROWDED_GROUP },
  { path: G_HANDED_OVER, data: STORED_HANDED_OVER_GROUP },
  { path: G_LAST_MEMBER, data: STORED_LAST_MEMBER_GROUP },
  { path: `${G1}/expenses/e1`, data: STORED_E1 },
  { path: `${G1}/expenses/eDeleted`, data: STORED_DELETED_EXPENSE },
  { path: `${G1}/expenses/eFormer`, data: STORED_FORMER_MEMBER_EXPENSE },
  { path: `${G_DELETED}/expenses/x1`, data: storedExpense() },
  { path: `${G2}/expenses/d1`, data: storedExpense({ paidBy: STRANGER, splits: { [STRANGER]: 1200 }, createdBy: STRANGER }) },
  { path: `${G1}/tombstones/eDeleted`, data: { collection: "expenses", docId: "eDeleted", deletedAt: T1, deletedBy: MEMBER } },
  { path: `${G1}/deletedExpenses/eGone`, data: { expenseId: "eGone", deletedAt: T1, deletedBy: null, data: storedExpense() } },
  {
    path: `${G1}/conflicts/c1`,
    data: {
      expenseId: "e1",
      detectedAt: T1,
      resolution: "last-writer-wins",
      winner: { version: 3, baseVersion: 1, updatedBy: OWNER, updatedAt: T1, data: { description: "Dinner" } },
      overwritten: { version: 2, updatedBy: MEMBER, updatedAt: T0, data: { description: "Lunch" } },
    },
  },
  { path: `users/${OWNER}`, data: storedProfile("Alice") },
  { path: `users/${MEMBER}`, data: storedProfile("Bob") },
  { path: `users/${OWNER}/notifications/nUnread`, data: STORED_NOTIFICATION },
  { path: `users/${OWNER}/notifications/nRead`, data: { ...STORED_NOTIFICATION, readAt: T1 } },
  { path: `users/${OWNER}/sync/membership`, data: STORED_MEMBERSHIP_RECORD },
  { path: "config/sync", data: STORED_SYNC_CONFIG },
  { path: "config/other", data: { note: "not part of the contract" } },
  { path: "unknown/x", data: { note: "no rule allows this collection" } },
  { path: `${G1}/unknown/x`, data: { note: "no rule allows this subcollection" } },
];

export async function seed(env: RulesTestEnvironment, docs: SeedDoc[]): Promise<void> {
  if (docs.length === 0) return;
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore() as unknown as Firestore;
    await Promise.all(docs.map(({ path, data }) => (data === null ? deleteDoc(doc(db, path)) : setDoc(doc(db, path), data))));
  });
}

// ------------------------------------------------------------------ valid client writes

export function newGroup(owner: string, overrides: DocumentData = {}): DocumentData {
  return {
    displayName: "Ski weekend",
    ownerId: owner,
    memberIds: [owner, MEMBER],
    settings: { defaultCurrency: "CHF", simplifyDebts: true },
    createdAt: serverTimestamp(),
    updatedAt: serverTimestamp(),
    updatedBy: owner,
    deletedAt: null,
    deletedBy: null,
    ...overrides,
  };
}

/** A full-document rewrite of a stored group by `by` (what a client's setDoc uploads). */
export function groupEdit(stored: DocumentData, by: string, changes: DocumentData = {}): DocumentData {
  return { ...stored, updatedAt: serverTimestamp(), updatedBy: by, ...changes };
}

export function newExpense(by: string, overrides: DocumentData = {}): DocumentData {
  return {
    description: "Taxi",
    amountMinor: 3000,
    currency: "EUR",
    paidBy: by,
    splits: { [OWNER]: 1000, [MEMBER]: 1000, [OTHER_MEMBER]: 1000 },
    spentAt: SPENT_AT,
    category: "transport",
    createdAt: serverTimestamp(),
    createdBy: by,
    updatedAt: serverTimestamp(),
    updatedBy: by,
    version: 1,
    baseVersion: 0,
    deletedAt: null,
    deletedBy: null,
    ...overrides,
  };
}

/** The next version of a stored expense, edited by `by` from the stored version. */
export function expenseEdit(stored: DocumentData, by: string, changes: DocumentData = {}): DocumentData {
  return {
    ...stored,
    updatedAt: serverTimestamp(),
    updatedBy: by,
    baseVersion: stored.version,
    version: stored.version + 1,
    ...changes,
  };
}

export function softDelete(stored: DocumentData, by: string, changes: DocumentData = {}): DocumentData {
  return expenseEdit(stored, by, { deletedAt: serverTimestamp(), deletedBy: by, ...changes });
}

export function restore(stored: DocumentData, by: string, changes: DocumentData = {}): DocumentData {
  return expenseEdit(stored, by, { deletedAt: null, deletedBy: null, ...changes });
}

/** Fields v2 added to what v1 builds write. */
export const V2_EXPENSE_KEYS = ["version", "baseVersion", "deletedAt", "deletedBy"];
export const V2_GROUP_KEYS = ["deletedAt", "deletedBy", "handedOverAt", "handedOverBy"];
export const SERVER_GROUP_KEYS = ["lastActivityAt", "purgedBefore", "memberNames"];

/** What a v1 build (before 2.1) sends to create an expense: device clock, no versions, no deletion pair. */
export function legacyExpense(by: string, overrides: DocumentData = {}): DocumentData {
  const clock = deviceClock(0);
  return {
    ...without(newExpense(by), ...V2_EXPENSE_KEYS),
    createdAt: clock,
    updatedAt: clock,
    ...overrides,
  };
}

/** A v1 build's full set over a stored expense: v2's fields removed, the device clock, signed by `by`. */
export function legacyExpenseEdit(stored: DocumentData, by: string, changes: DocumentData = {}): DocumentData {
  return { ...without(stored, ...V2_EXPENSE_KEYS), updatedAt: deviceClock(0), updatedBy: by, ...changes };
}

/** What a v1 build sends to create a group: device clock, no deletion pair. */
export function legacyGroup(owner: string, overrides: DocumentData = {}): DocumentData {
  const clock = deviceClock(0);
  return { ...without(newGroup(owner), ...V2_GROUP_KEYS), createdAt: clock, updatedAt: clock, ...overrides };
}

/** A v1 build's full set over a stored group: the deletion pair and server-owned fields removed. */
export function legacyGroupEdit(stored: DocumentData, by: string, changes: DocumentData = {}): DocumentData {
  return { ...without(stored, ...V2_GROUP_KEYS, ...SERVER_GROUP_KEYS), updatedAt: deviceClock(0), updatedBy: by, ...changes };
}

export function without(data: DocumentData, ...keys: string[]): DocumentData {
  const copy = { ...data };
  for (const key of keys) delete copy[key];
  return copy;
}
