// The convention every command follows (tools/cli.ts): parsing, --help, one-sentence usage
// errors, whole numbers, the demo/real project guard and the exit codes.
import { expect } from "chai";
import { EXIT_BAD_INPUT, parseCommandLine, resolveProjectTarget, runCommand, UsageError, wholeNumber } from "../../cli";

const OPTIONS = { name: { type: "string" }, force: { type: "boolean" }, tag: { type: "string", multiple: true } } as const;

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a UsageError, got none");
}

describe("cli: parseCommandLine", () => {
  it("reads values in both --flag value and --flag=value form, and switches", () => {
    expect(parseCommandLine(["--name", "a", "--force"], OPTIONS)).to.deep.equal({ values: { name: "a", force: true }, positionals: [], help: false });
    expect(parseCommandLine(["--name=b"], OPTIONS).values).to.deep.equal({ name: "b" });
  });

  it("keeps positionals only where the command takes them, and -- ends the options", () => {
    expect(parseCommandLine(["allow", "--", "-dash"], OPTIONS, { allowPositionals: true }).positionals).to.deep.equal(["allow", "-dash"]);
    expect(usageErrorOf(() => parseCommandLine(["extra"], OPTIONS)).message).to.equal('unexpected argument "extra"');
    expect(usageErrorOf(() => parseCommandLine(["--", "-dash"], OPTIONS)).message).to.equal('unexpected argument "-dash"');
  });

  it("adds -h and --help to every command, whatever positionals come with it", () => {
    expect(parseCommandLine(["--help"], OPTIONS)).to.deep.equal({ values: {}, positionals: [], help: true });
    expect(parseCommandLine(["-h"], OPTIONS).help).to.equal(true);
    expect(parseCommandLine(["extra", "-h"], OPTIONS).help).to.equal(true);
    expect(parseCommandLine(["-h", "--help"], OPTIONS).help, "asking twice is not a repeated option").to.equal(true);
  });

  for (const [argv, message] of [
    [["--bogus"], "unknown option '--bogus'"],
    [["-x"], "unknown option '-x'"],
    [["--name"], "option '--name <value>' argument missing"],
    [["--name", "--force"], "option '--name' argument is ambiguous"],
    [["--force=yes"], "option '--force' does not take an argument"],
    [["--name", "a", "--name=b"], "--name is given more than once"],
    [["--force", "--force"], "--force is given more than once"],
  ] as const) {
    it(`answers ${JSON.stringify(argv)} with one sentence: ${message}`, () => {
      const error = usageErrorOf(() => parseCommandLine(argv, OPTIONS));
      expect(error.message).to.equal(message);
    });
  }

  it("lets an option declared multiple repeat", () => {
    expect(parseCommandLine(["--tag", "a", "--tag", "b"], OPTIONS).values).to.deep.equal({ tag: ["a", "b"] });
  });
});

describe("cli: wholeNumber", () => {
  it("takes plain decimal digits within the range, ends included", () => {
    expect(wholeNumber("--percent", "0", 0, 100)).to.equal(0);
    expect(wholeNumber("--percent", "100", 0, 100)).to.equal(100);
    expect(wholeNumber("--percent", "007", 0, 100)).to.equal(7);
    expect(wholeNumber("--days", "36500", 1)).to.equal(36500);
  });

  for (const raw of ["101", "-1", "2.5", "25.0", "1e2", "+5", " 5", "ten", "", "99999999999999999999"]) {
    it(`refuses ${JSON.stringify(raw)} for 0..100, naming the flag, the range and the input`, () => {
      expect(usageErrorOf(() => wholeNumber("--percent", raw, 0, 100)).message).to.equal(
        `--percent must be a whole number from 0 to 100 (got ${JSON.stringify(raw)})`,
      );
    });
  }

  it("says 'at least' when there is no maximum", () => {
    expect(usageErrorOf(() => wholeNumber("--days", "0", 1)).message).to.equal('--days must be a whole number at least 1 (got "0")');
    expect(() => wholeNumber("--days", "99999999999999999999", 1)).to.throw(UsageError, /at least 1/);
  });
});

describe("cli: resolveProjectTarget", () => {
  const EMULATOR = "127.0.0.1:8080";

  it("on the emulator: the emulator's project by default, or the demo project named", () => {
    expect(resolveProjectTarget(undefined, EMULATOR, "demo-expense-sync")).to.deep.equal({ projectId: "demo-expense-sync", emulatorHost: EMULATOR });
    expect(resolveProjectTarget("demo-other", EMULATOR, "demo-expense-sync")).to.deep.equal({ projectId: "demo-other", emulatorHost: EMULATOR });
  });

  it("on the emulator: refuses a real project id, named or defaulted", () => {
    expect(usageErrorOf(() => resolveProjectTarget("my-real-proj", EMULATOR, "demo-expense-sync")).message).to.equal(
      "my-real-proj is a real project id but FIRESTORE_EMULATOR_HOST is set: unset it to reach the real project, or use a demo- project on the emulator",
    );
    expect(() => resolveProjectTarget(undefined, EMULATOR, "my-real-proj")).to.throw(UsageError, /^my-real-proj is a real project id/);
  });

  it("off the emulator: the real project named, with no emulator host", () => {
    expect(resolveProjectTarget("my-real-proj", undefined, "demo-expense-sync")).to.deep.equal({ projectId: "my-real-proj" });
    expect(resolveProjectTarget("my-real-proj", "", "demo-expense-sync"), "an empty host is no emulator").to.deep.equal({ projectId: "my-real-proj" });
  });

  it("off the emulator: requires --project, and refuses a demo project", () => {
    expect(usageErrorOf(() => resolveProjectTarget(undefined, undefined, "demo-expense-sync")).message).to.equal(
      "--project ID is required when FIRESTORE_EMULATOR_HOST is not set",
    );
    expect(usageErrorOf(() => resolveProjectTarget("demo-x", undefined, "demo-expense-sync")).message).to.equal(
      "demo-x is a demo project, which exists only on the emulator: set FIRESTORE_EMULATOR_HOST",
    );
  });

  for (const project of ["Bad_Project", "abc", "ends-with-", "1starts-with-digit", "a".repeat(31)]) {
    it(`refuses ${JSON.stringify(project)} as a project id, on the emulator or off it`, () => {
      for (const host of [EMULATOR, undefined]) {
        expect(usageErrorOf(() => resolveProjectTarget(project, host, "demo-expense-sync")).message).to.equal(
          `--project ${JSON.stringify(project)} is not a project id (6 to 30 of a-z, 0-9 and -, starting with a letter)`,
        );
      }
    });
  }
});

describe("cli: runCommand", () => {
  /** Runs main through runCommand and returns the exit code it set and what it wrote to stderr. */
  async function outcomeOf(main: () => Promise<number>): Promise<{ exitCode: typeof process.exitCode; stderr: string }> {
    const previousExitCode = process.exitCode;
    const write = process.stderr.write;
    let stderr = "";
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      runCommand(main);
      // runCommand settles on the microtask queue; an immediate runs after it has.
      await new Promise((settled) => setImmediate(settled));
      return { exitCode: process.exitCode, stderr };
    } finally {
      process.stderr.write = write;
      process.exitCode = previousExitCode;
    }
  }

  it("exits with what main returns", async () => {
    expect(await outcomeOf(async () => 0)).to.deep.equal({ exitCode: 0, stderr: "" });
    expect(await outcomeOf(async () => 3)).to.deep.equal({ exitCode: 3, stderr: "" });
  });

  it("answers a UsageError with its sentence, a pointer to --help and exit code 2", async () => {
    expect(EXIT_BAD_INPUT).to.equal(2);
    const outcome = await outcomeOf(async () => {
      throw new UsageError("--percent must be a whole number from 0 to 100 (got \"101\")");
    });
    expect(outcome).to.deep.equal({ exitCode: 2, stderr: 'error: --percent must be a whole number from 0 to 100 (got "101"). Run with --help for usage.\n' });
  });

  it("answers any other failure with its message and exit code 1", async () => {
    expect(await outcomeOf(() => Promise.reject(new Error("deadline exceeded")))).to.deep.equal({ exitCode: 1, stderr: "error: deadline exceeded\n" });
    expect(await outcomeOf(() => Promise.reject("not an Error"))).to.deep.equal({ exitCode: 1, stderr: "error: not an Error\n" });
  });
});
