// Scenario 2 (real-time updates across devices) and a member's removal, with Firebase JS SDK
// clients through the real rules and triggers on the emulator suite.
import { expect } from "chai";
import { FirestoreError, collection, doc, getDocFromServer, getDocsFromServer, onSnapshot } from "firebase/firestore";
import { clearFirestore } from "../tools/emulator";
import { createExpense, editExpense, expensesSinceQuery, myGroupsQuery, newExpenseId, removeMember } from "@expense-sync/client";
import { Fleet, dinner, expensesBy, groupOf, replicaAndServer } from "./support/fleet";

describe("e2e: real-time sync between devices", function () {
  this.timeout(60_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

  it("delivers a write to the other device's Tier-2 listener and the new lastActivityAt to every member's Tier-1 listener", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const { user: carol, device: carolDevice } = await fleet.newUser("carol");
    const members = [alice.uid, bob.uid, carol.uid];
    const groupId = await groupOf(aliceDevice, members);
    const otherGroupId = await groupOf(carolDevice, [carol.uid], "Carol's flat");

    const aliceClient = fleet.client(aliceDevice);
    const bobClient = fleet.client(bobDevice);
    const carolClient = fleet.client(carolDevice);
    await Promise.all([aliceClient.resume(groupId), bobClient.resume(groupId), carolClient.resume(otherGroupId)]);
    expect(carolClient.activeGroupId).to.equal(otherGroupId);

    // Alice writes; Bob's Tier-2 listener gets it.
    const expenseId = newExpenseId(aliceDevice, groupId);
    await createExpense(aliceDevice, groupId, expenseId, dinner(alice.uid, members)).acknowledged;
    const bobReplica = bobClient.store.replica(groupId);
    const delivered = await bobClient.until("Bob's Tier 2 to receive Alice's expense", () => bobReplica.expenses.get(expenseId));
    expect(delivered.version).to.equal(1);
    expect(delivered.createdBy).to.equal(alice.uid);

    // The trigger's lastActivityAt reaches all three Tier-1 listeners, Carol's too (not her active group).
    for (const client of [aliceClient, bobClient, carolClient]) {
      await client.until(`${client.device.label}'s Tier 1 to show the activity`, () =>
        client.groups.get(groupId)?.lastActivityAt?.isEqual(delivered.updatedAt) ? true : undefined,
      );
    }

    // And back: Bob edits, Alice's Tier-2 listener gets the edit.
    await editExpense(bobDevice, groupId, expenseId, delivered.version, dinner(alice.uid, members, { description: "Dinner at Ramiro" })).acknowledged;
    const aliceReplica = aliceClient.store.replica(groupId);
    const edited = await aliceClient.until("Alice's Tier 2 to receive Bob's edit", () => {
      const expense = aliceReplica.expenses.get(expenseId);
      return expense?.version === 2 ? expense : undefined;
    });
    expect(edited).to.include({ description: "Dinner at Ramiro", updatedBy: bob.uid, baseVersion: 1 });
    await carolClient.until("Carol's Tier 1 to show the edit's activity", () =>
      carolClient.groups.get(groupId)?.lastActivityAt?.isEqual(edited.updatedAt) ? true : undefined,
    );
    // Carol never opened the group, so she read none of its expenses.
    expect(carolClient.store.has(groupId) ? carolClient.store.replica(groupId).expenses.size : 0).to.equal(0);

    const { replica, server } = await replicaAndServer(bobReplica);
    expect(replica).to.deep.equal(server);
  });

  it("stops a removed member's device: the group drops out of its Tier-1 result, its expense listener fails with permission-denied, direct reads are denied", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const { user: carol, device: carolDevice } = await fleet.newUser("carol");
    const members = [alice.uid, bob.uid, carol.uid];
    const groupId = await groupOf(aliceDevice, members);
    const [earlierExpenseId] = await expensesBy(aliceDevice, groupId, members, 1);

    const bobClient = fleet.client(bobDevice);
    const carolClient = fleet.client(carolDevice);
    await Promise.all([bobClient.resume(groupId), carolClient.resume(groupId)]);
    expect(bobClient.store.replica(groupId).expenses.has(earlierExpenseId)).to.equal(true);
    // A bare Tier-2 listener beside the client (which detaches its own as soon as Tier 1 drops the
    // group), to see what the server itself does with a listener that lost its access.
    const bare = { errors: [] as string[], delivered: [] as string[] };
    const stopBare = onSnapshot(
      expensesSinceQuery(bobDevice, groupId, null),
      (snapshot) => {
        bare.delivered.push(...snapshot.docChanges().map((change) => `${change.doc.id}@${change.doc.get("version")}`));
        bobClient.store.changed.notify();
      },
      (error: FirestoreError) => {
        bare.errors.push(error.code);
        bobClient.store.changed.notify();
      },
    );
    await bobClient.until("the bare listener's first result", () => (bare.delivered.length > 0 ? true : undefined));

    await removeMember(aliceDevice, groupId, bob.uid).acknowledged;
    // Tier 1 filters on Bob's uid: the group leaves its result at once.
    await bobClient.until("Bob's client to lose the group", () => bobClient.lostGroups.find((lost) => lost.groupId === groupId));
    expect(bobClient.lostGroups.map((lost) => lost.reason)).to.deep.equal(["left-tier1"]);
    expect(bobClient.groups.has(groupId)).to.equal(false);
    expect(bobClient.store.has(groupId)).to.equal(false);
    const bobsGroups = await getDocsFromServer(myGroupsQuery(bobDevice));
    expect(bobsGroups.docs.map((group) => group.id)).to.not.include(groupId);

    // Alice edits and adds; Carol (still a member) receives both. The bare listener is refused at
    // the first change it would have delivered (the rules are evaluated per delivery), so Bob's
    // device reads nothing written after the removal.
    await editExpense(aliceDevice, groupId, earlierExpenseId, 1, dinner(alice.uid, [alice.uid, carol.uid], { description: "Re-split without Bob" })).acknowledged;
    const expenseId = newExpenseId(aliceDevice, groupId);
    await createExpense(aliceDevice, groupId, expenseId, dinner(alice.uid, [alice.uid, carol.uid])).acknowledged;
    const carolReplica = carolClient.store.replica(groupId);
    await carolClient.until("Carol to receive both writes", () =>
      carolReplica.expenses.has(expenseId) && carolReplica.expenses.get(earlierExpenseId)?.version === 2 ? true : undefined,
    );
    await bobClient.until("the bare listener to fail", () => (bare.errors.length > 0 ? true : undefined));
    stopBare();
    expect(bare.errors).to.deep.equal(["permission-denied"]);
    expect(bare.delivered).to.deep.equal([`${earlierExpenseId}@1`]);

    const refusal = (read: Promise<unknown>): Promise<string | undefined> =>
      read.then(
        () => undefined,
        (error: FirestoreError) => error.code,
      );
    expect(await refusal(getDocFromServer(doc(bobDevice.db, "groups", groupId)))).to.equal("permission-denied");
    expect(await refusal(getDocsFromServer(expensesSinceQuery(bobDevice, groupId, null)))).to.equal("permission-denied");
    expect(await refusal(getDocFromServer(doc(bobDevice.db, "groups", groupId, "expenses", expenseId)))).to.equal("permission-denied");
    expect(await refusal(getDocsFromServer(collection(bobDevice.db, "groups", groupId, "tombstones")))).to.equal("permission-denied");
    expect(await refusal(getDocsFromServer(collection(bobDevice.db, "groups", groupId, "conflicts")))).to.equal("permission-denied");
  });
});
