// Tier 1 at a cold start (contract v2.1): the device reads only the groups active since its mark,
// and in full only when the server's membership record says a group left its Tier 1 unseen (a
// removal, a group deleted or restored) — what a query since the mark can never show.
import { expect } from "chai";
import { FieldValue, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { adminDb, clearFirestore, eventually } from "../tools/emulator";
import { LocalStore, ReadMeter, SyncClient, removeMember } from "@expense-sync/client";
import { Fleet, expensesBy, groupOf, replicaAndServer } from "./support/fleet";

/** Waits until the server has stamped `uid`'s membership record for `groupId`, later than `after`. */
async function membershipRecorded(uid: string, groupId: string, after?: AdminTimestamp): Promise<AdminTimestamp> {
  return eventually(`${uid}'s membership record for ${groupId}`, async () => {
    const record = (await adminDb().doc(`users/${uid}/sync/membership`).get()).data();
    const changedAt = record?.changedAt as AdminTimestamp | undefined;
    return record?.groupId === groupId && changedAt && (!after || changedAt.valueOf() > after.valueOf()) ? changedAt : undefined;
  });
}

/** Waits until the group's lastActivityAt covers every expense write in it (the triggers are done). */
async function activityCovers(groupId: string): Promise<void> {
  await eventually(`${groupId}'s activity to cover its expenses`, async () => {
    const [group, expenses] = await Promise.all([adminDb().doc(`groups/${groupId}`).get(), adminDb().collection(`groups/${groupId}/expenses`).get()]);
    const last = group.get("lastActivityAt") as AdminTimestamp;
    return expenses.docs.every((expense) => (expense.get("updatedAt") as AdminTimestamp).valueOf() <= last.valueOf()) ? true : undefined;
  });
}

/** Documents and requests a resume cost, by source, as the meter counted them. */
async function resumeCost(client: SyncClient, meter: ReadMeter): Promise<{ tier1: number; membership: number; tier3: number }> {
  const before = { tier1: meter.documents("tier1"), membership: meter.billedReads("membership"), tier3: meter.documents("tier3") };
  await client.resume();
  return {
    tier1: meter.documents("tier1") - before.tier1,
    membership: meter.billedReads("membership") - before.membership,
    tier3: meter.documents("tier3") - before.tier3,
  };
}

describe("e2e: Tier 1 at a cold start", function () {
  this.timeout(60_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

  it("reads only the groups active since the device's mark, and catches up just those", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: carol, device: carolDevice } = await fleet.newUser("carol");
    const members = [alice.uid, carol.uid];
    const groupIds: string[] = [];
    for (const name of ["Flat", "Lisbon", "Book club", "Climbing"]) groupIds.push(await groupOf(aliceDevice, members, name));
    await expensesBy(aliceDevice, groupIds[1], members, 2);
    await activityCovers(groupIds[1]);

    const store = new LocalStore();
    const meter = new ReadMeter();
    // Every trigger has run before each resume below, so no group is raised behind the mark and
    // the overlap (TIER1_OVERLAP_MS, which would take in every group made in this last hour) is off.
    const options = { meter, tier1OverlapMs: 0 };
    const first = fleet.client(carolDevice, store, options);
    expect(await resumeCost(first, meter), "first start: every group").to.deep.include({ tier1: 4, membership: 1 });
    await first.background();

    await expensesBy(aliceDevice, groupIds[2], members, 3);
    await activityCovers(groupIds[2]);
    const second = fleet.client(carolDevice, store, options);
    // One group document, the record's one (empty) read, and the three new expenses.
    expect(await resumeCost(second, meter)).to.deep.equal({ tier1: 1, membership: 1, tier3: 3 });
    expect([...second.groups.keys()].sort()).to.deep.equal([...groupIds].sort());
    for (const groupId of groupIds) {
      const { replica, server } = await replicaAndServer(store.replica(groupId));
      expect(replica, groupId).to.deep.equal(server);
    }
    await second.background();

    // Nothing happened since: the since query comes back empty.
    expect(await resumeCost(fleet.client(carolDevice, store, options), meter)).to.deep.equal({ tier1: 0, membership: 1, tier3: 0 });

    // With the default overlap, the groups active in the hour before the mark are read again
    // (one read each), and none needs a catch-up.
    expect(await resumeCost(fleet.client(carolDevice, store, { meter }), meter)).to.deep.equal({ tier1: 4, membership: 1, tier3: 0 });
  });

  it("with catch-up on open, reads nothing for a group with news until the user opens it", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: dan, device: danDevice } = await fleet.newUser("dan");
    const members = [alice.uid, dan.uid];
    const [home, away] = [await groupOf(aliceDevice, members, "Home"), await groupOf(aliceDevice, members, "Away")];
    const store = new LocalStore();
    const meter = new ReadMeter();
    const options = { meter, tier1OverlapMs: 0, catchUp: "open" as const };
    // Yesterday's session left both groups current.
    await fleet.client(danDevice, store, { meter, tier1OverlapMs: 0 }).resume();
    await Promise.all([expensesBy(aliceDevice, home, members, 1), expensesBy(aliceDevice, away, members, 2)]);
    await Promise.all([activityCovers(home), activityCovers(away)]);

    const client = fleet.client(danDevice, store, options);
    const outcomes = await client.resume(home);
    expect([...outcomes.keys()], "only the active group is caught up").to.deep.equal([home]);
    expect(store.replica(away).expenses.size, "the other waits for its open").to.equal(0);
    expect(client.groups.get(away)?.lastActivityAt, "but Tier 1 shows it has news").to.not.equal(undefined);
    const before = meter.documents("tier3");
    expect(await client.open(away)).to.equal("delta");
    expect(meter.documents("tier3") - before).to.equal(2);
    const { replica, server } = await replicaAndServer(store.replica(away));
    expect(replica).to.deep.equal(server);
  });

  it("learns at a cold start that it was removed from a group and that another was deleted, then restored, while it was away", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const members = [alice.uid, bob.uid];
    const [left, deleted, kept] = [await groupOf(aliceDevice, members, "Left"), await groupOf(aliceDevice, members, "Deleted"), await groupOf(aliceDevice, members, "Kept")];
    await expensesBy(aliceDevice, left, members, 1);

    const store = new LocalStore();
    const meter = new ReadMeter();
    const before = fleet.client(bobDevice, store, { meter });
    await before.resume();
    expect([...before.groups.keys()].sort()).to.deep.equal([left, deleted, kept].sort());
    await before.background();

    // While Bob's app sleeps: removed from one group, another soft-deleted by its owner. Neither
    // moves a lastActivityAt his query since the mark could see.
    await removeMember(aliceDevice, left, bob.uid).acknowledged;
    const removal = await membershipRecorded(bob.uid, left);
    await adminDb().doc(`groups/${deleted}`).update({ deletedAt: FieldValue.serverTimestamp(), deletedBy: alice.uid });
    const deletion = await membershipRecorded(bob.uid, deleted, removal);

    const after = fleet.client(bobDevice, store, { meter });
    const cost = await resumeCost(after, meter);
    expect(cost.tier1, "a full Tier-1 read: the two groups Bob still has").to.equal(2);
    expect(after.lostGroups).to.deep.equal([{ groupId: left, reason: "left-tier1" }]);
    expect(store.has(left), "the lost group's local data is gone").to.equal(false);
    expect(after.groups.get(deleted)?.deletedAt, "shown as deleted").to.not.equal(null);
    expect(after.groups.has(kept)).to.equal(true);
    await after.background();

    // The owner restores it: again no activity, again the record.
    await adminDb().doc(`groups/${deleted}`).update({ deletedAt: null, deletedBy: null });
    await membershipRecorded(bob.uid, deleted, deletion);
    const restored = fleet.client(bobDevice, store, { meter });
    expect((await resumeCost(restored, meter)).tier1).to.equal(2);
    expect(restored.groups.get(deleted)?.deletedAt).to.equal(null);
  });
});
