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
