// `npm run bench:triggers`: the 500-write hot-group burst on the emulator suite. Prints how long
// the expense triggers took to settle, how often the server wrote the group document, trigger
// invocations, transaction retries and failures, and whether the end state is exact. (The group
// trigger's own backlog — one no-op invocation per server write — is not waited for.) Writes
// artifacts/bench-triggers.json. A benchmark, not a test: it asserts nothing about time.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, PROJECT_ID, execInEmulators } from "../scripts/emulators";
import { adminDb } from "../functions/test/support/emulator";
import { BurstResult, runBurst } from "../functions/test/support/burst";

const RESULT_MARK = "BENCH_RESULT ";
const OPTIONS = { groupId: "bench-hot", projectId: PROJECT_ID, clients: 5, expensesPerClient: 40, concurrencyPerClient: 8 };

interface TriggerLog {
  trigger?: string;
  outcome?: string;
  attempts?: number;
  activityRaised?: boolean;
  severity?: string;
}

/** The structured log lines the Functions emulator echoes as `>  {json}`. */
function parseFunctionLog(line: string): TriggerLog | undefined {
  const start = line.indexOf(">  {");
  if (start === -1) return undefined;
  try {
    return JSON.parse(line.slice(start + 3)) as TriggerLog;
  } catch {
    return undefined;
  }
}

function summarize(lines: string[], burst: BurstResult): Record<string, unknown> {
  const logs = lines.map(parseFunctionLog).filter((log): log is TriggerLog => log?.trigger !== undefined);
  const invocations = (name: string) => lines.filter((line) => line.includes(`Beginning execution of "us-central1-${name}"`)).length;
  const failures = lines.filter((line) => /functions: .*(Error|failed)/i.test(line) || line.includes('"severity":"ERROR"')).length;
  const expenseLogs = logs.filter((log) => log.trigger === "expenseWritten");
  const groupLogs = logs.filter((log) => log.trigger === "groupWritten");
  const outcomes: Record<string, number> = {};
  for (const log of logs) outcomes[`${log.trigger}:${log.outcome}`] = (outcomes[`${log.trigger}:${log.outcome}`] ?? 0) + 1;
  // The server writes the group document only to raise lastActivityAt, and logs each raise.
  const groupDocumentWrites =
    expenseLogs.filter((log) => log.activityRaised).length + groupLogs.filter((log) => log.outcome === "activity-raised").length;
  const attempts = logs.reduce((sum, log) => sum + (log.attempts ?? 0), 0);
  const transactions = logs.filter((log) => (log.attempts ?? 0) > 0).length;
  return {
    writes: burst.writes,
    clientWriteSeconds: burst.writeMs / 1000,
    settleSeconds: burst.settleMs / 1000,
    expenseTriggerInvocations: invocations("expenseWritten"),
    expenseTriggersLogged: expenseLogs.length,
    groupDocumentWritesByServer: groupDocumentWrites,
    distinctLastActivitySeenByListener: burst.groupSnapshots,
    lastActivityOnlyRose: burst.lastActivityOnlyRose,
    transactionRetries: attempts - transactions,
    triggerFailures: failures,
    outcomes,
    exact: burst.exact,
    mismatches: burst.mismatches,
  };
}

async function inner(): Promise<void> {
  const result = await runBurst(adminDb(), OPTIONS);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

async function outer(): Promise<void> {
  process.stdout.write(`Starting the emulators and writing ${OPTIONS.clients} x 100 expense writes into one group...\n`);
  const { status, lines } = await execInEmulators(["npx", "tsx", "bench/triggers.ts", "--inner"], { onLine: () => undefined });
  const resultLine = lines.find((line) => line.startsWith(RESULT_MARK));
  if (status !== 0 || !resultLine) {
    process.stderr.write(lines.slice(-40).join("\n") + "\nThe benchmark did not finish.\n");
    process.exitCode = 1;
    return;
  }
  const summary = summarize(lines, JSON.parse(resultLine.slice(RESULT_MARK.length)) as BurstResult);
  mkdirSync(join(ROOT, "artifacts"), { recursive: true });
  writeFileSync(join(ROOT, "artifacts", "bench-triggers.json"), JSON.stringify(summary, null, 2) + "\n");
  for (const [key, value] of Object.entries(summary)) {
    process.stdout.write(`${key.padEnd(30)} ${typeof value === "object" ? JSON.stringify(value) : String(value)}\n`);
  }
  if (!summary.exact) process.exitCode = 1;
}

void (process.argv.includes("--inner") ? inner() : outer());
