// Members' names (memberNames) through the real Functions and Firestore emulators: the group
// trigger keeps them to the members, the profile trigger carries renames into every group.
import { expect } from "chai";
import { DocumentData, FieldValue, Firestore } from "firebase-admin/firestore";
import { groupSchema } from "../../../core/schemas";
import { adminDb, clearFirestore, eventually } from "../../../tools/emulator";
import { handleProfileWrite } from "../../src/people";
import { drainTriggers } from "../support/emulator";
import { groupFixture, legacyGroupFixture } from "../support/fixtures";

describe("member names (through the emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;
  let n = 0;
  let ann: string;
  let bo: string;
  let cy: string;

  const profile = (uid: string) => db.doc(`users/${uid}`);
  const group = (id: string) => db.doc(`groups/${id}`);

  async function setName(uid: string, displayName: string): Promise<void> {
    await profile(uid).set({ displayName, createdAt: FieldValue.serverTimestamp(), updatedAt: FieldValue.serverTimestamp() });
  }

  /** Waits until the group's memberNames equals `names`, and returns the group. */
  async function namesReach(groupId: string, names: Record<string, string | null>): Promise<DocumentData> {
    return eventually(`memberNames of ${groupId} = ${JSON.stringify(names)}`, async () => {
      const data = (await group(groupId).get()).data();
      try {
        expect(data?.memberNames).to.deep.equal(names);
        return data;
      } catch {
        return undefined;
      }
    });
  }

  before(async () => {
    db = adminDb();
    await clearFirestore();
    await drainTriggers(db);
  });

  beforeEach(async () => {
    n += 1;
    [ann, bo, cy] = ["ann", "bo", "cy"].map((name) => `${name}-${n}-${Date.now()}`);
    await Promise.all([setName(ann, "Ann"), setName(bo, "Bo")]);
  });

  it("gives a new group its members' names, null for a member without a profile", async () => {
    await group(`new-${n}`).set(groupFixture(ann, [ann, bo, cy]));
    const stored = await namesReach(`new-${n}`, { [ann]: "Ann", [bo]: "Bo", [cy]: null });
    expect(groupSchema.safeParse(stored).success).to.equal(true);
  });

  it("adds a joiner's name and drops a leaver's", async () => {
    const id = `members-${n}`;
    await group(id).set(groupFixture(ann, [ann]));
    await namesReach(id, { [ann]: "Ann" });
    await group(id).update({ memberIds: FieldValue.arrayUnion(bo), updatedAt: FieldValue.serverTimestamp(), updatedBy: ann });
    await namesReach(id, { [ann]: "Ann", [bo]: "Bo" });
    await group(id).update({ memberIds: FieldValue.arrayRemove(bo), updatedAt: FieldValue.serverTimestamp(), updatedBy: bo });
    await namesReach(id, { [ann]: "Ann" });
  });

  it("carries a rename into every group of the user, and no other", async () => {
    const [shared, own, elsewhere] = [`shared-${n}`, `own-${n}`, `elsewhere-${n}`];
    await Promise.all([
      group(shared).set(groupFixture(ann, [ann, bo])),
      group(own).set(groupFixture(bo, [bo])),
      group(elsewhere).set(groupFixture(ann, [ann])),
    ]);
    await Promise.all([namesReach(shared, { [ann]: "Ann", [bo]: "Bo" }), namesReach(own, { [bo]: "Bo" }), namesReach(elsewhere, { [ann]: "Ann" })]);
    await profile(bo).update({ displayName: "Bobby", updatedAt: FieldValue.serverTimestamp() });
    await Promise.all([namesReach(shared, { [ann]: "Ann", [bo]: "Bobby" }), namesReach(own, { [bo]: "Bobby" })]);
    expect((await group(elsewhere).get()).get("memberNames")).to.deep.equal({ [ann]: "Ann" });

    // A redelivery (or a late run of an older rename) finds every copy current.
    const again = await handleProfileWrite(db, { id: "redelivered", uid: bo, before: { displayName: "Bo" }, after: { displayName: "Bobby" } });
    expect(again.groupsUpdated).to.equal(0);
    expect(again.membershipRecorded).to.equal(0);
  });

  it("moves the membership record of every member of a group the rename reached, once per rename", async () => {
    const [first, second, elsewhere] = [`first-${n}`, `second-${n}`, `elsewhere-${n}`];
    await Promise.all([
      group(first).set(groupFixture(ann, [ann, bo])),
      group(second).set(groupFixture(ann, [ann, bo, cy])),
      group(elsewhere).set(groupFixture(cy, [cy])),
    ]);
    await Promise.all([namesReach(first, { [ann]: "Ann", [bo]: "Bo" }), namesReach(second, { [ann]: "Ann", [bo]: "Bo", [cy]: null })]);
    const record = (uid: string) => db.doc(`users/${uid}/sync/membership`);
    // The profile trigger of the beforeEach may have copied "Ann" itself, moving records then.
    const eventsBefore = await Promise.all([ann, bo, cy].map(async (uid) => (await record(uid).get()).get("eventId") as string | undefined));

    const renamed = await handleProfileWrite(db, { id: `rename-${n}`, uid: ann, before: { displayName: "Ann" }, after: { displayName: "Annie" } });
    // The profile still says "Ann": the handler copies what the profile holds, so nothing changes.
    expect(renamed).to.include({ groupsUpdated: 0, membershipRecorded: 0 });
    await profile(ann).update({ displayName: "Annie", updatedAt: FieldValue.serverTimestamp() });
    await Promise.all([namesReach(first, { [ann]: "Annie", [bo]: "Bo" }), namesReach(second, { [ann]: "Annie", [bo]: "Bo", [cy]: null })]);
    const records = await eventually("the members' records moved by the rename", async () => {
      const snapshots = await Promise.all([ann, bo, cy].map((uid) => record(uid).get()));
      return snapshots.every((snapshot, i) => snapshot.exists && snapshot.get("eventId") !== eventsBefore[i]) ? snapshots : undefined;
    });
    const eventIds = new Set(records.map((snapshot) => snapshot.get("eventId")));
    expect(eventIds.size, "one event moved them all, one write each").to.equal(1);

    // A redelivery of the same event that finds a copy to mend moves no record a second time.
    const [eventId] = eventIds;
    await group(first).update({ [`memberNames.${ann}`]: "Ann" });
    const redelivered = await handleProfileWrite(db, { id: eventId, uid: ann, before: { displayName: "Ann" }, after: { displayName: "Annie" } });
    expect(redelivered).to.include({ groupsUpdated: 1, membershipRecorded: 0 });
    expect(records.map((snapshot) => snapshot.get("groupId")).every((id) => id === first || id === second)).to.equal(true);
  });

  it("brings the names back after a v1 write removed them", async () => {
    const id = `v1-${n}`;
    await group(id).set(groupFixture(ann, [ann, bo]));
    await namesReach(id, { [ann]: "Ann", [bo]: "Bo" });
    await group(id).set(legacyGroupFixture(ann, [ann, bo], new Date(), { displayName: "Renamed on an old build" }));
    const normalized = await namesReach(id, { [ann]: "Ann", [bo]: "Bo" });
    expect(normalized.displayName).to.equal("Renamed on an old build");
    expect(normalized.deletedAt).to.equal(null);
  });
});
