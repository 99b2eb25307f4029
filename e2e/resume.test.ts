// Scenario 5: a device detaches its listeners (app in the background) while others write, delete
// and restore, and an admin hard-deletes an expense. On resume it catches up through Tier-3 deltas
// and ends identical to the server. After a long absence that a purge overtook (its cursor older
// than the group's purgedBefore), it resyncs the group in full instead — still identical.
import { expect } from "chai";
import { Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { purgeExpired } from "../functions/src/purge";
import { adminDb, clearFirestore, eventually } from "../tools/emulator";
import { ReadMeter, createExpense, editExpense, newExpenseId, restoreExpense, softDeleteExpense } from "@expense-sync/client";
import { Fleet, dinner, expensesBy, groupOf, replicaAndServer, serverExpenses } from "./support/fleet";

const DAY_MS = 86_400_000;

async function tombstoneIds(groupId: string): Promise<string[]> {
  return (await adminDb().collection(`groups/${groupId}/tombstones`).get()).docs.map((doc) => doc.id).sort();
}

/** Waits until the group's tombstones are exactly `expected` and lastActivityAt covers every expense write. */
async function serverSettled(groupId: string, expected: string[]): Promise<void> {
  await eventually(`group ${groupId} to settle with tombstones ${expected.join(", ")}`, async () => {
    const [group, expenses, tombstones] = await Promise.all([adminDb().doc(`groups/${groupId}`).get(), serverExpenses(groupId), tombstoneIds(groupId)]);
    const last = group.get("lastActivityAt") as AdminTimestamp | undefined;
    const covered = [...expenses.values()].every((expense) => last && (expense.updatedAt as AdminTimestamp).valueOf() <= last.valueOf());
    return covered && tombstones.join() === [...expected].sort().join() ? true : undefined;
  });
}

describe("e2e: resuming after the background", function () {
  this.timeout(60_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

  it("catches up through Tier-3 deltas — edits, soft deletes, a restore, a hard delete — and re-listens from the cursor", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const members = [alice.uid, bob.uid];
    const groupId = await groupOf(aliceDevice, members);
    const [kept, edited, deleted, restored, hardDeleted] = await expensesBy(aliceDevice, groupId, members, 5);
    const meter = new ReadMeter();
    const bobClient = fleet.client(bobDevice, undefined, { meter });
    await bobClient.resume(groupId);
    const replica = bobClient.store.replica(groupId);
    expect(replica.expenses.size).to.equal(5);
    await bobClient.background();

    // While Bob's app sleeps.
    const added = newExpenseId(aliceDevice, groupId);
    await Promise.all([
      createExpense(aliceDevice, groupId, added, dinner(alice.uid, members, { description: "Groceries" })).acknowledged,
      editExpense(aliceDevice, groupId, edited, 1, dinner(alice.uid, members, { description: "Dinner, corrected" })).acknowledged,
      softDeleteExpense(aliceDevice, groupId, deleted, 1).acknowledged,
      softDeleteExpense(aliceDevice, groupId, restored, 1).acknowledged,
    ]);
    await restoreExpense(aliceDevice, groupId, restored, 2).acknowledged;
    await adminDb().doc(`groups/${groupId}/expenses/${hardDeleted}`).delete();
    await serverSettled(groupId, [deleted, hardDeleted]);
    expect(bobClient.activeGroupId).to.equal(undefined);
    expect(replica.expenses.get(edited)?.version, "nothing reached the sleeping app").to.equal(1);

    const readsBeforeResume = meter.documents();
    const resyncReadsBeforeResume = meter.documents("resync");
    const outcomes = await bobClient.resume();
    expect(outcomes.get(groupId)).to.equal("delta");
    expect(meter.documents("resync"), "no full read").to.equal(resyncReadsBeforeResume);
    const { replica: local, server } = await replicaAndServer(replica);
    expect(local).to.deep.equal(server);
    expect(replica.expenses.has(hardDeleted)).to.equal(false);
    expect(replica.expenses.get(deleted)?.deletedBy).to.equal(alice.uid);
    expect(replica.expenses.get(restored)).to.include({ version: 3, deletedAt: null });
    expect(replica.expenses.get(kept)?.version).to.equal(1);
    expect(replica.expenses.has(added)).to.equal(true);
    // Tier 1 (one group) + the four changed expenses + the two tombstones, nothing unchanged.
    expect(meter.documents() - readsBeforeResume).to.equal(1 + 4 + 2);

    // Opening the group re-attaches Tier 2 from the cursor: no document again, and live from there.
    expect(await bobClient.open(groupId)).to.equal("current");
    expect(meter.bySource.get("tier2")).to.deep.equal({ documents: 0, results: 2, emptyResults: 2 });
    const later = newExpenseId(aliceDevice, groupId);
    await createExpense(aliceDevice, groupId, later, dinner(alice.uid, members, { description: "Ferry" })).acknowledged;
    await bobClient.until("Bob's re-attached listener to deliver the new expense", () => replica.expenses.get(later));
    expect(meter.bySource.get("tier2")?.documents).to.equal(1);
  });

  it("resyncs in full when its cursor is older than the group's purgedBefore, and ends identical to the server", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const members = [alice.uid, bob.uid];
    const groupId = await groupOf(aliceDevice, members);
    const [first, second, third, fourth] = await expensesBy(aliceDevice, groupId, members, 4);
    const bobClient = fleet.client(bobDevice);
    await bobClient.resume(groupId);
    const replica = bobClient.store.replica(groupId);
    await bobClient.background();

    // Bob stays away; two expenses are deleted, one edited, and the purge later removes the
    // deleted ones together with their tombstones: no delta could tell Bob about them any more.
    await Promise.all([
      softDeleteExpense(aliceDevice, groupId, first, 1).acknowledged,
      softDeleteExpense(aliceDevice, groupId, second, 1).acknowledged,
      editExpense(aliceDevice, groupId, third, 1, dinner(alice.uid, members, { description: "Boat trip" })).acknowledged,
    ]);
    await serverSettled(groupId, [first, second]);
    const stored = await serverExpenses(groupId);
    const lastDeletion = Math.max(stored.get(first)?.deletedAt.toMillis(), stored.get(second)?.deletedAt.toMillis());
    // The purge as it would run 30 days after the deletions (every retention 30 days).
    const report = await purgeExpired(adminDb(), {
      now: new Date(lastDeletion + 30 * DAY_MS + 1),
      retentionDays: { expenses: 30, records: 30, readNotifications: 30 },
      batchSize: 100,
      timeBudgetMs: 60_000,
    });
    expect(report.complete).to.equal(true);
    expect(report.byGroup.get(groupId)).to.deep.include({ expenses: 2, tombstones: 2 });
    const purgedBefore = (await adminDb().doc(`groups/${groupId}`).get()).get("purgedBefore") as AdminTimestamp;
    expect(purgedBefore.toMillis()).to.equal(lastDeletion + 1);
    expect(await tombstoneIds(groupId)).to.deep.equal([]);
    expect(replica.cursor && replica.cursor.toMillis() < purgedBefore.toMillis()).to.equal(true);
    expect(replica.expenses.get(first)?.deletedAt).to.equal(null);

        const outcomes = await bobClient.resume();
        expect(outcomes.get(groupId)).to.equal("full-resync");
    const { replica: local, server } = await replicaAndServer(replica);
    expect(local).to.deep.equal(server);
    expect([...replica.expenses.keys()].sort()).to.deep.equal([third, fourth].sort());
    expect(replica.expenses.get(third)?.description).to.equal("Boat trip");
    // And after that, the group is current: no second full read on the next resume.
    await bobClient.background();
        expect((await bobClient.resume()).get(groupId)).to.equal("current");
  });
});
