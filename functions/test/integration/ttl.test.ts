// TTL-backed retention through the real emulators: the server dates tombstones, conflicts and read
// notifications with expireAt, and a TTL deletion never hides a deletion from a delta client. The
// emulator applies no TTL policy, so `ttlSweep` deletes what Firestore's TTL would have by a given
// day, and the purge runs on an injected clock (docs/purge.md, "TTL policies").
import { expect } from "chai";
import { FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { compareTimestamps } from "../../../core/timestamps";
import { adminDb, clearFirestore, eventually, setTriggersEnabled } from "../../../tools/emulator";
import { expenseRetentionDays, readNotificationRetentionDays, recordRetentionDays } from "../../src/config";
import { handleNotificationRead } from "../../src/notificationRead";
import { EXPIRE_AT_FIELD, expiryAfter, PURGE_KINDS, purgeExpired, PurgeReport } from "../../src/purge";
import { drainTriggers } from "../support/emulator";
import { editFields, expenseFixture, groupFixture } from "../support/fixtures";

const ALICE = "alice";
const BOB = "bob";
const MEMBERS = [ALICE, BOB];
const DAY_MS = 86_400_000;
/** The emulator runs the functions with each param's default (functions/.env). */
const RETENTION = {
  expenses: Number(expenseRetentionDays.options.default),
  records: Number(recordRetentionDays.options.default),
  readNotifications: Number(readNotificationRetentionDays.options.default),
};

describe("TTL (through the emulator)", function () {
  this.timeout(180_000);
  let db: Firestore;

  const stored = async (path: string) => (await db.doc(path).get()).data();

  before(async () => {
    db = adminDb();
    await clearFirestore();
    await drainTriggers(db);
  });

  describe("read notifications", () => {
    const notification = (readAt: Timestamp | null = null) => ({
      type: "conflict",
      groupId: "g1",
      expenseId: "e1",
      conflictId: "c1",
      createdAt: FieldValue.serverTimestamp(),
      readAt,
    });

    /** Waits until notificationRead has worked through every event queued so far (it runs them in order). */
    async function drainNotificationRead(): Promise<void> {
      const sentinel = db.doc(`users/sentinel/notifications/n-${Date.now()}`);
      await sentinel.set(notification());
      await sentinel.update({ readAt: FieldValue.serverTimestamp() });
      await eventually("the sentinel notification dated", async () => ((await sentinel.get()).get(EXPIRE_AT_FIELD) ? true : undefined));
    }

    it("dates a notification its owner read, readAt plus the read-notification retention, and nothing while unread", async () => {
      const read = db.doc(`users/${ALICE}/notifications/read`);
      const unread = db.doc(`users/${ALICE}/notifications/unread`);
      await Promise.all([read.set(notification()), unread.set(notification())]);
      // The owner's one allowed write, and an admin's edit of another field of an unread one.
      await read.update({ readAt: FieldValue.serverTimestamp() });
      await unread.update({ conflictId: "c2" });

      const dated = await eventually("expireAt on the read notification", async () => {
        const snapshot = await read.get();
        return snapshot.get(EXPIRE_AT_FIELD) ? snapshot : undefined;
      });
      expect((dated.get(EXPIRE_AT_FIELD) as Timestamp).isEqual(expiryAfter(dated.get("readAt") as Timestamp, RETENTION.readNotifications))).to.equal(true);
      await drainNotificationRead();
      expect(await stored(unread.path)).to.not.have.property(EXPIRE_AT_FIELD);
      // Its own write triggered it again (no loop): that run, and any after it, left the document as it was.
      expect((await read.get()).updateTime?.isEqual(dated.updateTime!)).to.equal(true);
    });

    describe("the handler, with the triggers off", () => {
      const retention = { readNotificationRetentionDays: RETENTION.readNotifications };
      before(() => setTriggersEnabled(false));
      after(() => setTriggersEnabled(true));

      it("follows what is stored: sets once however often it runs, removes it if readAt is cleared again, leaves a deleted one alone", async () => {
        const ref = db.doc(`users/${BOB}/notifications/n1`);
        const readAt = Timestamp.fromDate(new Date("2026-05-01T10:00:00.000Z"));
        await ref.set(notification(readAt));

        expect(await handleNotificationRead(db, ref.path, retention)).to.equal("set");
        expect(await handleNotificationRead(db, ref.path, retention)).to.equal("unchanged");
        expect((await ref.get()).get(EXPIRE_AT_FIELD).isEqual(expiryAfter(readAt, RETENTION.readNotifications))).to.equal(true);

        await ref.update({ readAt: null });
        expect(await handleNotificationRead(db, ref.path, retention)).to.equal("removed");
        const unread = await stored(ref.path);
        expect(unread?.readAt).to.equal(null);
        expect(unread).to.not.have.property(EXPIRE_AT_FIELD);

        await ref.delete();
        expect(await handleNotificationRead(db, ref.path, retention)).to.equal("unchanged");
        expect((await ref.get()).exists, "not recreated").to.equal(false);
      });
    });
  });

  describe("TTL never hides a deletion from a delta client", () => {
    const groupId = "trip";
    const group = () => db.doc(`groups/${groupId}`);
    const expense = (id: string) => group().collection("expenses").doc(id);
    const tombstone = (id: string) => group().collection("tombstones").doc(id);
    const DELETED = ["soft", "hard", "softThenHard"] as const;
    type Channel = "resync" | "expense" | "tombstone" | undefined;
    let cursor: Timestamp;
    let start: number;
    let conflictPath: string;
    let notificationPath: string;

    async function updatedAtOf(id: string): Promise<Timestamp> {
      return (await expense(id).get()).get("updatedAt") as Timestamp;
    }

    async function activityReaches(at: Timestamp): Promise<void> {
      await eventually(`lastActivityAt = ${at.toDate().toISOString()}`, async () => {
        const current = (await group().get()).get("lastActivityAt") as Timestamp | undefined;
        return current?.isEqual(at) ? true : undefined;
      });
    }

    const dayAfterStart = (days: number) => new Date(start + days * DAY_MS);

    /** What Firestore's TTL policies would have deleted by `day`; the paths, sorted. */
    async function ttlSweep(day: Date): Promise<string[]> {
      const due = Timestamp.fromDate(day);
      const paths: string[] = [];
      for (const spec of PURGE_KINDS.filter((kind) => kind.ttl)) {
        for (const doc of (await db.collectionGroup(spec.collectionId).where(EXPIRE_AT_FIELD, "<", due).get()).docs) {
          await doc.ref.delete();
          paths.push(doc.ref.path);
        }
      }
      return paths.sort();
    }

    const purgeAt = (day: Date): Promise<PurgeReport> => purgeExpired(db, { now: day, retentionDays: RETENTION, batchSize: 50, timeBudgetMs: 60_000 });

    /**
     * How a client whose delta cursor predates the deletions learns of this one (the protocol's
     * order: the watermark, then queries 2a and 2b), or undefined when it would miss it.
     */
    async function channel(expenseId: string): Promise<Channel> {
      const purgedBefore = (await group().get()).get("purgedBefore") as Timestamp | undefined;
      if (purgedBefore && compareTimestamps(cursor, purgedBefore) < 0) return "resync";
      const changed = await group().collection("expenses").where("updatedAt", ">", cursor).get();
      if (changed.docs.some((doc) => doc.id === expenseId && doc.get("deletedAt") !== null)) return "expense";
      const tombstones = await group().collection("tombstones").where("deletedAt", ">", cursor).get();
      return tombstones.docs.some((doc) => doc.id === expenseId) ? "tombstone" : undefined;
    }

    async function channels(): Promise<Record<(typeof DELETED)[number], Channel>> {
      await drainTriggers(db);
      return { soft: await channel("soft"), hard: await channel("hard"), softThenHard: await channel("softThenHard") };
    }

    const softDelete = (id: string) => expense(id).update(editFields(BOB, 1, { deletedAt: FieldValue.serverTimestamp(), deletedBy: BOB }));

    // Through the live triggers, as clients and admins write: a soft delete, a hard delete of a live
    // expense, a soft delete followed by a hard delete, and a conflict whose notification is read.
    beforeEach(async () => {
      await clearFirestore();
      await group().set(groupFixture(ALICE, MEMBERS));
      for (const id of [...DELETED, "edited"]) await expense(id).set(expenseFixture(ALICE, MEMBERS));
      await activityReaches(await updatedAtOf("edited"));
      cursor = (await group().get()).get("lastActivityAt") as Timestamp;

      await softDelete("soft");
      await softDelete("softThenHard");
      await eventually("the dated tombstone", async () => ((await tombstone("softThenHard").get()).get(EXPIRE_AT_FIELD) ? true : undefined));
      await expense("softThenHard").delete();
      await expense("hard").delete();
      await expense("edited").update(editFields(ALICE, 1, { description: "Alice's edit" }));
      await expense("edited").update(editFields(BOB, 1, { description: "Bob's edit" }));
      const conflict = await eventually("the conflict", async () => (await group().collection("conflicts").get()).docs[0]);
      conflictPath = conflict.ref.path;
      notificationPath = `users/${ALICE}/notifications/${conflict.id}`;
      await eventually("the notification", async () => ((await db.doc(notificationPath).get()).exists ? true : undefined));
      await db.doc(notificationPath).update({ readAt: FieldValue.serverTimestamp() });
      await eventually("the read notification dated", async () => ((await db.doc(notificationPath).get()).get(EXPIRE_AT_FIELD) ? true : undefined));
      await eventually("every tombstone", async () => ((await group().collection("tombstones").get()).size === DELETED.length ? true : undefined));
      expect(await channels()).to.deep.equal({ soft: "expense", hard: "tombstone", softThenHard: "tombstone" });
      start = Date.now();
      // Only the soft delete's tombstone may be removed by TTL: the expense still shows that deletion.
      const dated = await Promise.all(DELETED.map(async (id) => (await tombstone(id).get()).get(EXPIRE_AT_FIELD) !== undefined));
      expect(dated).to.deep.equal([true, false, false]);
    });

    it("with the purge down: TTL removes what is dated, the deletions stay visible, and the purge catches up later", async () => {
      expect(await ttlSweep(dayAfterStart(RETENTION.readNotifications + 1))).to.deep.equal([notificationPath]);
      expect(await ttlSweep(dayAfterStart(RETENTION.records + 1))).to.deep.equal([conflictPath, tombstone("soft").path].sort());
      expect(await ttlSweep(dayAfterStart(400))).to.deep.equal([]);
      // The soft-deleted expense still answers query 2a; the hard deletes' tombstones were never dated.
      expect(await channels()).to.deep.equal({ soft: "expense", hard: "tombstone", softThenHard: "tombstone" });

      // The control: had a hard delete's tombstone been dated too, TTL would have left the client nothing.
      const hardStone = await tombstone("hard").get();
      await hardStone.ref.delete();
      expect(await channel("hard")).to.equal(undefined);
      await hardStone.ref.set(hardStone.data()!);

      const report = await purgeAt(dayAfterStart(400));
      expect(report.deleted).to.deep.equal({ expenses: 3, tombstones: 2, conflicts: 0, notifications: 0, groups: 0 });
      expect(await channels()).to.deep.equal({ soft: "resync", hard: "resync", softThenHard: "resync" });
      expect((await group().collection("tombstones").get()).size).to.equal(0);
    });

    it("with the daily purge: both remove records, each finds what the other left, and the watermark covers every deletion before its tombstone goes", async () => {
      const step = async (days: number) => {
        const swept = await ttlSweep(dayAfterStart(days));
        return { swept, purged: (await purgeAt(dayAfterStart(days))).deleted, seen: await channels() };
      };
      const nothing = { expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, groups: 0 };

      expect(await step(1)).to.deep.equal({ swept: [], purged: nothing, seen: { soft: "expense", hard: "tombstone", softThenHard: "tombstone" } });
      // The expense and the kept copies go with the watermark raise; the read notification went by TTL first.
      expect(await step(RETENTION.expenses + 1)).to.deep.equal({
        swept: [notificationPath],
        purged: { ...nothing, expenses: 3 },
        seen: { soft: "resync", hard: "resync", softThenHard: "resync" },
      });
      expect(await step(RETENTION.records + 1)).to.deep.equal({
        swept: [conflictPath, tombstone("soft").path].sort(),
        purged: { ...nothing, tombstones: 2 },
        seen: { soft: "resync", hard: "resync", softThenHard: "resync" },
      });
      expect(await step(400)).to.deep.equal({ swept: [], purged: nothing, seen: { soft: "resync", hard: "resync", softThenHard: "resync" } });
      expect((await group().collection("tombstones").get()).size).to.equal(0);
    });
  });
});
