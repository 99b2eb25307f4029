// The common trigger path: the retry age cut-off and the structured warning for bad documents.
import { expect } from "chai";
import { Firestore, Timestamp } from "firebase-admin/firestore";
import { deliver } from "../../src/eventDelivery";
import { handleExpenseWrite } from "../../src/expenseActivity";
import { adminDb, clearFirestore, setTriggersEnabled } from "../../../tools/emulator";
import { groupFixture } from "../support/fixtures";
import { capturedLogs } from "../support/capture";

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

  it("drops an event older than the cut-off with an error log carrying its outcome, without running the handler or writing", async () => {
    let ran = false;
    const logs = await capturedLogs(async () => {
      const result = await deliver("expenseChanged", { id: "old", time: "2026-01-01T00:00:00Z", path: "groups/g/expenses/e" }, 3600, async () => {
        ran = true;
        return { outcome: "activity-raised" as const };
      });
      expect(result).to.equal(undefined);
    });
    expect(ran).to.equal(false);
    expect(logs.find((log) => log.severity === "ERROR")).to.deep.include({ eventId: "old", maxAgeSeconds: 3600, outcome: "dropped-too-old" });
    expect(logs.find((log) => log.severity === "ERROR")?.event).to.equal("trigger.dropped-too-old");
    // The error entry is the drop's only record (the trigger_dropped metric counts it).
    expect((await db.collection("ops").listDocuments()).map((doc) => doc.path)).to.deep.equal([]);
  });

  it("logs the trigger's outcome and lag as structured fields", async () => {
    const activityAt = Timestamp.fromMillis(Date.now() - 1500);
    const logs = await capturedLogs(() =>
      deliver("expenseChanged", { id: "fresh", time: new Date().toISOString(), path: "groups/g/expenses/e" }, 3600, async () => ({
        outcome: "activity-raised" as const,
        activityAt,
      })),
    );
    const entry = logs.find((log) => log.eventId === "fresh");
    expect(entry).to.deep.include({ trigger: "expenseChanged", outcome: "activity-raised", path: "groups/g/expenses/e" });
    expect(entry?.event).to.equal("trigger.activity-raised");
    expect(entry?.lagMs).to.be.a("number").and.to.be.at.least(1500);
  });

  it("warns with the path and the zod issues for a document the schema rejects, and still raises activity", async () => {
    const updatedAt = Timestamp.fromMillis(Date.parse("2026-11-20T10:00:00Z"));
    // Versioned, so it takes the v2 path; a document without `version` is a v1 write (legacy.test.ts).
    const legacy = { description: "From a console edit", amountMinor: 12.5, currency: "eur", updatedAt, updatedBy: "alice", version: 1, baseVersion: 0 };
    let outcome: string | undefined;
    let invalidDocument: boolean | undefined;
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
      invalidDocument = result.invalidDocument;
    });
    const warning = logs.find((log) => log.severity === "WARNING");
    expect(warning?.path).to.equal("groups/delivery/expenses/legacy");
    expect(warning?.event).to.equal("trigger.schema-mismatch");
    const issues = warning?.issues as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).to.include.members(["amountMinor", "currency"]);
    expect(outcome).to.equal("invalid-document");
    expect(invalidDocument).to.equal(true);
    expect(((await db.doc("groups/delivery").get()).get("lastActivityAt") as Timestamp).isEqual(updatedAt)).to.equal(true);
  });
});
