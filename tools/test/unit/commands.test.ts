// Every operator command run as a process, without Firestore: --help prints the usage and exits 0,
// bad input gets one sentence and exit code 2 before anything is touched, and the project guard
// holds both ways. The rules behind each message are unit-tested beside each command; this checks
// that each command is wired to the convention (tools/cli.ts).
import { expect } from "chai";
import { runTool, ToolRun, usageErrorSentence } from "../support/runTool";

const OFF_EMULATOR: NodeJS.ProcessEnv = { ...process.env };
delete OFF_EMULATOR.FIRESTORE_EMULATOR_HOST;
// Nothing listens on port 1: a command that got past its checks would fail there, not write.
const ON_EMULATOR: NodeJS.ProcessEnv = { ...OFF_EMULATOR, FIRESTORE_EMULATOR_HOST: "127.0.0.1:1" };

interface Case {
  what: string;
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The usage's first line (for --help), or the one sentence of the usage error. */
  answer: { usage: string } | { error: RegExp };
}

const CASES: Case[] = [
  { what: "--help", script: "tools/rollout.ts", args: ["--help"], env: OFF_EMULATOR, answer: { usage: "Usage: npm run rollout -- <command> [options]" } },
  { what: "a bad number", script: "tools/rollout.ts", args: ["set", "--percent", "101"], env: ON_EMULATOR, answer: { error: /^--percent must be a whole number from 0 to 100 \(got "101"\)$/ } },
  { what: "a demo project off the emulator", script: "tools/rollout.ts", args: ["status", "--project", "demo-x"], env: OFF_EMULATOR, answer: { error: /^demo-x is a demo project/ } },
  { what: "a real project on the emulator", script: "tools/rollout.ts", args: ["enable", "--project", "my-real-proj"], env: ON_EMULATOR, answer: { error: /^my-real-proj is a real project id but FIRESTORE_EMULATOR_HOST is set/ } },
  { what: "--help", script: "tools/purge.ts", args: ["-h"], env: OFF_EMULATOR, answer: { usage: "Usage: npm run purge -- [flags]" } },
  { what: "an unknown flag", script: "tools/purge.ts", args: ["--bogus"], env: ON_EMULATOR, answer: { error: /^unknown option '--bogus'$/ } },
  { what: "a demo project off the emulator", script: "tools/purge.ts", args: ["--project", "demo-x"], env: OFF_EMULATOR, answer: { error: /^demo-x is a demo project/ } },
  { what: "a real project on the emulator", script: "tools/purge.ts", args: ["--project", "my-real-proj"], env: ON_EMULATOR, answer: { error: /^my-real-proj is a real project id but FIRESTORE_EMULATOR_HOST is set/ } },
  { what: "--help", script: "scripts/rollout-vectors.ts", args: ["--help"], env: OFF_EMULATOR, answer: { usage: "Usage: npm run rollout:vectors" } },
  { what: "an unknown flag", script: "scripts/rollout-vectors.ts", args: ["--out", "x.json"], env: OFF_EMULATOR, answer: { error: /^unknown option '--out'$/ } },
  { what: "--help", script: "seed/generate.ts", args: ["--help"], env: OFF_EMULATOR, answer: { usage: "Usage: npm run seed:generate" } },
  { what: "an argument", script: "seed/generate.ts", args: ["seed/data"], env: OFF_EMULATOR, answer: { error: /^unexpected argument "seed\/data"$/ } },
  { what: "--help", script: "scripts/deployCheck.ts", args: ["--help"], env: OFF_EMULATOR, answer: { usage: "Usage: npm run deploy:check -- [flags]" } },
  { what: "an unknown target", script: "scripts/deployCheck.ts", args: ["--only", "hosting"], env: OFF_EMULATOR, answer: { error: /^--only takes firestore, functions, monitoring, not "hosting"$/ } },
];

describe("operator commands as processes", function () {
  this.timeout(60_000);
  const runs = new Map<Case, ToolRun>();

  // All at once: each is a tsx start-up of about a second.
  before(async () => {
    await Promise.all(CASES.map(async (c) => runs.set(c, await runTool(c.script, c.args, c.env))));
  });

  for (const c of CASES) {
    it(`${c.script} answers ${c.what} (${c.args.join(" ")})`, () => {
      const run = runs.get(c)!;
      if ("usage" in c.answer) {
        expect(run, run.stderr).to.include({ code: 0, stderr: "" });
        expect(run.stdout.split("\n")[0]).to.equal(c.answer.usage);
        expect(run.stdout, "--help does the work too").to.not.match(/^Wrote /m);
        return;
      }
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stdout, "nothing done, so nothing to report").to.equal("");
      const sentence = usageErrorSentence(run);
      expect(sentence, `one line "error: <sentence>. Run with --help for usage." on stderr, got ${JSON.stringify(run.stderr)}`).to.be.a("string");
      expect(sentence).to.match(c.answer.error);
      expect(sentence, "one sentence").to.not.match(/\.\s/);
    });
  }
});
