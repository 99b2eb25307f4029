// Groups and people (issue 16): ownership hand-over, leaving, the last member leaving, a deleted
// group's purge and its restore before that, with Firebase JS SDK clients (and a v1 build) through
// the real rules and triggers on the emulator suite.
import { expect } from "chai";
import { DocumentData, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { FirestoreError, doc, getDocFromServer } from "firebase/firestore";
import { compareTimestamps } from "../core/timestamps";
import { purgeExpired, PurgeOptions } from "../functions/src/purge";
import { adminDb, clearFirestore, eventually } from "../tools/emulator";
import {
  GroupRecord,
  LocalStore,
  ReadMeter,
  SyncClient,
  createProfile,
  deleteGroup,
  editExpense,
  handOverGroup,
  removeMember,
  renameProfile,
  restoreGroup,
  softDeleteExpense,
} from "@expense-sync/client";
import { Fleet, canonical, dinner, expensesBy, groupOf, replicaAndServer } from "./support/fleet";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 30;
/** What lives under a group (docs/data-model.md). */
const GROUP_COLLECTIONS = ["expenses", "tombstones", "deletedExpenses", "conflicts"];

/** A group and everything under it, with the Admin SDK, by path, in comparable form. */
async function groupTree(groupId: string): Promise<Record<string, unknown>> {
  const db = adminDb();
  const tree: Record<string, DocumentData> = {};
  const group = await db.doc(`groups/${groupId}`).get();
  if (group.exists) tree[group.ref.path] = group.data() as DocumentData;
  for (const collection of GROUP_COLLECTIONS) {
    for (const stored of (await db.collection(`groups/${groupId}/${collection}`).get()).docs) tree[stored.ref.path] = stored.data();
  }
  return canonical(tree) as Record<string, unknown>;
}

/** Each user's profile and notifications (not the server's membership record, which a purge moves). */
async function usersTree(uids: string[]): Promise<unknown> {
  const db = adminDb();
  const tree: Record<string, DocumentData | undefined> = {};
  for (const uid of uids) {
    tree[`users/${uid}`] = (await db.doc(`users/${uid}`).get()).data();
    for (const stored of (await db.collection(`users/${uid}/notifications`).get()).docs) tree[stored.ref.path] = stored.data();
  }
  return canonical(tree);
}

/** The scheduled purge's core as it would run at `now` (the expense retention 30 days). */
const purgeAt = (now: number) =>
  purgeExpired(adminDb(), {
    now: new Date(now),
    retentionDays: { expenses: RETENTION_DAYS, records: 90, readNotifications: 30 },
    batchSize: 100,
    timeBudgetMs: 60_000,
  } satisfies PurgeOptions);

/** The error code a write's acknowledgement fails with, or undefined when it is committed. */
const refusal = (acknowledged: Promise<void>): Promise<string | undefined> =>
  acknowledged.then(
    () => undefined,
    (error: FirestoreError) => error.code,
  );

/** Waits until `client`'s Tier-1 copy of the group shows exactly these names. */
function namesShown(client: SyncClient, groupId: string, names: GroupRecord["memberNames"]): Promise<GroupRecord> {
  return client.until(`${client.device.label} to show the names ${JSON.stringify(names)}`, () => {
    const group = client.groups.get(groupId);
    return group && JSON.stringify(sortedKeys(group.memberNames)) === JSON.stringify(sortedKeys(names)) ? group : undefined;
  });
}

const sortedKeys = (map: Record<string, unknown> = {}) => Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));

describe("e2e: groups and people", function () {
  this.timeout(60_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

  it("shows co-members' names from the group documents Tier 1 already reads: no extra read, no extra listener", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const { user: carol } = await fleet.newUser("carol");
    await Promise.all([createProfile(aliceDevice, "Alice").acknowledged, createProfile(bobDevice, "Bob").acknowledged]);
    const groupId = await groupOf(aliceDevice, [alice.uid, bob.uid, carol.uid]);
    const names = { [alice.uid]: "Alice", [bob.uid]: "Bob", [carol.uid]: null };
    // Every name in place (the group trigger and the profile triggers may each write some), so no
    // copy lands after Bob's listener attaches.
    await eventually("the server to copy the names", async () =>
      JSON.stringify(sortedKeys((await adminDb().doc(`groups/${groupId}`).get()).get("memberNames"))) === JSON.stringify(sortedKeys(names)) ? true : undefined,
    );

    const meter = new ReadMeter();
    const bobClient = fleet.client(bobDevice, new LocalStore(), { meter });
    await bobClient.resume();
    const shown = await namesShown(bobClient, groupId, names);
    expect(shown.memberNames?.[alice.uid]).to.equal("Alice");
    expect(bobClient.store.nameOf(alice.uid)).to.equal("Alice");
    // One group: Tier 1's one document carries every name; nothing else was read for them.
    expect(meter.billedReads("tier1"), JSON.stringify([...meter.bySource])).to.equal(1);
    expect([...meter.bySource.keys()]).to.not.include("groupListener");

    // Profiles stay private: the names reach co-members only through the group.
    const denied = await getDocFromServer(doc(bobDevice.db, "users", alice.uid)).then(
      () => undefined,
      (error: FirestoreError) => error.code,
    );
    expect(denied).to.equal("permission-denied");
  });

  it("carries a rename to every co-member, one Tier-1 read per shared group", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const { user: carol, device: carolDevice } = await fleet.newUser("carol");
    await Promise.all([aliceDevice, bobDevice, carolDevice].map((device, i) => createProfile(device, ["Alice", "Bob", "Carol"][i]).acknowledged));
    const withBob = await groupOf(aliceDevice, [alice.uid, bob.uid], "Flat");
    const withBoth = await groupOf(aliceDevice, [alice.uid, bob.uid, carol.uid], "Trip");
    const bobMeter = new ReadMeter();
    const bobClient = fleet.client(bobDevice, new LocalStore(), { meter: bobMeter });
    const carolClient = fleet.client(carolDevice);
    await Promise.all([bobClient.resume(), carolClient.resume()]);
    await Promise.all([
      namesShown(bobClient, withBob, { [alice.uid]: "Alice", [bob.uid]: "Bob" }),
      namesShown(bobClient, withBoth, { [alice.uid]: "Alice", [bob.uid]: "Bob", [carol.uid]: "Carol" }),
      namesShown(carolClient, withBoth, { [alice.uid]: "Alice", [bob.uid]: "Bob", [carol.uid]: "Carol" }),
    ]);

    const tier1Before = bobMeter.billedReads("tier1");
    await renameProfile(aliceDevice, "Alice Liddell").acknowledged;
    await Promise.all([
      namesShown(bobClient, withBob, { [alice.uid]: "Alice Liddell", [bob.uid]: "Bob" }),
      namesShown(bobClient, withBoth, { [alice.uid]: "Alice Liddell", [bob.uid]: "Bob", [carol.uid]: "Carol" }),
      namesShown(carolClient, withBoth, { [alice.uid]: "Alice Liddell", [bob.uid]: "Bob", [carol.uid]: "Carol" }),
    ]);
    expect(bobMeter.billedReads("tier1") - tier1Before).to.equal(2);
    expect(bobClient.store.nameOf(alice.uid)).to.equal("Alice Liddell");
  });

  it("shows a rename in a quiet group at a co-member's next start: the rename moves the membership record, so Tier 1 is read in full", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: carol, device: carolDevice } = await fleet.newUser("carol");
    await Promise.all([createProfile(aliceDevice, "Alice").acknowledged, createProfile(carolDevice, "Carol").acknowledged]);
    const quiet = await groupOf(aliceDevice, [alice.uid, carol.uid], "Quiet");
    // Carol's newer group sets her mark past the quiet group's activity; with no overlap, a start
    // since that mark would not list the quiet group again.
    const later = await groupOf(carolDevice, [carol.uid], "Later");
    const store = new LocalStore();
    const first = fleet.client(carolDevice, store, { tier1OverlapMs: 0 });
    await first.resume();
    await namesShown(first, quiet, { [alice.uid]: "Alice", [carol.uid]: "Carol" });
    await first.until("the later group's activity as the mark", () => {
      const laterActivity = store.groups.get(later)?.lastActivityAt;
      return laterActivity && store.tier1Mark && compareTimestamps(store.tier1Mark, laterActivity) === 0 ? true : undefined;
    });
    expect(compareTimestamps(store.groups.get(quiet)!.lastActivityAt!, store.tier1Mark!)).to.be.lessThan(0);
    await first.background();
    first.stop();

    const seenBefore = store.membershipSeen;
    await renameProfile(aliceDevice, "Alice Liddell").acknowledged;
    await eventually("the rename copied and carol's record moved", async () => {
      const [group, record] = await Promise.all([adminDb().doc(`groups/${quiet}`).get(), adminDb().doc(`users/${carol.uid}/sync/membership`).get()]);
      const moved = record.exists && (seenBefore == null || !record.get("changedAt").isEqual(seenBefore));
      return group.get(`memberNames.${alice.uid}`) === "Alice Liddell" && moved ? true : undefined;
    });

    const meter = new ReadMeter();
    const second = fleet.client(carolDevice, store, { tier1OverlapMs: 0, meter });
    await second.resume();
    await namesShown(second, quiet, { [alice.uid]: "Alice Liddell", [carol.uid]: "Carol" });
    expect(meter.billedReads("tier1"), "Tier 1 in full: both of carol's groups").to.equal(2);
    expect(store.nameOf(alice.uid)).to.equal("Alice Liddell");
  });

  it("stops showing a removed member through the group; a device that saw the name keeps it for old expenses", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const { user: carol, device: carolDevice } = await fleet.newUser("carol");
    await Promise.all([aliceDevice, bobDevice, carolDevice].map((device, i) => createProfile(device, ["Alice", "Bob", "Carol"][i]).acknowledged));
    const groupId = await groupOf(aliceDevice, [alice.uid, bob.uid, carol.uid]);
    const bobClient = fleet.client(bobDevice);
    await bobClient.resume(groupId);
    await namesShown(bobClient, groupId, { [alice.uid]: "Alice", [bob.uid]: "Bob", [carol.uid]: "Carol" });

    await removeMember(aliceDevice, groupId, carol.uid).acknowledged;
    await namesShown(bobClient, groupId, { [alice.uid]: "Alice", [bob.uid]: "Bob" });
    const stored = (await adminDb().doc(`groups/${groupId}`).get()).get("memberNames") as Record<string, string>;
    expect(Object.keys(stored)).to.not.include(carol.uid);
    // Bob's device saw Carol's name while she was a member, and keeps it for what she paid.
    expect(bobClient.store.nameOf(carol.uid)).to.equal("Carol");

    // A device that never saw her (a new install) has no way to learn it: the app shows a fallback.
    const freshDevice = await fleet.device(bob, "new-install");
    const freshClient = fleet.client(freshDevice);
    await freshClient.resume(groupId);
    await namesShown(freshClient, groupId, { [alice.uid]: "Alice", [bob.uid]: "Bob" });
    expect(freshClient.store.nameOf(carol.uid)).to.equal(undefined);
  });

  it("lets the owner hand the group over and then leave; the new owner sees the audited hand-over", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    const groupId = await groupOf(aliceDevice, [alice.uid, bob.uid]);
    const aliceClient = fleet.client(aliceDevice);
    const bobClient = fleet.client(bobDevice);
    await Promise.all([aliceClient.resume(groupId), bobClient.resume(groupId)]);

    // An owner with others in the group cannot just leave.
    expect(await refusal(removeMember(aliceDevice, groupId, alice.uid).acknowledged)).to.equal("permission-denied");

    await handOverGroup(aliceDevice, groupId, bob.uid).acknowledged;
    const handedOver = await bobClient.until("Bob's Tier 1 to show him as owner", () => {
      const group = bobClient.groups.get(groupId);
      return group?.ownerId === bob.uid ? group : undefined;
    });
    expect(handedOver.handedOverBy).to.equal(alice.uid);
    expect(handedOver.handedOverAt?.isEqual(handedOver.updatedAt)).to.equal(true);

    await removeMember(aliceDevice, groupId, alice.uid).acknowledged;
    await aliceClient.until("Alice's client to lose the group", () => aliceClient.lostGroups.find((lost) => lost.groupId === groupId));
    const remaining = await bobClient.until("Bob's Tier 1 to show Alice gone", () => {
      const group = bobClient.groups.get(groupId);
      return group?.memberIds.length === 1 ? group : undefined;
    });
    expect(remaining).to.deep.include({ ownerId: bob.uid, memberIds: [bob.uid], deletedAt: null });
  });

  it("soft-deletes the group when its last member leaves, naming that member", async () => {
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const groupId = await groupOf(aliceDevice, [alice.uid], "Solo");
    const aliceClient = fleet.client(aliceDevice);
    await aliceClient.resume(groupId);

    await removeMember(aliceDevice, groupId, alice.uid).acknowledged;
    await aliceClient.until("Alice's client to lose the group", () => aliceClient.lostGroups.find((lost) => lost.groupId === groupId));
    const deleted = await eventually("the server to soft-delete the group", async () => {
      const group = (await adminDb().doc(`groups/${groupId}`).get()).data();
      return group?.deletedAt ? group : undefined;
    });
    expect(deleted).to.deep.include({ memberIds: [], ownerId: alice.uid, deletedBy: alice.uid });
    expect(compareTimestamps(deleted.deletedAt, deleted.updatedAt)).to.be.greaterThan(0);
  });
  it("purges a deleted group after the retention with its expenses, tombstones, conflicts and names, and nothing else; a restore before that brings it all back", async function () {
    this.timeout(150_000);
    const { user: alice, device: aliceDevice } = await fleet.newUser("alice");
    const { user: bob, device: bobDevice } = await fleet.newUser("bob");
    await Promise.all([createProfile(aliceDevice, "Alice").acknowledged, createProfile(bobDevice, "Bob").acknowledged]);
    const members = [alice.uid, bob.uid];
    const doomed = await groupOf(aliceDevice, members, "Doomed");
    const kept = await groupOf(aliceDevice, members, "Kept");
    const expenses = new Map<string, string[]>();
    for (const groupId of [doomed, kept]) {
      const ids = await expensesBy(aliceDevice, groupId, members, 3);
      expenses.set(groupId, ids);
      // Bob edits from the version Alice already replaced: a conflict, and a notification for Alice.
      await editExpense(aliceDevice, groupId, ids[0], 1, dinner(alice.uid, members, { description: "Alice's edit" })).acknowledged;
      await editExpense(bobDevice, groupId, ids[0], 1, dinner(alice.uid, members, { description: "Bob's edit" })).acknowledged;
    }
    // A soft delete (and its tombstone) in the doomed group only: in the kept one the purge would rightly take it.
    await softDeleteExpense(aliceDevice, doomed, expenses.get(doomed)![1], 1).acknowledged;
    const settled = async (groupId: string, tombstones: number) => {
      const tree = await groupTree(groupId);
      const count = (collection: string) => Object.keys(tree).filter((path) => path.startsWith(`groups/${groupId}/${collection}/`)).length;
      const group = tree[`groups/${groupId}`] as { memberNames?: Record<string, string>; lastActivityAt?: string };
      const names = group.memberNames;
      // Canonical times ("time:seconds.nanoseconds", fixed widths) sort as strings.
      const latestWrite = Object.entries(tree)
        .filter(([path]) => path.startsWith(`groups/${groupId}/expenses/`))
        .map(([, expense]) => (expense as { updatedAt: string }).updatedAt)
        .sort()
        .pop();
      const activityCaughtUp = group.lastActivityAt !== undefined && latestWrite !== undefined && group.lastActivityAt >= latestWrite;
      const complete = count("conflicts") === 1 && count("tombstones") === tombstones && names?.[alice.uid] === "Alice" && names[bob.uid] === "Bob";
      return complete && activityCaughtUp ? tree : undefined;
    };
    await eventually("the doomed group's conflict, tombstone and names", () => settled(doomed, 1));
    const keptTree = await eventually("the kept group's conflict and names", () => settled(kept, 0));

    // Bob's phone syncs both groups, then the app closes: its next start is after the delete.
    const bobStore = new LocalStore();
    const bobFirst = fleet.client(bobDevice, bobStore);
    await bobFirst.resume(doomed);
    const synced = await replicaAndServer(bobStore.replica(doomed));
    expect(synced.replica).to.deep.equal(synced.server);
    bobFirst.stop();
    // Alice keeps listening; Bob also has a v1 build on another phone.
    const aliceClient = fleet.client(aliceDevice);
    await aliceClient.resume();
    const bobV1 = fleet.legacy(await fleet.device(bob, "v1"), { clockSkewMs: 0, pollIntervalMs: 500, reads: "full" });
    await bobV1.start();
    await bobV1.until("the v1 build to show both groups", () => (bobV1.groups.has(doomed) && bobV1.groups.has(kept) ? true : undefined));

    // Deleted, and restored a day before the retention runs out: nothing is gone.
    const deletedAt = async () => (await adminDb().doc(`groups/${doomed}`).get()).get("deletedAt") as AdminTimestamp;
    await deleteGroup(aliceDevice, doomed).acknowledged;
    const beforePurge = await groupTree(doomed);
    const notYet = await purgeAt((await deletedAt()).toMillis() + (RETENTION_DAYS - 1) * DAY_MS);
    expect(notYet.groupsPurged).to.not.include(doomed);
    expect(await groupTree(doomed)).to.deep.equal(beforePurge);
    await restoreGroup(aliceDevice, doomed).acknowledged;
    const bobBack = fleet.client(bobDevice, bobStore);
    await bobBack.resume(doomed);
    const restored = await bobBack.until("Bob's phone to show the group restored", () => (bobBack.groups.get(doomed)?.deletedAt === null ? bobBack.groups.get(doomed) : undefined));
    expect(restored.memberNames).to.deep.equal({ [alice.uid]: "Alice", [bob.uid]: "Bob" });
    const { replica, server } = await replicaAndServer(bobStore.replica(doomed));
    expect(replica).to.deep.equal(server);
    expect(Object.keys(server as object)).to.have.members(expenses.get(doomed)!);
    bobBack.stop();

    // Deleted again, and this time the retention runs out.
    await deleteGroup(aliceDevice, doomed).acknowledged;
    const deletedAgain = await deletedAt();
    const usersBefore = await usersTree(members);
    const report = await purgeAt(deletedAgain.toMillis() + RETENTION_DAYS * DAY_MS + 1);
    expect(report.complete).to.equal(true);
    expect(report.groupsPurged).to.include(doomed);
    // Three expenses (the soft-deleted one went with the expense kind, the rest with the group), its tombstone and its conflict.
    expect(report.byGroup.get(doomed)).to.deep.equal({ expenses: 3, tombstones: 1, conflicts: 1 });
    expect(await groupTree(doomed), "the group, its name copies and everything under it").to.deep.equal({});
    expect(await groupTree(kept), "the other group").to.deep.equal(keptTree);
    expect(await usersTree(members), "profiles and notifications").to.deep.equal(usersBefore);

    // The live listener loses it; Bob's phone, last synced before the delete, drops it at its next start.
    await aliceClient.until("Alice's client to lose the purged group", () => aliceClient.lostGroups.find((lost) => lost.groupId === doomed));
    const bobLater = fleet.client(bobDevice, bobStore);
    await bobLater.resume(kept);
    expect(bobLater.lostGroups).to.deep.equal([{ groupId: doomed, reason: "left-tier1" }]);
    expect([...bobLater.groups.keys()]).to.deep.equal([kept]);
    expect(bobStore.has(doomed)).to.equal(false);
    const keptReplica = await replicaAndServer(bobStore.replica(kept));
    expect(keptReplica.replica).to.deep.equal(keptReplica.server);
    // The v1 build stops listing it, and goes on with the other group.
    const shown = await bobV1.until("the v1 build to stop showing the purged group", () => (bobV1.groups.has(doomed) ? undefined : [...bobV1.groups.keys()]));
    expect(shown).to.deep.equal([kept]);
    expect([...(bobV1.expenses.get(kept)?.keys() ?? [])]).to.have.members(expenses.get(kept)!);
    expect(bobV1.refused).to.deep.equal([]);
  });
});
