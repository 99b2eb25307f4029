// The purge's pure parts: cutoffs, the watermark, expiry, commit planning, the lease rule.
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import {
  computeCutoffs,
  isExpired,
  MAX_WRITES_PER_COMMIT,
  newRunId,
  planCommits,
  raisedWatermark,
  SCHEDULED_PURGE_TIMEOUT_SECONDS,
  scheduledTimeBudgetMs,
  watermarkFor,
} from "../../src/purge";
import { leaseIsAvailable } from "../../src/purgeLease";

const DAY_MS = 86_400_000;
const NOW = new Date("2026-03-01T04:00:00.000Z");
const DEFAULT_RETENTION = { expenses: 30, records: 90, readNotifications: 30 };

describe("purge: cutoffs", () => {
  it("puts each cutoff its retention before now", () => {
    const cutoffs = computeCutoffs(NOW, DEFAULT_RETENTION);
    expect(cutoffs.expenses.toMillis()).to.equal(NOW.getTime() - 30 * DAY_MS);
    expect(cutoffs.records.toMillis()).to.equal(NOW.getTime() - 90 * DAY_MS);
    expect(cutoffs.notifications.toMillis()).to.equal(NOW.getTime() - 30 * DAY_MS);
    expect(cutoffs.expenses.toDate().toISOString()).to.equal("2026-01-30T04:00:00.000Z");
  });

  it("takes each retention on its own", () => {
    const cutoffs = computeCutoffs(NOW, { expenses: 1, records: 2, readNotifications: 3 });
    expect(cutoffs.expenses.toMillis()).to.equal(NOW.getTime() - DAY_MS);
    expect(cutoffs.records.toMillis()).to.equal(NOW.getTime() - 2 * DAY_MS);
    expect(cutoffs.notifications.toMillis()).to.equal(NOW.getTime() - 3 * DAY_MS);
  });

  for (const [name, retention, message] of [
    ["zero days", { ...DEFAULT_RETENTION, expenses: 0 }, /Expense retention .* at least 1 \(got 0\)/],
    ["negative days", { ...DEFAULT_RETENTION, records: -5 }, /Record retention .*got -5/],
    ["fractional days", { ...DEFAULT_RETENTION, readNotifications: 1.5 }, /Read-notification retention .*got 1.5/],
    ["NaN", { ...DEFAULT_RETENTION, expenses: Number.NaN }, /Expense retention/],
  ] as const) {
    it(`rejects a retention of ${name}`, () => {
      expect(() => computeCutoffs(NOW, retention)).to.throw(RangeError, message);
    });
  }

  it("rejects an invalid clock", () => {
    expect(() => computeCutoffs(new Date("not a date"), DEFAULT_RETENTION)).to.throw(RangeError, /now is not a valid date/);
  });
});

describe("purge: watermark", () => {
  it("is the expense cutoff with the default retentions (the later of the two)", () => {
    const cutoffs = computeCutoffs(NOW, DEFAULT_RETENTION);
    expect(watermarkFor(cutoffs).isEqual(cutoffs.expenses)).to.equal(true);
  });

  it("is the record cutoff when records are kept for less time than expenses", () => {
    const cutoffs = computeCutoffs(NOW, { expenses: 60, records: 10, readNotifications: 30 });
    expect(watermarkFor(cutoffs).isEqual(cutoffs.records)).to.equal(true);
  });

  it("is raised from nothing, and from an older value", () => {
    const target = Timestamp.fromMillis(1_000_000);
    expect(raisedWatermark(undefined, target)).to.equal(target);
    expect(raisedWatermark(null, target)).to.equal(target);
    expect(raisedWatermark(Timestamp.fromMillis(999_999), target)).to.equal(target);
  });

  it("never goes down, nor is rewritten with the same value", () => {
    const target = new Timestamp(1000, 500);
    expect(raisedWatermark(new Timestamp(1000, 500), target)).to.equal(undefined);
    expect(raisedWatermark(new Timestamp(1000, 501), target)).to.equal(undefined);
    expect(raisedWatermark(new Timestamp(2000, 0), target)).to.equal(undefined);
  });

  it("orders to the nanosecond", () => {
    expect(raisedWatermark(new Timestamp(1000, 499), new Timestamp(1000, 500))?.nanoseconds).to.equal(500);
  });
});

describe("purge: expiry", () => {
  const cutoff = new Timestamp(1_700_000_000, 250_000_000);

  it("is strictly before the cutoff", () => {
    expect(isExpired(new Timestamp(1_700_000_000, 249_999_999), cutoff)).to.equal(true);
    expect(isExpired(new Timestamp(1_600_000_000, 0), cutoff)).to.equal(true);
    expect(isExpired(new Timestamp(1_700_000_000, 250_000_000), cutoff)).to.equal(false);
    expect(isExpired(new Timestamp(1_700_000_000, 250_000_001), cutoff)).to.equal(false);
  });

  it("never holds for a live or missing timestamp", () => {
    for (const value of [null, undefined, "2020-01-01T00:00:00Z", 0, new Date(0)]) {
      expect(isExpired(value, cutoff), String(value)).to.equal(false);
    }
  });
});

describe("purge: commit plan", () => {
  const candidates = (owners: string[]) => owners.map((ownerId, i) => ({ ownerId, i }));
  /** Writes a commit makes: a delete each, plus one raise per distinct group when raising. */
  const writes = (commit: { ownerId: string }[], raising: boolean) => commit.length + (raising ? new Set(commit.map((c) => c.ownerId)).size : 0);

  it("keeps a page of one group in one commit", () => {
    const plan = planCommits(candidates(Array(300).fill("g1")), true, MAX_WRITES_PER_COMMIT);
    expect(plan.map((c) => c.length)).to.deep.equal([300]);
  });

  it("splits a page spread over many groups so each commit stays within the write cap", () => {
    const owners = Array.from({ length: 300 }, (_, i) => `g${i}`);
    const plan = planCommits(candidates(owners), true, MAX_WRITES_PER_COMMIT);
    expect(plan.map((c) => c.length)).to.deep.equal([250, 50]);
    for (const commit of plan) expect(writes(commit, true)).to.be.at.most(MAX_WRITES_PER_COMMIT);
  });

  it("counts no raises for user-scoped documents", () => {
    const owners = Array.from({ length: 700 }, (_, i) => `u${i}`);
    expect(planCommits(candidates(owners), false, MAX_WRITES_PER_COMMIT).map((c) => c.length)).to.deep.equal([500, 200]);
  });

  it("keeps every candidate exactly once, in order, under the cap for mixed pages", () => {
    // A deterministic mix of repeated and fresh groups.
    const owners = Array.from({ length: 997 }, (_, i) => `g${(i * 7919) % 211}`);
    for (const maxWrites of [2, 3, 10, 500]) {
      const plan = planCommits(candidates(owners), true, maxWrites);
      expect(plan.flat().map((c) => c.i)).to.deep.equal(owners.map((_, i) => i));
      for (const commit of plan) {
        expect(commit.length).to.be.greaterThan(0);
        expect(writes(commit, true)).to.be.at.most(maxWrites);
      }
    }
  });

  it("plans nothing for an empty page and rejects a cap too small for one document", () => {
    expect(planCommits([], true, 500)).to.deep.equal([]);
    expect(() => planCommits(candidates(["g"]), true, 1)).to.throw(RangeError, /maxWrites/);
  });
});

describe("purge: scheduled time budget", () => {
  it("keeps the configured budget when it fits the function timeout", () => {
    expect(scheduledTimeBudgetMs(420)).to.equal(420_000);
  });

  it("holds a too-large budget below the function timeout", () => {
    const budget = scheduledTimeBudgetMs(3600);
    expect(budget).to.be.lessThan(SCHEDULED_PURGE_TIMEOUT_SECONDS * 1000);
    expect(budget).to.be.greaterThan(0);
  });
});

describe("purge: lease rule", () => {
  const nowMs = 1_800_000_000_000;
  const lease = (holder: string, expiresInMs: number) => ({ holder, expiresAt: Timestamp.fromMillis(nowMs + expiresInMs) });

  it("is free when nobody holds it or it is already ours", () => {
    expect(leaseIsAvailable(undefined, "run-a", nowMs)).to.equal(true);
    expect(leaseIsAvailable(lease("run-a", 60_000), "run-a", nowMs)).to.equal(true);
  });

  it("is taken while another run holds it unexpired", () => {
    expect(leaseIsAvailable(lease("run-b", 1), "run-a", nowMs)).to.equal(false);
  });

  it("is free once another run's lease has expired", () => {
    expect(leaseIsAvailable(lease("run-b", 0), "run-a", nowMs)).to.equal(true);
    expect(leaseIsAvailable(lease("run-b", -1), "run-a", nowMs)).to.equal(true);
    expect(leaseIsAvailable({ holder: "run-b" }, "run-a", nowMs)).to.equal(true);
  });
});

describe("purge: run ids", () => {
  it("sort by start time and never repeat", () => {
    const first = newRunId(new Date("2026-03-01T03:17:00.123Z"));
    const again = newRunId(new Date("2026-03-01T03:17:00.123Z"));
    expect(first).to.match(/^20260301T031700Z-[0-9a-f]{8}$/);
    expect(again).to.not.equal(first);
    expect(newRunId(new Date("2026-03-02T00:00:00Z")) > first).to.equal(true);
  });
});
