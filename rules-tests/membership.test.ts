// Membership changes take effect on the very next request: leaving or being removed ends every
// read and write at once, being added back restores them.
import { type RulesTestEnvironment, assertFails, assertSucceeds } from "@firebase/rules-unit-testing";
import { expect } from "chai";
import type { QuerySnapshot } from "firebase/firestore";
import { type RulesRequest, actorClients, perform, read, write } from "./support/cases";
import { rulesTestEnv } from "./support/emulator";
import { type Actor, MEMBER, OTHER_MEMBER, OWNER, T0, groupEdit, newExpense, seed, storedExpense, storedGroup } from "./support/world";

const GROUP = "groups/lifecycle";
const STORED = storedGroup();

/** Everything a member does in a group: each must be denied once the actor is out. */
function memberRequests(actor: string): [string, RulesRequest][] {
  return [
    ["read the group", read(GROUP)],
    ["read an expense", read(`${GROUP}/expenses/e1`)],
    ["run the expense delta query", { op: "list", path: `${GROUP}/expenses`, where: [["updatedAt", ">", T0]], orderBy: ["updatedAt", "asc"] }],
    ["run the tombstone delta query", { op: "list", path: `${GROUP}/tombstones`, where: [["deletedAt", ">", T0]] }],
    ["create an expense", write(`${GROUP}/expenses/by-${actor}`, newExpense(actor, { paidBy: OWNER, splits: { [OWNER]: 3000 } }))],
  ];
}

describe("membership changes take effect at once", () => {
  let env: RulesTestEnvironment;
  const clientFor = actorClients(() => env);
  const as = (actor: Actor, request: RulesRequest) => perform(clientFor(actor), request);

  before(async () => {
    env = await rulesTestEnv();
    await env.clearFirestore();
    await seed(env, [
      { path: GROUP, data: STORED },
      { path: `${GROUP}/expenses/e1`, data: storedExpense() },
      { path: `${GROUP}/tombstones/gone`, data: { collection: "expenses", docId: "gone", deletedAt: T0, deletedBy: OWNER } },
    ]);
  });

  it("a member who leaves loses every read and write, and no longer sees the group in Tier 1", async () => {
    await assertSucceeds(as(MEMBER, read(GROUP)));
    await assertSucceeds(as(MEMBER, write(GROUP, groupEdit(STORED, MEMBER, { memberIds: [OWNER, OTHER_MEMBER] }))));
    for (const [, request] of memberRequests(MEMBER)) await assertFails(as(MEMBER, request));
    const tier1 = (await as(MEMBER, {
      op: "list",
      path: "groups",
      where: [["memberIds", "array-contains", MEMBER]],
      orderBy: ["lastActivityAt", "desc"],
    })) as QuerySnapshot;
    expect(tier1.docs.map((snapshot) => snapshot.ref.path)).to.not.include(GROUP);
  });

  it("a member added back regains access", async () => {
    await assertSucceeds(as(OWNER, write(GROUP, groupEdit(STORED, OWNER, { memberIds: [OWNER, OTHER_MEMBER, MEMBER] }))));
    await assertSucceeds(as(MEMBER, read(`${GROUP}/expenses/e1`)));
  });

  it("a member the owner removes loses every read and write", async () => {
    await assertSucceeds(as(OTHER_MEMBER, read(GROUP)));
    await assertSucceeds(as(OWNER, write(GROUP, groupEdit(STORED, OWNER, { memberIds: [OWNER, MEMBER] }))));
    for (const [, request] of memberRequests(OTHER_MEMBER)) await assertFails(as(OTHER_MEMBER, request));
  });
});
