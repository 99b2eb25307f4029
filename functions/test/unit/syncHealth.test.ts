import { expect } from "chai";
import { FieldValue, Firestore } from "firebase-admin/firestore";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  COUNTER_SHARDS,
  LAG_BUCKET_KEYS,
  LAG_BUCKET_UPPER_BOUNDS_MS,
  lagBucketKey,
  lagPercentileMs,
  previousUtcDay,
  recordTriggerMetrics,
  rollupPreviousUtcDay,
  utcDayWindow,
} from "../../src/syncHealth";
import { capturedLogs, recordingDb } from "../support/capture";

const at = new Date("2026-03-14T23:59:59.999Z");

describe("sync-health lag histogram", () => {
  it("puts a lag in the first bucket whose upper bound it does not exceed", () => {
    expect(lagBucketKey(0)).to.equal("le100");
    expect(lagBucketKey(100)).to.equal("le100");
    expect(lagBucketKey(100.5)).to.equal("le250");
    expect(lagBucketKey(2_500)).to.equal("le2500");
    expect(lagBucketKey(3_600_000)).to.equal("le3600000");
    expect(lagBucketKey(3_600_001)).to.equal("gt3600000");
  });

  it("counts a negative lag (clock skew) as no lag", () => {
    expect(lagBucketKey(-250)).to.equal("le100");
  });

  it("has one key per bound plus the overflow bucket, in order", () => {
    expect(LAG_BUCKET_KEYS).to.have.length(LAG_BUCKET_UPPER_BOUNDS_MS.length + 1);
    expect([...LAG_BUCKET_UPPER_BOUNDS_MS]).to.deep.equal([...LAG_BUCKET_UPPER_BOUNDS_MS].sort((a, b) => a - b));
  });
});

describe("sync-health lag percentiles (nearest rank over the histogram)", () => {
  it("is null without samples", () => {
    expect(lagPercentileMs({}, 0.5)).to.equal(null);
    expect(lagPercentileMs({ le100: 0 }, 0.99)).to.equal(null);
  });

  it("is the upper bound of the bucket holding the ceil(q·n)-th sample", () => {
    const histogram = { le100: 98, le250: 1, le1000: 1 };
    expect(lagPercentileMs(histogram, 0.5)).to.equal(100);
    expect(lagPercentileMs(histogram, 0.98)).to.equal(100); // rank 98
    expect(lagPercentileMs(histogram, 0.99)).to.equal(250); // rank 99
    expect(lagPercentileMs(histogram, 1)).to.equal(1000); // rank 100
  });

  it("lands on the lower bucket when the rank is exactly its last sample", () => {
    expect(lagPercentileMs({ le500: 2, le5000: 2 }, 0.5)).to.equal(500); // rank 2 of 4
    expect(lagPercentileMs({ le500: 2, le5000: 3 }, 0.5)).to.equal(5000); // rank 3 of 5
  });

  it("uses rank 1 for a single sample at any quantile", () => {
    expect(lagPercentileMs({ le60000: 1 }, 0.5)).to.equal(60_000);
    expect(lagPercentileMs({ le60000: 1 }, 0.99)).to.equal(60_000);
  });

  it("is null when the percentile falls in the overflow bucket (above an hour)", () => {
    expect(lagPercentileMs({ le100: 50, gt3600000: 50 }, 0.5)).to.equal(100);
    expect(lagPercentileMs({ le100: 50, gt3600000: 50 }, 0.99)).to.equal(null);
  });

  it("ignores keys that are not buckets", () => {
    expect(lagPercentileMs({ le100: 1, le7: 1000 } as Record<string, number>, 0.99)).to.equal(100);
  });
});

describe("sync-health days", () => {
  it("is the UTC day's half-open window", () => {
    expect(utcDayWindow("2026-03-14")).to.deep.equal({ start: new Date("2026-03-14T00:00:00Z"), end: new Date("2026-03-15T00:00:00Z") });
    expect(utcDayWindow("2024-02-29").end).to.deep.equal(new Date("2024-03-01T00:00:00Z"));
  });

  for (const bad of ["2026-02-30", "2026-13-01", "2026-3-14", "20260314", "", "2026-03-14T00:00:00Z", "yesterday"]) {
    it(`rejects ${JSON.stringify(bad)} as a day`, () => {
      expect(() => utcDayWindow(bad)).to.throw(/not a UTC day/);
    });
  }

  it("picks the previous UTC day of a schedule time, across month and year ends", () => {
    expect(previousUtcDay(new Date("2026-03-15T00:15:00Z"))).to.equal("2026-03-14");
    expect(previousUtcDay(new Date("2024-03-01T00:15:00Z"))).to.equal("2024-02-29");
    expect(previousUtcDay(new Date("2027-01-01T00:00:00Z"))).to.equal("2026-12-31");
  });

  it("rejects an unreadable schedule time before touching Firestore", async () => {
    const { db, writes } = recordingDb();
    let error: unknown;
    await rollupPreviousUtcDay(db, "not a time").catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/unreadable schedule time/);
    expect(writes).to.deep.equal([]);
  });
});

describe("recordTriggerMetrics", () => {
  it("increments the outcome and the lag bucket in a shard of the sample's UTC day, merging", async () => {
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "activity-raised", lagMs: 420, at });
    expect(writes).to.have.length(1);
    const [write] = writes;
    expect(write.path).to.match(/^ops\/syncHealth\/days\/2026-03-14\/shards\/\d+$/);
    expect(write.options).to.deep.equal({ merge: true });
    const data = write.data as Record<string, Record<string, FieldValue>>;
    expect(data.outcomes["activity-raised"].isEqual(FieldValue.increment(1))).to.equal(true);
    expect(Object.keys(data.lagHistogram)).to.deep.equal(["le500"]);
    expect(data.lagHistogram.le500.isEqual(FieldValue.increment(1))).to.equal(true);
  });

  it("spreads consecutive samples over every shard evenly", async () => {
    const { db, writes } = recordingDb();
    for (let i = 0; i < COUNTER_SHARDS * 3; i++) await recordTriggerMetrics(db, { outcome: "duplicate-skipped", lagMs: 5, at });
    const perShard = new Map<string, number>();
    for (const { path } of writes) perShard.set(path, (perShard.get(path) ?? 0) + 1);
    expect(perShard.size).to.equal(COUNTER_SHARDS);
    expect([...perShard.values()].every((count) => count === 3)).to.equal(true);
  });

  it("counts a skipped redelivery's outcome but keeps its lag out of the histogram", async () => {
    const { db, writes } = recordingDb();
    for (const outcome of ["duplicate-skipped", "stale-skipped", "purge-skipped"] as const) {
      await recordTriggerMetrics(db, { outcome, lagMs: 90_000, at });
    }
    expect(writes.map((write) => Object.keys(write.data.outcomes))).to.deep.equal([["duplicate-skipped"], ["stale-skipped"], ["purge-skipped"]]);
    expect(writes.every((write) => write.data.lagHistogram === undefined)).to.equal(true);
  });

  // Regression: an invalid document's redelivery was counted as applied, with its lateness as lag.
  it("counts a run that met an invalid document apart from its outcome: a redelivery stays a skip, without lag", async () => {
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "duplicate-skipped", lagMs: 90_000, invalidDocument: true, at });
    const [write] = writes;
    expect(Object.keys(write.data.outcomes)).to.deep.equal(["duplicate-skipped"]);
    expect(write.data.lagHistogram).to.equal(undefined);
    expect((write.data.invalidDocuments as FieldValue).isEqual(FieldValue.increment(1))).to.equal(true);
  });

  it("counts the invalid-document outcome as an invalid document, with its lag", async () => {
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "invalid-document", lagMs: 300, at });
    expect((writes[0].data.invalidDocuments as FieldValue).isEqual(FieldValue.increment(1))).to.equal(true);
    expect(Object.keys(writes[0].data.lagHistogram)).to.deep.equal(["le500"]);
  });

  it("counts no invalid document for a run that met none", async () => {
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "activity-raised", lagMs: 300, invalidDocument: false, at });
    expect(writes[0].data.invalidDocuments).to.equal(undefined);
  });

  it("counts an event dropped by the age cut-off, which has no lag", async () => {
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "dropped-too-old", at });
    expect(Object.keys(writes[0].data.outcomes)).to.deep.equal(["dropped-too-old"]);
    expect(writes[0].data.lagHistogram).to.equal(undefined);
  });

  it("counts the outcome without a lag when the lag is not a finite number", async () => {
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "conflict-recorded", lagMs: Number.NaN, at });
    expect(Object.keys(writes[0].data.outcomes)).to.deep.equal(["conflict-recorded"]);
    expect(writes[0].data.lagHistogram).to.equal(undefined);
  });

  it("never throws into the caller: a failing write, a broken db, a bad date or outcome", async () => {
    const rejecting = { doc: () => ({ set: () => Promise.reject(new Error("UNAVAILABLE")) }) } as unknown as Firestore;
    const throwing = {
      doc: () => {
        throw new Error("no db");
      },
    } as unknown as Firestore;
    await recordTriggerMetrics(rejecting, { outcome: "activity-raised", lagMs: 1, at });
    await recordTriggerMetrics(throwing, { outcome: "activity-raised", lagMs: 1, at });
    const { db, writes } = recordingDb();
    await recordTriggerMetrics(db, { outcome: "activity-raised", lagMs: 1, at: new Date(Number.NaN) });
    await recordTriggerMetrics(db, { outcome: "exploded" as never, lagMs: 1, at });
    expect(writes).to.deep.equal([]);
  });

  it("logs a failed write as sync-health.metrics-not-recorded, with the sample and the error", async () => {
    const rejecting = { doc: () => ({ set: () => Promise.reject(new Error("UNAVAILABLE")) }) } as unknown as Firestore;
    const logs = await capturedLogs(() => recordTriggerMetrics(rejecting, { outcome: "stale-skipped", lagMs: 12, invalidDocument: true, at }));
    expect(logs).to.have.length(1);
    expect(logs[0]).to.deep.include({
      event: "sync-health.metrics-not-recorded",
      severity: "WARNING",
      outcome: "stale-skipped",
      lagMs: 12,
      invalidDocument: true,
      error: "UNAVAILABLE",
    });
  });
});

describe("sync-health rollup queries", () => {
  // The emulator does not enforce indexes: production would be the first to notice a missing one.
  it("have the collection-group indexes their day-range counts need in firestore.indexes.json", () => {
    const file = JSON.parse(readFileSync(join(__dirname, "../../../firestore.indexes.json"), "utf8")) as {
      fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: { order?: string; queryScope: string }[] }[];
    };
    for (const [collectionGroup, fieldPath] of [["conflicts", "detectedAt"], ["tombstones", "deletedAt"]]) {
      const override = file.fieldOverrides.find((o) => o.collectionGroup === collectionGroup && o.fieldPath === fieldPath);
      const groupScoped = override?.indexes.some((index) => index.queryScope === "COLLECTION_GROUP" && index.order === "ASCENDING");
      expect(groupScoped, `${collectionGroup}.${fieldPath}`).to.equal(true);
    }
  });
});
