// Reads and the contract's client queries: allowed for members, denied for everyone else.
import type { Actor } from "../support/world";
import { type CaseTable, type RulesCase, type RulesRequest, read } from "../support/cases";
import { G1, G2, G_DELETED, MEMBER, OWNER, REMOVED_MEMBER, STRANGER, T0 } from "../support/world";

/** Query 1 (Tier 1): the groups a uid belongs to, most recently active first. */
function tier1(uid: string): RulesRequest {
  return { op: "list", path: "groups", where: [["memberIds", "array-contains", uid]], orderBy: ["lastActivityAt", "desc"] };
}

/** Query 1 attached since a mark (v2.1): only the groups whose activity is newer. */
function tier1Since(uid: string): RulesRequest {
  return { op: "list", path: "groups", where: [["memberIds", "array-contains", uid], ["lastActivityAt", ">", T0]], orderBy: ["lastActivityAt", "desc"] };
}

/** Query 2 (Tier 2/3 delta): expenses changed after a cursor. */
function expenseDelta(group: string): RulesRequest {
  return { op: "list", path: `${group}/expenses`, where: [["updatedAt", ">", T0]], orderBy: ["updatedAt", "asc"] };
}

/** Query 2 (Tier 2/3 delta): deletions after a cursor. */
function tombstoneDelta(group: string): RulesRequest {
  return { op: "list", path: `${group}/tombstones`, where: [["deletedAt", ">", T0]] };
}

const GROUP_CONTENT: [string, RulesRequest][] = [
  ["read the group", read(G1)],
  ["read an expense", read(`${G1}/expenses/e1`)],
  ["read a soft-deleted expense", read(`${G1}/expenses/eDeleted`)],
  ["read a tombstone", read(`${G1}/tombstones/eDeleted`)],
  ["read a conflict", read(`${G1}/conflicts/c1`)],
  ["read a kept deletion", read(`${G1}/deletedExpenses/eGone`)],
  ["list kept deletions", { op: "list", path: `${G1}/deletedExpenses` }],
  ["list conflicts", { op: "list", path: `${G1}/conflicts` }],
  ["run the expense delta query", expenseDelta(G1)],
  ["run the tombstone delta query", tombstoneDelta(G1)],
];

function everyRead(actor: Actor, label: string): RulesCase[] {
  return GROUP_CONTENT.map(([name, request]) => ({ name: `${label} ${name.replace(/^(\w+)/, "$1s")}`, actor, request }));
}

const allowed: RulesCase[] = [
  ...everyRead(MEMBER, "member"),
  ...everyRead(OWNER, "owner"),
  { name: "member runs the Tier-1 groups query", actor: MEMBER, request: tier1(MEMBER) },
  { name: "owner runs the Tier-1 groups query", actor: OWNER, request: tier1(OWNER) },
  { name: "member runs the Tier-1 query since a mark", actor: MEMBER, request: tier1Since(MEMBER) },
  { name: "a removed member's Tier-1 query for itself (returns only its own groups)", actor: REMOVED_MEMBER, request: tier1(REMOVED_MEMBER) },
  { name: "member reads a soft-deleted group", actor: OWNER, request: read(G_DELETED) },
  { name: "member reads expenses of a soft-deleted group", actor: MEMBER, request: expenseDelta(G_DELETED) },
];

const denied: RulesCase[] = [
  ...everyRead(STRANGER, "non-member"),
  ...everyRead(REMOVED_MEMBER, "removed member"),
  ...everyRead("signedOut", "signed-out user"),
  { name: "non-member runs the Tier-1 query for a member's uid", actor: STRANGER, request: tier1(OWNER) },
  { name: "removed member runs the Tier-1 query for a member's uid", actor: REMOVED_MEMBER, request: tier1(MEMBER) },
  { name: "signed-out user runs the Tier-1 query", actor: "signedOut", request: tier1(OWNER) },
  { name: "non-member runs the Tier-1 query since a mark for a member's uid", actor: STRANGER, request: tier1Since(OWNER) },
  { name: "signed-out user runs the Tier-1 query since a mark", actor: "signedOut", request: tier1Since(OWNER) },
  {
    name: "member lists groups active since a mark without the membership filter",
    actor: MEMBER,
    request: { op: "list", path: "groups", where: [["lastActivityAt", ">", T0]], orderBy: ["lastActivityAt", "desc"] },
  },
  { name: "member lists every group without the membership filter", actor: MEMBER, request: { op: "list", path: "groups", orderBy: ["lastActivityAt", "desc"] } },
  { name: "member reads another group's expenses", actor: MEMBER, request: expenseDelta(G2) },
  { name: "member reads expenses of a group that does not exist", actor: MEMBER, request: expenseDelta("groups/nope") },
  { name: "member reads a group that does not exist", actor: MEMBER, request: read("groups/nope") },
  {
    name: "member runs the purge's collection-group query (server only)",
    actor: MEMBER,
    request: { op: "list", path: "expenses", collectionGroup: true, where: [["deletedAt", "<", T0]] },
  },
];

export const readCases: CaseTable = { area: "reads and queries", allowed, denied };
