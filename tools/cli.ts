// The convention every command of this project follows: arguments parsed by node:util's
// parseArgs, `--help` everywhere, bad input answered with one sentence and exit code 2, and a
// guard so that no command writes to a demo project off the emulator or to a real one on it.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit code for bad input (usage errors): the command did nothing. */
export const EXIT_BAD_INPUT = 2;

/** Bad input: the message is one sentence saying what is wrong; the command has done nothing. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CommandLine<V> {
  values: V;
  positionals: string[];
  help: boolean;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>["values"];

/**
 * Parses `argv` with parseArgs (strict: unknown flags, missing values and repeated flags are usage
 * errors), adding `-h`/`--help`. parseArgs' own errors are turned into one-sentence UsageErrors.
 */
export function parseCommandLine<O extends Options>(
  argv: readonly string[],
  options: O,
  { allowPositionals = false }: { allowPositionals?: boolean } = {},
): CommandLine<Values<O>> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
  // parseArgs lets the last of a repeated option win; `--percent 5 --percent 6` is more likely a
  // slip than a choice, so it is refused rather than one of the values silently dropped.
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || token.name === "help" || options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
  }
  const { help, ...values } = parsed.values as Record<string, unknown>;
  if (!allowPositionals && parsed.positionals.length > 0 && help !== true) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  }
  return { values: values as Values<O>, positionals: parsed.positionals, help: help === true };
}

/** parseArgs' messages, shortened to the sentence that says what is wrong. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s|\n/)[0].replace(/\.$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** A whole number given for `flag`, within [min, max]. */
export function wholeNumber(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

// A Google Cloud project id: 6..30 of a-z 0-9 -, starting with a letter, not ending with '-'.
const PROJECT_ID_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export interface ProjectTarget {
  projectId: string;
  /** host:port of the Firestore emulator; absent for a real project. */
  emulatorHost?: string;
}

/**
 * Which project a command works on. On the emulator (FIRESTORE_EMULATOR_HOST set) the project
 * defaults to the emulator's and must be a `demo-` one; off it, --project is required and must not
 * be a `demo-` one (those exist only on the emulator). Either mistake would send the writes to
 * somewhere other than the operator thinks.
 */
export function resolveProjectTarget(project: string | undefined, emulatorHost: string | undefined, emulatorProjectId: string): ProjectTarget {
  if (project !== undefined && !PROJECT_ID_PATTERN.test(project)) {
    throw new UsageError(`--project ${JSON.stringify(project)} is not a project id (6 to 30 of a-z, 0-9 and -, starting with a letter)`);
  }
  if (emulatorHost) {
    const projectId = project ?? emulatorProjectId;
    if (!projectId.startsWith("demo-")) {
      throw new UsageError(`${projectId} is a real project id but FIRESTORE_EMULATOR_HOST is set: unset it to reach the real project, or use a demo- project on the emulator`);
    }
    return { projectId, emulatorHost };
  }
  if (project === undefined) throw new UsageError("--project ID is required when FIRESTORE_EMULATOR_HOST is not set");
  if (project.startsWith("demo-")) {
    throw new UsageError(`${project} is a demo project, which exists only on the emulator: set FIRESTORE_EMULATOR_HOST`);
  }
  return { projectId: project };
}

/**
 * Runs a command's main and sets the exit code: its own return value; 2 with "error: …" for a
 * UsageError (plus a pointer to --help); 1 with "error: …" for anything else.
 */
export function runCommand(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}. Run with --help for usage.\n`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
