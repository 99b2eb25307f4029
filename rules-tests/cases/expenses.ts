// groups/{g}/expenses/{e}: create, edit, version rules, soft delete / restore, membership of
// paidBy and split keys. Hard deletes, which only v1 builds make, are in legacy.ts.
import { type DocumentData, serverTimestamp } from "firebase/firestore";
import { type CaseTable, type RulesCase, type RulesRequest, onPrivateCopy, patch, variations, write } from "../support/cases";
import {
  type Actor,
  G1,
  G2,
  G_CROWDED,
  G_DELETED,
  MEMBER,
  OTHER_MEMBER,
  OWNER,
  REMOVED_MEMBER,
  SPENT_AT,
  STORED_CROWDED_GROUP,
  STORED_DELETED_EXPENSE,
  STORED_E1,
  STORED_FORMER_MEMBER_EXPENSE,
  STORED_G1,
  STRANGER,
  T0,
  T1,
  clientClock,
  expenseEdit,
  groupEdit,
  newExpense,
  newGroup,
  restore,
  softDelete,
  storedExpense,
  without,
} from "../support/world";

const E1 = `${G1}/expenses/e1`;
const E_DELETED = `${G1}/expenses/eDeleted`;
/** An expense as first created: version 1 from base 0. */
const STORED_FIRST_VERSION = storedExpense({ version: 1, baseVersion: 0 });
const EVERY_REQUIRED_KEY = [
  "description",
  "amountMinor",
  "currency",
  "paidBy",
  "splits",
  "spentAt",
  "createdAt",
  "createdBy",
  "updatedAt",
  "updatedBy",
  "version",
  "baseVersion",
  "deletedAt",
  "deletedBy",
];

/** A create by bob in g1 whose one change is `change`. */
function bobCreates(id: string, change: DocumentData): RulesRequest {
  return write(`${G1}/expenses/new-${id}`, newExpense(MEMBER, change));
}

function withSplit(uid: string, amount: unknown): DocumentData {
  return { splits: { [OWNER]: 1000, [MEMBER]: 1000, [uid]: amount } };
}

/** A private copy of a stored expense in g1, edited by `actor`. */
function editCopy(name: string, actor: Actor, id: string, stored: DocumentData, edit: (stored: DocumentData) => DocumentData): RulesCase {
  return onPrivateCopy(name, actor, `${G1}/expenses/${id}`, stored, edit);
}

export const crowdSplits = (count: number) =>
  Object.fromEntries(STORED_CROWDED_GROUP.memberIds.slice(0, count).map((uid: string) => [uid, 1]));

/**
 * Business fields gone wrong, one change from a valid expense by bob in g1 (`what` reads after
 * "create" or "edit"). What the user typed is checked alike for every app build, so the v1 tables
 * (legacy.ts) run these too.
 */
export const BAD_BUSINESS_FIELDS: [what: string, id: string, change: DocumentData][] = [
  ["with an empty description", "empty-description", { description: "" }],
  ["with a 201-char description", "long-description", { description: "d".repeat(201) }],
  ["with a numeric description", "numeric-description", { description: 5 }],
  ["with float money", "float", { amountMinor: 12.5 }],
  ["of zero minor units", "zero", { amountMinor: 0 }],
  ["of negative minor units", "negative", { amountMinor: -5 }],
  ["above 1e12 minor units", "huge", { amountMinor: 1_000_000_000_001 }],
  ["with money as a string", "string-amount", { amountMinor: "3000" }],
  ["with a lowercase currency", "lower", { currency: "eur" }],
  ["with a 2-letter currency", "short-currency", { currency: "EU" }],
  ["with a 4-letter currency", "long-currency", { currency: "EURO" }],
  ["with a numeric currency", "numeric-currency", { currency: 978 }],
  ["paid by a non-member", "paid-by-dave", { paidBy: STRANGER }],
  ["paid by a removed member", "paid-by-erin", { paidBy: REMOVED_MEMBER }],
  ["with a numeric paidBy", "numeric-payer", { paidBy: 42 }],
  ["with an empty paidBy", "empty-payer", { paidBy: "" }],
  ["splitting with a non-member", "split-dave", withSplit(STRANGER, 1000)],
  ["splitting with a removed member", "split-erin", withSplit(REMOVED_MEMBER, 1000)],
  ["with a float split", "split-float", withSplit(OTHER_MEMBER, 10.5)],
  ["with a negative split", "split-negative", withSplit(OTHER_MEMBER, -1)],
  ["with a split above 1e12", "split-huge", withSplit(OTHER_MEMBER, 1_000_000_000_001)],
  ["with a split as a digit string", "split-string", withSplit(OTHER_MEMBER, "1000")],
  ["with a split as a string with a comma", "split-comma", withSplit(OTHER_MEMBER, "1,0")],
  ["with a null split", "split-null", withSplit(OTHER_MEMBER, null)],
  ["with a boolean split", "split-bool", withSplit(OTHER_MEMBER, true)],
  ["with a map split", "split-map", withSplit(OTHER_MEMBER, { amount: 1000 })],
  ["with splits as a list", "split-list", { splits: [OWNER, MEMBER] }],
  ["with spentAt as a string", "spent-string", { spentAt: "2025-01-09" }],
  ["with spentAt as a number", "spent-number", { spentAt: SPENT_AT.toMillis() }],
  ["with a null spentAt", "spent-null", { spentAt: null }],
  ["with a 41-char category", "long-category", { category: "c".repeat(41) }],
  ["with a numeric category", "numeric-category", { category: 4 }],
  ["with a null category", "null-category", { category: null }],
];

const allowed: RulesCase[] = [
  { name: "member creates an expense", actor: MEMBER, request: bobCreates("ok", {}) },
  { name: "create without the optional category", actor: OWNER, request: write(`${G1}/expenses/new-no-category`, without(newExpense(OWNER), "category")) },
  { name: "create with an empty category", actor: MEMBER, request: bobCreates("empty-category", { category: "" }) },
  {
    name: "create at the limits (200-char description, 40-char category, 1e12 minor units, zero split)",
    actor: MEMBER,
    request: bobCreates("limits", {
      description: "d".repeat(200),
      category: "c".repeat(40),
      amountMinor: 1_000_000_000_000,
      splits: { [OWNER]: 1_000_000_000_000, [MEMBER]: 0 },
    }),
  },
  { name: "create of 1 minor unit with no splits", actor: MEMBER, request: bobCreates("smallest", { amountMinor: 1, splits: {} }) },
  { name: "create paid by another member", actor: MEMBER, request: bobCreates("paid-by-carol", { paidBy: OTHER_MEMBER }) },
  {
    name: "create in a soft-deleted group (queued offline writes survive)",
    actor: MEMBER,
    request: write(`${G_DELETED}/expenses/new-late`, newExpense(MEMBER, { splits: { [OWNER]: 1500, [MEMBER]: 1500 } })),
  },
  {
    name: "create with 100 splits",
    actor: OWNER,
    request: write(`${G_CROWDED}/expenses/new-hundred`, newExpense(OWNER, { splits: crowdSplits(100) })),
  },
  editCopy("member edits the description", MEMBER, "copy-edit", STORED_E1, (e) => expenseEdit(e, MEMBER, { description: "Dinner + wine" })),
  editCopy("member edits version 1 of an expense", MEMBER, "copy-first", STORED_FIRST_VERSION, (e) => expenseEdit(e, MEMBER, { description: "Second version" })),
  editCopy("another member edits it", OTHER_MEMBER, "copy-carol", STORED_E1, (e) =>
    expenseEdit(e, OTHER_MEMBER, { amountMinor: 1500, splits: { [OWNER]: 500, [MEMBER]: 500, [OTHER_MEMBER]: 500 } }),
  ),
  editCopy("stale edit from an older version (version goes down)", OWNER, "copy-stale", STORED_E1, (e) =>
    expenseEdit(e, OWNER, { baseVersion: 1, version: 2, description: "Offline edit" }),
  ),
  editCopy("edit dropping the category", MEMBER, "copy-no-category", STORED_E1, (e) => without(expenseEdit(e, MEMBER), "category")),
  editCopy("member soft-deletes", MEMBER, "copy-delete", STORED_E1, (e) => softDelete(e, MEMBER)),
  editCopy("member restores", OWNER, "copy-restore", STORED_DELETED_EXPENSE, (e) => restore(e, OWNER)),
  editCopy("stale edit over a soft delete made meanwhile restores it with the edit (last writer wins)", OWNER, "copy-stale-restore", STORED_DELETED_EXPENSE, (e) =>
    expenseEdit(e, OWNER, { baseVersion: 3, version: 4, deletedAt: null, deletedBy: null, description: "Edited offline" }),
  ),
  editCopy("stale soft delete over an edit made meanwhile, carrying the fields it saw", OTHER_MEMBER, "copy-stale-delete", STORED_E1, (e) =>
    softDelete(e, OTHER_MEMBER, { baseVersion: 2, version: 3, description: "Dinner (before the edit)" }),
  ),
  editCopy("edit keeps a former member as payer and split", MEMBER, "copy-former", STORED_FORMER_MEMBER_EXPENSE, (e) =>
    expenseEdit(e, MEMBER, { description: "Old dinner" }),
  ),
  editCopy("edit drops a former member's split", MEMBER, "copy-former-split", STORED_FORMER_MEMBER_EXPENSE, (e) =>
    expenseEdit(e, MEMBER, { paidBy: OWNER, splits: { [OWNER]: 1200 } }),
  ),
  editCopy("soft delete of an expense naming a former member", MEMBER, "copy-former-delete", STORED_FORMER_MEMBER_EXPENSE, (e) =>
    softDelete(e, MEMBER),
  ),
  {
    name: "create a group and its first expense in one batch",
    actor: OWNER,
    request: {
      op: "batch",
      writes: [
        { path: "groups/batch-new", data: newGroup(OWNER) },
        { path: "groups/batch-new/expenses/first", data: newExpense(OWNER, { splits: { [OWNER]: 1500, [MEMBER]: 1500 } }) },
      ],
    },
  },
  {
    name: "member edits with a partial update",
    actor: MEMBER,
    seed: [{ path: `${G1}/expenses/copy-partial`, data: STORED_E1 }],
    request: patch(`${G1}/expenses/copy-partial`, {
      description: "Brunch",
      updatedAt: serverTimestamp(),
      updatedBy: MEMBER,
      baseVersion: 3,
      version: 4,
    }),
  },
];

const badCreates: RulesCase[] = [
  ...variations(MEMBER, [
    ...EVERY_REQUIRED_KEY.map((key): [string, RulesRequest] => [
      `create without ${key}`,
      write(`${G1}/expenses/new-missing-${key}`, without(newExpense(MEMBER), key)),
    ]),
    ["create with an unknown key", bobCreates("extra", { tip: 100 })],
    ...BAD_BUSINESS_FIELDS.map(([what, id, change]): [string, RulesRequest] => [`create ${what}`, bobCreates(id, change)]),
    ["create with a client-clock createdAt", bobCreates("clock-created", { createdAt: clientClock() })],
    ["create with a client-clock updatedAt", bobCreates("clock-updated", { updatedAt: clientClock() })],
    ["create with a past createdAt", bobCreates("past-created", { createdAt: T0 })],
    ["create attributed to another member", bobCreates("created-by", { createdBy: OWNER })],
    ["create signed as another member", bobCreates("updated-by", { updatedBy: OWNER })],
    ["create at version 2", bobCreates("version-2", { version: 2, baseVersion: 1 })],
    ["create at version 2 from base 0", bobCreates("version-skip", { version: 2 })],
    ["create with a string version", bobCreates("version-string", { version: "1" })],
    ["create with a float version", bobCreates("version-float", { version: 1.5, baseVersion: 0.5 })],
    ["create already soft-deleted", bobCreates("deleted", { deletedAt: serverTimestamp(), deletedBy: MEMBER })],
    ["create with deletedBy but no deletedAt", bobCreates("half-deleted", { deletedBy: MEMBER })],
    ["create in a group that does not exist", write("groups/nope/expenses/new-x", newExpense(MEMBER))],
    ["create in a group it is not a member of", write(`${G2}/expenses/new-x`, newExpense(MEMBER))],
  ]),
  { name: "non-member creates", actor: STRANGER, request: write(`${G1}/expenses/new-dave`, newExpense(STRANGER, { paidBy: OWNER })) },
  { name: "removed member creates", actor: REMOVED_MEMBER, request: write(`${G1}/expenses/new-erin`, newExpense(REMOVED_MEMBER, { paidBy: OWNER })) },
  { name: "signed-out user creates", actor: "signedOut", request: bobCreates("anon", {}) },
  {
    name: "create with 101 splits (legacy group of 101 members)",
    actor: OWNER,
    request: write(`${G_CROWDED}/expenses/new-crowd`, newExpense(OWNER, { splits: crowdSplits(101) })),
  },
];

function e1Edit(by: string, changes: DocumentData): RulesRequest {
  return write(E1, expenseEdit(STORED_E1, by, changes));
}

const badEdits: RulesCase[] = [
  ...variations(MEMBER, [
    ["edit rewriting createdAt", e1Edit(MEMBER, { createdAt: serverTimestamp() })],
    ["edit rewriting createdBy", e1Edit(MEMBER, { createdBy: OWNER })],
    ["edit with a client-clock updatedAt", e1Edit(MEMBER, { updatedAt: clientClock() })],
    ["edit keeping the stored updatedAt", e1Edit(MEMBER, { updatedAt: T1 })],
    ["edit signed as another member", e1Edit(MEMBER, { updatedBy: OWNER })],
    ["edit skipping a version", e1Edit(MEMBER, { baseVersion: 3, version: 5 })],
    ["edit keeping the version", e1Edit(MEMBER, { baseVersion: 3, version: 3 })],
    ["edit from a baseVersion above the stored version", e1Edit(MEMBER, { baseVersion: 4, version: 5 })],
    ["edit from a negative baseVersion", e1Edit(MEMBER, { baseVersion: -1, version: 0 })],
    ["edit with a float baseVersion", e1Edit(MEMBER, { baseVersion: 2.5, version: 3.5 })],
    ["edit paying a non-member", e1Edit(MEMBER, { paidBy: STRANGER })],
    ["edit paying a removed member", e1Edit(MEMBER, { paidBy: REMOVED_MEMBER })],
    ["edit adding a non-member split", e1Edit(MEMBER, { splits: { ...STORED_E1.splits, [STRANGER]: 100 } })],
    ["edit adding a removed member's split", e1Edit(MEMBER, { splits: { ...STORED_E1.splits, [REMOVED_MEMBER]: 100 } })],
    ["edit with a float split", e1Edit(MEMBER, { splits: { ...STORED_E1.splits, [OWNER]: 600.5 } })],
    ["edit with float money", e1Edit(MEMBER, { amountMinor: 1200.01 })],
    ["edit with an unknown key", e1Edit(MEMBER, { note: "x" })],
    ["edit without description", write(E1, without(expenseEdit(STORED_E1, MEMBER), "description"))],
    ["soft delete with a client-clock deletedAt", e1Edit(MEMBER, { deletedAt: clientClock(), deletedBy: MEMBER })],
    ["soft delete signed as another member", e1Edit(MEMBER, { deletedAt: serverTimestamp(), deletedBy: OWNER })],
    ["soft delete without deletedBy", e1Edit(MEMBER, { deletedAt: serverTimestamp() })],
    ["soft delete that also edits the amount", write(E1, softDelete(STORED_E1, MEMBER, { amountMinor: 1 }))],
    ["soft delete skipping a version", write(E1, softDelete(STORED_E1, MEMBER, { version: 5 }))],
    ["edit a soft-deleted expense", write(E_DELETED, expenseEdit(STORED_DELETED_EXPENSE, MEMBER, { description: "Edited" }))],
    ["delete an already soft-deleted expense again", write(E_DELETED, softDelete(STORED_DELETED_EXPENSE, MEMBER))],
    ["restore that also edits the description", write(E_DELETED, restore(STORED_DELETED_EXPENSE, MEMBER, { description: "Back" }))],
    ["restore clearing only deletedAt", write(E_DELETED, expenseEdit(STORED_DELETED_EXPENSE, MEMBER, { deletedAt: null }))],
    [
      "stale write deleting an already deleted expense again",
      write(E_DELETED, softDelete(STORED_DELETED_EXPENSE, MEMBER, { baseVersion: 2, version: 3, description: "Edited" })),
    ],
  ]),
  // Version 0 never exists (a create is version 1), so an edit cannot have started from it: this
  // one leaves version and baseVersion as stored, which once passed as a stale write.
  editCopy("edit leaving version 1 / baseVersion 0 as stored", MEMBER, "copy-first-kept", STORED_FIRST_VERSION, (e) =>
    ({ ...e, updatedAt: serverTimestamp(), updatedBy: MEMBER, description: "Same version" }),
  ),
  {
    name: "replayed edit: the stored document again with a new updatedAt",
    actor: OWNER,
    request: write(E1, { ...STORED_E1, updatedAt: serverTimestamp() }),
  },
  { name: "non-member edits", actor: STRANGER, request: e1Edit(STRANGER, { description: "Mine" }) },
  { name: "removed member edits", actor: REMOVED_MEMBER, request: e1Edit(REMOVED_MEMBER, { description: "Still here" }) },
  { name: "removed member soft-deletes", actor: REMOVED_MEMBER, request: write(E1, softDelete(STORED_E1, REMOVED_MEMBER)) },
  { name: "signed-out user edits", actor: "signedOut", request: e1Edit(MEMBER, { description: "Anon" }) },
  {
    name: "leave the group and add an expense in one batch",
    actor: MEMBER,
    seed: [{ path: "groups/batch-leave", data: STORED_G1 }],
    request: {
      op: "batch",
      writes: [
        { path: "groups/batch-leave", data: groupEdit(STORED_G1, MEMBER, { memberIds: [OWNER, OTHER_MEMBER] }) },
        { path: "groups/batch-leave/expenses/late", data: newExpense(MEMBER, { paidBy: OWNER, splits: { [OWNER]: 3000 } }) },
      ],
    },
  },
];

export const expenseCases: CaseTable = { area: "expenses", allowed, denied: [...badCreates, ...badEdits] };
