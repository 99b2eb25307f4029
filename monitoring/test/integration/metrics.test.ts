// Every log-based metric of monitoring/metrics against the entries the functions really log:
// trigger runs from the Functions emulator (real writes, real triggers), the age cut-off, the purge
// and the rollup run in this process through the deployed code. A metric must select every entry
// of the events it names and no other entry, and find its value and labels in each it selects.
import { expect } from "chai";
import { DocumentData, Firestore, Timestamp } from "firebase-admin/firestore";
import { join } from "node:path";
import { deliver } from "../../../functions/src/eventDelivery";
import { purgeExpired, PurgeOptions } from "../../../functions/src/purge";
import { rollupSyncHealth, utcDay } from "../../../functions/src/syncHealth";
import { capturedLogs, LogEntry as LoggedLine } from "../../../functions/test/support/capture";
import { drainTriggers } from "../../../functions/test/support/emulator";
import { editFields, expenseFixture, groupFixture, legacyExpenseFixture } from "../../../functions/test/support/fixtures";
import { adminDb, clearFirestore, withoutTriggers } from "../../../tools/emulator";
import { readMonitoringConfig } from "../../config";
import { fieldAt, LogEntry, matchesFilter, parseExtractor, parseLogFilter, requiredValues } from "../../logFilter";
import { asCloudLogEntry, EmulatorLogs } from "../support/cloudLogging";

const ROOT = join(__dirname, "../../..");
const ALICE = "alice";
const BOB = "bob";
const MEMBERS = [ALICE, BOB];
const DAY_MS = 86_400_000;

/** The trigger events the writes below make the emulator's functions log. */
const TRIGGER_EVENTS = [
  "trigger.activity-raised",
  "trigger.conflict-recorded",
  "trigger.duplicate-skipped",
  "trigger.stale-skipped",
  "trigger.invalid-document",
  "trigger.schema-mismatch",
  "trigger.purge-skipped",
  "trigger.not-activity",
  "legacy.write",
];

/** What a metric that names no events must select among the entries, and must not. */
const SELECTION_BY_OTHER_MEANS: Record<string, { selects: string[]; excludes: string[] }> = {
  // The purge's ERROR entry comes from another function: not a trigger error.
  trigger_errors: { selects: ["trigger.dropped-too-old"], excludes: ["purge.run-failed"] },
};

const eventOf = (entry: LogEntry) => entry.jsonPayload.event;
const describeEntry = (entry: LogEntry) => `${String(eventOf(entry))} from ${entry.resource.labels.service_name}`;

/** Writes that make the real triggers log every trigger event; returns their entries from the emulator. */
async function triggerEntries(db: Firestore, logs: EmulatorLogs, run: string): Promise<LogEntry[]> {
  const group = db.doc(`groups/${run}`);
  const expense = (id: string) => group.collection("expenses").doc(id);
  await group.set(groupFixture(ALICE, MEMBERS));
  await expense("plain").set(expenseFixture(ALICE, MEMBERS));
  // Bob edits from version 1 after Alice's version 2: a conflict.
  await expense("edited").set(expenseFixture(ALICE, MEMBERS));
  await expense("edited").update(editFields(ALICE, 1, { description: "Alice's edit" }));
  await expense("edited").update(editFields(BOB, 1, { description: "Bob's edit" }));
  // Two creates in one commit share their commit time: the second run finds it applied already.
  const batch = db.batch();
  batch.set(expense("same-commit-1"), expenseFixture(ALICE, MEMBERS));
  batch.set(expense("same-commit-2"), expenseFixture(BOB, MEMBERS));
  await batch.commit();
  await db.doc(`groups/${run}-missing/expenses/orphan`).set(expenseFixture(ALICE, MEMBERS));
  await expense("invalid").set({ ...expenseFixture(ALICE, MEMBERS), amountMinor: 12.5, currency: "eur" });
  await expense("legacy").set(legacyExpenseFixture(BOB, MEMBERS, new Date()));
  return logs.until("every trigger event of this run in the emulator's logs", (entries) => {
    const ours = entries.filter((entry) => String(entry.jsonPayload.path).startsWith(`groups/${run}`));
    return TRIGGER_EVENTS.every((event) => ours.some((entry) => eventOf(entry) === event)) ? [...entries] : undefined;
  });
}

/** Entries written in this process by the deployed code, as the named function would log them. */
async function loggedAs(functionName: string, body: () => Promise<unknown>): Promise<LogEntry[]> {
  const lines: LoggedLine[] = await capturedLogs(body);
  return lines.map((line) => asCloudLogEntry(line, functionName));
}

describe("log-based metrics against what the functions log (emulator)", function () {
  this.timeout(180_000);
  const { config } = readMonitoringConfig(ROOT);
  let entries: LogEntry[];

  before(async () => {
    const db = adminDb();
    await clearFirestore();
    await drainTriggers(db);
    const run = `metrics-${Date.now()}`;
    // A group of its own with two expenses soft-deleted long ago, for the purge's hard deletes
    // (written as they are): the emulator stamps a delete event with its delivery time, which
    // would make the writes below look out of order in a shared group.
    const deletedAt = Timestamp.fromMillis(Date.now() - 40 * DAY_MS);
    const expired: DocumentData = expenseFixture(ALICE, MEMBERS, { version: 2, baseVersion: 1, deletedAt, deletedBy: ALICE, updatedAt: deletedAt });
    await withoutTriggers(async () => {
      await db.doc(`groups/${run}-purged`).set(groupFixture(ALICE, MEMBERS));
      await Promise.all([1, 2].map((n) => db.doc(`groups/${run}-purged/expenses/expired-${n}`).set(expired)));
    });
    const logs = await EmulatorLogs.open();
    try {
      const options: PurgeOptions = { now: new Date(), retentionDays: { expenses: 30, records: 90, readNotifications: 30 }, batchSize: 1, timeBudgetMs: 60_000 };
      const inProcess = [
        // One page, then a failure: logged as failed, and as finished incomplete.
        ...(await loggedAs("scheduledPurge", () =>
          purgeExpired(db, {
            ...options,
            onPage: () => {
              throw new Error("injected failure after the first page");
            },
          }).catch(() => undefined),
        )),
        ...(await loggedAs("scheduledPurge", () => purgeExpired(db, options))),
        ...(await loggedAs("expenseChanged", () =>
          deliver("expenseChanged", { id: `${run}-old`, time: new Date(Date.now() - 2 * DAY_MS).toISOString(), path: `groups/${run}/expenses/old` }, 3600, async () => {
            throw new Error("a dropped event is never handled");
          }),
        )),
        ...(await loggedAs("syncHealthRollup", () => rollupSyncHealth(db, utcDay(new Date())))),
      ];
      entries = [...(await triggerEntries(db, logs, run)), ...inProcess];
    } finally {
      logs.close();
    }
  });

  it("has real entries of every catalogued event a metric names", () => {
    const named = config.metrics.flatMap(({ resource }) => requiredValues(parseLogFilter(resource.filter), "jsonPayload.event") ?? []);
    const logged = new Set(entries.map(eventOf));
    expect(named.filter((event) => !logged.has(event))).to.deep.equal([]);
  });

  for (const { resource: metric } of config.metrics) {
    describe(`metric ${metric.name}`, () => {
      const filter = parseLogFilter(metric.filter);
      const selected = () => entries.filter((entry) => matchesFilter(filter, entry));

      it("selects every real entry of the events it names, and no other entry", () => {
        const named = requiredValues(filter, "jsonPayload.event");
        const expected = named ? { selects: named, excludes: [] } : SELECTION_BY_OTHER_MEANS[metric.name];
        expect(expected, `${metric.name} names no events: say in SELECTION_BY_OTHER_MEANS what it selects`).to.not.equal(undefined);
        for (const event of expected.selects) {
          const ofEvent = entries.filter((entry) => eventOf(entry) === event);
          expect(ofEvent.length, `real ${event} entries`).to.be.greaterThan(0);
          expect(ofEvent.filter((entry) => !matchesFilter(filter, entry)).map(describeEntry), `${event} entries it misses`).to.deep.equal([]);
        }
        for (const event of expected.excludes) expect(entries.some((entry) => eventOf(entry) === event), `a real ${event} entry`).to.equal(true);
        const strays = selected().filter((entry) => !expected.selects.includes(String(eventOf(entry))));
        expect(strays.map(describeEntry), "entries of other events it selects").to.deep.equal([]);
      });

      it("finds its value and every label in each entry it selects", () => {
        const extractors = { ...metric.labelExtractors, ...(metric.valueExtractor ? { value: metric.valueExtractor } : {}) };
        expect(selected().length, "entries it selects").to.be.greaterThan(0);
        for (const [key, extractor] of Object.entries(extractors)) {
          const path = parseExtractor(extractor);
          const without = selected().filter((entry) => fieldAt(entry, path) === undefined);
          expect(without.map(describeEntry), `${key}: entries without ${path.join(".")}`).to.deep.equal([]);
        }
        if (metric.valueExtractor) {
          const values = selected().map((entry) => fieldAt(entry, parseExtractor(metric.valueExtractor as string)));
          expect(values.filter((value) => typeof value !== "number" || !Number.isFinite(value)), "values that are not numbers").to.deep.equal([]);
        }
      });
    });
  }

  it("labels every trigger run with the outcome its event names", () => {
    const runs = config.metrics.find(({ resource }) => resource.name === "trigger_runs")?.resource;
    expect(runs?.labelExtractors?.outcome).to.equal("EXTRACT(jsonPayload.outcome)");
    const selected = entries.filter((entry) => matchesFilter(parseLogFilter(runs?.filter ?? ""), entry));
    expect(selected.filter((entry) => eventOf(entry) !== `trigger.${String(entry.jsonPayload.outcome)}`).map(describeEntry)).to.deep.equal([]);
  });

  it("tells a complete purge run from an incomplete one by the complete label", () => {
    const complete = entries.filter((entry) => eventOf(entry) === "purge.run-finished").map((entry) => String(entry.jsonPayload.complete));
    expect(complete.sort()).to.deep.equal(["false", "true"]);
  });
});
