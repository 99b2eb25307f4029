// The common trigger path: the retry age cut-off and the structured warning for bad documents.
import { expect } from "chai";
import { Firestore, Timestamp } from "firebase-admin/firestore";
import { deliver } from "../../src/eventDelivery";
import { handleExpenseWrite } from "../../src/expenseActivity";
import { adminDb, clearFirestore, setTriggersEnabled } from "../support/emulator";
import { groupFixture } from "../support/fixtures";

/** Runs `body` and returns the structured log entries it wrote (firebase-functions' logger writes JSON lines). */
async function capturedLogs(body: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream) => {
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof stream.write;
  });
  try {
    await body();
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]));
  }
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe("trigger delivery", function () {
  this.timeout(30_000);
  let db: Firestore;

  before(async () => {
    db = adminDb();
    await clearFirestore();
    await setTriggersEnabled(false);
    await db.doc("groups/delivery").set({ ...groupFixture("alice", ["alice"]), lastActivityAt: Timestamp.fromMillis(0) });
  });
  after(() => setTriggersEnabled(true));

  it("drops an event older than the cut-off with an error log, without running the handler", async () => {
    let ran = false;
    const logs = await capturedLogs(async () => {
      const result = await deliver(db, "expenseWritten", { id: "old", time: "2026-01-01T00:00:00Z", path: "groups/g/expenses/e" }, 3600, async () => {
        ran = true;
        return { outcome: "activity-raised" as const };
      });
      expect(result).to.equal(undefined);
    });
    expect(ran).to.equal(false);
    expect(logs.find((log) => log.severity === "ERROR")).to.deep.include({ eventId: "old", maxAgeSeconds: 3600 });
  });

  it("logs the trigger's outcome and lag as structured fields", async () => {
    const activityAt = Timestamp.fromMillis(Date.now() - 1500);
    const logs = await capturedLogs(() =>
      deliver(db, "expenseWritten", { id: "fresh", time: new Date().toISOString(), path: "groups/g/expenses/e" }, 3600, async () => ({
        outcome: "activity-raised" as const,
        activityAt,
      })),
    );
    const entry = logs.find((log) => log.eventId === "fresh");
    expect(entry).to.deep.include({ trigger: "expenseWritten", outcome: "activity-raised", path: "groups/g/expenses/e" });
    expect(entry?.lagMs).to.be.a("number").and.to.be.at.least(1500);
  });

  it("warns with the path and the zod issues for a document the schema rejects, and still raises activity", async () => {
    const updatedAt = Timestamp.fromMillis(Date.parse("2026-11-20T10:00:00Z"));
    const legacy = { description: "From an old client", amountMinor: 12.5, currency: "eur", updatedAt, updatedBy: "alice" };
    let outcome: string | undefined;
    const logs = await capturedLogs(async () => {
      const result = await handleExpenseWrite(db, {
        id: "legacy",
        time: updatedAt.toDate().toISOString(),
        groupId: "delivery",
        expenseId: "legacy",
        before: undefined,
        after: legacy,
      });
      outcome = result.outcome;
    });
    const warning = logs.find((log) => log.severity === "WARNING");
    expect(warning?.path).to.equal("groups/delivery/expenses/legacy");
    const issues = warning?.issues as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).to.include.members(["amountMinor", "currency"]);
    expect(outcome).to.equal("invalid-document");
    expect(((await db.doc("groups/delivery").get()).get("lastActivityAt") as Timestamp).isEqual(updatedAt)).to.equal(true);
  });
});
