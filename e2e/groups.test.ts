// Groups and people (issue 16): ownership hand-over, leaving, the last member leaving, with
// Firebase JS SDK clients through the real rules and triggers on the emulator suite.
import { expect } from "chai";
import { FirestoreError, doc, getDocFromServer } from "firebase/firestore";
import { compareTimestamps } from "../core/timestamps";
import { adminDb, clearFirestore, eventually } from "../tools/emulator";
import { GroupRecord, LocalStore, ReadMeter, SyncClient, createProfile, handOverGroup, removeMember, renameProfile } from "@expense-sync/client";
import { Fleet, groupOf } from "./support/fleet";

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
});
