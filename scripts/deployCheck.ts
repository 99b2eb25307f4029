// `npm run deploy:check`: what `firebase deploy` would ship, validated offline and without
// credentials, so that a mistake stops before anything goes out rather than halfway through a
// deploy. firebase.json's predeploy hooks run it for their own target.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadUserEnvs } from "firebase-tools/lib/functions/env";
import { parseCommandLine, runCommand, UsageError } from "../tools/cli";
import { PROJECT_ID, ROOT } from "./emulators";
import { DEFAULTS_FILE, defaultsFileProblems, FUNCTIONS_DIR, projectValueProblems, type ParamSpec } from "./functionsParams";
import { indexesFileProblems } from "./indexesFile";
import { compileRulesFile, formatRulesIssue, RulesCompilerUnavailable } from "./rulesCompile";

const TARGETS = ["firestore", "functions", "monitoring"] as const;
type Target = (typeof TARGETS)[number];

/** The triggers a deploy must keep: one missing would be deleted from the project by the deploy. */
const EXPECTED_FUNCTIONS = ["expenseChanged", "groupWritten", "notificationRead", "profileWritten", "scheduledPurge", "syncHealthRollup"];
const DISCOVERY_TIMEOUT_MS = 60_000;
const MAX_DETAIL_LINES = 40;

const USAGE = `Usage: npm run deploy:check -- [flags]

Validates offline, without credentials, what \`firebase deploy\` would ship, one line per check:
  firestore   rules: the rules file compiles (in a Firestore emulator of its own, on the ports
              EMULATOR_PORT_OFFSET gives); indexes: the indexes file is well-formed
  functions   lint; build; functions: the built code loads and exports
              ${EXPECTED_FUNCTIONS.join(", ")}; params: functions/.env holds
              every param's default, and the project's values resolve each param
  monitoring  monitoring/validate.ts's validateMonitoring(root), when that module exists

Flags:
  --only TARGETS   comma-separated targets from the list above (default: all)
  --project ID     the project whose functions/.env.ID overrides the params check reads
                   (default: $GCLOUD_PROJECT, which firebase deploy sets for its hooks, else ${PROJECT_ID})
  --predeploy      as a firebase.json predeploy hook: where the Firestore emulator cannot be had
                   (no Java, say), skip the rules compile with a note; firebase deploy compiles the
                   rules itself and needs no Java
  -h, --help       this text

Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 bad arguments.
`;

interface Outcome {
  status: "ok" | "FAIL" | "skip";
  summary: string;
  /** Printed indented under the line: further problems, a failed command's output. */
  details: string[];
}

const ok = (summary: string): Outcome => ({ status: "ok", summary, details: [] });
const skip = (summary: string): Outcome => ({ status: "skip", summary, details: [] });
/** The first problem on the check's line, the others under it. */
const fail = (problems: string[], details: string[] = []): Outcome => ({
  status: "FAIL",
  summary: problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more, below)` : problems[0],
  details: [...problems.slice(1), ...details],
});

function parseTargets(raw: string | undefined): Set<Target> {
  if (raw === undefined) return new Set(TARGETS);
  const names = raw.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(TARGETS as readonly string[]).includes(name)) throw new UsageError(`--only takes ${TARGETS.join(", ")}, not ${JSON.stringify(name)}`);
  }
  return new Set(names as Target[]);
}

/** Where firebase.json has the rules and the indexes file. */
function firestoreFiles(): { rules: string; indexes: string } {
  const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as { firestore: { rules: string; indexes: string } };
  return config.firestore;
}

async function checkRules(rulesFile: string, predeploy: boolean): Promise<Outcome> {
  try {
    const issues = await compileRulesFile(join(ROOT, rulesFile));
    // Warnings fail too: the rules are kept free of them, and one such as "Invalid function name"
    // marks a condition that cannot succeed when evaluated.
    return issues.length === 0 ? ok(`${rulesFile} compiles`) : fail(issues.map((issue) => formatRulesIssue(rulesFile, issue)));
  } catch (error) {
    if (!(error instanceof RulesCompilerUnavailable)) throw error;
    if (predeploy) return skip(`not compiled here (${error.message}); firebase deploy compiles ${rulesFile} itself`);
    return fail([`could not compile ${rulesFile}: ${error.message}`]);
  }
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function checkIndexes(indexesFile: string): Outcome {
  const text = readFileSync(join(ROOT, indexesFile), "utf8");
  const problems = indexesFileProblems(text);
  if (problems.length > 0) return fail(problems.map((problem) => `${indexesFile}: ${problem}`));
  const { indexes, fieldOverrides = [] } = JSON.parse(text) as { indexes: unknown[]; fieldOverrides?: unknown[] };
  return ok(`${indexesFile}: ${count(indexes.length, "composite index", "composite indexes")}, ${count(fieldOverrides.length, "field override", "field overrides")}`);
}

/** Runs a command and resolves with its exit code and everything it printed. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number; output: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const output = Buffer.concat(chunks).toString("utf8").split("\n").filter((line) => line.trim() !== "");
      resolve({ code: code ?? 1, output });
    });
  });
}

async function checkNpmScript(script: string): Promise<Outcome> {
  const { code, output } = await run("npm", ["run", "--silent", script], { cwd: ROOT });
  if (code === 0) return ok(`npm run ${script}`);
  const shown = output.slice(0, MAX_DETAIL_LINES);
  if (output.length > shown.length) shown.push(`... ${output.length - shown.length} more lines: run \`npm run ${script}\``);
  return fail([`npm run ${script} exited with ${code}`], shown);
}

interface Manifest {
  endpoints: Record<string, unknown>;
  params?: ParamSpec[];
}

/**
 * The functions as a deploy discovers them: firebase-functions' own discovery binary (the one
 * firebase-tools runs) loads the built code in a child process, with the project's param values
 * in its environment as a deploy gives them, and writes the manifest.
 */
async function discoverFunctions(projectId: string, values: Record<string, string>): Promise<Manifest> {
  const dir = mkdtempSync(join(tmpdir(), "deploy-check-"));
  const manifestPath = join(dir, "functions.json");
  try {
    const discovery = join(ROOT, "node_modules", "firebase-functions", "lib", "bin", "firebase-functions.js");
    const env = {
      ...values,
      GCLOUD_PROJECT: projectId,
      FIREBASE_CONFIG: JSON.stringify({ projectId }),
      FUNCTIONS_MANIFEST_OUTPUT_PATH: manifestPath,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    };
    const { code, output } = await run(process.execPath, [discovery], { cwd: FUNCTIONS_DIR, env, timeoutMs: DISCOVERY_TIMEOUT_MS });
    if (code !== 0) throw new Error(`the built functions do not load: ${output[0] ?? `exit code ${code}`}`);
    return JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `functions` and `params` lines, from one discovery of the built code. */
async function checkFunctions(built: Promise<Outcome>, projectId: string): Promise<[Outcome, Outcome]> {
  if ((await built).status !== "ok") return [skip("needs the build, which failed"), skip("needs the build, which failed")];
  const values = loadUserEnvs({ functionsSource: FUNCTIONS_DIR, projectId, isEmulator: false });
  const manifest = await discoverFunctions(projectId, values);
  const missing = EXPECTED_FUNCTIONS.filter((name) => !(name in manifest.endpoints));
  const functions = missing.length === 0 ? ok(`loads; exports ${Object.keys(manifest.endpoints).join(", ")}`) : fail([`exports no ${missing.join(", ")}`]);
  const params = manifest.params ?? [];
  const defaultsFile = relative(ROOT, DEFAULTS_FILE);
  const problems = [
    // A missing file reads as one without any value: each param is then named as missing.
    ...defaultsFileProblems(params, existsSync(DEFAULTS_FILE) ? readFileSync(DEFAULTS_FILE, "utf8") : "").map((problem) => `${defaultsFile}: ${problem}`),
    ...projectValueProblems(params, values).map((problem) => `project ${projectId}: ${problem}`),
  ];
  const paramsOutcome = problems.length === 0 ? ok(`${defaultsFile} holds all ${params.length} defaults; project ${projectId} resolves every param`) : fail(problems);
  return [functions, paramsOutcome];
}

async function checkMonitoring(): Promise<Outcome> {
  const validator = join(ROOT, "monitoring", "validate.ts");
  if (!existsSync(validator)) return skip("no monitoring/validate.ts, nothing to validate");
  // Imported by path: the module is another part of the project's, and optional.
  const module = (await import(validator)) as { validateMonitoring?: (root: string) => string[] };
  if (typeof module.validateMonitoring !== "function") return fail(["monitoring/validate.ts exports no validateMonitoring(root)"]);
  const problems = module.validateMonitoring(ROOT);
  return problems.length === 0 ? ok("monitoring/ is valid") : fail(problems);
}

/** Never rejects: an unexpected error is that check's failure, not the end of the others. */
function settled(outcome: Promise<Outcome>): Promise<Outcome> {
  return outcome.catch((error: unknown) => fail([error instanceof Error ? error.message : String(error)]));
}

async function main(argv: string[]): Promise<number> {
  const { values, help } = parseCommandLine(argv, { only: { type: "string" }, project: { type: "string" }, predeploy: { type: "boolean" } });
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const targets = parseTargets(values.only);
  const projectId = values.project ?? process.env.GCLOUD_PROJECT ?? PROJECT_ID;
  // Started together (the emulator, eslint and tsc each take seconds); printed in this order.
  const checks: [string, Promise<Outcome>][] = [];
  if (targets.has("firestore")) {
    const files = firestoreFiles();
    checks.push(["rules", settled(checkRules(files.rules, values.predeploy === true))]);
    checks.push(["indexes", settled(Promise.resolve().then(() => checkIndexes(files.indexes)))]);
  }
  if (targets.has("functions")) {
    const build = settled(checkNpmScript("build"));
    const loaded = checkFunctions(build, projectId);
    checks.push(["lint", settled(checkNpmScript("lint"))]);
    checks.push(["build", build]);
    checks.push(["functions", settled(loaded.then(([functions]) => functions))]);
    checks.push(["params", settled(loaded.then(([, params]) => params))]);
  }
  if (targets.has("monitoring")) checks.push(["monitoring", settled(checkMonitoring())]);

  let failed = false;
  for (const [name, pending] of checks) {
    const outcome = await pending;
    failed ||= outcome.status === "FAIL";
    process.stdout.write(`${outcome.status.padEnd(4)}  ${name.padEnd(10)}  ${outcome.summary}\n`);
    for (const line of outcome.details) process.stdout.write(`      ${line}\n`);
  }
  return failed ? 1 : 0;
}

runCommand(() => main(process.argv.slice(2)));
