// groups/{groupId}: create, edits, membership changes, soft delete / restore.
import { serverTimestamp } from "firebase/firestore";
import { type CaseTable, type RulesCase, type RulesRequest, hardDelete, onPrivateCopy, patch, variations, write } from "../support/cases";
import {
  G1,
  G_CROWDED,
  G_DELETED,
  MEMBER,
  OTHER_MEMBER,
  OWNER,
  REMOVED_MEMBER,
  STORED_CROWDED_GROUP,
  STORED_DELETED_GROUP,
  STORED_G1,
  STRANGER,
  T0,
  clientClock,
  groupEdit,
  newGroup,
  storedGroup,
  uids,
  without,
} from "../support/world";


/** A create by alice of a fresh group whose one change is `change`. */
function aliceCreates(id: string, change: Record<string, unknown>): RulesRequest {
  return write(`groups/new-${id}`, newGroup(OWNER, change));
}

function aliceCreatesWithout(key: string): [string, RulesRequest] {
  return [`create without ${key}`, write(`groups/new-missing-${key}`, without(newGroup(OWNER), key))];
}

function g1Edit(by: string, changes: Record<string, unknown>): RulesRequest {
  return write(G1, groupEdit(STORED_G1, by, changes));
}

const deleteMarks = (by: string) => ({ deletedAt: serverTimestamp(), deletedBy: by });
const restoreMarks = { deletedAt: null, deletedBy: null };

/**
 * Group fields gone wrong, one change from a valid group owned by alice (`what` reads after
 * "create" or "edit"). Every app build is held to the same group shape, so the v1 tables
 * (legacy.ts) run these too.
 */
export const BAD_GROUP_FIELDS: [what: string, id: string, change: Record<string, unknown>][] = [
  ["with the owner missing from memberIds", "owner-outside", { memberIds: [MEMBER] }],
  ["with an empty name", "empty-name", { displayName: "" }],
  ["with a 101-char name", "long-name", { displayName: "n".repeat(101) }],
  ["with a numeric name", "numeric-name", { displayName: 7 }],
  ["with 101 members", "crowd", { memberIds: [OWNER, ...uids(100, "friend")] }],
  ["with a repeated member", "repeat", { memberIds: [OWNER, MEMBER, MEMBER] }],
  ["with a numeric member", "numeric-member", { memberIds: [OWNER, 42] }],
  ["with a member uid containing '/'", "slash", { memberIds: [OWNER, "a/b"] }],
  ["with a 129-char member uid", "long-uid", { memberIds: [OWNER, "u".repeat(129)] }],
  ["with a member uid of 130 UTF-16 units (65 astral characters)", "astral-uid", { memberIds: [OWNER, "😀".repeat(65)] }],
  ["with an empty member uid", "empty-uid", { memberIds: [OWNER, ""] }],
  ["with memberIds as a string", "string-members", { memberIds: OWNER }],
  ["with settings missing defaultCurrency", "no-currency", { settings: { simplifyDebts: true } }],
  ["with settings missing simplifyDebts", "no-simplify", { settings: { defaultCurrency: "EUR" } }],
  ["with an unknown settings key", "settings-extra", { settings: { defaultCurrency: "EUR", simplifyDebts: true, theme: "dark" } }],
  ["with a lowercase currency", "lower", { settings: { defaultCurrency: "eur", simplifyDebts: true } }],
  ["with a 2-letter currency", "short-currency", { settings: { defaultCurrency: "EU", simplifyDebts: true } }],
  ["with a string simplifyDebts", "string-bool", { settings: { defaultCurrency: "EUR", simplifyDebts: "yes" } }],
  ["with settings as a string", "string-settings", { settings: "EUR" }],
];

const allowed: RulesCase[] = [
  { name: "create a group she owns", actor: OWNER, request: write("groups/new-ok", newGroup(OWNER)) },
  { name: "create a group alone", actor: STRANGER, request: write("groups/new-solo", newGroup(STRANGER, { memberIds: [STRANGER] })) },
  {
    name: "create with 100 members",
    actor: OWNER,
    request: aliceCreates("hundred", { memberIds: [OWNER, ...uids(99, "friend")] }),
  },
  {
    name: "create with boundary names (100-char name, 128-unit uid of astral characters)",
    actor: OWNER,
    request: aliceCreates("boundary", { displayName: "n".repeat(100), memberIds: [OWNER, "😀".repeat(64), "u".repeat(128)] }),
  },
  { name: "create with a 1-char name", actor: OWNER, request: aliceCreates("short", { displayName: "x" }) },
  onPrivateCopy("member renames the group", MEMBER, "groups/copy-rename", STORED_G1, (g) => groupEdit(g, MEMBER, { displayName: "Porto trip" })),
  onPrivateCopy("member changes settings", MEMBER, "groups/copy-settings", STORED_G1, (g) =>
    groupEdit(g, MEMBER, { settings: { defaultCurrency: "USD", simplifyDebts: true } }),
  ),
  onPrivateCopy("member adds a member", MEMBER, "groups/copy-add", STORED_G1, (g) =>
    groupEdit(g, MEMBER, { memberIds: [...g.memberIds, STRANGER] }),
  ),
  onPrivateCopy("member removes itself", MEMBER, "groups/copy-leave", STORED_G1, (g) =>
    groupEdit(g, MEMBER, { memberIds: [OWNER, OTHER_MEMBER] }),
  ),
  onPrivateCopy("member leaves while adding someone", OTHER_MEMBER, "groups/copy-swap", STORED_G1, (g) =>
    groupEdit(g, OTHER_MEMBER, { memberIds: [OWNER, MEMBER, STRANGER] }),
  ),
  onPrivateCopy("owner removes another member", OWNER, "groups/copy-remove", STORED_G1, (g) =>
    groupEdit(g, OWNER, { memberIds: [OWNER, MEMBER] }),
  ),
  onPrivateCopy("owner soft-deletes the group", OWNER, "groups/copy-delete", STORED_G1, (g) => groupEdit(g, OWNER, deleteMarks(OWNER))),
  onPrivateCopy("owner restores the group", OWNER, "groups/copy-restore", STORED_DELETED_GROUP, (g) => groupEdit(g, OWNER, restoreMarks)),
  onPrivateCopy("member edits a group that carries purgedBefore (kept as stored)", MEMBER, "groups/copy-purged", storedGroup({ purgedBefore: T0 }), (g) =>
    groupEdit(g, MEMBER, { displayName: "After purge" }),
  ),
  {
    name: "member renames with a partial update",
    actor: MEMBER,
    seed: [{ path: "groups/copy-partial", data: STORED_G1 }],
    request: patch("groups/copy-partial", { displayName: "Renamed", updatedAt: serverTimestamp(), updatedBy: MEMBER }),
  },
];

const badCreates = variations(OWNER, [
  ["create owned by someone else", aliceCreates("foreign-owner", { ownerId: MEMBER, memberIds: [MEMBER, OWNER] })],
  ...BAD_GROUP_FIELDS.map(([what, id, change]): [string, RulesRequest] => [`create ${what}`, aliceCreates(id, change)]),
  ...["displayName", "ownerId", "memberIds", "settings", "createdAt", "updatedAt", "updatedBy", "deletedAt", "deletedBy"].map(aliceCreatesWithout),
  ["create with an unknown key", aliceCreates("extra", { color: "blue" })],
  ["create setting server-owned lastActivityAt", aliceCreates("activity", { lastActivityAt: serverTimestamp() })],
  ["create setting server-owned purgedBefore", aliceCreates("purged", { purgedBefore: serverTimestamp() })],
  ["create with a client-clock createdAt", aliceCreates("clock-created", { createdAt: clientClock() })],
  ["create with a client-clock updatedAt", aliceCreates("clock-updated", { updatedAt: clientClock() })],
  ["create with updatedBy another user", aliceCreates("updated-by", { updatedBy: MEMBER })],
  ["create already soft-deleted", aliceCreates("deleted", deleteMarks(OWNER))],
  ["create with deletedBy but no deletedAt", aliceCreates("half-deleted", { deletedBy: OWNER })],
]);

const badEdits: RulesCase[] = [
  ...variations(MEMBER, [
    ["non-owner removes another member", g1Edit(MEMBER, { memberIds: [OWNER, MEMBER] })],
    ["non-owner removes the owner", g1Edit(MEMBER, { memberIds: [MEMBER, OTHER_MEMBER] })],
    ["member takes ownership", g1Edit(MEMBER, { ownerId: MEMBER })],
    ["member rewrites createdAt", g1Edit(MEMBER, { createdAt: serverTimestamp() })],
    ["member sets server-owned lastActivityAt", g1Edit(MEMBER, { lastActivityAt: serverTimestamp() })],
    ["member drops server-owned lastActivityAt", write(G1, without(groupEdit(STORED_G1, MEMBER), "lastActivityAt"))],
    ["member sets server-owned purgedBefore", g1Edit(MEMBER, { purgedBefore: serverTimestamp() })],
    ["edit with a client-clock updatedAt", g1Edit(MEMBER, { updatedAt: clientClock() })],
    ["edit keeping the stored updatedAt", g1Edit(MEMBER, { updatedAt: T0 })],
    ["edit signed as another member", g1Edit(MEMBER, { updatedBy: OWNER })],
    ["non-owner soft-deletes the group", g1Edit(MEMBER, deleteMarks(MEMBER))],
    ["member adds members past 100", g1Edit(MEMBER, { memberIds: [...STORED_G1.memberIds, ...uids(98, "friend")] })],
    ["member adds a member twice", g1Edit(MEMBER, { memberIds: [...STORED_G1.memberIds, STRANGER, STRANGER] })],
    ["edit with an unknown key", g1Edit(MEMBER, { color: "red" })],
    ["edit with a 101-char name", g1Edit(MEMBER, { displayName: "n".repeat(101) })],
    ["edit without settings", write(G1, without(groupEdit(STORED_G1, MEMBER), "settings"))],
    ["non-owner restores a deleted group", write(G_DELETED, groupEdit(STORED_DELETED_GROUP, MEMBER, restoreMarks))],
  ]),
  ...variations(OWNER, [
    ["owner removes itself", g1Edit(OWNER, { memberIds: [MEMBER, OTHER_MEMBER] })],
    ["owner hands ownership over", g1Edit(OWNER, { ownerId: MEMBER })],
    ["soft delete with a client-clock deletedAt", g1Edit(OWNER, { deletedAt: clientClock(), deletedBy: OWNER })],
    ["soft delete signed as another member", g1Edit(OWNER, { deletedAt: serverTimestamp(), deletedBy: MEMBER })],
    ["soft delete without deletedBy", g1Edit(OWNER, { deletedAt: serverTimestamp() })],
    ["soft delete that also renames", g1Edit(OWNER, { ...deleteMarks(OWNER), displayName: "Gone" })],
    ["rename a soft-deleted group", write(G_DELETED, groupEdit(STORED_DELETED_GROUP, OWNER, { displayName: "Still old" }))],
    ["restore that also renames", write(G_DELETED, groupEdit(STORED_DELETED_GROUP, OWNER, { ...restoreMarks, displayName: "Back" }))],
    ["restore clearing only deletedAt", write(G_DELETED, groupEdit(STORED_DELETED_GROUP, OWNER, { deletedAt: null }))],
    ["edit a group with more than 100 members", write(G_CROWDED, groupEdit(STORED_CROWDED_GROUP, OWNER, { displayName: "Crowd 2" }))],
    ["hard-delete the group as owner", hardDelete(G1)],
  ]),
  { name: "non-member renames the group", actor: STRANGER, request: g1Edit(STRANGER, { displayName: "Mine now" }) },
  { name: "non-member adds itself", actor: STRANGER, request: g1Edit(STRANGER, { memberIds: [...STORED_G1.memberIds, STRANGER] }) },
  { name: "removed member renames the group", actor: REMOVED_MEMBER, request: g1Edit(REMOVED_MEMBER, { displayName: "Back in" }) },
  { name: "signed-out user renames the group", actor: "signedOut", request: g1Edit(MEMBER, { displayName: "Anon" }) },
  { name: "signed-out user creates a group", actor: "signedOut", request: aliceCreates("anon", {}) },
  { name: "member hard-deletes the group", actor: MEMBER, request: hardDelete(G1) },
];

export const groupCases: CaseTable = { area: "groups", allowed, denied: [...badCreates, ...badEdits] };
