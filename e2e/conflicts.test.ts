// Scenario 3: two users edit the same expense offline and reconnect one after the other. The last
// writer by server time wins; the server keeps the overwritten edit in a conflict record and tells
// its author, who reads it and marks the notification read.
import { expect } from "chai";
import { DocumentData, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { FirestoreError, doc, serverTimestamp, updateDoc } from "firebase/firestore";
import { adminDb, clearFirestore, eventually } from "../tools/emulator";
import { Device, SyncClient, editExpense, fetchConflict, fetchUnreadNotifications, markNotificationRead, softDeleteExpense } from "@expense-sync/client";
import { Fleet, dinner, expensesBy, groupOf, serverExpenses } from "./support/fleet";

describe("e2e: concurrent offline edits", function () {
  this.timeout(60_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

  interface Pair {
    alice: Device;
    bob: Device;
    aliceClient: SyncClient;
    members: string[];
    groupId: string;
    expenseId: string;
  }

  /** Alice and Bob both hold version 1 of one expense, then go offline. */
  async function bothOfflineWithOneExpense(): Promise<Pair> {
    const { user: aliceUser, device: alice } = await fleet.newUser("alice");
    const { user: bobUser, device: bob } = await fleet.newUser("bob");
    const members = [aliceUser.uid, bobUser.uid];
    const groupId = await groupOf(alice, members);
    const [expenseId] = await expensesBy(alice, groupId, members, 1);
    const aliceClient = fleet.client(alice);
    const bobClient = fleet.client(bob);
    await Promise.all([aliceClient.resume(groupId), bobClient.resume(groupId)]);
    for (const client of [aliceClient, bobClient]) {
      expect(client.store.replica(groupId).expenses.get(expenseId)?.version).to.equal(1);
    }
    await Promise.all([alice.goOffline(), bob.goOffline()]);
    return { alice, bob, aliceClient, members, groupId, expenseId };
  }

  async function onlyConflictOf(groupId: string): Promise<{ id: string; data: DocumentData }> {
    return eventually("the conflict record", async () => {
      const conflicts = await adminDb().collection(`groups/${groupId}/conflicts`).get();
      return conflicts.size === 1 ? { id: conflicts.docs[0].id, data: conflicts.docs[0].data() } : undefined;
    });
  }

  it("keeps the later upload, records the overwritten edit in full, and notifies its author, who marks it read", async () => {
    const { alice, bob, aliceClient, members, groupId, expenseId } = await bothOfflineWithOneExpense();
    const alicesEdit = editExpense(alice, groupId, expenseId, 1, dinner(alice.uid, members, { description: "Dinner with wine", amountMinor: 6000, splits: { [alice.uid]: 3000, [bob.uid]: 3000 } }));
    const bobsEdit = editExpense(bob, groupId, expenseId, 1, dinner(alice.uid, members, { description: "Dinner (Bob's receipt)", category: "restaurants" }));
    expect([alicesEdit.version, bobsEdit.version]).to.deep.equal([2, 2]);

    await alice.goOnline();
    await alicesEdit.acknowledged;
    await bob.goOnline();
    await bobsEdit.acknowledged;

    // Bob uploaded last: his whole document stands, nothing of Alice's edit mixed in.
    const stored = (await serverExpenses(groupId)).get(expenseId);
    expect(stored).to.include({ description: "Dinner (Bob's receipt)", category: "restaurants", amountMinor: 3000, version: 2, baseVersion: 1, updatedBy: bob.uid });

    const conflict = await onlyConflictOf(groupId);
    expect(conflict.data).to.include({ expenseId, resolution: "last-writer-wins" });
    expect(conflict.data.winner).to.include({ updatedBy: bob.uid, version: 2, baseVersion: 1 });
    expect(conflict.data.overwritten).to.include({ updatedBy: alice.uid, version: 2 });
    expect(conflict.data.overwritten.data).to.include({ description: "Dinner with wine", amountMinor: 6000 });
    const winnerAt = conflict.data.winner.updatedAt as AdminTimestamp;
    expect(winnerAt.isEqual(stored?.updatedAt)).to.equal(true);
    expect(winnerAt.valueOf() > (conflict.data.overwritten.updatedAt as AdminTimestamp).valueOf(), "winner is later by server time").to.equal(true);

    // Alice's device: her Tier-2 listener shows Bob's version; the notification points at the record.
    const aliceReplica = aliceClient.store.replica(groupId);
    await aliceClient.until("Alice's replica to show Bob's version", () => (aliceReplica.expenses.get(expenseId)?.updatedBy === bob.uid ? true : undefined));
    const [notification] = await eventually("Alice's notification", async () => {
      const unread = await fetchUnreadNotifications(alice);
      return unread.length === 1 ? unread : undefined;
    });
    expect(notification.notification).to.include({ type: "conflict", groupId, expenseId, conflictId: conflict.id, readAt: null });
    expect(await fetchUnreadNotifications(bob), "the winner is not notified").to.deep.equal([]);
    const record = await fetchConflict(alice, groupId, notification.notification.conflictId);
    expect(record.overwritten.data).to.include({ description: "Dinner with wine", amountMinor: 6000 });

    await markNotificationRead(alice, notification.id).acknowledged;
    const read = await adminDb().doc(`users/${alice.uid}/notifications/${notification.id}`).get();
    expect(read.get("readAt")).to.be.instanceOf(AdminTimestamp);
    expect(await fetchUnreadNotifications(alice)).to.deep.equal([]);
    // readAt is set once; and nobody else may touch Alice's notifications.
    const refusal = (write: Promise<unknown>): Promise<string | undefined> =>
      write.then(
        () => undefined,
        (error: FirestoreError) => error.code,
      );
    expect(await refusal(updateDoc(doc(alice.db, "users", alice.uid, "notifications", notification.id), { readAt: serverTimestamp() }))).to.equal("permission-denied");
    expect(await refusal(updateDoc(doc(bob.db, "users", alice.uid, "notifications", notification.id), { readAt: serverTimestamp() }))).to.equal("permission-denied");
  });

  it("lets a stale soft delete win over an edit uploaded earlier, keeping the edit in the conflict record", async () => {
    const { alice, bob, members, groupId, expenseId } = await bothOfflineWithOneExpense();
    const alicesEdit = editExpense(alice, groupId, expenseId, 1, dinner(alice.uid, members, { description: "Dinner, tip included", amountMinor: 3300 }));
    const bobsDelete = softDeleteExpense(bob, groupId, expenseId, 1);
    await alice.goOnline();
    await alicesEdit.acknowledged;
    await bob.goOnline();
    await bobsDelete.acknowledged;

    const stored = (await serverExpenses(groupId)).get(expenseId);
    expect(stored).to.include({ deletedBy: bob.uid, version: 2, updatedBy: bob.uid });
    const conflict = await onlyConflictOf(groupId);
    expect(conflict.data.overwritten.data).to.include({ description: "Dinner, tip included", amountMinor: 3300, deletedAt: null });
    await eventually("Alice's notification", async () => ((await fetchUnreadNotifications(alice)).length === 1 ? true : undefined));
  });

  it("lets a stale edit win over a soft delete uploaded earlier: the expense is live again, the delete kept in the conflict record", async () => {
    const { alice, bob, members, groupId, expenseId } = await bothOfflineWithOneExpense();
    const bobsDelete = softDeleteExpense(bob, groupId, expenseId, 1);
    const alicesEdit = editExpense(alice, groupId, expenseId, 1, dinner(alice.uid, members, { description: "Dinner, tip included", amountMinor: 3300 }));
    await bob.goOnline();
    await bobsDelete.acknowledged;
    await alice.goOnline();
    // The contract: "The write still wins (last writer by server time)". Refusing it would lose Alice's edit.
    await alicesEdit.acknowledged;

    const stored = (await serverExpenses(groupId)).get(expenseId);
    expect(stored).to.include({ description: "Dinner, tip included", deletedAt: null, updatedBy: alice.uid });
    const conflict = await onlyConflictOf(groupId);
    expect(conflict.data.overwritten).to.include({ updatedBy: bob.uid });
    expect(conflict.data.overwritten.data.deletedBy).to.equal(bob.uid);
    await eventually("Bob's notification", async () => ((await fetchUnreadNotifications(bob)).length === 1 ? true : undefined));
  });
});
