// groups/{groupId}: create, edits, membership changes, soft delete / restore.
import { arrayRemove, serverTimestamp } from "firebase/firestore";
import { type CaseTable, type RulesCase, type RulesRequest, hardDelete, onPrivateCopy, patch, variations, write } from "../support/cases";
import {
  G1,
  G_CROWDED,
  G_DELETED,
  G_HANDED_OVER,
  G_LAST_MEMBER,
  MEMBER,
  OTHER_MEMBER,
  OWNER,
  REMOVED_MEMBER,
  STORED_CROWDED_GROUP,
  STORED_DELETED_GROUP,
  STORED_G1,
  STORED_HANDED_OVER_GROUP,
  STORED_LAST_MEMBER_GROUP,
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
/** The hand-over write's fields: the new owner and the audit pair. */
const handOver = (to: string, by: string = OWNER) => ({ ownerId: to, handedOverAt: serverTimestamp(), handedOverBy: by });
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
  onPrivateCopy("owner hands the group over to a member", OWNER, "groups/copy-hand-over", STORED_G1, (g) => groupEdit(g, OWNER, handOver(MEMBER))),
  {
    name: "owner hands over with a partial update (what a client sends)",
    actor: OWNER,
    seed: [{ path: "groups/copy-hand-over-patch", data: STORED_G1 }],
    request: patch("groups/copy-hand-over-patch", { ...handOver(OTHER_MEMBER), updatedAt: serverTimestamp(), updatedBy: OWNER }),
  },
  onPrivateCopy("new owner hands the group back (a second hand-over replaces the audit pair)", MEMBER, "groups/copy-hand-back", STORED_HANDED_OVER_GROUP, (g) =>
    groupEdit(g, MEMBER, handOver(OWNER, MEMBER)),
  ),
  onPrivateCopy("former owner leaves after the hand-over", OWNER, "groups/copy-former-owner-leaves", STORED_HANDED_OVER_GROUP, (g) =>
    groupEdit(g, OWNER, { memberIds: [MEMBER, OTHER_MEMBER] }),
  ),
  onPrivateCopy("new owner removes the former owner", MEMBER, "groups/copy-new-owner-removes", STORED_HANDED_OVER_GROUP, (g) =>
    groupEdit(g, MEMBER, { memberIds: [MEMBER, OTHER_MEMBER] }),
  ),
  onPrivateCopy("member renames a handed-over group (the audit pair kept as stored)", OTHER_MEMBER, "groups/copy-handed-rename", STORED_HANDED_OVER_GROUP, (g) =>
    groupEdit(g, OTHER_MEMBER, { displayName: "Porto trip" }),
  ),
  onPrivateCopy("the last member (the owner) leaves", OWNER, "groups/copy-last-leaves", STORED_LAST_MEMBER_GROUP, (g) => groupEdit(g, OWNER, { memberIds: [] })),
  {
    name: "the last member leaves with arrayRemove (what a client sends)",
    actor: OWNER,
    seed: [{ path: "groups/copy-last-leaves-patch", data: STORED_LAST_MEMBER_GROUP }],
    request: patch("groups/copy-last-leaves-patch", { memberIds: arrayRemove(OWNER), updatedAt: serverTimestamp(), updatedBy: OWNER }),
  },
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
  ["create setting server-owned memberNames", aliceCreates("names", { memberNames: { [OWNER]: "Alice", [MEMBER]: "Bob" } })],
  ["create with a client-clock createdAt", aliceCreates("clock-created", { createdAt: clientClock() })],
  ["create with a client-clock updatedAt", aliceCreates("clock-updated", { updatedAt: clientClock() })],
  ["create with updatedBy another user", aliceCreates("updated-by", { updatedBy: MEMBER })],
  ["create already soft-deleted", aliceCreates("deleted", deleteMarks(OWNER))],
  ["create with deletedBy but no deletedAt", aliceCreates("half-deleted", { deletedBy: OWNER })],
  ["create carrying a hand-over audit pair", aliceCreates("handed", { handedOverAt: serverTimestamp(), handedOverBy: OWNER })],
  ["create with no members", aliceCreates("empty", { memberIds: [] })],
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
    ["member renames another member in memberNames", g1Edit(MEMBER, { memberNames: { ...STORED_G1.memberNames, [OWNER]: "Al" } })],
    ["member adds a name to memberNames", g1Edit(MEMBER, { memberNames: { ...STORED_G1.memberNames, [STRANGER]: "Dave" } })],
    ["member drops server-owned memberNames", write(G1, without(groupEdit(STORED_G1, MEMBER), "memberNames"))],
    ["member sets memberNames on a group without it", write(G_HANDED_OVER, groupEdit(STORED_HANDED_OVER_GROUP, MEMBER, { memberNames: { [MEMBER]: "Bob" } }))],
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
    ["member hands the group to itself", g1Edit(MEMBER, handOver(MEMBER, MEMBER))],
    ["member hands the group to another member", g1Edit(MEMBER, handOver(OTHER_MEMBER, MEMBER))],
    ["former owner takes the group back", write(G_HANDED_OVER, groupEdit(STORED_HANDED_OVER_GROUP, OWNER, handOver(OWNER)))],
    ["new owner rewrites the audit pair", write(G_HANDED_OVER, groupEdit(STORED_HANDED_OVER_GROUP, MEMBER, { handedOverAt: serverTimestamp(), handedOverBy: MEMBER }))],
    ["member drops the audit pair", write(G_HANDED_OVER, without(groupEdit(STORED_HANDED_OVER_GROUP, MEMBER, { displayName: "x" }), "handedOverAt", "handedOverBy"))],
  ]),
  ...variations(OWNER, [
    ["owner removes itself", g1Edit(OWNER, { memberIds: [MEMBER, OTHER_MEMBER] })],
    ["hand-over without its audit pair", g1Edit(OWNER, { ownerId: MEMBER })],
    ["hand-over without handedOverBy", g1Edit(OWNER, { ownerId: MEMBER, handedOverAt: serverTimestamp() })],
    ["hand-over with a client-clock handedOverAt", g1Edit(OWNER, { ...handOver(MEMBER), handedOverAt: clientClock() })],
    ["hand-over signed as another member", g1Edit(OWNER, handOver(MEMBER, OTHER_MEMBER))],
    ["hand-over to a non-member", g1Edit(OWNER, handOver(STRANGER))],
    ["hand-over to someone added in the same write", g1Edit(OWNER, { ...handOver(STRANGER), memberIds: [...STORED_G1.memberIds, STRANGER] })],
    ["hand-over that also renames", g1Edit(OWNER, { ...handOver(MEMBER), displayName: "Bob's now" })],
    ["hand-over and leave in one write", g1Edit(OWNER, { ...handOver(MEMBER), memberIds: [MEMBER, OTHER_MEMBER] })],
    ["audit pair without a hand-over", g1Edit(OWNER, { handedOverAt: serverTimestamp(), handedOverBy: OWNER })],
    ["hand-over of a soft-deleted group", write(G_DELETED, groupEdit(STORED_DELETED_GROUP, OWNER, handOver(MEMBER)))],
    ["owner empties the group in one write (others still in it)", g1Edit(OWNER, { memberIds: [] })],
    ["the last member leaves and renames in one write", write(G_LAST_MEMBER, groupEdit(STORED_LAST_MEMBER_GROUP, OWNER, { memberIds: [], displayName: "Bye" }))],
    ["the last member leaves and soft-deletes in one write", write(G_LAST_MEMBER, groupEdit(STORED_LAST_MEMBER_GROUP, OWNER, { memberIds: [], ...deleteMarks(OWNER) }))],
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
