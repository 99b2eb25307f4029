// `npm run purge` as an operator runs it (tools/purge.ts), against the Firestore emulator: the
// command line reaches the purge core, a dry run writes nothing, and a real run deletes and leaves
// its run record. The core's own rules are tested in functions/test/integration/purge.test.ts.
import { expect } from "chai";
import { DocumentData, Firestore, Timestamp } from "firebase-admin/firestore";
import { PURGE_RUNS_COLLECTION } from "../../../functions/src/purgeRuns";
import { expenseFixture, groupFixture } from "../../../functions/test/support/fixtures";
import { adminDb, clearFirestore, withoutTriggers } from "../../emulator";
import { runTool } from "../support/runTool";

const NOW = "2026-06-01T12:00:00.000Z";
const DAY_MS = 86_400_000;
const daysBefore = (days: number) => Timestamp.fromMillis(Date.parse(NOW) - days * DAY_MS);
const MEMBERS = ["alice", "bob"];

const purgeCli = (...args: string[]) => runTool("tools/purge.ts", ["--now", NOW, ...args], process.env);

describe("purge command (emulator)", function () {
  this.timeout(120_000);
  let db: Firestore;

  before(() => {
    db = adminDb();
  });
  beforeEach(clearFirestore);

  it("lists on --dry-run, then deletes, what has outlived its retention, and nothing else", async () => {
    const docs: Record<string, DocumentData> = {
      "groups/g1": groupFixture("alice", MEMBERS, { createdAt: daysBefore(400), updatedAt: daysBefore(400), lastActivityAt: daysBefore(1) }),
      "groups/g1/expenses/expired": expenseFixture("alice", MEMBERS, {
        createdAt: daysBefore(400),
        updatedAt: daysBefore(40),
        version: 2,
        baseVersion: 1,
        deletedAt: daysBefore(40),
        deletedBy: "bob",
      }),
      "groups/g1/expenses/live": expenseFixture("alice", MEMBERS, { createdAt: daysBefore(400), updatedAt: daysBefore(400) }),
    };
    // Triggers off: the fixtures stay exactly as written, and the purge's deletes queue no events.
    await withoutTriggers(async () => {
      const batch = db.batch();
      for (const [path, data] of Object.entries(docs)) batch.set(db.doc(path), data);
      await batch.commit();

      const dryRun = await purgeCli("--dry-run");
      expect(dryRun.code, dryRun.stderr).to.equal(0);
      expect(dryRun.stdout).to.contain(`Project demo-expense-sync on the Firestore emulator at ${process.env.FIRESTORE_EMULATOR_HOST}: dry run, nothing will be written.`);
      expect(dryRun.stdout).to.contain("Would delete:\n  group g1: 1 expense, 0 tombstones, 0 conflicts\n");
      expect((await db.doc("groups/g1/expenses/expired").get()).exists, "a dry run deletes nothing").to.equal(true);
      expect((await db.collection(PURGE_RUNS_COLLECTION).get()).size, "a dry run leaves no run record").to.equal(0);

      const run = await purgeCli("--batch-size", "10");
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain("Deleted:\n  group g1: 1 expense, 0 tombstones, 0 conflicts\n");
      const runId = /^Run record: ops\/purge\/runs\/(\S+)$/m.exec(run.stdout)?.[1];
      expect(runId, run.stdout).to.be.a("string");
      expect((await db.doc(`${PURGE_RUNS_COLLECTION}/${runId}`).get()).get("deleted.expenses")).to.equal(1);
      expect((await db.doc("groups/g1/expenses/expired").get()).exists).to.equal(false);
      expect((await db.doc("groups/g1/expenses/live").get()).exists).to.equal(true);
    });
  });
});
