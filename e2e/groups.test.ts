// Groups and people (issue 16): ownership hand-over, leaving, the last member leaving, with
// Firebase JS SDK clients through the real rules and triggers on the emulator suite.
import { expect } from "chai";
import { FirestoreError } from "firebase/firestore";
import { compareTimestamps } from "../core/timestamps";
import { adminDb, clearFirestore, eventually } from "../tools/emulator";
import { handOverGroup, removeMember } from "../client";
import { Fleet, groupOf } from "./support/fleet";

/** The error code a write's acknowledgement fails with, or undefined when it is committed. */
const refusal = (acknowledged: Promise<void>): Promise<string | undefined> =>
  acknowledged.then(
    () => undefined,
    (error: FirestoreError) => error.code,
  );

describe("e2e: groups and people", function () {
  this.timeout(60_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

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
