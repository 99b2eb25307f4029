// The rollout command's pure half (tools/rolloutCommand.ts): the command line, the actor, and
// what each command does to a config.
import { expect } from "chai";
import { UsageError } from "../../cli";
import { applyRolloutCommand, formatRolloutCommand, parseRolloutArgs, resolveRolloutActor } from "../../rolloutCommand";
import { LIMITS, SyncConfig } from "../../../core/schemas";

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
    expect(parseRolloutArgs(["legacy", "on"]).command).to.deep.equal({ kind: "legacy", on: true });
    expect(parseRolloutArgs(["legacy", "off"]).command).to.deep.equal({ kind: "legacy", on: false });
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
    expect(parseRolloutArgs(["rollback", "--percent", "500", "--help"]).command).to.deep.equal({ kind: "help" });
  });

  // [class of bad input, argv, the sentence it is answered with]
  const badInputs: [string, string[], RegExp][] = [
    ["no command", [], /^no command given \(expected one of status, set, allow, disallow, enable, disable, legacy\)$/],
    ["unknown command", ["stats"], /^unknown command "stats"/],
    ["unknown command", ["Status"], /expected one of status, set/],
    ["unknown option", ["status", "--verbose"], /^unknown option '--verbose'$/],
    ["unknown option", ["enable", "-f"], /^unknown option '-f'$/],
    ["unknown option", ["allow", "-dash"], /^unknown option '-d'$/],
    ["option without value", ["set", "--percent"], /^option '--percent <value>' argument missing$/],
    ["option without value", ["set", "--percent", "--project", "p-123456"], /^option '--percent' argument is ambiguous$/],
    ["repeated option", ["set", "--percent", "5", "--percent", "6"], /^--percent is given more than once$/],
    ["option not for the command", ["allow", "bob", "--percent", "5"], /^--percent only goes with "set"$/],
    ["option not for the command", ["status", "--actor", "me"], /^--actor only goes with a command that changes/],
    ["missing argument", ["set"], /^"set" needs --percent N \(0..100\)$/],
    ["missing argument", ["allow"], /^"allow" needs a UID/],
    ["missing argument", ["disallow"], /^"disallow" needs a UID/],
    ["missing argument", ["legacy"], /^"legacy" needs on or off/],
    ["bad switch", ["legacy", "true"], /^"legacy" takes on or off \(got "true"\)$/],
    ["bad switch", ["legacy", "OFF"], /got "OFF"/],
    ["extra argument", ["legacy", "off", "now"], /^unexpected argument "now" after "legacy"$/],
    ["option not for the command", ["legacy", "off", "--percent", "5"], /^--percent only goes with "set"$/],
    ["extra argument", ["enable", "now"], /^unexpected argument "now" after "enable"$/],
    ["extra argument", ["allow", "a", "b"], /^unexpected argument "b" after "allow"$/],
    ["bad percentage", ["set", "--percent", "2.5"], /^--percent must be a whole number from 0 to 100 \(got "2.5"\)$/],
    ["bad percentage", ["set", "--percent", "25.0"], /got "25.0"/],
    ["bad percentage", ["set", "--percent", "1e2"], /got "1e2"/],
    ["bad percentage", ["set", "--percent=-5"], /got "-5"/],
    ["bad percentage", ["set", "--percent", "+5"], /got "\+5"/],
    ["bad percentage", ["set", "--percent", "ten"], /got "ten"/],
    ["bad percentage", ["set", "--percent="], /got ""/],
    ["bad percentage", ["set", "--percent", "101"], /from 0 to 100 \(got "101"\)/],
    ["bad percentage", ["set", "--percent", "99999999999999999999"], /from 0 to 100/],
    ["bad uid", ["allow", ""], /^"" is not a uid/],
    ["bad uid", ["allow", "a/b"], /must not contain '\/'/],
    ["bad uid", ["disallow", "x".repeat(LIMITS.uidMax + 1)], /is not a uid \(1..128 characters/],
    ["bad actor", ["enable", "--actor", "   "], /^--actor must be 1..200 printable characters$/],
    ["bad actor", ["enable", "--actor", "evil\u001b[2J"], /printable/],
  ];
  for (const [badInput, argv, message] of badInputs) {
    it(`rejects ${JSON.stringify(argv)} (${badInput})`, () => {
      expect(() => parseRolloutArgs(argv)).to.throw(UsageError, message);
    });
  }

  it("writes commands into the audit trail in one normalized form", () => {
    expect(formatRolloutCommand({ kind: "set-percent", percent: 25 })).to.equal("set --percent 25");
    expect(formatRolloutCommand({ kind: "allow", uid: "bob" })).to.equal("allow bob");
    expect(formatRolloutCommand({ kind: "disable" })).to.equal("disable");
    expect(formatRolloutCommand({ kind: "legacy", on: false })).to.equal("legacy off");
  });
});

describe("rollout actor", () => {
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

  it("turns legacy writes off and on again, counting a config without the field as on", () => {
    const off = applyRolloutCommand(live, { kind: "legacy", on: false });
    expect(off).to.deep.equal({ after: { ...live, legacyWrites: false }, changed: true, summary: "legacy writes off: the compatibility window is closed" });
    const on = applyRolloutCommand(off.after, { kind: "legacy", on: true });
    expect([on.after.legacyWrites, on.changed]).to.deep.equal([true, true]);
    expect(applyRolloutCommand(live, { kind: "legacy", on: true })).to.deep.equal({ after: live, changed: false, summary: "no change: legacy writes are already on" });
    expect(applyRolloutCommand(off.after, { kind: "legacy", on: false }).changed).to.equal(false);
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
    expect(() => applyRolloutCommand(full, { kind: "allow", uid: "one-more" })).to.throw(/^the allowlist already holds 1000 uids/);
    expect(applyRolloutCommand(full, { kind: "allow", uid: "u0" }).changed).to.equal(false);
  });
});
