// Sync-health counters and the daily rollup against the Firestore emulator. Fixtures sit on a
// fixed past day, so the real triggers running in this emulator (which count into today) cannot
// touch them; they are written with the triggers off all the same.
import { expect } from "chai";
import { DocumentData, Firestore, Timestamp } from "firebase-admin/firestore";
import { performance } from "node:perf_hooks";
import { TriggerOutcome } from "../../src/outcomes";
import { COUNTER_SHARDS, recordTriggerMetrics, rollupSyncHealth, SYNC_HEALTH_DAYS_PATH, SyncHealthDay, utcDay } from "../../src/syncHealth";
import { adminDb, clearFirestore, eventually, withoutTriggers } from "../../../tools/emulator";
import { drainTriggers } from "../support/emulator";
import { groupFixture } from "../support/fixtures";
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

const counts = (expenses: number, tombstones: number, conflicts: number, notifications: number) => ({ expenses, tombstones, conflicts, notifications });

describe("sync health (emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;

  const dayDoc = (day = DAY) => db.doc(`${SYNC_HEALTH_DAYS_PATH}/${day}`);
  const shards = (day = DAY) => db.collection(`${SYNC_HEALTH_DAYS_PATH}/${day}/shards`).get();

  async function samples(outcome: TriggerOutcome, lagMs: number, count: number, at = inDay("12:00:00")): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => recordTriggerMetrics(db, { outcome, lagMs, at })));
  }

  before(async () => {
    db = adminDb();
    // Trigger runs queued by earlier suites would land in the counters mid-test; let them finish
    // first (each test then starts from a clear database).
    await drainTriggers(db);
  });
  beforeEach(clearFirestore);

  it("spreads a burst of 500 trigger runs on one day over every shard, losing none", async () => {
    const started = performance.now();
    await samples("activity-raised", 300, 500);
    const elapsedMs = performance.now() - started;
    const docs = (await shards()).docs;
    expect(docs).to.have.length(COUNTER_SHARDS);
    const perShard = docs.map((doc) => doc.get("outcomes")["activity-raised"] as number);
    expect(perShard.every((count) => count === 500 / COUNTER_SHARDS), JSON.stringify(perShard)).to.equal(true);
    expect(docs.reduce((sum, doc) => sum + (doc.get("lagHistogram").le500 as number), 0)).to.equal(500);
    expect((await dayDoc().get()).exists, "the burst wrote the day's summary document").to.equal(false);
    process.stdout.write(`      (500 concurrent recordTriggerMetrics calls took ${elapsedMs.toFixed(0)} ms on the emulator)\n`);
  });

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
        put("ops/purge/runs/r2", purgeRunFixture(inDay("15:00:00"), counts(1, 0, 0, 4), { complete: false }));
        put("ops/purge/runs/dry", purgeRunFixture(inDay("16:00:00"), counts(100, 100, 100, 100), { dryRun: true }));
        put("ops/purge/runs/unreadable", purgeRunFixture(inDay("17:00:00"), { expenses: "many" }));
        put("ops/purge/runs/yesterday", purgeRunFixture(BEFORE_DAY, counts(50, 0, 0, 0)));
        await Promise.all(writes);
        // 98 fast applied changes, 2 slow ones, and skips whose lag stays out of the histogram.
        await samples("activity-raised", 80, 90);
        await samples("conflict-recorded", 400, 3);
        await samples("invalid-document", 900, 5);
        await samples("activity-raised", 45_000, 2);
        await samples("duplicate-skipped", 7_200_000, 4);
        await samples("stale-skipped", 10, 1);
        await samples("activity-raised", 80, 6, AFTER_DAY);
      });
    });

    const expectedSummary = {
      day: DAY,
      conflicts: 3,
      tombstones: 2,
      purged: { expenses: 6, tombstones: 7, conflicts: 2, notifications: 5, total: 20 },
      purgeRuns: { finished: 4, complete: 2, incomplete: 1, dryRun: 1, unreadable: 1 },
      invalidDocuments: 5,
      triggerRuns: 105,
      triggerOutcomes: {
        "activity-raised": 92,
        "conflict-recorded": 3,
        "duplicate-skipped": 4,
        "stale-skipped": 1,
        "purge-skipped": 0,
        "invalid-document": 5,
        "dropped-too-old": 0,
      },
    };

    it("counts the day's conflicts, tombstones, purged documents and trigger outcomes, with lag percentiles", async () => {
      const summary = await rollupSyncHealth(db, DAY);
      expect(summary).to.deep.include(expectedSummary);
      expect(summary.windowStart.toDate()).to.deep.equal(inDay("00:00:00"));
      expect(summary.windowEnd.toDate()).to.deep.equal(AFTER_DAY);
      expect(summary.triggerLag).to.deep.include({ samples: 100, p50Ms: 100, p99Ms: 60_000 });
      expect(summary.triggerLag.histogram).to.deep.include({ le100: 90, le500: 3, le1000: 5, le60000: 2, gt3600000: 0 });
      const stored = (await dayDoc().get()).data();
      expect(stored).to.deep.include(expectedSummary);
      expect(stored?.rolledUpAt).to.be.instanceOf(Timestamp);
      expect(stored?.triggerLag).to.deep.equal(summary.triggerLag);
    });

    it("is idempotent: a re-run writes the same summary and leaves the counters alone", async () => {
      const first = await rollupSyncHealth(db, DAY);
      const firstStored = (await dayDoc().get()).data();
      const shardsBefore = (await shards()).docs.map((doc) => doc.data().outcomes);
      const second = await rollupSyncHealth(db, DAY);
      const secondStored = (await dayDoc().get()).data();
      expect(second).to.deep.equal(first);
      const withoutRunTime = (data: DocumentData | undefined) => ({ ...data, rolledUpAt: undefined });
      expect(withoutRunTime(secondStored)).to.deep.equal(withoutRunTime(firstStored));
      expect((await shards()).docs.map((doc) => doc.data().outcomes)).to.deep.equal(shardsBefore);
    });

    it("recomputes rather than accumulates when the day's sources change between runs", async () => {
      await rollupSyncHealth(db, DAY);
      await withoutTriggers(() => db.doc("groups/g9/conflicts/c9").set(conflictFixture("e9", inDay("18:00:00"))));
      const rerun = await rollupSyncHealth(db, DAY);
      expect(rerun.conflicts).to.equal(4);
      expect(rerun.purged.total).to.equal(20);
      expect((await dayDoc().get()).get("conflicts")).to.equal(4);
    });

    it("writes an all-zero summary for a day with nothing in it", async () => {
      const summary = await rollupSyncHealth(db, "2026-03-16");
      expect(summary).to.deep.include({
        conflicts: 0,
        tombstones: 0,
        purged: { expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, total: 0 },
        purgeRuns: { finished: 0, complete: 0, incomplete: 0, dryRun: 0, unreadable: 0 },
        invalidDocuments: 0,
        triggerRuns: 0,
      });
      expect(summary.triggerLag).to.deep.include({ samples: 0, p50Ms: null, p99Ms: null });
      expect(Object.values(summary.triggerOutcomes).every((count) => count === 0)).to.equal(true);
      expect((await dayDoc("2026-03-16").get()).get("triggerRuns")).to.equal(0);
    });

    it("rejects a day that is not yyyy-mm-dd without writing", async () => {
      let error: unknown;
      await rollupSyncHealth(db, "2026-02-30").catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(/not a UTC day/);
      expect((await db.collection(SYNC_HEALTH_DAYS_PATH).get()).docs.map((doc) => doc.id)).to.deep.equal([]);
    });
  });

  // Regression: dropped events were counted nowhere, and a skip of an invalid document counted as applied.
  it("counts dropped events, and invalid documents whatever the run did, keeping skips out of the lag", async () => {
    const day = "2026-03-17";
    const at = new Date(`${day}T09:00:00Z`);
    await Promise.all(
      [
        { outcome: "dropped-too-old" as const },
        { outcome: "dropped-too-old" as const },
        { outcome: "invalid-document" as const, lagMs: 300, invalidDocument: true },
        { outcome: "duplicate-skipped" as const, lagMs: 120_000, invalidDocument: true },
        { outcome: "stale-skipped" as const, lagMs: 5_000, invalidDocument: true },
        { outcome: "activity-raised" as const, lagMs: 80, invalidDocument: false },
      ].map((sample) => recordTriggerMetrics(db, { ...sample, at })),
    );
    let summary: SyncHealthDay | undefined;
    const logs = await capturedLogs(async () => {
      summary = await rollupSyncHealth(db, day);
    });
    expect(summary?.triggerOutcomes).to.deep.include({
      "dropped-too-old": 2,
      "invalid-document": 1,
      "duplicate-skipped": 1,
      "stale-skipped": 1,
      "activity-raised": 1,
    });
    expect(summary).to.deep.include({ invalidDocuments: 3, triggerRuns: 6 });
    expect(summary?.triggerLag).to.deep.include({ samples: 2 });
    expect(summary?.triggerLag.histogram).to.deep.include({ le100: 1, le500: 1 });
    expect((await dayDoc(day).get()).get("invalidDocuments")).to.equal(3);
    expect(logs.find((log) => log.event === "sync-health.rollup-written")).to.deep.include({ day, droppedTooOld: 2, invalidDocuments: 3, triggerRuns: 6 });
  });

  it("is fed by the real triggers: creating a group counts an activity-raised run today", async () => {
    const today = utcDay(new Date());
    await db.doc("groups/metrics-probe").set(groupFixture("alice", ["alice"]));
    const raised = await eventually("an activity-raised count in today's shards", async () => {
      const docs = (await shards(today)).docs;
      const total = docs.reduce((sum, doc) => sum + ((doc.get("outcomes") ?? {})["activity-raised"] ?? 0), 0);
      return total > 0 ? total : undefined;
    });
    expect(raised).to.be.at.least(1);
    expect((await rollupSyncHealth(db, today)).triggerOutcomes["activity-raised"]).to.be.at.least(1);
  });
});
