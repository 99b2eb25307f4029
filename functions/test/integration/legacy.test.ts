// Writes by app builds from before 2.1 ("v1"), through the real Functions and Firestore
// emulators: each becomes a well-formed v2 document, and nothing it replaces or deletes is lost.
import { expect } from "chai";
import { DocumentData, FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { join } from "node:path";
import { expenseSchema, groupSchema, keptDeletionSchema } from "../../../core/schemas";
import { adminDb, clearFirestore, eventually, withoutTriggers } from "../../../tools/emulator";
import { handleGroupWrite } from "../../src/groupActivity";
import { handleExpenseWrite } from "../../src/expenseActivity";
import { readMonitoringConfig } from "../../../monitoring/config";
import { matchesFilter, parseLogFilter } from "../../../monitoring/logFilter";
import { EmulatorLogs } from "../../../monitoring/test/support/cloudLogging";
import { drainTriggers } from "../support/emulator";
import { expenseFixture, groupFixture, legacyExpenseFixture, legacyGroupFixture } from "../support/fixtures";

const ALICE = "alice";
const BOB = "bob";
const MEMBERS = [ALICE, BOB];
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

describe("legacy (v1) writes (through the emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;
  let groupId: string;
  let n = 0;

  const group = () => db.doc(`groups/${groupId}`);
  const expense = (id: string) => group().collection("expenses").doc(id);

  /** Waits until the expense carries a version (the server normalized it) and returns it. */
  async function normalized(id: string, version = 1): Promise<DocumentData> {
    return eventually(`${id} normalized to version ${version}`, async () => {
      const data = (await expense(id).get()).data();
      return data?.version === version ? data : undefined;
    });
  }

  before(async () => {
    db = adminDb();
    await clearFirestore();
    await drainTriggers(db);
  });

  beforeEach(async () => {
    groupId = `legacy${++n}-${Date.now()}`;
    await group().set(groupFixture(ALICE, MEMBERS));
    await eventually("the group's first lastActivityAt", async () => (await group().get()).get("lastActivityAt"));
  });

  it("turns a create made with a clock three days behind into a v2 document a delta cursor at 'now' finds", async () => {
    const cursor = Timestamp.now();
    await expense("e1").set(legacyExpenseFixture(BOB, MEMBERS, daysAgo(3)));
    const doc = await normalized("e1");
    expect(expenseSchema.safeParse(doc).success, JSON.stringify(expenseSchema.safeParse(doc).error?.issues)).to.equal(true);
    expect(doc).to.deep.include({ version: 1, baseVersion: 0, deletedAt: null, deletedBy: null, createdBy: BOB, updatedBy: BOB });
    expect((doc.updatedAt as Timestamp).toMillis()).to.be.greaterThan(cursor.toMillis());
    expect((doc.createdAt as Timestamp).isEqual(doc.updatedAt)).to.equal(true);
    const delta = await group().collection("expenses").where("updatedAt", ">", cursor).get();
    expect(delta.docs.map((d) => d.id)).to.deep.equal(["e1"]);
    await eventually("lastActivityAt raised to the normalized time", async () =>
      (await group().get()).get("lastActivityAt")?.isEqual(doc.updatedAt) || undefined,
    );
  });

  it("continues the history of a v2 expense it edits, keeps its creation, and records the overwritten version", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    const stored = (await expense("e1").get()).data()!;
    await expense("e1").set(legacyExpenseFixture(BOB, MEMBERS, daysAgo(1), { description: "Dinner, corrected" }));
    const doc = await normalized("e1", 2);
    expect(doc).to.deep.include({ version: 2, baseVersion: 1, createdBy: ALICE, description: "Dinner, corrected" });
    expect((doc.createdAt as Timestamp).isEqual(stored.createdAt)).to.equal(true);
    const conflicts = await eventually("the conflict record", async () => {
      const found = await group().collection("conflicts").where("expenseId", "==", "e1").get();
      return found.empty ? undefined : found.docs;
    });
    expect(conflicts).to.have.length(1);
    expect(conflicts[0].get("overwritten")).to.deep.include({ version: 1, updatedBy: ALICE });
    expect(conflicts[0].get("overwritten.data.description")).to.equal("Dinner");
    expect(conflicts[0].get("winner")).to.deep.include({ version: 2, baseVersion: 1, updatedBy: BOB });
    const notification = await db.doc(`users/${ALICE}/notifications/${conflicts[0].id}`).get();
    expect(notification.get("type")).to.equal("conflict");
  });

  it("keeps a v1 hard delete restorable: tombstone with no known deleter, kept copy, then a v2 restore removes both", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    await expense("e1").delete();
    const kept = await eventually("the kept copy", async () => (await group().collection("deletedExpenses").doc("e1").get()).data());
    expect(keptDeletionSchema.safeParse(kept).success).to.equal(true);
    // The emulator reports every write's principal as "unknown" with a fake id: never a user.
    expect(kept).to.deep.include({ expenseId: "e1", deletedBy: null });
    expect(kept.data.description).to.equal("Dinner");
    const tombstone = (await group().collection("tombstones").doc("e1").get()).data()!;
    expect(tombstone.deletedBy).to.equal(null);
    expect((tombstone.deletedAt as Timestamp).isEqual(kept.deletedAt)).to.equal(true);

    // The restore a v2 client makes: an ordinary create at the same id from the kept fields.
    const { createdAt: _c, updatedAt: _u, version: _v, baseVersion: _b, deletedAt: _d, deletedBy: _db, createdBy: _cb, updatedBy: _ub, ...business } = kept.data;
    await expense("e1").set(expenseFixture(BOB, MEMBERS, business));
    await eventually("the kept copy and tombstone gone", async () => {
      const [copy, stone] = await Promise.all([group().collection("deletedExpenses").doc("e1").get(), group().collection("tombstones").doc("e1").get()]);
      return !copy.exists && !stone.exists ? true : undefined;
    });
  });

  it("normalizes a v1 group write: server-owned fields and an owner's soft delete come back", async () => {
    const before = (await group().get()).data()!;
    const watermark = Timestamp.fromDate(daysAgo(40));
    await group().update({ purgedBefore: watermark, deletedAt: before.createdAt, deletedBy: ALICE });
    await group().set(legacyGroupFixture(ALICE, MEMBERS, daysAgo(2), { displayName: "Renamed on an old build", createdAt: Timestamp.fromDate(daysAgo(2)) }));
    const doc = await eventually("the group normalized", async () => {
      const data = (await group().get()).data();
      return data && "deletedAt" in data ? data : undefined;
    });
    expect(groupSchema.safeParse(doc).success, JSON.stringify(groupSchema.safeParse(doc).error?.issues)).to.equal(true);
    expect(doc.displayName).to.equal("Renamed on an old build");
    expect(doc.deletedBy).to.equal(ALICE);
    expect((doc.createdAt as Timestamp).isEqual(before.createdAt)).to.equal(true);
    expect((doc.purgedBefore as Timestamp).isEqual(watermark)).to.equal(true);
    expect((doc.lastActivityAt as Timestamp).isEqual(doc.updatedAt)).to.equal(true);
    expect((doc.updatedAt as Timestamp).toMillis()).to.be.greaterThan(daysAgo(1).getTime());
  });

  it("keeps the audit of a hand-over when the new owner's old build rewrites the group", async () => {
    await group().update({ ownerId: BOB, handedOverAt: FieldValue.serverTimestamp(), handedOverBy: ALICE, updatedAt: FieldValue.serverTimestamp(), updatedBy: ALICE });
    const handedOverAt = (await group().get()).get("handedOverAt") as Timestamp;
    await group().set(legacyGroupFixture(BOB, MEMBERS, daysAgo(1), { displayName: "Bob's trip", updatedBy: BOB }));
    const doc = await eventually("the group normalized", async () => {
      const data = (await group().get()).data();
      return data && "deletedAt" in data ? data : undefined;
    });
    expect(doc).to.deep.include({ ownerId: BOB, displayName: "Bob's trip", handedOverBy: ALICE });
    expect((doc.handedOverAt as Timestamp).isEqual(handedOverAt)).to.equal(true);
    expect(groupSchema.safeParse(doc).success).to.equal(true);
  });

  it("is idempotent and loop-free: a redelivery changes nothing, and the rewrite is normalized once", async () => {
    const written = legacyExpenseFixture(BOB, MEMBERS, daysAgo(1));
    await expense("e1").set(written);
    const doc = await normalized("e1");
    const raw = { ...written };
    // The same v1 event delivered again, after its normalization: the stored document is no longer that write.
    const again = await handleExpenseWrite(db, { id: "redelivered", time: new Date().toISOString(), groupId, expenseId: "e1", before: undefined, after: raw });
    expect(again.legacy).to.deep.equal({ normalized: false });
    await drainTriggers(db);
    const settled = (await expense("e1").get()).data()!;
    expect(settled.version).to.equal(1);
    expect((settled.updatedAt as Timestamp).isEqual(doc.updatedAt)).to.equal(true);
  });

  it("keeps history and the overwritten author when a second v1 write lands before the first is normalized", async () => {
    await expense("e1").set(expenseFixture(ALICE, MEMBERS));
    const stored = (await expense("e1").get()).data()!;
    // Bob's first v1 edit and a second one, handled in the order the second one's event comes first.
    const first = legacyExpenseFixture(BOB, MEMBERS, daysAgo(1), { description: "first" });
    const second = legacyExpenseFixture("carol", [...MEMBERS, "carol"], daysAgo(1), { description: "second", paidBy: BOB, splits: { [ALICE]: 1, [BOB]: 1 } });
    await withoutTriggers(() => expense("e1").set(second));
    const base = { time: new Date().toISOString(), groupId, expenseId: "e1" };
    const secondRun = await handleExpenseWrite(db, { ...base, id: "second", before: first, after: second });
    expect(secondRun.legacy).to.deep.equal({ normalized: false });
    expect(secondRun.conflict?.overwrittenBy).to.equal(BOB);
    const firstRun = await handleExpenseWrite(db, { ...base, id: "first", before: stored, after: first });
    expect(firstRun.legacy).to.deep.equal({ normalized: true });
    expect(firstRun.conflict?.overwrittenBy).to.equal(ALICE);
    const doc = (await expense("e1").get()).data()!;
    expect(doc).to.deep.include({ description: "second", version: 2, baseVersion: 1, createdBy: ALICE });
  });

  it("keeps an owner's soft delete when the server touches the group before its v1 edit is normalized", async () => {
    const v2 = (await group().get()).data()!;
    await group().update({ deletedAt: v2.createdAt, deletedBy: ALICE });
    const softDeleted = (await group().get()).data()!;
    const written = legacyGroupFixture(ALICE, MEMBERS, daysAgo(1), { displayName: "Renamed" });
    // The v1 write, then a server write (an expense raising lastActivityAt) before its event runs.
    const touched = { ...written, lastActivityAt: Timestamp.now() };
    await withoutTriggers(() => group().set(touched));
    const base = { time: new Date().toISOString(), groupId };
    expect((await handleGroupWrite(db, { ...base, id: "server", before: written, after: touched })).legacy).to.deep.equal({ normalized: false });
    expect((await handleGroupWrite(db, { ...base, id: "v1", before: softDeleted, after: written })).legacy).to.deep.equal({ normalized: true });
    const doc = (await group().get()).data()!;
    expect(doc).to.deep.include({ displayName: "Renamed", deletedBy: ALICE });
    expect((doc.createdAt as Timestamp).isEqual(v2.createdAt)).to.equal(true);
  });

  it("logs each v1 write once, as the legacy.write entry the legacy_writes metric counts", async () => {
    const metric = readMonitoringConfig(join(__dirname, "../../..")).config.metrics.find(({ resource }) => resource.name === "legacy_writes");
    const legacyWrites = parseLogFilter(metric?.resource.filter ?? "");
    const logs = await EmulatorLogs.open();
    try {
      await expense("e1").set(legacyExpenseFixture(BOB, MEMBERS, daysAgo(1)));
      await normalized("e1");
      const path = expense("e1").path;
      const counted = () => logs.entries.filter((entry) => entry.jsonPayload.path === path && matchesFilter(legacyWrites, entry));
      await logs.until("the v1 write's legacy.write entry", () => (counted().length > 0 ? true : undefined));
      // The server's rewrite, and the runs it sets off, are v2 writes: they must not count.
      await drainTriggers(db);
      expect(counted().map((entry) => entry.jsonPayload)).to.have.length(1);
      expect(counted()[0].jsonPayload).to.deep.include({ event: "legacy.write", kind: "normalized", trigger: "expenseChanged" });
    } finally {
      logs.close();
    }
  });
});
