// Compiles security rules offline with the Firestore emulator's compiler, so that a syntax error
// or a call to an unknown function is found before a deploy. Run as a script, it is the command
// `compileRulesFile` runs inside the emulator: it writes what it found (or its error) to a JSON file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorAddress, emulatorRequest, type HostAndPort } from "../tools/emulator";
import { EmulatorSetupError, execInEmulators, type ExecResult } from "./emulators";

/** A project of the check's own, so that loading rules into it changes no other suite's rules. */
const RULES_CHECK_PROJECT = "demo-rules-check";

export interface RulesIssue {
  line: number;
  column: number;
  severity: "ERROR" | "WARNING";
  description: string;
}

// A syntax error is refused outright, its positions only in the message: "L419:1 missing '}' at '<EOF>'".
const SYNTAX_ERROR = /^L(\d+):(\d+) (.*)$/;

/** What the Firestore emulator at `firestore` finds in `source`; none when the rules are clean. */
export async function compileRules(firestore: HostAndPort, source: string): Promise<RulesIssue[]> {
  const response = await emulatorRequest("PUT", firestore, `/emulator/v1/projects/${RULES_CHECK_PROJECT}:securityRules`, {
    json: { rules: { files: [{ name: "firestore.rules", content: source }] } },
  });
  if (response.status === 200) {
    const { issues = [] } = JSON.parse(response.body) as {
      issues?: { sourcePosition: { line?: number; column?: number }; severity: RulesIssue["severity"]; description: string }[];
    };
    return issues.map(({ sourcePosition, severity, description }) => ({ line: sourcePosition.line ?? 0, column: sourcePosition.column ?? 0, severity, description }));
  }
  const message = response.status === 400 ? ((JSON.parse(response.body) as { error?: { message?: string } }).error?.message ?? "") : "";
  const issues = message.split("\n").flatMap((line) => {
    const match = SYNTAX_ERROR.exec(line);
    return match ? [{ line: Number(match[1]), column: Number(match[2]), severity: "ERROR" as const, description: match[3] }] : [];
  });
  if (issues.length === 0) throw new Error(`the Firestore emulator refused the rules: HTTP ${response.status} ${response.body.trim()}`);
  return issues;
}

/** `firestore.rules:12:5: error: Unexpected '}'.`, the position form editors jump to. */
export function formatRulesIssue(file: string, issue: RulesIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.severity.toLowerCase()}: ${issue.description}`;
}

/** The emulator could not be started (no Java, no emulator jar, its ports taken, ...). */
export class RulesCompilerUnavailable extends Error {}

/**
 * Compiles the rules file at `rulesPath` in a Firestore emulator of its own (`firebase
 * emulators:exec --only firestore`, on the ports EMULATOR_PORT_OFFSET gives). Setup problems
 * throw RulesCompilerUnavailable, saying why.
 */
export async function compileRulesFile(rulesPath: string): Promise<RulesIssue[]> {
  const dir = mkdtempSync(join(tmpdir(), "rules-check-"));
  const resultPath = join(dir, "issues.json");
  try {
    let run: ExecResult;
    try {
      // The emulator's own output is captured (and dropped) to keep the check's output to its verdict.
      run = await execInEmulators(["npx", "tsx", __filename, rulesPath, resultPath], { only: ["firestore"], projectId: RULES_CHECK_PROJECT, onLine: () => undefined });
    } catch (error) {
      if (error instanceof EmulatorSetupError) throw new RulesCompilerUnavailable(error.message);
      throw error;
    }
    let result: string;
    try {
      result = readFileSync(resultPath, "utf8");
    } catch {
      // The CLI's reason ("Could not start Firestore Emulator, port taken.") is among its last lines.
      const printed = run.lines.map((line) => line.trim()).filter((line) => line !== "");
      const reason = printed.findLast((line) => /error/i.test(line)) ?? printed.at(-1) ?? "no output";
      throw new RulesCompilerUnavailable(`the Firestore emulator run ended (status ${run.status}) before compiling: ${reason}`);
    }
    const outcome = JSON.parse(result) as { issues: RulesIssue[] } | { error: string };
    if ("error" in outcome) throw new Error(outcome.error);
    return outcome.issues;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [rulesPath, resultPath] = process.argv.slice(2);
  void compileRules(emulatorAddress("FIRESTORE_EMULATOR_HOST"), readFileSync(rulesPath, "utf8")).then(
    (issues) => writeFileSync(resultPath, JSON.stringify({ issues })),
    (error: Error) => writeFileSync(resultPath, JSON.stringify({ error: error.message })),
  );
}
