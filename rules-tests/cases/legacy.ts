// App builds before 2.1 ("v1"): full-document sets with the device clock, no versions and no
// deletion pair, hard deletes of expenses; accepted while config/sync.legacyWrites is on (also
// when the field or the document is missing), denied once it is false. The cases share one world
// and run in sequence, so every case seeds the flag state it depends on.
import type { DocumentData } from "firebase/firestore";
import { type CaseTable, type RulesCase, type RulesRequest, hardDelete, write } from "../support/cases";
import {
  ADMIN,
  type Actor,
  G1,
  G2,
  G_CROWDED,
  G_DELETED,
  G_HANDED_OVER,
  G_LAST_MEMBER,
  LEGACY_WRITES_CONFIG_MISSING,
  LEGACY_WRITES_FIELD_MISSING,
  LEGACY_WRITES_OFF,
  LEGACY_WRITES_ON,
  MEMBER,
  OTHER_MEMBER,
  OWNER,
  REMOVED_MEMBER,
  SPENT_AT,
  STORED_CROWDED_GROUP,
  STORED_DELETED_EXPENSE,
  STORED_DELETED_GROUP,
  STORED_E1,
  STORED_FORMER_MEMBER_EXPENSE,
  STORED_G1,
  STORED_HANDED_OVER_GROUP,
  STORED_LAST_MEMBER_GROUP,
  STRANGER,
  type SeedDoc,
  T0,
  T1,
  deviceClock,
  expenseEdit,
  groupEdit,
  legacyExpense,
  legacyExpenseEdit,
  legacyGroup,
  legacyGroupEdit,
  newExpense,
  newGroup,
  storedExpense,
  storedGroup,
  without,
} from "../support/world";
import { BAD_BUSINESS_FIELDS, crowdSplits } from "./expenses";
import { BAD_GROUP_FIELDS } from "./groups";

const E1 = `${G1}/expenses/e1`;
const LEGACY_EXPENSE_KEYS = Object.keys(without(legacyExpense(MEMBER), "category"));
const LEGACY_GROUP_KEYS = Object.keys(legacyGroup(OWNER));
const THREE_DAYS_AGO = deviceClock(-3);
const TWO_DAYS_AHEAD = deviceClock(2);

/** A case with the flag seeded as `flag` (on unless told), then any private documents. */
function withFlag(name: string, actor: Actor, request: RulesRequest, flag: SeedDoc = LEGACY_WRITES_ON, seed: SeedDoc[] = []): RulesCase {
  return { name, actor, request, seed: [flag, ...seed] };
}

/** A write by `actor` over a private copy of `stored` at `path`, seeded with the flag. */
function onCopyWithFlag(
  name: string,
  actor: Actor,
  path: string,
  stored: DocumentData,
  edit: (stored: DocumentData) => DocumentData,
  flag: SeedDoc = LEGACY_WRITES_ON,
): RulesCase {
  return withFlag(name, actor, write(path, edit(stored)), flag, [{ path, data: stored }]);
}

/** A v1 hard delete by `actor` of a private copy of `stored`. */
function deleteCopyWithFlag(name: string, actor: Actor, id: string, stored: DocumentData, flag: SeedDoc = LEGACY_WRITES_ON): RulesCase {
  const path = `${G1}/expenses/${id}`;
  return withFlag(name, actor, hardDelete(path), flag, [{ path, data: stored }]);
}

/** One-change variations of a valid v1 request by `actor`, each with the flag on. */
function variationsWithFlagOn(actor: Actor, variants: [name: string, request: RulesRequest][]): RulesCase[] {
  return variants.map(([name, request]) => withFlag(name, actor, request));
}

// ------------------------------------------------------------------ expenses

/** A v1 create by bob in g1 whose one change is `change`. */
function bobCreates(id: string, change: DocumentData): RulesRequest {
  return write(`${G1}/expenses/v1-${id}`, legacyExpense(MEMBER, change));
}

/** A v1 set by bob over e1 whose one change is `change`. */
function bobEditsE1(change: DocumentData): RulesRequest {
  return write(E1, legacyExpenseEdit(STORED_E1, MEMBER, change));
}

const expenseCopy = (id: string) => `${G1}/expenses/${id}`;

const allowedExpenses: RulesCase[] = [
  withFlag("v1 create with a device clock 3 days old (queued offline)", MEMBER, bobCreates("old-clock", { createdAt: THREE_DAYS_AGO, updatedAt: THREE_DAYS_AGO })),
  withFlag("v1 create with a device clock 2 days ahead", MEMBER, bobCreates("clock-ahead", { createdAt: TWO_DAYS_AHEAD, updatedAt: TWO_DAYS_AHEAD })),
  withFlag("v1 create without the optional category", OWNER, write(`${G1}/expenses/v1-no-category`, without(legacyExpense(OWNER), "category"))),
  withFlag("v1 create paid by another member", MEMBER, bobCreates("paid-by-carol", { paidBy: OTHER_MEMBER })),
  withFlag(
    "v1 create in a soft-deleted group (it cannot see the deletion)",
    MEMBER,
    write(`${G_DELETED}/expenses/v1-late`, legacyExpense(MEMBER, { splits: { [OWNER]: 1500, [MEMBER]: 1500 } })),
  ),
  withFlag("v1 create with 100 splits", OWNER, write(`${G_CROWDED}/expenses/v1-hundred`, legacyExpense(OWNER, { splits: crowdSplits(100) }))),
  withFlag("v1 create while config/sync has no legacyWrites field (on by default)", MEMBER, bobCreates("field-missing", {}), LEGACY_WRITES_FIELD_MISSING),
  withFlag("v1 create while config/sync does not exist (on by default)", MEMBER, bobCreates("config-missing", {}), LEGACY_WRITES_CONFIG_MISSING),
  withFlag("v1 create of a group and its first expense in one batch", OWNER, {
    op: "batch",
    writes: [
      { path: "groups/v1-batch-new", data: legacyGroup(OWNER) },
      { path: "groups/v1-batch-new/expenses/first", data: legacyExpense(OWNER, { splits: { [OWNER]: 1500, [MEMBER]: 1500 } }) },
    ],
  }),
  onCopyWithFlag("v1 edit of another member's expense", OTHER_MEMBER, expenseCopy("v1-copy-carol"), STORED_E1, (e) =>
    legacyExpenseEdit(e, OTHER_MEMBER, { amountMinor: 1500, splits: { [OWNER]: 500, [MEMBER]: 500, [OTHER_MEMBER]: 500 } }),
  ),
  onCopyWithFlag("v1 edit over a soft-deleted expense (wins whole, as a v2 stale edit)", MEMBER, expenseCopy("v1-copy-deleted"), STORED_DELETED_EXPENSE, (e) =>
    legacyExpenseEdit(e, MEMBER, { description: "Edited on an old build" }),
  ),
  onCopyWithFlag("v1 edit with a device clock 3 days old", MEMBER, expenseCopy("v1-copy-old-clock"), STORED_E1, (e) =>
    legacyExpenseEdit(e, MEMBER, { description: "Queued offline", updatedAt: THREE_DAYS_AGO }),
  ),
  onCopyWithFlag("v1 edit with its own createdAt and createdBy (the server restores both)", MEMBER, expenseCopy("v1-copy-creation"), STORED_E1, (e) =>
    legacyExpenseEdit(e, MEMBER, { createdAt: TWO_DAYS_AHEAD, createdBy: OTHER_MEMBER }),
  ),
  onCopyWithFlag("v1 edit keeping a former member as payer and split", MEMBER, expenseCopy("v1-copy-former"), STORED_FORMER_MEMBER_EXPENSE, (e) =>
    legacyExpenseEdit(e, MEMBER, { description: "Old dinner" }),
  ),
  onCopyWithFlag(
    "v1 edit at the limits (100 splits, every field at its limit)",
    OWNER,
    `${G_CROWDED}/expenses/v1-copy-limits`,
    storedExpense({ paidBy: OWNER, createdBy: OWNER, splits: crowdSplits(100) }),
    (e) =>
      legacyExpenseEdit(e, OWNER, {
        description: "d".repeat(200),
        category: "c".repeat(40),
        amountMinor: 1_000_000_000_000,
        splits: Object.fromEntries(Object.keys(e.splits).map((uid) => [uid, 10_000_000_000])),
      }),
  ),
  onCopyWithFlag("v1 edit dropping the category", MEMBER, expenseCopy("v1-copy-no-category"), STORED_E1, (e) => without(legacyExpenseEdit(e, MEMBER), "category")),
  onCopyWithFlag("v1 edit over a v1 write not yet normalized", OTHER_MEMBER, expenseCopy("v1-copy-unnormalized"), legacyExpense(MEMBER), (e) =>
    legacyExpenseEdit(e, OTHER_MEMBER, { description: "Second old build" }),
  ),
  onCopyWithFlag(
    "v1 edit while config/sync has no legacyWrites field",
    MEMBER,
    expenseCopy("v1-copy-field-missing"),
    STORED_E1,
    (e) => legacyExpenseEdit(e, MEMBER),
    LEGACY_WRITES_FIELD_MISSING,
  ),
  onCopyWithFlag(
    "v1 edit while config/sync does not exist",
    MEMBER,
    expenseCopy("v1-copy-config-missing"),
    STORED_E1,
    (e) => legacyExpenseEdit(e, MEMBER),
    LEGACY_WRITES_CONFIG_MISSING,
  ),
  deleteCopyWithFlag("v1 hard delete by a member", MEMBER, "v1-del-member", STORED_E1),
  deleteCopyWithFlag("v1 hard delete of another member's expense by the owner", OWNER, "v1-del-owner", STORED_E1),
  deleteCopyWithFlag("v1 hard delete of a soft-deleted expense", MEMBER, "v1-del-deleted", STORED_DELETED_EXPENSE),
  deleteCopyWithFlag("v1 hard delete while config/sync has no legacyWrites field", MEMBER, "v1-del-field-missing", STORED_E1, LEGACY_WRITES_FIELD_MISSING),
  deleteCopyWithFlag("v1 hard delete while config/sync does not exist", MEMBER, "v1-del-config-missing", STORED_E1, LEGACY_WRITES_CONFIG_MISSING),
];

const badExpenseCreates: RulesCase[] = [
  ...variationsWithFlagOn(MEMBER, [
    ...BAD_BUSINESS_FIELDS.map(([what, id, change]): [string, RulesRequest] => [`v1 create ${what}`, bobCreates(id, change)]),
    ...LEGACY_EXPENSE_KEYS.map((key): [string, RulesRequest] => [
      `v1 create without ${key}`,
      write(`${G1}/expenses/v1-missing-${key}`, without(legacyExpense(MEMBER), key)),
    ]),
    ["v1 create carrying version", bobCreates("version", { version: 1 })],
    ["v1 create carrying baseVersion", bobCreates("base-version", { baseVersion: 0 })],
    ["v1 create carrying v2's versions", bobCreates("versions", { version: 1, baseVersion: 0 })],
    ["v1 create carrying deletedAt: null", bobCreates("deleted-at", { deletedAt: null })],
    ["v1 create carrying deletedBy: null", bobCreates("deleted-by", { deletedBy: null })],
    ["v1 create carrying the live deletion pair", bobCreates("pair", { deletedAt: null, deletedBy: null })],
    ["v1 create already deleted", bobCreates("deleted", { deletedAt: deviceClock(0), deletedBy: MEMBER })],
    ["v1 create with an unknown key", bobCreates("extra", { tip: 100 })],
    ["v1 create attributed to another member", bobCreates("created-by", { createdBy: OWNER })],
    ["v1 create signed as another member", bobCreates("updated-by", { updatedBy: OWNER })],
    ["v1 create with createdAt as an ISO string", bobCreates("created-string", { createdAt: "2025-01-09T00:00:00Z" })],
    ["v1 create with updatedAt as epoch milliseconds", bobCreates("updated-number", { updatedAt: SPENT_AT.toMillis() })],
    ["v1 create with a null createdAt", bobCreates("created-null", { createdAt: null })],
    ["v1 create in a group that does not exist", write("groups/nope/expenses/v1-x", legacyExpense(MEMBER))],
    ["v1 create in a group it is not a member of", write(`${G2}/expenses/v1-x`, legacyExpense(MEMBER))],
    ["v2 create with device-clock timestamps", write(`${G1}/expenses/v1-v2-clock`, newExpense(MEMBER, { createdAt: THREE_DAYS_AGO, updatedAt: THREE_DAYS_AGO }))],
  ]),
  withFlag("v1 create with 101 splits (legacy group of 101 members)", OWNER, write(`${G_CROWDED}/expenses/v1-crowd`, legacyExpense(OWNER, { splits: crowdSplits(101) }))),
  withFlag("non-member v1 create", STRANGER, write(`${G1}/expenses/v1-dave`, legacyExpense(STRANGER, { paidBy: OWNER }))),
  withFlag("removed member v1 create", REMOVED_MEMBER, write(`${G1}/expenses/v1-erin`, legacyExpense(REMOVED_MEMBER, { paidBy: OWNER }))),
  withFlag("signed-out v1 create", "signedOut", bobCreates("anon", {})),
  withFlag("v1 create with legacyWrites off", MEMBER, bobCreates("flag-off", {}), LEGACY_WRITES_OFF),
];

const badExpenseEdits: RulesCase[] = [
  ...variationsWithFlagOn(MEMBER, [
    ...BAD_BUSINESS_FIELDS.map(([what, , change]): [string, RulesRequest] => [`v1 edit ${what}`, bobEditsE1(change)]),
    ...LEGACY_EXPENSE_KEYS.map((key): [string, RulesRequest] => [`v1 edit without ${key}`, write(E1, without(legacyExpenseEdit(STORED_E1, MEMBER), key))]),
    ["v1 edit signed as another member", bobEditsE1({ updatedBy: OWNER })],
    ["v1 edit with a createdBy containing '/'", bobEditsE1({ createdBy: "a/b" })],
    ["v1 edit with a numeric createdBy", bobEditsE1({ createdBy: 42 })],
    ["v1 edit with createdAt as an ISO string", bobEditsE1({ createdAt: "2025-01-10T09:00:00Z" })],
    ["v1 edit with updatedAt as epoch milliseconds", bobEditsE1({ updatedAt: T1.toMillis() })],
    ["v1 edit with a null updatedAt", bobEditsE1({ updatedAt: null })],
    ["v1 edit keeping the stored version", bobEditsE1({ version: STORED_E1.version })],
    ["v1 edit keeping the stored baseVersion", bobEditsE1({ baseVersion: STORED_E1.baseVersion })],
    ["v1 edit carrying the next versions", bobEditsE1({ version: 4, baseVersion: 3 })],
    ["v1 edit keeping deletedAt: null", bobEditsE1({ deletedAt: null })],
    ["v1 edit keeping deletedBy: null", bobEditsE1({ deletedBy: null })],
    ["v1 edit keeping the live deletion pair", bobEditsE1({ deletedAt: null, deletedBy: null })],
    ["v1 set that soft-deletes", bobEditsE1({ deletedAt: deviceClock(0), deletedBy: MEMBER })],
    ["v1 edit with an unknown key", bobEditsE1({ note: "x" })],
    ["v2 edit with a device-clock updatedAt", write(E1, expenseEdit(STORED_E1, MEMBER, { updatedAt: THREE_DAYS_AGO }))],
  ]),
  withFlag("non-member v1 edit", STRANGER, write(E1, legacyExpenseEdit(STORED_E1, STRANGER, { description: "Mine" }))),
  withFlag("removed member v1 edit", REMOVED_MEMBER, write(E1, legacyExpenseEdit(STORED_E1, REMOVED_MEMBER, { description: "Still here" }))),
  withFlag("signed-out v1 edit", "signedOut", bobEditsE1({ description: "Anon" })),
  withFlag("v1 edit with legacyWrites off", MEMBER, bobEditsE1({ description: "Too late" }), LEGACY_WRITES_OFF),
  withFlag("leave the group and add a v1 expense in one batch", MEMBER, {
    op: "batch",
    writes: [
      { path: "groups/v1-batch-leave", data: groupEdit(STORED_G1, MEMBER, { memberIds: [OWNER, OTHER_MEMBER] }) },
      { path: "groups/v1-batch-leave/expenses/late", data: legacyExpense(MEMBER, { paidBy: OWNER, splits: { [OWNER]: 3000 } }) },
    ],
  }, LEGACY_WRITES_ON, [{ path: "groups/v1-batch-leave", data: STORED_G1 }]),
];

const badDeletes: RulesCase[] = [
  withFlag("non-member v1 hard delete", STRANGER, hardDelete(E1)),
  withFlag("removed member v1 hard delete", REMOVED_MEMBER, hardDelete(E1)),
  withFlag("signed-out v1 hard delete", "signedOut", hardDelete(E1)),
  withFlag("v1 hard delete with legacyWrites off", MEMBER, hardDelete(E1), LEGACY_WRITES_OFF),
  withFlag("v1 hard delete by the owner with legacyWrites off", OWNER, hardDelete(`${G1}/expenses/eDeleted`), LEGACY_WRITES_OFF),
  // Only expenses: every other delete stays denied while v1 deletes are on.
  withFlag("owner hard-deletes the group (legacyWrites on)", OWNER, hardDelete(G1)),
  withFlag("member hard-deletes a tombstone (legacyWrites on)", MEMBER, hardDelete(`${G1}/tombstones/eDeleted`)),
  withFlag("member hard-deletes a conflict (legacyWrites on)", MEMBER, hardDelete(`${G1}/conflicts/c1`)),
  withFlag("user hard-deletes its notification (legacyWrites on)", OWNER, hardDelete(`users/${OWNER}/notifications/nUnread`)),
  withFlag("user hard-deletes its profile (legacyWrites on)", OWNER, hardDelete(`users/${OWNER}`)),
  withFlag("admin hard-deletes config/sync (legacyWrites on)", ADMIN, hardDelete("config/sync")),
];

// ------------------------------------------------------------------ groups

/** A v1 group create by alice whose one change is `change`. */
function aliceCreates(id: string, change: DocumentData): RulesRequest {
  return write(`groups/v1-${id}`, legacyGroup(OWNER, change));
}

/** A v1 set over g1 by `by` whose one change is `change`. */
function g1Edit(by: string, change: DocumentData): RulesRequest {
  return write(G1, legacyGroupEdit(STORED_G1, by, change));
}

const groupCopy = (id: string) => `groups/${id}`;

const allowedGroups: RulesCase[] = [
  withFlag("v1 group create with a device clock 3 days old", OWNER, aliceCreates("old-clock", { createdAt: THREE_DAYS_AGO, updatedAt: THREE_DAYS_AGO })),
  withFlag("v1 group create with a device clock 2 days ahead", OWNER, aliceCreates("clock-ahead", { createdAt: TWO_DAYS_AHEAD, updatedAt: TWO_DAYS_AHEAD })),
  withFlag("v1 group create alone", STRANGER, write("groups/v1-solo", legacyGroup(STRANGER, { memberIds: [STRANGER] }))),
  withFlag("v1 group create while config/sync has no legacyWrites field", OWNER, aliceCreates("field-missing", {}), LEGACY_WRITES_FIELD_MISSING),
  withFlag("v1 group create while config/sync does not exist", OWNER, aliceCreates("config-missing", {}), LEGACY_WRITES_CONFIG_MISSING),
  onCopyWithFlag("member renames via a v1 set (dropping lastActivityAt)", MEMBER, groupCopy("v1-copy-rename"), STORED_G1, (g) =>
    legacyGroupEdit(g, MEMBER, { displayName: "Porto trip" }),
  ),
  onCopyWithFlag("member leaves via a v1 set", MEMBER, groupCopy("v1-copy-leave"), STORED_G1, (g) => legacyGroupEdit(g, MEMBER, { memberIds: [OWNER, OTHER_MEMBER] })),
  onCopyWithFlag("member adds a member via a v1 set", MEMBER, groupCopy("v1-copy-add"), STORED_G1, (g) =>
    legacyGroupEdit(g, MEMBER, { memberIds: [...g.memberIds, STRANGER] }),
  ),
  onCopyWithFlag("owner removes another member via a v1 set", OWNER, groupCopy("v1-copy-remove"), STORED_G1, (g) =>
    legacyGroupEdit(g, OWNER, { memberIds: [OWNER, MEMBER] }),
  ),
  onCopyWithFlag("v1 set with its own createdAt and a 3-day-old clock", MEMBER, groupCopy("v1-copy-clock"), STORED_G1, (g) =>
    legacyGroupEdit(g, MEMBER, { createdAt: THREE_DAYS_AGO, updatedAt: THREE_DAYS_AGO, settings: { defaultCurrency: "USD", simplifyDebts: true } }),
  ),
  onCopyWithFlag("v1 set over a group carrying purgedBefore (dropping it)", MEMBER, groupCopy("v1-copy-purged"), storedGroup({ purgedBefore: T0 }), (g) =>
    legacyGroupEdit(g, MEMBER, { displayName: "After purge" }),
  ),
  onCopyWithFlag("new owner renames a handed-over group via a v1 set (dropping the audit pair)", MEMBER, groupCopy("v1-copy-handed"), STORED_HANDED_OVER_GROUP, (g) =>
    legacyGroupEdit(g, MEMBER, { displayName: "Bob's trip" }),
  ),
  onCopyWithFlag("former owner leaves a handed-over group via a v1 set", OWNER, groupCopy("v1-copy-former-owner"), STORED_HANDED_OVER_GROUP, (g) =>
    legacyGroupEdit(g, OWNER, { memberIds: [MEMBER, OTHER_MEMBER] }),
  ),
  onCopyWithFlag("v1 set over a soft-deleted group (the server keeps the deletion)", MEMBER, groupCopy("v1-copy-deleted"), STORED_DELETED_GROUP, (g) =>
    legacyGroupEdit(g, MEMBER, { displayName: "Renamed on an old build" }),
  ),
  onCopyWithFlag(
    "v1 group edit while config/sync has no legacyWrites field",
    MEMBER,
    groupCopy("v1-copy-field-missing"),
    STORED_G1,
    (g) => legacyGroupEdit(g, MEMBER),
    LEGACY_WRITES_FIELD_MISSING,
  ),
  onCopyWithFlag(
    "v1 group edit while config/sync does not exist",
    MEMBER,
    groupCopy("v1-copy-config-missing"),
    STORED_G1,
    (g) => legacyGroupEdit(g, MEMBER),
    LEGACY_WRITES_CONFIG_MISSING,
  ),
];

const badGroupCreates: RulesCase[] = [
  ...variationsWithFlagOn(OWNER, [
    ...BAD_GROUP_FIELDS.map(([what, id, change]): [string, RulesRequest] => [`v1 group create ${what}`, aliceCreates(id, change)]),
    ...LEGACY_GROUP_KEYS.map((key): [string, RulesRequest] => [`v1 group create without ${key}`, write(`groups/v1-missing-${key}`, without(legacyGroup(OWNER), key))]),
    ["v1 group create owned by someone else", aliceCreates("foreign-owner", { ownerId: MEMBER, memberIds: [MEMBER, OWNER] })],
    ["v1 group create signed as another user", aliceCreates("updated-by", { updatedBy: MEMBER })],
    ["v1 group create carrying deletedAt: null", aliceCreates("deleted-at", { deletedAt: null })],
    ["v1 group create carrying deletedBy: null", aliceCreates("deleted-by", { deletedBy: null })],
    ["v1 group create already deleted", aliceCreates("deleted", { deletedAt: deviceClock(0), deletedBy: OWNER })],
    ["v1 group create setting server-owned lastActivityAt", aliceCreates("activity", { lastActivityAt: deviceClock(0) })],
    ["v1 group create setting server-owned purgedBefore", aliceCreates("purged", { purgedBefore: deviceClock(0) })],
    ["v1 group create setting server-owned memberNames", aliceCreates("names", { memberNames: { [OWNER]: "Alice" } })],
    ["v1 group create with an unknown key", aliceCreates("extra", { color: "blue" })],
    ["v1 group create with createdAt as an ISO string", aliceCreates("created-string", { createdAt: "2025-01-09T00:00:00Z" })],
    ["v1 group create with updatedAt as epoch milliseconds", aliceCreates("updated-number", { updatedAt: T0.toMillis() })],
    ["v2 group create with device-clock timestamps", write("groups/v1-v2-clock", newGroup(OWNER, { createdAt: THREE_DAYS_AGO, updatedAt: THREE_DAYS_AGO }))],
  ]),
  withFlag("signed-out v1 group create", "signedOut", aliceCreates("anon", {})),
  withFlag("v1 group create with legacyWrites off", OWNER, aliceCreates("flag-off", {}), LEGACY_WRITES_OFF),
];

const badGroupEdits: RulesCase[] = [
  // The owner may change membership at will, so only the shape is wrong in these.
  ...variationsWithFlagOn(OWNER, [
    ...BAD_GROUP_FIELDS.map(([what, , change]): [string, RulesRequest] => [`v1 group edit ${what}`, g1Edit(OWNER, change)]),
    ["owner hands ownership over via a v1 set", g1Edit(OWNER, { ownerId: MEMBER })],
    ["owner soft-deletes via a v1 set", g1Edit(OWNER, { deletedAt: deviceClock(0), deletedBy: OWNER })],
    ["v1 set over a group with more than 100 members", write(G_CROWDED, legacyGroupEdit(STORED_CROWDED_GROUP, OWNER, { displayName: "Crowd 2" }))],
  ]),
  ...variationsWithFlagOn(MEMBER, [
    ...LEGACY_GROUP_KEYS.map((key): [string, RulesRequest] => [`v1 group edit without ${key}`, write(G1, without(legacyGroupEdit(STORED_G1, MEMBER), key))]),
    ["non-owner removes another member via a v1 set", g1Edit(MEMBER, { memberIds: [OWNER, MEMBER] })],
    ["non-owner removes the owner via a v1 set", g1Edit(MEMBER, { memberIds: [MEMBER, OTHER_MEMBER] })],
    ["member takes ownership via a v1 set", g1Edit(MEMBER, { ownerId: MEMBER })],
    ["v1 group edit signed as another member", g1Edit(MEMBER, { updatedBy: OWNER })],
    ["v1 group edit keeping server-owned lastActivityAt", g1Edit(MEMBER, { lastActivityAt: STORED_G1.lastActivityAt })],
    ["v1 group edit setting server-owned purgedBefore", g1Edit(MEMBER, { purgedBefore: deviceClock(0) })],
    ["v1 group edit keeping server-owned memberNames", g1Edit(MEMBER, { memberNames: STORED_G1.memberNames })],
    ["v1 group edit keeping deletedAt: null", g1Edit(MEMBER, { deletedAt: null })],
    ["v1 group edit keeping deletedBy: null", g1Edit(MEMBER, { deletedBy: null })],
    ["v1 group edit keeping the live deletion pair", g1Edit(MEMBER, { deletedAt: null, deletedBy: null })],
    ["v1 group edit with an unknown key", g1Edit(MEMBER, { color: "red" })],
    ["v1 group edit with createdAt as an ISO string", g1Edit(MEMBER, { createdAt: "2025-01-10T09:00:00Z" })],
    ["v1 group edit with a null updatedAt", g1Edit(MEMBER, { updatedAt: null })],
    ["v2 group edit with a device-clock updatedAt", write(G1, groupEdit(STORED_G1, MEMBER, { updatedAt: THREE_DAYS_AGO }))],
  ]),
  withFlag("former owner's v1 set naming itself owner (it has not seen the hand-over)", OWNER,
    write(G_HANDED_OVER, legacyGroupEdit(STORED_HANDED_OVER_GROUP, OWNER, { ownerId: OWNER, displayName: "Mine" }))),
  withFlag("v1 set keeping the hand-over audit pair", MEMBER,
    write(G_HANDED_OVER, { ...legacyGroupEdit(STORED_HANDED_OVER_GROUP, MEMBER), handedOverAt: T1, handedOverBy: OWNER })),
  withFlag("the last member leaves via a v1 set", OWNER, write(G_LAST_MEMBER, legacyGroupEdit(STORED_LAST_MEMBER_GROUP, OWNER, { memberIds: [] }))),
  withFlag("non-member renames via a v1 set", STRANGER, g1Edit(STRANGER, { displayName: "Mine now" })),
  withFlag("non-member adds itself via a v1 set", STRANGER, g1Edit(STRANGER, { memberIds: [...STORED_G1.memberIds, STRANGER] })),
  withFlag("removed member renames via a v1 set", REMOVED_MEMBER, g1Edit(REMOVED_MEMBER, { displayName: "Back in" })),
  withFlag("signed-out v1 group edit", "signedOut", g1Edit(MEMBER, { displayName: "Anon" })),
  withFlag("v1 group edit with legacyWrites off", MEMBER, g1Edit(MEMBER, { displayName: "Too late" }), LEGACY_WRITES_OFF),
];

// ------------------------------------------------------------------ v2 with the flag off

const v2WithFlagOff: RulesCase[] = [
  withFlag("v2 create with legacyWrites off", MEMBER, write(`${G1}/expenses/v2-flag-off`, newExpense(MEMBER)), LEGACY_WRITES_OFF),
  onCopyWithFlag("v2 edit with legacyWrites off", MEMBER, expenseCopy("v2-copy-flag-off"), STORED_E1, (e) => expenseEdit(e, MEMBER, { description: "v2" }), LEGACY_WRITES_OFF),
  withFlag("v2 group create with legacyWrites off", OWNER, write("groups/v2-flag-off", newGroup(OWNER)), LEGACY_WRITES_OFF),
  onCopyWithFlag("v2 group edit with legacyWrites off", MEMBER, groupCopy("v2-copy-flag-off"), STORED_G1, (g) =>
    groupEdit(g, MEMBER, { displayName: "v2" }), LEGACY_WRITES_OFF),
];

export const legacyCases: CaseTable = {
  area: "legacy (v1) writes",
  allowed: [...allowedExpenses, ...allowedGroups, ...v2WithFlagOff],
  denied: [...badExpenseCreates, ...badExpenseEdits, ...badDeletes, ...badGroupCreates, ...badGroupEdits],
};
