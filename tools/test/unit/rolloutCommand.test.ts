import { expect } from "chai";
import {
  applyRolloutCommand,
  formatRolloutCommand,
  parseRolloutArgs,
  resolveRolloutActor,
  resolveRolloutTarget,
  RolloutInputError,
  RolloutInputErrorCode,
} from "../../rolloutCommand";
import { LIMITS, SyncConfig } from "../../../core/schemas";

function inputErrorOf(run: () => unknown): RolloutInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof RolloutInputError) return error;
    throw error;
  }
  throw new Error("expected a RolloutInputError, got none");
}

const live: SyncConfig = { realtimeSyncEnabled: true, rolloutPercent: 10, allowlistUserIds: ["alice"] };

describe("rollout command line", () => {
  it("reads every command", () => {
    expect(parseRolloutArgs(["status"]).command).to.deep.equal({ kind: "status" });
    expect(parseRolloutArgs(["set", "--percent", "25"]).command).to.deep.equal({ kind: "set-percent", percent: 25 });
    expect(parseRolloutArgs(["set", "--percent=0"]).command).to.deep.equal({ kind: "set-percent", percent: 0 });
    expect(parseRolloutArgs(["--percent", "100", "set"]).command).to.deep.equal({ kind: "set-percent", percent: 100 });
    expect(parseRolloutArgs(["allow", "bob"]).command).to.deep.equal({ kind: "allow", uid: "bob" });
    expect(parseRolloutArgs(["disallow", "用户"]).command).to.deep.equal({ kind: "disallow", uid: "用户" });
    expect(parseRolloutArgs(["enable"]).command).to.deep.equal({ kind: "enable" });
    expect(parseRolloutArgs(["disable"]).command).to.deep.equal({ kind: "disable" });
  });

  it("reads --project and --actor, and -- before a uid that starts with '-'", () => {
    expect(parseRolloutArgs(["enable", "--project", "my-project-1", "--actor", " ops@example.com "])).to.deep.equal({
      command: { kind: "enable" },
      project: "my-project-1",
      actor: "ops@example.com",
    });
    expect(parseRolloutArgs(["allow", "--", "-dash"]).command).to.deep.equal({ kind: "allow", uid: "-dash" });
  });

  it("answers --help with the usage, whatever else is there", () => {
    expect(parseRolloutArgs(["--help"]).command).to.deep.equal({ kind: "help" });
    expect(parseRolloutArgs(["set", "-h"]).command).to.deep.equal({ kind: "help" });
  });

  const badInputs: [string[], RolloutInputErrorCode, RegExp][] = [
    [[], "missing-command", /no command/],
    [["stats"], "unknown-command", /unknown command "stats"/],
    [["Status"], "unknown-command", /expected one of status, set/],
    [["status", "--verbose"], "unknown-flag", /unknown option --verbose/],
    [["enable", "-f"], "unknown-flag", /unknown option -f/],
    [["set", "--percent"], "flag-missing-value", /--percent needs a value/],
    [["set", "--percent", "--project", "p-123456"], "flag-missing-value", /--percent needs a value/],
    [["set", "--percent", "5", "--percent", "6"], "flag-repeated", /--percent given more than once/],
    [["allow", "bob", "--percent", "5"], "flag-not-for-command", /--percent only goes with "set"/],
    [["status", "--actor", "me"], "flag-not-for-command", /--actor only goes with a command that changes/],
    [["set"], "missing-argument", /"set" needs --percent N/],
    [["allow"], "missing-argument", /"allow" needs a UID/],
    [["disallow"], "missing-argument", /"disallow" needs a UID/],
    [["enable", "now"], "unexpected-argument", /unexpected argument "now" after "enable"/],
    [["allow", "a", "b"], "unexpected-argument", /unexpected argument "b"/],
    [["set", "--percent", "2.5"], "percent-not-integer", /whole number 0..100, got "2.5"/],
    [["set", "--percent", "25.0"], "percent-not-integer", /got "25.0"/],
    [["set", "--percent", "1e2"], "percent-not-integer", /got "1e2"/],
    [["set", "--percent", "-5"], "percent-not-integer", /got "-5"/],
    [["set", "--percent", "+5"], "percent-not-integer", /got "\+5"/],
    [["set", "--percent", "ten"], "percent-not-integer", /got "ten"/],
    [["set", "--percent="], "percent-not-integer", /got ""/],
    [["set", "--percent", "101"], "percent-out-of-range", /must be 0..100, got 101/],
    [["set", "--percent", "99999999999999999999"], "percent-out-of-range", /must be 0..100/],
    [["allow", ""], "uid-invalid", /"" is not a uid/],
    [["allow", "a/b"], "uid-invalid", /must not contain '\/'/],
    [["disallow", "x".repeat(LIMITS.uidMax + 1)], "uid-invalid", /is not a uid \(1..128 characters/],
    [["status", "--project", "Bad_Project"], "project-invalid", /"Bad_Project" is not a project id/],
    [["status", "--project", "abc"], "project-invalid", /is not a project id/],
    [["enable", "--actor", "   "], "actor-invalid", /--actor must be 1..200 printable/],
    [["enable", "--actor", "evil\u001b[2J"], "actor-invalid", /printable/],
  ];
  for (const [argv, code, message] of badInputs) {
    it(`rejects ${JSON.stringify(argv)} with ${code}`, () => {
      const error = inputErrorOf(() => parseRolloutArgs(argv));
      expect(error.code).to.equal(code);
      expect(error.message).to.match(message);
    });
  }

  it("writes commands into the audit trail in one normalized form", () => {
    expect(formatRolloutCommand({ kind: "set-percent", percent: 25 })).to.equal("set --percent 25");
    expect(formatRolloutCommand({ kind: "allow", uid: "bob" })).to.equal("allow bob");
    expect(formatRolloutCommand({ kind: "disable" })).to.equal("disable");
  });
});

describe("rollout target and actor", () => {
  it("uses the emulator project by default on the emulator, or the one named", () => {
    expect(resolveRolloutTarget(undefined, "127.0.0.1:8080", "demo-expense-sync")).to.deep.equal({
      projectId: "demo-expense-sync",
      emulatorHost: "127.0.0.1:8080",
    });
    expect(resolveRolloutTarget("demo-other", "127.0.0.1:8080", "demo-expense-sync").projectId).to.equal("demo-other");
  });

  it("requires --project off the emulator, and refuses a demo project there", () => {
    expect(inputErrorOf(() => resolveRolloutTarget(undefined, undefined, "demo-expense-sync")).code).to.equal("project-required");
    expect(inputErrorOf(() => resolveRolloutTarget(undefined, "", "demo-expense-sync")).code).to.equal("project-required");
    expect(inputErrorOf(() => resolveRolloutTarget("demo-expense-sync", undefined, "demo-expense-sync")).code).to.equal(
      "project-demo-without-emulator",
    );
    expect(resolveRolloutTarget("prod-expenses", undefined, "demo-expense-sync")).to.deep.equal({ projectId: "prod-expenses" });
  });

  it("names --actor first, then the service account, then user@host", () => {
    const environment = { serviceAccountEmail: "deployer@p.iam.gserviceaccount.com", osUser: "kim", hostname: "laptop" };
    expect(resolveRolloutActor("ops-oncall", environment)).to.deep.equal({ actor: "ops-oncall", source: "flag" });
    expect(resolveRolloutActor(undefined, environment)).to.deep.equal({ actor: "deployer@p.iam.gserviceaccount.com", source: "service-account" });
    expect(resolveRolloutActor(undefined, { osUser: "kim", hostname: "laptop" })).to.deep.equal({ actor: "kim@laptop", source: "os-user" });
  });
});

describe("applying a rollout command", () => {
  it("sets the percentage, and says so", () => {
    expect(applyRolloutCommand(live, { kind: "set-percent", percent: 25 })).to.deep.equal({
      after: { ...live, rolloutPercent: 25 },
      changed: true,
      summary: "rolloutPercent 10 -> 25",
    });
  });

  it("allows and disallows, keeping the order of the others", () => {
    const allowed = applyRolloutCommand(live, { kind: "allow", uid: "bob" });
    expect(allowed.after.allowlistUserIds).to.deep.equal(["alice", "bob"]);
    expect(allowed.changed).to.equal(true);
    const removed = applyRolloutCommand(allowed.after, { kind: "disallow", uid: "alice" });
    expect(removed.after.allowlistUserIds).to.deep.equal(["bob"]);
    expect(removed.summary).to.equal("removed alice from the allowlist");
  });

  it("enables and disables (the kill switch)", () => {
    const off = applyRolloutCommand(live, { kind: "disable" });
    expect(off.after).to.deep.equal({ ...live, realtimeSyncEnabled: false });
    expect(off.summary).to.match(/kill switch/);
    expect(applyRolloutCommand(off.after, { kind: "enable" }).after).to.deep.equal(live);
  });

  it("changes nothing, and says why, when the config already says it", () => {
    const cases = [
      [{ kind: "set-percent", percent: 10 }, "no change: rolloutPercent is already 10"],
      [{ kind: "allow", uid: "alice" }, "no change: alice is already on the allowlist"],
      [{ kind: "disallow", uid: "bob" }, "no change: bob is not on the allowlist"],
      [{ kind: "enable" }, "no change: realtime sync is already enabled"],
    ] as const;
    for (const [command, summary] of cases) {
      expect(applyRolloutCommand(live, command)).to.deep.equal({ after: live, changed: false, summary });
    }
  });

  it("never mutates the config it is given", () => {
    const before = structuredClone(live);
    applyRolloutCommand(live, { kind: "allow", uid: "carol" });
    applyRolloutCommand(live, { kind: "disallow", uid: "alice" });
    expect(live).to.deep.equal(before);
  });

  it("refuses to grow the allowlist past the schema's limit", () => {
    const full: SyncConfig = { ...live, allowlistUserIds: Array.from({ length: LIMITS.allowlistMax }, (_, i) => `u${i}`) };
    const error = inputErrorOf(() => applyRolloutCommand(full, { kind: "allow", uid: "one-more" }));
    expect(error.code).to.equal("allowlist-full");
    expect(error.message).to.match(/already holds 1000 uids/);
    expect(applyRolloutCommand(full, { kind: "allow", uid: "u0" }).changed).to.equal(false);
  });
});
