// The rollout command against the Firestore emulator: the transaction and its audit trail
// (through rolloutStore), and the real CLI as an operator runs it (tools/rollout.ts).
import { expect } from "chai";
import { Firestore, Timestamp } from "firebase-admin/firestore";
import { LIMITS } from "../../../core/schemas";
import { RolloutActor } from "../../rolloutCommand";
import { changeSyncConfig, readSyncConfigStatus, StoredSyncConfigError, SYNC_CONFIG_HISTORY_PATH, SYNC_CONFIG_PATH } from "../../rolloutStore";
import { adminDb, clearFirestore } from "../../emulator";
import { runTool, usageErrorSentence } from "../support/runTool";

const OPERATOR: RolloutActor = { actor: "ops@example.com", source: "flag" };

/** `npm run rollout -- ...args` the way an operator would run it, on this suite's emulator. */
const rolloutCli = (...args: string[]) => runTool("tools/rollout.ts", args, process.env);

describe("rollout command (emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;

  async function history() {
    const snapshot = await db.collection(SYNC_CONFIG_HISTORY_PATH).orderBy("at").get();
    return snapshot.docs.map((doc) => doc.data());
  }

  before(() => {
    db = adminDb();
  });
  beforeEach(clearFirestore);

  it("creates a missing config/sync from the default, with one history entry whose before is null", async () => {
    const result = await changeSyncConfig(db, { kind: "set-percent", percent: 10 }, OPERATOR);
    expect(result).to.include({ written: true, before: null });
    expect(result.summary).to.equal("created config/sync from the default; rolloutPercent 0 -> 10");
    expect((await db.doc(SYNC_CONFIG_PATH).get()).data()).to.deep.equal({ realtimeSyncEnabled: false, rolloutPercent: 10, allowlistUserIds: [] });
    const entries = await history();
    expect(entries).to.have.length(1);
    expect(entries[0]).to.deep.include({
      actor: "ops@example.com",
      actorSource: "flag",
      command: "set --percent 10",
      before: null,
      after: { realtimeSyncEnabled: false, rolloutPercent: 10, allowlistUserIds: [] },
    });
    expect(entries[0].at).to.be.instanceOf(Timestamp);
    expect(result.historyId).to.be.a("string");
  });

  it("creates the document even for a command the default already satisfies", async () => {
    const result = await changeSyncConfig(db, { kind: "disable" }, OPERATOR);
    expect(result.written).to.equal(true);
    expect(result.summary).to.match(/^created config\/sync from the default; no change: realtime sync is already disabled/);
    expect(await history()).to.have.length(1);
  });

  it("writes exactly one history entry per change, with before and after", async () => {
    await changeSyncConfig(db, { kind: "allow", uid: "alice" }, OPERATOR);
    await changeSyncConfig(db, { kind: "enable" }, OPERATOR);
    await changeSyncConfig(db, { kind: "set-percent", percent: 25 }, { actor: "kim@laptop", source: "os-user" });
    await changeSyncConfig(db, { kind: "disallow", uid: "alice" }, OPERATOR);
    await changeSyncConfig(db, { kind: "disable" }, OPERATOR);
    const entries = await history();
    expect(entries.map((entry) => entry.command)).to.deep.equal(["allow alice", "enable", "set --percent 25", "disallow alice", "disable"]);
    for (let i = 1; i < entries.length; i++) expect(entries[i].before).to.deep.equal(entries[i - 1].after);
    expect(entries[2]).to.deep.include({
      actor: "kim@laptop",
      actorSource: "os-user",
      before: { realtimeSyncEnabled: true, rolloutPercent: 0, allowlistUserIds: ["alice"] },
      after: { realtimeSyncEnabled: true, rolloutPercent: 25, allowlistUserIds: ["alice"] },
    });
    expect((await db.doc(SYNC_CONFIG_PATH).get()).data()).to.deep.equal(entries[4].after);
    expect(entries[4].after).to.deep.equal({ realtimeSyncEnabled: false, rolloutPercent: 25, allowlistUserIds: [] });
  });

  it("changes nothing and writes no history for a command that is already true (allow twice, disallow absent)", async () => {
    await changeSyncConfig(db, { kind: "allow", uid: "alice" }, OPERATOR);
    const stored = await db.doc(SYNC_CONFIG_PATH).get();
    const again = await changeSyncConfig(db, { kind: "allow", uid: "alice" }, OPERATOR);
    expect(again).to.deep.include({ written: false, summary: "no change: alice is already on the allowlist" });
    expect(again.historyId).to.equal(undefined);
    const absent = await changeSyncConfig(db, { kind: "disallow", uid: "bob" }, OPERATOR);
    expect(absent).to.deep.include({ written: false, summary: "no change: bob is not on the allowlist" });
    expect(await history()).to.have.length(1);
    expect((await db.doc(SYNC_CONFIG_PATH).get()).updateTime?.isEqual(stored.updateTime!)).to.equal(true);
  });

  it("serializes concurrent changes: all land, each with its own entry", async () => {
    await changeSyncConfig(db, { kind: "enable" }, OPERATOR);
    await Promise.all(["u1", "u2", "u3"].map((uid) => changeSyncConfig(db, { kind: "allow", uid }, OPERATOR)));
    const stored = (await db.doc(SYNC_CONFIG_PATH).get()).get("allowlistUserIds") as string[];
    expect([...stored].sort()).to.deep.equal(["u1", "u2", "u3"]);
    const entries = await history();
    expect(entries).to.have.length(4);
    expect(entries.slice(1).map((entry) => entry.after.allowlistUserIds.length).sort()).to.deep.equal([1, 2, 3]);
  });

  it("refuses to overwrite a stored config that breaks the schema, and leaves it as it was", async () => {
    const broken = { realtimeSyncEnabled: "yes", rolloutPercent: 150, allowlistUserIds: [] };
    await db.doc(SYNC_CONFIG_PATH).set(broken);
    let error: unknown;
    await changeSyncConfig(db, { kind: "enable" }, OPERATOR).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(StoredSyncConfigError);
    expect(String(error)).to.match(/realtimeSyncEnabled: .*rolloutPercent: /);
    expect((await db.doc(SYNC_CONFIG_PATH).get()).data()).to.deep.equal(broken);
    expect(await history()).to.have.length(0);
  });

  it("reads status without writing, newest change first", async () => {
    expect(await readSyncConfigStatus(db)).to.deep.equal({ config: null, recentChanges: [] });
    await changeSyncConfig(db, { kind: "set-percent", percent: 10 }, OPERATOR);
    await changeSyncConfig(db, { kind: "set-percent", percent: 25 }, OPERATOR);
    const status = await readSyncConfigStatus(db);
    expect(status.config).to.deep.equal({ realtimeSyncEnabled: false, rolloutPercent: 25, allowlistUserIds: [] });
    expect(status.recentChanges.map((entry) => entry.command)).to.deep.equal(["set --percent 25", "set --percent 10"]);
    expect(await history()).to.have.length(2);
  });

  describe("the CLI (npm run rollout)", () => {
    it("prints the project, the missing document and the default on status, and writes nothing", async () => {
      const run = await rolloutCli("status");
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain(`Project demo-expense-sync on the Firestore emulator at ${process.env.FIRESTORE_EMULATOR_HOST}`);
      expect(run.stdout).to.contain("config/sync does not exist: clients use the default (realtime sync off for everyone).");
      expect(run.stdout).to.match(/realtimeSyncEnabled: false {2}\(kill switch/);
      expect(run.stdout).to.contain("No recorded changes.");
      expect((await db.doc(SYNC_CONFIG_PATH).get()).exists).to.equal(false);
    });

    it("applies a change, prints the result and its audit entry, and status shows it", async () => {
      const set = await rolloutCli("set", "--percent", "10", "--actor", "release-bot");
      expect(set.code, set.stderr).to.equal(0);
      expect(set.stdout).to.contain("created config/sync from the default; rolloutPercent 0 -> 10");
      expect(set.stdout).to.match(/Audit entry config\/sync\/history\/\w+ by release-bot \(flag\)/);
      expect(set.stdout).to.match(/rolloutPercent: +10 {2}\(buckets 0\.\.9\)/);

      const allow = await rolloutCli("allow", "tester-1");
      expect(allow.code, allow.stderr).to.equal(0);
      expect(allow.stdout).to.match(/by \S+@\S+ \(os-user\)/);
      const again = await rolloutCli("allow", "tester-1");
      expect(again.stdout).to.contain("no change: tester-1 is already on the allowlist");
      expect(again.stdout).to.contain("Nothing written, no audit entry.");

      const status = await rolloutCli("status");
      expect(status.stdout).to.match(/allowlistUserIds: +1\n {4}tester-1/);
      expect(status.stdout).to.match(/Recent changes \(newest first\):\n {2}\S+Z {2}\S+ {2}allow tester-1\n {2}\S+Z {2}release-bot {2}set --percent 10/);
      expect(await history()).to.have.length(2);
    });

    it("rejects bad input with exit code 2 and one sentence, writing nothing", async () => {
      const run = await rolloutCli("set", "--percent", "150");
      expect(run.code).to.equal(2);
      expect(usageErrorSentence(run)).to.equal('--percent must be a whole number from 0 to 100 (got "150")');
      expect(run.stdout).to.equal("");
      const unknown = await rolloutCli("rollback");
      expect(unknown.code).to.equal(2);
      expect(usageErrorSentence(unknown)).to.match(/^unknown command "rollback"/);
      expect((await db.doc(SYNC_CONFIG_PATH).get()).exists).to.equal(false);
    });

    it("refuses, with exit code 1, a change the stored config cannot take, writing nothing", async () => {
      const full = { realtimeSyncEnabled: true, rolloutPercent: 0, allowlistUserIds: Array.from({ length: LIMITS.allowlistMax }, (_, i) => `u${i}`) };
      await db.doc(SYNC_CONFIG_PATH).set(full);
      const tooMany = await rolloutCli("allow", "one-more");
      expect(tooMany.code).to.equal(1);
      // Line-anchored: the Admin SDK may print a warning of its own first.
      expect(tooMany.stderr).to.match(/^error: the allowlist already holds 1000 uids .*disallow one or raise the percentage instead$/m);

      await db.doc(SYNC_CONFIG_PATH).set({ realtimeSyncEnabled: "yes", rolloutPercent: 0, allowlistUserIds: [] });
      const broken = await rolloutCli("enable");
      expect(broken.code).to.equal(1);
      expect(broken.stderr).to.match(/^error: config\/sync does not match the schema \(realtimeSyncEnabled: /m);
      expect(await history()).to.have.length(0);
    });

    it("requires --project off the emulator, and refuses a real project on it", async () => {
      const env = { ...process.env };
      delete env.FIRESTORE_EMULATOR_HOST;
      const run = await runTool("tools/rollout.ts", ["status"], env);
      expect(run.code).to.equal(2);
      expect(usageErrorSentence(run)).to.equal("--project ID is required when FIRESTORE_EMULATOR_HOST is not set");
      const real = await rolloutCli("enable", "--project", "my-real-proj");
      expect(real.code).to.equal(2);
      expect(usageErrorSentence(real)).to.match(/^my-real-proj is a real project id but FIRESTORE_EMULATOR_HOST is set/);
      expect((await db.doc(SYNC_CONFIG_PATH).get()).exists).to.equal(false);
    });
  });
});
