// Valid documents as the Admin SDK writes them, with `FieldValue.serverTimestamp()` where a
// client sends `serverTimestamp()`, so a fixture write looks to the triggers like a client write.
import { DocumentData, FieldValue, Timestamp } from "firebase-admin/firestore";

export function groupFixture(ownerId: string, memberIds: string[], overrides: DocumentData = {}): DocumentData {
  return {
    displayName: "Trip to Lisbon",
    ownerId,
    memberIds,
    settings: { defaultCurrency: "EUR", simplifyDebts: true },
    createdAt: FieldValue.serverTimestamp(),
    updatedAt: FieldValue.serverTimestamp(),
    updatedBy: ownerId,
    deletedAt: null,
    deletedBy: null,
    ...overrides,
  };
}

export function expenseFixture(author: string, memberIds: string[], overrides: DocumentData = {}): DocumentData {
  const share = 1200;
  return {
    description: "Dinner",
    amountMinor: share * memberIds.length,
    currency: "EUR",
    paidBy: author,
    splits: Object.fromEntries(memberIds.map((uid) => [uid, share])),
    spentAt: Timestamp.fromDate(new Date("2026-11-20T19:30:00Z")),
    category: "food",
    createdAt: FieldValue.serverTimestamp(),
    createdBy: author,
    updatedAt: FieldValue.serverTimestamp(),
    updatedBy: author,
    version: 1,
    baseVersion: 0,
    deletedAt: null,
    deletedBy: null,
    ...overrides,
  };
}

/** The fields a client changes when it edits from `baseVersion`. */
export function editFields(author: string, baseVersion: number, changes: DocumentData = {}): DocumentData {
  return {
    ...changes,
    updatedAt: FieldValue.serverTimestamp(),
    updatedBy: author,
    version: baseVersion + 1,
    baseVersion,
  };
}

/** What an app build from before 2.1 sends for an expense: a full set on the device clock, no v2 fields. */
export function legacyExpenseFixture(author: string, memberIds: string[], deviceClock: Date, overrides: DocumentData = {}): DocumentData {
  const { version: _version, baseVersion: _baseVersion, deletedAt: _deletedAt, deletedBy: _deletedBy, ...business } = expenseFixture(author, memberIds);
  const clock = Timestamp.fromDate(deviceClock);
  return { ...business, createdAt: clock, updatedAt: clock, ...overrides };
}

/** What an app build from before 2.1 sends for a group: a full set on the device clock, no deletion pair. */
export function legacyGroupFixture(ownerId: string, memberIds: string[], deviceClock: Date, overrides: DocumentData = {}): DocumentData {
  const { deletedAt: _deletedAt, deletedBy: _deletedBy, ...fields } = groupFixture(ownerId, memberIds);
  const clock = Timestamp.fromDate(deviceClock);
  return { ...fields, createdAt: clock, updatedAt: clock, ...overrides };
}
