import { expect } from "chai";
import { readFileSync } from "node:fs";
import { buildRolloutVectors, formatVectorFile, RolloutVectorFile, VECTORS_PATH } from "../../scripts/rollout-vectors";
import { defaultSyncConfig, isInRollout, ROLLOUT_BUCKET_COUNT, rolloutBucket, rolloutHash32 } from "../rollout";
import { LIMITS, SyncConfig, uidSchema } from "../schemas";

const committed = JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as RolloutVectorFile;

function config(rolloutPercent: number, overrides: Partial<SyncConfig> = {}): SyncConfig {
  return { realtimeSyncEnabled: true, rolloutPercent, allowlistUserIds: [], ...overrides };
}

const PERCENTS = Array.from({ length: 101 }, (_, p) => p);

describe("rollout buckets: the published test vectors", () => {
  it("hold at least 1,000 distinct, valid uids including the tricky kinds", () => {
    const uids = committed.vectors.map((vector) => vector.uid);
    expect(uids.length).to.be.at.least(1000);
    expect(new Set(uids).size).to.equal(uids.length);
    for (const uid of uids) expect(uidSchema.safeParse(uid).success, JSON.stringify(uid)).to.equal(true);
    expect(uids).to.include.members(["1234567890", "a".repeat(LIMITS.uidMax), "\u00e9", "e\u0301", "😀", "用户"]);
    expect(uids.some((uid) => Buffer.byteLength(uid, "utf8") > LIMITS.uidMax)).to.equal(true);
  });

  it("are reproduced by rolloutBucket and rolloutHash32, every one", () => {
    const mismatches = committed.vectors.filter((v) => rolloutHash32(v.uid) !== v.hash32 || rolloutBucket(v.uid) !== v.bucket);
    expect(mismatches).to.deep.equal([]);
  });

  it("are what the committed generator writes today (the file is current)", () => {
    expect(readFileSync(VECTORS_PATH, "utf8")).to.equal(formatVectorFile(buildRolloutVectors()));
  });

  it("pin the spec's worked example byte for byte", () => {
    // docs/rollout.md walks through this uid; a change here means the doc is wrong too.
    expect(rolloutHash32("user")).to.equal(0x6f3e_7c78);
    expect(rolloutHash32("😀")).to.equal(0x0cbb_a37f);
    expect(rolloutBucket("😀")).to.equal(79);
    expect(rolloutBucket("user")).to.equal(72);
  });

  it("do not normalize: composed and decomposed é land on their own buckets", () => {
    const composed = committed.vectors.find((v) => v.uid === "\u00e9");
    const decomposed = committed.vectors.find((v) => v.uid === "e\u0301");
    expect(composed?.hash32).to.not.equal(decomposed?.hash32);
  });
});

describe("rollout membership", () => {
  it("is nobody while realtime sync is disabled, allowlist and 100% included (kill switch)", () => {
    const uid = committed.vectors[0].uid;
    expect(isInRollout(config(100, { realtimeSyncEnabled: false, allowlistUserIds: [uid] }), uid)).to.equal(false);
  });

  it("always includes an allowlisted uid, even at 0%", () => {
    const outside = committed.vectors.find((v) => v.bucket === 99)!.uid;
    expect(isInRollout(config(0, { allowlistUserIds: [outside] }), outside)).to.equal(true);
    expect(isInRollout(config(99), outside)).to.equal(false);
  });

  it("is exactly the buckets below rolloutPercent: nobody at 0, everybody at 100", () => {
    for (const { uid, bucket } of committed.vectors) {
      expect(isInRollout(config(0), uid)).to.equal(false);
      expect(isInRollout(config(100), uid)).to.equal(true);
      expect(isInRollout(config(bucket), uid)).to.equal(false);
      expect(isInRollout(config(bucket + 1), uid)).to.equal(true);
    }
  });

  it("never removes a user when the percentage rises (every vector, every pair p < q)", () => {
    let pairs = 0;
    for (const { uid } of committed.vectors) {
      const inAt = PERCENTS.map((percent) => isInRollout(config(percent), uid));
      for (let p = 0; p < PERCENTS.length; p++) {
        for (let q = p + 1; q < PERCENTS.length; q++) {
          if (inAt[p] && !inAt[q]) expect.fail(`${JSON.stringify(uid)} is in at ${p}% but out at ${q}%`);
          pairs++;
        }
      }
    }
    expect(pairs).to.equal(committed.vectors.length * 5050);
  });

  it("is a fresh default each call, off for everyone", () => {
    const first = defaultSyncConfig();
    first.allowlistUserIds.push("mutated");
    expect(defaultSyncConfig()).to.deep.equal({ realtimeSyncEnabled: false, rolloutPercent: 0, allowlistUserIds: [] });
  });
});

describe("rollout bucket distribution", () => {
  // 100,000 Firebase-like uids; the expected count per bucket is 1,000.
  const SAMPLE = 100_000;
  const counts = new Array<number>(ROLLOUT_BUCKET_COUNT).fill(0);
  before(() => {
    for (let i = 0; i < SAMPLE; i++) counts[rolloutBucket(`uid-${i.toString(36)}-${(i * 7919) % 104729}`)]++;
  });

  it("is roughly uniform: chi-square over 100 buckets below the 0.1% critical value", () => {
    const expected = SAMPLE / ROLLOUT_BUCKET_COUNT;
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: P(chi² > 148.2) = 0.001 for a uniform hash.
    expect(chiSquare).to.be.below(148.2);
  });

  it("puts within 1 point of p% of users in a p% rollout, for every p", () => {
    let inRollout = 0;
    for (let percent = 1; percent <= 100; percent++) {
      inRollout += counts[percent - 1];
      expect(Math.abs((100 * inRollout) / SAMPLE - percent), `at ${percent}%`).to.be.below(1);
    }
  });
});
