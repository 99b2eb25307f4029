// The expense and group triggers, through the real Functions and Firestore emulators.
import { expect } from "chai";
import { DocumentData, FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { groupSchema } from "../../../core/schemas";
import { compareTimestamps } from "../../../core/timestamps";
import { adminDb, clearFirestore, eventually } from "../../../tools/emulator";
import { recordRetentionDays } from "../../src/config";
import { expiryAfter } from "../../src/purge";
import { drainTriggers } from "../support/emulator";
import { editFields, expenseFixture, groupFixture } from "../support/fixtures";

const ALICE = "alice";
const BOB = "bob";
const MEMBERS = [ALICE, BOB];
/** The emulator runs the functions with each param's default (functions/.env). */
const RECORD_RETENTION_DAYS = Number(recordRetentionDays.options.default);

describe("triggers (through the emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;
  let groupId: string;
  let n = 0;

  const group = () => db.doc(`groups/${groupId}`);
  const expense = (id: string) => group().collection("expenses").doc(id);
  const tombstone = (id: string) => group().collection("tombstones").doc(id);

  async function data(path: string): Promise<DocumentData | undefined> {
    return (await db.doc(path).get()).data();
  }

  /** Waits until the group's lastActivityAt equals `at`. */
  async function activityReaches(at: Timestamp): Promise<void> {
    await eventually(`lastActivityAt = ${at.toDate().toISOString()}`, async () => {
      const current = (await group().get()).get("lastActivityAt") as Timestamp | undefined;
      return current?.isEqual(at) ? true : undefined;
    });
  }

  async function updatedAtOf(id: string): Promise<Timestamp> {
    return (await expense(id).get()).get("updatedAt") as Timestamp;
  }

  before(async () => {
    db = adminDb();
    await clearFirestore();
    // Earlier suites may have left trigger runs queued; the waits below are for this suite's own.
    await drainTriggers(db);
  });

  beforeEach(async () => {
    groupId = `g${++n}-${Date.now()}`;
    await group().set(groupFixture(ALICE, MEMBERS));
    // A new group is activity: it becomes visible to the Tier-1 query once the server sets it.
    const createdAt = (await group().get()).get("updatedAt") as Timestamp;
    await activityReaches(createdAt);
  });

  it("gives a new group its first lastActivityAt, equal to its commit time", async () => {
    const snapshot = await group().get();
    expect(snapshot.get("lastActivityAt").isEqual(snapshot.get("createdAt"))).to.equal(true);
  });

  it("raises lastActivityAt to an expense's updatedAt on create and on edit", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    await activityReaches(await updatedAtOf("e1"));
    await expense("e1").update(editFields(BOB, 1, { description: "Dinner and drinks" }));
    await activityReaches(await updatedAtOf("e1"));
  });

  it("raises lastActivityAt for a change to displayName or memberIds", async () => {
    await group().update({ displayName: "Lisbon 2026", updatedAt: FieldValue.serverTimestamp(), updatedBy: ALICE });
    const renamedAt = (await group().get()).get("updatedAt") as Timestamp;
    await activityReaches(renamedAt);

    await group().update({ memberIds: [...MEMBERS, "carol"], updatedAt: FieldValue.serverTimestamp(), updatedBy: BOB });
    const joinedAt = (await group().get()).get("updatedAt") as Timestamp;
    await activityReaches(joinedAt);

  });

  it("counts an ownership hand-over as activity", async () => {
    await group().update({ ownerId: BOB, handedOverAt: FieldValue.serverTimestamp(), handedOverBy: ALICE, updatedAt: FieldValue.serverTimestamp(), updatedBy: ALICE });
    const handedOverAt = (await group().get()).get("updatedAt") as Timestamp;
    await activityReaches(handedOverAt);
    expect((await group().get()).get("deletedAt")).to.equal(null);
  });

  it("soft-deletes a group its last member left, in the commit that raises activity to the leave", async () => {
    await group().update({ memberIds: [ALICE], updatedAt: FieldValue.serverTimestamp(), updatedBy: ALICE });
    await activityReaches((await group().get()).get("updatedAt") as Timestamp);
    await group().update({ memberIds: [], updatedAt: FieldValue.serverTimestamp(), updatedBy: ALICE });
    const leftAt = (await group().get()).get("updatedAt") as Timestamp;
    const deleted = await eventually("the group soft-deleted", async () => {
      const doc = (await group().get()).data();
      return doc?.deletedAt ? doc : undefined;
    });
    expect(deleted.deletedBy).to.equal(ALICE);
    expect((deleted.lastActivityAt as Timestamp).isEqual(leftAt)).to.equal(true);
    // Server time of the deletion's own commit, after the leave.
    expect(compareTimestamps(deleted.deletedAt as Timestamp, leftAt)).to.be.greaterThan(0);
    expect(groupSchema.safeParse(deleted).success).to.equal(true);
  });

  it("writes a tombstone in step with a soft delete, dated to expire after the record retention, and removes it on restore", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    await expense("e1").update(editFields(BOB, 1, { deletedAt: FieldValue.serverTimestamp(), deletedBy: BOB }));
    const deletedAt = (await expense("e1").get()).get("deletedAt") as Timestamp;
    const stone = await eventually("tombstone", async () => (await tombstone("e1").get()).data());
    const expireAt = expiryAfter(deletedAt, RECORD_RETENTION_DAYS);
    expect(stone).to.deep.equal({ collection: "expenses", docId: "e1", deletedAt, deletedBy: BOB, expireAt });
    await activityReaches(await updatedAtOf("e1"));

    await expense("e1").update(editFields(ALICE, 2, { deletedAt: null, deletedBy: null }));
    await eventually("tombstone removed", async () => ((await tombstone("e1").get()).exists ? undefined : true));
    await activityReaches(await updatedAtOf("e1"));
  });

  it("tombstones an admin hard delete of a live expense with no known user, and counts it as activity", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    const createdAt = await updatedAtOf("e1");
    await activityReaches(createdAt);
    await expense("e1").delete();
    const stone = await eventually("tombstone", async () => (await tombstone("e1").get()).data());
    expect(stone.deletedBy).to.equal(null);
    expect(stone.collection).to.equal("expenses");
    // The deletion's only trace until the purge raises purgedBefore: TTL must not remove it.
    expect(stone).to.not.have.property("expireAt");
    // Raised in the tombstone's own commit, to its time: later than anything before the delete.
    const last = (await group().get()).get("lastActivityAt") as Timestamp;
    expect(last.isEqual(stone.deletedAt)).to.equal(true);
    expect(last.toMillis()).to.be.greaterThan(createdAt.toMillis());
  });

  it("takes the expiry off a soft delete's tombstone when the expense is then hard-deleted", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    await expense("e1").update(editFields(BOB, 1, { deletedAt: FieldValue.serverTimestamp(), deletedBy: BOB }));
    const deletedAt = (await expense("e1").get()).get("deletedAt") as Timestamp;
    await eventually("a dated tombstone", async () => ((await tombstone("e1").get()).get("expireAt") ? true : undefined));
    await expense("e1").delete();
    // The expense no longer shows the deletion, so the tombstone has to stay until the purge.
    const stone = await eventually("the expiry taken off", async () => {
      const current = (await tombstone("e1").get()).data();
      return current && !("expireAt" in current) ? current : undefined;
    });
    expect(stone).to.deep.equal({ collection: "expenses", docId: "e1", deletedAt, deletedBy: BOB });
  });

  it("records a stale edit as a conflict with the overwritten document, and notifies its other author", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    await expense("e1").update(editFields(ALICE, 1, { description: "Dinner (Alice's edit)" }));
    const overwritten = (await expense("e1").get()).data()!;
    // Bob edited from version 1 while offline; his write lands after Alice's version 2.
    await expense("e1").update(editFields(BOB, 1, { description: "Dinner (Bob's edit)", amountMinor: 3000, splits: { alice: 1500, bob: 1500 } }));
    const winner = (await expense("e1").get()).data()!;

    const conflicts = await eventually("conflict record", async () => {
      const snapshot = await group().collection("conflicts").get();
      return snapshot.size > 0 ? snapshot.docs : undefined;
    });
    expect(conflicts).to.have.length(1);
    const conflict = conflicts[0].data();
    expect(conflict.expenseId).to.equal("e1");
    expect(conflict.resolution).to.equal("last-writer-wins");
    expect(conflict.overwritten).to.deep.equal({
      version: 2,
      updatedBy: ALICE,
      updatedAt: overwritten.updatedAt,
      data: overwritten,
    });
    expect(conflict.winner).to.deep.include({ version: 2, baseVersion: 1, updatedBy: BOB });
    expect(conflict.winner.data).to.deep.equal(winner);
    // Dated from the run's clock just before its commit (detectedAt): the record retention after it, within the run's time.
    const dueAt = expiryAfter(conflict.detectedAt as Timestamp, RECORD_RETENTION_DAYS).toMillis();
    expect((conflict.expireAt as Timestamp).toMillis()).to.be.within(dueAt - 60_000, dueAt + 1_000);

    const notification = await eventually("notification", async () => data(`users/${ALICE}/notifications/${conflicts[0].id}`));
    expect(notification).to.deep.include({ type: "conflict", groupId, expenseId: "e1", conflictId: conflicts[0].id, readAt: null });
    expect(notification.createdAt).to.be.instanceOf(Timestamp);
    expect(notification, "an unread notification never expires").to.not.have.property("expireAt");
    await activityReaches(winner.updatedAt as Timestamp);
  });

  it("records a conflict between one author's two devices without notifying that author", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    await expense("e1").update(editFields(ALICE, 1, { description: "phone" }));
    await expense("e1").update(editFields(ALICE, 1, { description: "laptop" }));
    const conflicts = await eventually("conflict record", async () => {
      const snapshot = await group().collection("conflicts").get();
      return snapshot.size > 0 ? snapshot.docs : undefined;
    });
    await activityReaches(await updatedAtOf("e1"));
    expect(conflicts).to.have.length(1);
    expect((await db.collection(`users/${ALICE}/notifications`).where("groupId", "==", groupId).get()).size).to.equal(0);
  });

  it("keeps activity right for a document the schema rejects, without failing", async () => {
    await expense("bad").set({ ...expenseFixture(ALICE, MEMBERS), amountMinor: 12.5, legacyField: true });
    await activityReaches(await updatedAtOf("bad"));
  });
});
