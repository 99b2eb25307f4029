// The daily sync-health rollup against the Firestore emulator, and the hot path it no longer
// touches: a client write costs no Firestore write for metrics (they are log-based, monitoring/).
// Rollup fixtures sit on a fixed past day and are written with the triggers off.
import { expect } from "chai";
import { DocumentData, DocumentReference, Firestore, Timestamp } from "firebase-admin/firestore";
import { rollupSyncHealth, SYNC_HEALTH_DAYS_PATH, SyncHealthDay } from "../../src/syncHealth";
import { adminDb, clearFirestore, eventually, withoutTriggers } from "../../../tools/emulator";
import { drainTriggers } from "../support/emulator";
import { expenseFixture, groupFixture } from "../support/fixtures";
import { capturedLogs } from "../support/capture";

const DAY = "2026-03-14";
const inDay = (time: string) => new Date(`${DAY}T${time}Z`);
const BEFORE_DAY = new Date("2026-03-13T23:59:59.999Z");
const AFTER_DAY = new Date("2026-03-15T00:00:00.000Z");

function conflictFixture(expenseId: string, detectedAt: Date): DocumentData {
  const side = { version: 2, updatedBy: "alice", updatedAt: Timestamp.fromDate(detectedAt), data: { description: "Dinner" } };
  return {
    expenseId,
    detectedAt: Timestamp.fromDate(detectedAt),
    resolution: "last-writer-wins",
    winner: { ...side, baseVersion: 1, updatedBy: "bob" },
    overwritten: side,
  };
}

function tombstoneFixture(expenseId: string, deletedAt: Date): DocumentData {
  return { collection: "expenses", docId: expenseId, deletedAt: Timestamp.fromDate(deletedAt), deletedBy: "alice" };
}

function purgeRunFixture(finishedAt: Date, deleted: unknown, flags: { complete?: boolean; dryRun?: boolean } = {}): DocumentData {
  return {
    startedAt: Timestamp.fromMillis(finishedAt.getTime() - 60_000),
    finishedAt: Timestamp.fromDate(finishedAt),
    deleted,
    complete: flags.complete ?? true,
    dryRun: flags.dryRun ?? false,
  };
}

// Without `groups`: a record written before deleted groups were purged (#16), still readable.
const counts = (expenses: number, tombstones: number, conflicts: number, notifications: number, groups?: number) =>
  groups === undefined ? { expenses, tombstones, conflicts, notifications } : { expenses, tombstones, conflicts, notifications, groups };

describe("sync health (emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;

  const dayDoc = (day = DAY) => db.doc(`${SYNC_HEALTH_DAYS_PATH}/${day}`);

  before(async () => {
    db = adminDb();
    // Trigger runs queued by earlier suites would write mid-test; let them finish first (each test
    // then starts from a clear database).
    await drainTriggers(db);
  });
  beforeEach(clearFirestore);

  describe("daily rollup", () => {
    beforeEach(async () => {
      await withoutTriggers(async () => {
        const writes: Promise<unknown>[] = [];
        const put = (path: string, data: DocumentData) => writes.push(db.doc(path).set(data));
        put("groups/g1/conflicts/c1", conflictFixture("e1", inDay("00:00:00.000")));
        put("groups/g1/conflicts/c2", conflictFixture("e2", inDay("13:30:00")));
        put("groups/g2/conflicts/c3", conflictFixture("e3", inDay("23:59:59.999")));
        put("groups/g2/conflicts/early", conflictFixture("e4", BEFORE_DAY));
        put("groups/g2/conflicts/late", conflictFixture("e5", AFTER_DAY));
        put("groups/g1/tombstones/e1", tombstoneFixture("e1", inDay("08:00:00")));
        put("groups/g3/tombstones/e9", tombstoneFixture("e9", inDay("21:00:00")));
        put("groups/g3/tombstones/e10", tombstoneFixture("e10", AFTER_DAY));
        put("ops/purge/runs/r1", purgeRunFixture(inDay("03:20:00"), counts(5, 7, 2, 1)));
        put("ops/purge/runs/r2", purgeRunFixture(inDay("15:00:00"), counts(1, 0, 0, 4, 1), { complete: false }));
        put("ops/purge/runs/dry", purgeRunFixture(inDay("16:00:00"), counts(100, 100, 100, 100, 100), { dryRun: true }));
        put("ops/purge/runs/unreadable", purgeRunFixture(inDay("17:00:00"), { expenses: "many" }));
        put("ops/purge/runs/yesterday", purgeRunFixture(BEFORE_DAY, counts(50, 0, 0, 0)));
        await Promise.all(writes);
      });
    });

    const expectedSummary = {
      day: DAY,
      conflicts: 3,
      tombstones: 2,
      purged: { expenses: 6, tombstones: 7, conflicts: 2, notifications: 5, groups: 1, total: 21 },
      purgeRuns: { finished: 4, complete: 2, incomplete: 1, dryRun: 1, unreadable: 1 },
    };

    it("counts the day's conflicts, tombstones and purged documents, and logs the summary", async () => {
      let summary: SyncHealthDay | undefined;
      const logs = await capturedLogs(async () => {
        summary = await rollupSyncHealth(db, DAY);
      });
      expect(summary).to.deep.include(expectedSummary);
      expect(summary?.windowStart.toDate()).to.deep.equal(inDay("00:00:00"));
      expect(summary?.windowEnd.toDate()).to.deep.equal(AFTER_DAY);
      const stored = (await dayDoc().get()).data();
      expect(stored).to.deep.include(expectedSummary);
      expect(stored?.rolledUpAt).to.be.instanceOf(Timestamp);
      expect(logs.find((log) => log.event === "sync-health.rollup-written")).to.deep.include({
        day: DAY,
        conflicts: 3,
        tombstones: 2,
        purgedTotal: 21,
        purgeRunsFinished: 4,
        purgeRunsIncomplete: 1,
      });
    });

    it("is idempotent: a re-run writes the same summary", async () => {
      const first = await rollupSyncHealth(db, DAY);
      const firstStored = (await dayDoc().get()).data();
      const second = await rollupSyncHealth(db, DAY);
      const secondStored = (await dayDoc().get()).data();
      expect(second).to.deep.equal(first);
      const withoutRunTime = (data: DocumentData | undefined) => ({ ...data, rolledUpAt: undefined });
      expect(withoutRunTime(secondStored)).to.deep.equal(withoutRunTime(firstStored));
    });

    it("recomputes rather than accumulates when the day's sources change between runs", async () => {
      await rollupSyncHealth(db, DAY);
      await withoutTriggers(() => db.doc("groups/g9/conflicts/c9").set(conflictFixture("e9", inDay("18:00:00"))));
      const rerun = await rollupSyncHealth(db, DAY);
      expect(rerun.conflicts).to.equal(4);
      expect(rerun.purged.total).to.equal(21);
      expect((await dayDoc().get()).get("conflicts")).to.equal(4);
    });

    it("writes an all-zero summary for a day with nothing in it", async () => {
      const summary = await rollupSyncHealth(db, "2026-03-16");
      expect(summary).to.deep.include({
        conflicts: 0,
        tombstones: 0,
        purged: { expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, groups: 0, total: 0 },
        purgeRuns: { finished: 0, complete: 0, incomplete: 0, dryRun: 0, unreadable: 0 },
      });
      expect((await dayDoc("2026-03-16").get()).get("purged.total")).to.equal(0);
    });

    it("rejects a day that is not yyyy-mm-dd without writing", async () => {
      let error: unknown;
      await rollupSyncHealth(db, "2026-02-30").catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(/not a UTC day/);
      expect((await db.collection(SYNC_HEALTH_DAYS_PATH).get()).docs.map((doc) => doc.id)).to.deep.equal([]);
    });
  });

  /** Every document in the database, by path, with its update time: what a run of writes changed. */
  async function documentVersions(): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    const visit = async (refs: DocumentReference[]): Promise<void> => {
      if (refs.length === 0) return;
      for (const snapshot of await db.getAll(...refs)) if (snapshot.updateTime) versions.set(snapshot.ref.path, snapshot.updateTime.toDate().toISOString() + snapshot.updateTime.nanoseconds);
      // listDocuments also returns the missing parents of subcollections, so nothing nested is skipped.
      for (const ref of refs) for (const collection of await ref.listCollections()) await visit(await collection.listDocuments());
    };
    for (const collection of await db.listCollections()) await visit(await collection.listDocuments());
    return versions;
  }

  // Regression: every trigger run incremented a counter document under ops/syncHealth, one extra
  // billed write per client write, on the database being watched (20 for these 20 creates).
  it("writes nothing outside the group for 20 plain expense creates: no metrics document under ops/", async () => {
    const group = db.doc("groups/hot-path");
    await group.set(groupFixture("alice", ["alice"]));
    await eventually("the group's first lastActivityAt", async () => (await group.get()).get("lastActivityAt"));
    await drainTriggers(db);
    const before = await documentVersions();
    let lastCommit: Timestamp | undefined;
    for (let i = 0; i < 20; i++) {
      const expense = group.collection("expenses").doc(`e${i}`);
      await expense.set(expenseFixture("alice", ["alice"]));
      lastCommit = (await expense.get()).get("updatedAt") as Timestamp;
    }
    await eventually("the last create's activity", async () => (await group.get()).get("lastActivityAt")?.isEqual(lastCommit) || undefined);
    // Everything the 20 creates set off (the group trigger's runs on the server's own writes too) is done.
    await drainTriggers(db);
    const after = await documentVersions();
    const written = [...after]
      .filter(([path, version]) => before.get(path) !== version)
      .map(([path]) => path)
      .filter((path) => !path.startsWith(`${group.path}/`) && path !== group.path && !/^groups\/drain-/.test(path));
    process.stdout.write(`      (20 plain creates wrote ${written.length} document(s) outside their group, ${written.filter((path) => path.startsWith("ops/")).length} under ops/)\n`);
    expect(written).to.deep.equal([]);
    expect([...after.keys()].filter((path) => path.startsWith("ops/"))).to.deep.equal([]);
  });
});
