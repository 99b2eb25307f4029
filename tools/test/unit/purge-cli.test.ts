// `npm run purge`'s flag parsing, option defaults and summary.
import { expect } from "chai";
import { UsageError } from "../../cli";
import { formatReport, parsePurgeArgs, purgeOptionsFor } from "../../purge";
import { computeCutoffs, PurgeReport } from "../../../functions/src/purge";

describe("purge CLI: flags", () => {
  it("takes no flags as a real run with every default", () => {
    expect(parsePurgeArgs([])).to.deep.equal({ help: false, dryRun: false, settings: {} });
  });

  it("parses every flag, in both --flag value and --flag=value form", () => {
    const command = parsePurgeArgs([
      "--dry-run",
      "--project",
      "my-expenses-prod",
      "--now=2026-03-01T00:00:00Z",
      "--retention-days",
      "7",
      "--record-retention-days=45",
      "--notification-retention-days",
      "3",
      "--batch-size=50",
      "--time-budget-seconds",
      "60",
    ]);
    expect(command).to.deep.equal({
      help: false,
      dryRun: true,
      project: "my-expenses-prod",
      now: new Date("2026-03-01T00:00:00Z"),
      settings: { expenseRetentionDays: 7, recordRetentionDays: 45, readNotificationRetentionDays: 3, batchSize: 50, timeBudgetSeconds: 60 },
    });
  });

  it("recognises --help and -h, even beside flags it would reject", () => {
    expect(parsePurgeArgs(["--help"]).help).to.equal(true);
    expect(parsePurgeArgs(["-h"]).help).to.equal(true);
    expect(parsePurgeArgs(["--batch-size", "0", "-h"]).help).to.equal(true);
  });

  // [class of bad input, argv, the sentence it is answered with]
  for (const [badInput, argv, message] of [
    ["unknown flag", ["--force"], /^unknown option '--force'$/],
    ["unknown flag", ["--dryrun"], /^unknown option '--dryrun'$/],
    ["unknown flag", ["--batch-size=1", "-x"], /^unknown option '-x'$/],
    ["positional", ["demo-expense-sync"], /^unexpected argument "demo-expense-sync"$/],
    ["missing value", ["--batch-size"], /^option '--batch-size <value>' argument missing$/],
    ["missing value", ["--batch-size", "--dry-run"], /^option '--batch-size' argument is ambiguous$/],
    ["missing value", ["--now="], /^--now must be an ISO-8601 date or date-time .* \(got ""\)$/],
    ["bad number", ["--batch-size", "0"], /^--batch-size must be a whole number from 1 to 500 \(got "0"\)$/],
    ["bad number", ["--batch-size", "501"], /from 1 to 500 \(got "501"\)/],
    ["bad number", ["--retention-days", "1.5"], /^--retention-days must be a whole number at least 1 \(got "1.5"\)$/],
    ["bad number", ["--retention-days=-3"], /got "-3"/],
    ["bad number", ["--record-retention-days", "ninety"], /^--record-retention-days .*got "ninety"/],
    ["bad number", ["--notification-retention-days", "0"], /^--notification-retention-days /],
    ["bad number", ["--time-budget-seconds", "0"], /^--time-budget-seconds /],
    ["bad date", ["--now", "yesterday"], /^--now must be an ISO-8601 date/],
    ["bad date", ["--now", "2026-13-45"], /^--now must be an ISO-8601 date/],
    ["switch with a value", ["--dry-run=yes"], /^option '--dry-run' does not take an argument$/],
    ["repeated flag", ["--dry-run", "--dry-run"], /^--dry-run is given more than once$/],
    ["repeated flag", ["--batch-size=5", "--batch-size", "6"], /^--batch-size is given more than once$/],
  ] as const) {
    it(`rejects ${JSON.stringify(argv)} (${badInput})`, () => {
      expect(() => parsePurgeArgs(argv)).to.throw(UsageError, message);
    });
  }
});

describe("purge CLI: options", () => {
  it("defaults to the params' defaults", () => {
    const options = purgeOptionsFor(parsePurgeArgs(["--now", "2026-03-01T00:00:00Z"]), {});
    expect(options).to.deep.equal({
      now: new Date("2026-03-01T00:00:00Z"),
      retentionDays: { expenses: 30, records: 90, readNotifications: 30 },
      batchSize: 300,
      timeBudgetMs: 420_000,
      dryRun: false,
    });
  });

  it("takes the params from the environment, and flags over the environment", () => {
    const env = { EXPENSE_RETENTION_DAYS: "10", RECORD_RETENTION_DAYS: "20", PURGE_BATCH_SIZE: "40", PURGE_TIME_BUDGET_SECONDS: "60" };
    const options = purgeOptionsFor(parsePurgeArgs(["--record-retention-days", "25", "--dry-run"]), env);
    expect(options.retentionDays).to.deep.equal({ expenses: 10, records: 25, readNotifications: 30 });
    expect(options.batchSize).to.equal(40);
    expect(options.timeBudgetMs).to.equal(60_000);
    expect(options.dryRun).to.equal(true);
  });

  it("rejects a param in the environment that the flag would reject, naming the variable", () => {
    expect(() => purgeOptionsFor(parsePurgeArgs([]), { PURGE_BATCH_SIZE: "lots" })).to.throw(
      UsageError,
      /^PURGE_BATCH_SIZE must be a whole number from 1 to 500 \(got "lots"\)$/,
    );
    expect(() => purgeOptionsFor(parsePurgeArgs([]), { PURGE_BATCH_SIZE: "501" })).to.throw(UsageError, /PURGE_BATCH_SIZE .*got "501"/);
    expect(() => purgeOptionsFor(parsePurgeArgs([]), { EXPENSE_RETENTION_DAYS: "0" })).to.throw(UsageError, /^EXPENSE_RETENTION_DAYS must be a whole number at least 1/);
    expect(() => purgeOptionsFor(parsePurgeArgs(["--batch-size", "10"]), { PURGE_BATCH_SIZE: "lots" }), "a flag overrides a bad variable").to.not.throw();
  });
});

describe("purge CLI: summary", () => {
  const cutoffs = computeCutoffs(new Date("2026-03-01T00:00:00Z"), { expenses: 30, records: 90, readNotifications: 30 });
  const report = (overrides: Partial<PurgeReport>): PurgeReport => ({
    runId: "20260301T000000Z-0123abcd",
    dryRun: false,
    startedAt: new Date("2026-03-01T00:00:00Z"),
    finishedAt: new Date("2026-03-01T00:00:02Z"),
    cutoffs,
    watermark: cutoffs.expenses,
    deleted: { expenses: 3, tombstones: 1, conflicts: 0, notifications: 2, groups: 0 },
    groupsTouched: 2,
    byGroup: new Map([
      ["g2", { expenses: 1, tombstones: 0, conflicts: 0 }],
      ["g1", { expenses: 2, tombstones: 1, conflicts: 0 }],
    ]),
    byUser: new Map([["alice", 2]]),
    groupsPurged: [],
    pages: 3,
    commits: 3,
    complete: true,
    ...overrides,
  });

  it("lists a real run per group and user, with totals, the watermark and the run record", () => {
    const text = formatReport(report({}));
    expect(text).to.contain("Deleted:\n  group g1: 2 expenses, 1 tombstone, 0 conflicts\n  group g2: 1 expense, 0 tombstones, 0 conflicts\n  user alice: 2 read notifications\n");
    expect(text).to.contain("purgedBefore raised to at least 2026-01-30T00:00:00.000Z");
    expect(text).to.contain("in 2 groups");
    expect(text).to.contain("Run record: ops/purge/runs/20260301T000000Z-0123abcd");
    expect(text).to.not.contain("run it again");
    expect(text).to.not.contain("purged whole");
  });

  it("names a deleted group purged whole, and counts it in the totals", () => {
    const text = formatReport(report({ deleted: { expenses: 3, tombstones: 1, conflicts: 0, notifications: 2, groups: 1 }, groupsPurged: ["g2"] }));
    expect(text).to.contain("  group g1: 2 expenses, 1 tombstone, 0 conflicts\n  group g2: 1 expense, 0 tombstones, 0 conflicts, and the deleted group itself\n");
    expect(text).to.contain("in 2 groups, 1 deleted group purged whole");
  });

  it("says 'would' for a dry run and names no run record", () => {
    const text = formatReport(report({ dryRun: true }));
    expect(text).to.match(/^Would delete:\n/);
    expect(text).to.not.contain("Run record");
    expect(text).to.not.contain("purgedBefore");
  });

  it("says when a run stopped at its budget, and when another run held the lease", () => {
    expect(formatReport(report({ complete: false }))).to.contain("run it again to continue");
    const skipped = formatReport(report({ skipped: { heldBy: "run-b", expiresAt: new Date("2026-03-01T00:09:00Z") } }));
    expect(skipped).to.equal("Nothing done: purge run run-b holds the lease until 2026-03-01T00:09:00.000Z. Try again after that.\n");
  });

  it("says so when there is nothing to purge", () => {
    const empty = report({ deleted: { expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, groups: 0 }, byGroup: new Map(), byUser: new Map(), groupsTouched: 0 });
    expect(formatReport(empty)).to.match(/^Deleted: nothing\.\n/);
    expect(formatReport(empty), "no watermark where nothing was purged").to.not.contain("purgedBefore");
  });
});
