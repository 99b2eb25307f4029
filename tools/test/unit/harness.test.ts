// The benchmark harness and what it takes from the emulator plan: the port offset and the
// functions' region (bench:triggers once ignored the first and hard-coded the second).
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { latencyPercentiles, percentile, table, triggerLogs } from "../../../bench/harness";
import { summarizeTriggerRun } from "../../../bench/triggers";
import { EmulatorSetupError, emulatorPortOffset, emulatorPorts, functionsRegion, portShift } from "../../../scripts/emulators";
import { PROJECT_ID } from "../../emulator";
import type { BurstResult } from "../../../functions/test/support/burst";

describe("bench harness: the emulator plan", () => {
  it("reads the port offset from EMULATOR_PORT_OFFSET, 0 when unset", () => {
    expect(emulatorPortOffset({})).to.equal(0);
    expect(emulatorPortOffset({ EMULATOR_PORT_OFFSET: "3" })).to.equal(3);
  });

  it("gives offsets 0 to 4 a port block each: no port shared, none that fetch refuses", () => {
    const blocks = [0, 1, 2, 3, 4].map((offset) => Object.values(emulatorPorts(offset)));
    const all = blocks.flat();
    expect(new Set(all).size).to.equal(all.length);
    expect(all.filter((port) => [6000, 6665, 6666, 6667, 6668, 6669, 10080].includes(port))).to.deep.equal([]);
    expect(emulatorPorts(3).hub).to.equal(emulatorPorts(0).hub + portShift(3));
  });

  it("moves every port by 1000 for offset 100, the first block, as before", () => {
    expect(portShift(100)).to.equal(1000);
    expect(emulatorPorts(100)).to.deep.equal(emulatorPorts(1));
  });

  it("refuses an offset that would move ports past 65535", () => {
    expect(() => portShift(90)).to.throw(EmulatorSetupError, "EMULATOR_PORT_OFFSET=90 moves the emulator ports past 65535");
  });

  for (const raw of ["three", "-1", "1.5", ""]) {
    it(`refuses EMULATOR_PORT_OFFSET=${JSON.stringify(raw)} instead of falling back to the default ports`, () => {
      expect(() => emulatorPortOffset({ EMULATOR_PORT_OFFSET: raw })).to.throw(EmulatorSetupError, "EMULATOR_PORT_OFFSET must be a whole number");
    });
  }

  describe("the functions' region", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "functions-env-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("is the project's SYNC_REGION for the emulators", () => {
      expect(functionsRegion()).to.equal("us-central1");
    });

    it("follows SYNC_REGION in the dotenv file the Functions emulator reads for the project", () => {
      writeFileSync(join(dir, `.env.${PROJECT_ID}`), "SYNC_REGION=europe-west3\n");
      expect(functionsRegion(dir)).to.equal("europe-west3");
      writeFileSync(join(dir, ".env.local"), "SYNC_REGION=asia-northeast1\n");
      expect(functionsRegion(dir)).to.equal("asia-northeast1");
    });

    it("is the parameter's default when no dotenv file sets it", () => {
      writeFileSync(join(dir, ".env"), "PURGE_BATCH_SIZE=100\n");
      expect(functionsRegion(dir)).to.equal("us-central1");
    });
  });
});

describe("bench harness: figures", () => {
  const burst: BurstResult = {
    writes: 4,
    expectedConflicts: 1,
    expectedTombstones: 1,
    writeMs: 1500,
    settleMs: 4200,
    exact: true,
    mismatches: [],
    groupSnapshots: 3,
    lastActivityOnlyRose: true,
  };

  it("counts trigger invocations in the region the functions ran in", () => {
    const lines = [
      'i  functions: Beginning execution of "europe-west3-expenseChanged"',
      'i  functions: Beginning execution of "europe-west3-expenseChanged"',
      'i  functions: Beginning execution of "europe-west3-groupWritten"',
      'i  functions: Beginning execution of "us-central1-expenseChanged"',
      '>  {"trigger":"expenseChanged","outcome":"activity-raised","attempts":2,"activityRaised":true}',
      '>  {"trigger":"expenseChanged","outcome":"stale-skipped","attempts":1}',
    ];
    const summary = summarizeTriggerRun(lines, burst, "europe-west3");
    expect(summary).to.include({ region: "europe-west3", expenseTriggerInvocations: 2, expenseTriggersLogged: 2, groupDocumentWritesByServer: 1, transactionRetries: 1 });
    expect(summary).to.include({ settleSeconds: 4.2, tombstones: 1, conflicts: 1, triggerFailures: 0 });
  });

  it("takes nearest-rank percentiles", () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect([50, 90, 95, 100].map((p) => percentile(samples, p))).to.deep.equal([5, 9, 10, 10]);
    expect(() => percentile([], 50)).to.throw("no samples");
  });

  it("pads a table's columns to their widest cell", () => {
    expect(table([["what", "p50"], ["Tier 2", 12.5], ["Tier 1 (trigger)", 140]])).to.equal(
      ["what               p50", "----------------  ----", "Tier 2            12.5", "Tier 1 (trigger)   140", ""].join("\n"),
    );
  });
});

describe("bench harness: the triggers' logs", () => {
  it("takes the structured lines with a trigger field and skips everything else", () => {
    const lines = [
      'i  functions: Beginning execution of "us-central1-expenseChanged"',
      '>  {"trigger":"expenseChanged","outcome":"activity-raised"}',
      '>  {"message":"no trigger field"}',
      ">  {not json",
      'Some prefix >  {"trigger":"groupWritten","outcome":"not-activity"}',
    ];
    expect(triggerLogs<{ trigger?: string; outcome?: string }>(lines)).to.deep.equal([
      { trigger: "expenseChanged", outcome: "activity-raised" },
      { trigger: "groupWritten", outcome: "not-activity" },
    ]);
  });
});

describe("bench harness: latency percentiles", () => {
  it("gives nearest-rank p50, p95 and p99 in tenths", () => {
    const samples = Array.from({ length: 100 }, (_, index) => index + 1.06);
    expect(latencyPercentiles(samples)).to.deep.equal({ p50: 50.1, p95: 95.1, p99: 99.1 });
  });
});
