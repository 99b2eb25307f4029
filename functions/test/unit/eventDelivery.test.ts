// The common trigger path with a stub handler and a recording Firestore: which log event each
// outcome gets, and what it counts into the sync-health metrics.
import { expect } from "chai";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { deliver, HandlerResult } from "../../src/eventDelivery";
import { LOG_EVENTS } from "../../src/logs";
import { capturedLogs, LogEntry, recordingDb } from "../support/capture";

const PATH = "groups/g/expenses/e";
let n = 0;

/** Delivers a fresh event whose handler returns `result`; what it logged and counted. */
async function deliverFresh(result: HandlerResult): Promise<{ log: LogEntry; counted: Record<string, unknown>[] }> {
  const { db, writes } = recordingDb();
  const eventId = `ev-${++n}`;
  const logs = await capturedLogs(() => deliver(db, "expenseChanged", { id: eventId, time: new Date().toISOString(), path: PATH }, 3600, async () => result));
  const entries = logs.filter((entry) => entry.eventId === eventId);
  expect(entries, "one log entry per run").to.have.length(1);
  return { log: entries[0], counted: writes.map((write) => write.data) };
}

const increments = (value: unknown) => value instanceof FieldValue && value.isEqual(FieldValue.increment(1));
const catalogued = (event: string) => LOG_EVENTS.find((spec) => spec.event === event);

describe("trigger delivery: log events", () => {
  const EVENT_BY_OUTCOME: Record<HandlerResult["outcome"], string> = {
    "activity-raised": "trigger.activity-raised",
    "invalid-document": "trigger.invalid-document",
    "conflict-recorded": "trigger.conflict-recorded",
    "duplicate-skipped": "trigger.duplicate-skipped",
    "stale-skipped": "trigger.stale-skipped",
    "purge-skipped": "trigger.purge-skipped",
    "not-activity": "trigger.not-activity",
  };

  for (const [outcome, event] of Object.entries(EVENT_BY_OUTCOME) as [HandlerResult["outcome"], string][]) {
    it(`logs a ${outcome} run as ${event}, with that event's message and severity`, async () => {
      const { log } = await deliverFresh({ outcome, activityAt: Timestamp.now(), attempts: 1 });
      expect(log).to.deep.include({ event, outcome, trigger: "expenseChanged", path: PATH, attempts: 1 });
      expect(log.message).to.equal(catalogued(event)?.message);
      expect(log.severity).to.equal(catalogued(event)?.severity);
    });
  }

  it("never calls a run that applied nothing applied", async () => {
    for (const outcome of ["duplicate-skipped", "stale-skipped", "purge-skipped", "not-activity"] as const) {
      const { log } = await deliverFresh({ outcome, attempts: 1 });
      expect(String(log.message), outcome).to.not.match(/applied|raised/i);
    }
  });

  it("logs a recorded conflict with who overwrote whom, from which versions", async () => {
    const conflict = { conflictId: "e_1", winnerBy: "bob", winnerBaseVersion: 1, overwrittenBy: "alice", overwrittenVersion: 2, notified: "alice" };
    const { log } = await deliverFresh({ outcome: "conflict-recorded", activityAt: Timestamp.now(), attempts: 1, conflict });
    expect(log).to.deep.include({ event: "trigger.conflict-recorded", ...conflict });
  });
});

describe("trigger delivery: sync-health counts", () => {
  it("counts an applied run with its lag", async () => {
    const { counted } = await deliverFresh({ outcome: "activity-raised", activityAt: Timestamp.fromMillis(Date.now() - 1_500), attempts: 1 });
    expect(counted).to.have.length(1);
    expect(increments((counted[0].outcomes as Record<string, unknown>)["activity-raised"])).to.equal(true);
    expect(Object.keys(counted[0].lagHistogram as object)).to.have.length(1);
    expect(counted[0].invalidDocuments).to.equal(undefined);
  });

  // Regression: the outcome used to become invalid-document, counted as applied and timed.
  it("counts a redelivery of an invalid document as the duplicate it is, without lag, and the invalid document apart", async () => {
    const { log, counted } = await deliverFresh({
      outcome: "duplicate-skipped",
      activityAt: Timestamp.fromMillis(Date.now() - 90_000),
      attempts: 1,
      activityRaised: false,
      invalidDocument: true,
    });
    expect(log).to.deep.include({ event: "trigger.duplicate-skipped", invalidDocument: true });
    expect(counted).to.have.length(1);
    expect(Object.keys(counted[0].outcomes as object)).to.deep.equal(["duplicate-skipped"]);
    expect(counted[0].lagHistogram).to.equal(undefined);
    expect(increments(counted[0].invalidDocuments)).to.equal(true);
  });

  it("counts nothing for a write that is not activity", async () => {
    const { counted } = await deliverFresh({ outcome: "not-activity", attempts: 0 });
    expect(counted).to.deep.equal([]);
  });

  // Regression: a dropped event was logged and then forgotten by the metrics.
  it("drops an event older than the cut-off without running the handler, logs it at ERROR and counts it", async () => {
    const { db, writes } = recordingDb();
    let ran = false;
    const logs = await capturedLogs(async () => {
      const result = await deliver(db, "groupWritten", { id: "old", time: new Date(Date.now() - 7_200_000).toISOString(), path: "groups/g" }, 3600, async () => {
        ran = true;
        return { outcome: "activity-raised" as const };
      });
      expect(result).to.equal(undefined);
    });
    expect(ran).to.equal(false);
    expect(logs).to.have.length(1);
    expect(logs[0]).to.deep.include({
      event: "trigger.dropped-too-old",
      severity: "ERROR",
      message: "Dropping an event older than the retry cut-off",
      trigger: "groupWritten",
      eventId: "old",
      path: "groups/g",
      maxAgeSeconds: 3600,
    });
    expect(logs[0].ageSeconds).to.be.a("number").and.at.least(7_200);
    expect(writes).to.have.length(1);
    expect(Object.keys(writes[0].data.outcomes)).to.deep.equal(["dropped-too-old"]);
    expect(increments((writes[0].data.outcomes as Record<string, unknown>)["dropped-too-old"])).to.equal(true);
    expect(writes[0].data.lagHistogram).to.equal(undefined);
  });
});
