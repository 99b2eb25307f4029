// The common trigger path with a stub handler and a Firestore it must not touch: which log event
// each outcome gets, with the fields the log-based metrics (monitoring/) read from it.
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import { deliver, HandlerResult } from "../../src/eventDelivery";
import { LOG_EVENTS } from "../../src/logs";
import { capturedLogs, LogEntry } from "../support/capture";

const PATH = "groups/g/expenses/e";
let n = 0;

/** Delivers a fresh event whose handler returns `result`; the one entry it logged for the run. */
async function deliverFresh(result: HandlerResult): Promise<LogEntry> {
  const eventId = `ev-${++n}`;
  const logs = await capturedLogs(() =>
    deliver("expenseChanged", { id: eventId, time: new Date().toISOString(), path: PATH }, 3600, async () => result),
  );
  const entries = logs.filter((entry) => entry.eventId === eventId);
  expect(entries, "one log entry per run").to.have.length(1);
  return entries[0];
}

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
      const log = await deliverFresh({ outcome, activityAt: Timestamp.now(), attempts: 1 });
      expect(log).to.deep.include({ event, outcome, trigger: "expenseChanged", path: PATH, attempts: 1 });
      expect(log.message).to.equal(catalogued(event)?.message);
      expect(log.severity).to.equal(catalogued(event)?.severity);
    });
  }

  it("never calls a run that applied nothing applied", async () => {
    for (const outcome of ["duplicate-skipped", "stale-skipped", "purge-skipped", "not-activity"] as const) {
      const log = await deliverFresh({ outcome, attempts: 1 });
      expect(String(log.message), outcome).to.not.match(/applied|raised/i);
    }
  });

  it("logs a recorded conflict with who overwrote whom, from which versions", async () => {
    const conflict = { conflictId: "e_1", winnerBy: "bob", winnerBaseVersion: 1, overwrittenBy: "alice", overwrittenVersion: 2, notified: "alice" };
    const log = await deliverFresh({ outcome: "conflict-recorded", activityAt: Timestamp.now(), attempts: 1, conflict });
    expect(log).to.deep.include({ event: "trigger.conflict-recorded", ...conflict });
  });
});

describe("trigger delivery: the log entry is the run's only record", () => {
  it("logs an applied run's lag, from the write's commit to the end of the run, and touches no Firestore", async () => {
    const log = await deliverFresh({ outcome: "activity-raised", activityAt: Timestamp.fromMillis(Date.now() - 1_500), attempts: 1 });
    expect(log).to.deep.include({ event: "trigger.activity-raised", outcome: "activity-raised" });
    expect(log.lagMs).to.be.a("number").and.at.least(1_500).and.below(60_000);
  });

  // Regression: the outcome used to become invalid-document, counted as applied and timed.
  it("logs a redelivery of an invalid document as the duplicate it is, marked as invalid", async () => {
    const log = await deliverFresh({
      outcome: "duplicate-skipped",
      activityAt: Timestamp.fromMillis(Date.now() - 90_000),
      attempts: 1,
      activityRaised: false,
      invalidDocument: true,
    });
    expect(log).to.deep.include({ event: "trigger.duplicate-skipped", outcome: "duplicate-skipped", invalidDocument: true });
  });

  it("logs a write that is not activity without a lag", async () => {
    const log = await deliverFresh({ outcome: "not-activity", attempts: 0 });
    expect(log).to.deep.include({ event: "trigger.not-activity", outcome: "not-activity" });
    expect(log).to.not.have.property("lagMs");
  });

  // Regression: a dropped event was logged and then forgotten by the metrics.
  it("drops an event older than the cut-off without running the handler, logging it at ERROR with its outcome", async () => {
    let ran = false;
    const logs = await capturedLogs(async () => {
      const result = await deliver("groupWritten", { id: "old", time: new Date(Date.now() - 7_200_000).toISOString(), path: "groups/g" }, 3600, async () => {
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
      outcome: "dropped-too-old",
      maxAgeSeconds: 3600,
    });
    expect(logs[0].ageSeconds).to.be.a("number").and.at.least(7_200);
  });

  it("handles a late event that may not be dropped (a v1 write's), however old", async () => {
    const logs = await capturedLogs(async () => {
      const old = { id: "old-v1", time: new Date(Date.now() - 7_200_000).toISOString(), path: "groups/g/expenses/e", droppableWhenLate: false };
      const result = await deliver("expenseChanged", old, 3600, async () => ({ outcome: "activity-raised" as const }));
      expect(result).to.deep.equal({ outcome: "activity-raised" });
    });
    expect(logs.map((log) => log.event)).to.deep.equal(["trigger.activity-raised"]);
  });
});
