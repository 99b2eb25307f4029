// Scenarios 1 and 4: writes made offline (airplane mode) and while the network is failing are
// queued by the SDK, uploaded once it is back, and land exactly once with server timestamps —
// through the real rules and triggers on the emulator suite.
import { expect } from "chai";
import { FieldValue, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { getDocFromCache } from "firebase/firestore";
import { randomUUID } from "node:crypto";
import { adminDb, clearFirestore, emulatorHostsFromEnv, eventually } from "../tools/emulator";
import { Device, GroupReplica, SyncClient, createExpense, editExpense, expenseRef, newExpenseId } from "@expense-sync/client";
import { FlakyLink } from "./support/flakyLink";
import { Fleet, dinner, expensesBy, groupOf, replicaAndServer, serverExpenses } from "./support/fleet";

/** A server commit time taken now (the Admin SDK writes a marker document). */
async function serverNow(): Promise<AdminTimestamp> {
  const marker = adminDb().doc(`e2eMarkers/${randomUUID()}`);
  await marker.set({ at: FieldValue.serverTimestamp() });
  return (await marker.get()).get("at") as AdminTimestamp;
}

/** Waits until the group's triggers have caught up with every expense write. */
async function triggersSettled(groupId: string): Promise<void> {
  await eventually(`the triggers of group ${groupId} to settle`, async () => {
    const [group, expenses] = await Promise.all([adminDb().doc(`groups/${groupId}`).get(), serverExpenses(groupId)]);
    const latest = [...expenses.values()].reduce<AdminTimestamp | undefined>(
      (max, expense) => (!max || expense.updatedAt.valueOf() > max.valueOf() ? expense.updatedAt : max),
      undefined,
    );
    return latest && (group.get("lastActivityAt") as AdminTimestamp | undefined)?.isEqual(latest) ? true : undefined;
  });
}

async function conflictCount(groupId: string): Promise<number> {
  return (await adminDb().collection(`groups/${groupId}/conflicts`).get()).size;
}

/** Waits until `client`'s replica holds the expected versions, then checks it equals the server's expenses. */
async function replicaMatchesServer(client: SyncClient, replica: GroupReplica, expectedVersions: Record<string, number>): Promise<void> {
  await client.until(`${client.device.label}'s replica to reach the expected versions`, () =>
    replica.expenses.size === Object.keys(expectedVersions).length &&
    Object.entries(expectedVersions).every(([id, version]) => replica.expenses.get(id)?.version === version)
      ? true
      : undefined,
  );
  const { replica: local, server } = await replicaAndServer(replica);
  expect(local, `${client.device.label}'s replica`).to.deep.equal(server);
}

describe("e2e: offline writes and network failures", function () {
  this.timeout(60_000);
  const fleet = new Fleet();
  let link: FlakyLink | undefined;

  before(clearFirestore);
  afterEach(async () => {
    await fleet.closeAll();
    await link?.close();
    link = undefined;
  });

  it("queues expenses created and edited offline, then syncs each once with server timestamps to the other device", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const members = [alice.uid, bob.uid];
    const groupId = await groupOf(aliceDevice, members);
    const aliceClient = fleet.client(aliceDevice);
    const bobClient = fleet.client(bobDevice);
    await Promise.all([aliceClient.resume(groupId), bobClient.resume(groupId)]);

    await aliceDevice.goOffline();
    const [taxi, lunch, museum] = [0, 1, 2].map(() => newExpenseId(aliceDevice, groupId));
    const writes = [
      createExpense(aliceDevice, groupId, taxi, dinner(alice.uid, members, { description: "Taxi" })),
      createExpense(aliceDevice, groupId, lunch, dinner(alice.uid, members, { description: "Lunch" })),
      createExpense(aliceDevice, groupId, museum, dinner(alice.uid, members, { description: "Museum" })),
      editExpense(aliceDevice, groupId, taxi, 1, dinner(alice.uid, members, { description: "Taxi to the airport" })),
      editExpense(aliceDevice, groupId, taxi, 2, dinner(alice.uid, members, { description: "Taxi to the airport", amountMinor: 4200, splits: { [alice.uid]: 2100, [bob.uid]: 2100 } })),
      editExpense(aliceDevice, groupId, lunch, 1, dinner(alice.uid, members, { description: "Lunch", category: undefined })),
    ];
    expect(writes.map((write) => write.version)).to.deep.equal([1, 1, 1, 2, 3, 2]);

    // Offline: the device's cache shows the edits (pending, no server time yet); the server has nothing.
    const cached = await getDocFromCache(expenseRef(aliceDevice, groupId, taxi));
    expect(cached.metadata.hasPendingWrites).to.equal(true);
    expect(cached.get("version")).to.equal(3);
    expect(cached.get("updatedAt")).to.equal(null);
    expect((await serverExpenses(groupId)).size).to.equal(0);

    const beforeReconnect = await serverNow();
    await aliceDevice.goOnline();
    await Promise.all(writes.map((write) => write.acknowledged));
    await aliceDevice.flushed();

    const stored = await serverExpenses(groupId);
    expect([...stored.keys()].sort()).to.deep.equal([taxi, lunch, museum].sort());
    for (const [id, expense] of stored) {
      // Stamped by the server at upload, after the reconnect — not when the user typed it.
      expect(expense.createdAt.valueOf() > beforeReconnect.valueOf(), `${id} createdAt`).to.equal(true);
      expect(expense.updatedAt.valueOf() >= expense.createdAt.valueOf(), `${id} updatedAt`).to.equal(true);
      expect(expense).to.include({ createdBy: alice.uid, updatedBy: alice.uid, deletedAt: null });
    }
    expect(stored.get(taxi)).to.include({ version: 3, baseVersion: 2, amountMinor: 4200, description: "Taxi to the airport" });
    // Each queued write was its own commit: the edits came after the create.
    expect(stored.get(taxi)?.updatedAt.valueOf() > stored.get(taxi)?.createdAt.valueOf()).to.equal(true);
    expect(stored.get(lunch)).to.include({ version: 2, baseVersion: 1 });
    expect(stored.get(lunch)).to.not.have.property("category");

    await replicaMatchesServer(bobClient, bobClient.store.replica(groupId), { [taxi]: 3, [lunch]: 2, [museum]: 1 });
    await replicaMatchesServer(aliceClient, aliceClient.store.replica(groupId), { [taxi]: 3, [lunch]: 2, [museum]: 1 });
    await triggersSettled(groupId);
    expect(await conflictCount(groupId), "conflicts: the queued edits were in order").to.equal(0);
  });

  /** Alice on a device behind a flaky link, Bob on a good connection, both in one group. */
  async function flakyPair(): Promise<{ link: FlakyLink; alice: Device; bob: Device; members: string[]; groupId: string }> {
    const hosts = emulatorHostsFromEnv();
    link = await FlakyLink.open(hosts.firestore);
    const { user: aliceUser, device: aliceHome } = await fleet.newUser("alice");
    const { user: bobUser, device: bob } = await fleet.newUser("bob");
    const members = [aliceUser.uid, bobUser.uid];
    const groupId = await groupOf(aliceHome, members);
    const alice = await fleet.device(aliceUser, "phone", { ...hosts, firestore: link.hostPort });
    return { link, alice, bob, members, groupId };
  }

  it("retries writes made while the network is cut and lands each exactly once when it returns", async () => {
    const { link, alice, bob, members, groupId } = await flakyPair();
    const aliceClient = fleet.client(alice);
    const bobClient = fleet.client(bob);
    await Promise.all([aliceClient.resume(groupId), bobClient.resume(groupId)]);

    link.cut();
    const [hotel, train] = [0, 1].map(() => newExpenseId(alice, groupId));
    const writes = [
      createExpense(alice, groupId, hotel, dinner(alice.uid, members, { description: "Hotel" })),
      createExpense(alice, groupId, train, dinner(alice.uid, members, { description: "Train" })),
      editExpense(alice, groupId, hotel, 1, dinner(alice.uid, members, { description: "Hotel, two nights" })),
    ];
    // The SDK does not know it is offline: it keeps trying to reconnect and is refused.
    await eventually("the device to try reconnecting through the cut link", async () => (link.refusedConnections >= 2 ? true : undefined));
    expect((await serverExpenses(groupId)).size).to.equal(0);

    link.restore();
    await Promise.all(writes.map((write) => write.acknowledged));
    const stored = await serverExpenses(groupId);
    expect([...stored.keys()].sort()).to.deep.equal([hotel, train].sort());
    expect(stored.get(hotel)).to.include({ version: 2, baseVersion: 1, description: "Hotel, two nights" });
    expect(stored.get(train)).to.include({ version: 1, baseVersion: 0 });

    // Both devices' listeners carry on without help: Alice's re-attached by the SDK on reconnect.
    await replicaMatchesServer(bobClient, bobClient.store.replica(groupId), { [hotel]: 2, [train]: 1 });
    await replicaMatchesServer(aliceClient, aliceClient.store.replica(groupId), { [hotel]: 2, [train]: 1 });
    await triggersSettled(groupId);
    expect(await conflictCount(groupId)).to.equal(0);
  });

  it("lands writes exactly once when the server committed them but the reply was lost", async () => {
    const { link, alice, members, groupId } = await flakyPair();
    const [receipt] = await expensesBy(alice, groupId, members, 1);
    const before = await serverExpenses(groupId);

    link.loseReplies();
    const tickets = newExpenseId(alice, groupId);
    const edit = editExpense(alice, groupId, receipt, 1, dinner(alice.uid, members, { description: "Receipt, corrected" }));
    const create = createExpense(alice, groupId, tickets, dinner(alice.uid, members, { description: "Tickets" }));
    await eventually("the server to commit both writes", async () => {
      const stored = await serverExpenses(groupId);
      return stored.get(receipt)?.version === 2 && stored.has(tickets) ? stored : undefined;
    });
    const committed = await serverExpenses(groupId);
    // The connection then dies; the SDK, never told, sends both writes again on the next one.
    link.cut();
    await eventually("the device to try reconnecting", async () => (link.refusedConnections >= 1 ? true : undefined));
    link.restore();
    await Promise.all([edit.acknowledged, create.acknowledged]);
    await alice.flushed();

    const stored = await serverExpenses(groupId);
    expect(stored.size).to.equal(2);
    expect(stored.get(tickets)?.createdAt.isEqual(committed.get(tickets)?.createdAt)).to.equal(true);
    expect(stored.get(receipt)).to.include({ version: 2, baseVersion: 1, description: "Receipt, corrected" });
    expect(stored.get(receipt)?.createdAt.isEqual(before.get(receipt)?.createdAt)).to.equal(true);
    await triggersSettled(groupId);
    // A re-sent edit is the same edit, not a concurrent one.
    expect(await conflictCount(groupId), "conflict records").to.equal(0);
    expect(stored.get(receipt)?.updatedAt.isEqual(committed.get(receipt)?.updatedAt), "the edit committed once").to.equal(true);
  });
});
