// `npm run bench:triggers [-- flags]`: the hot-group burst (by default 500 writes from 5 clients)
// on the emulator suite. Prints how long the expense triggers took to settle, how often the server
// wrote the group document, trigger invocations, transaction retries and failures, and whether the
// end state is exact. (The group trigger's own backlog — one no-op invocation per server write —
// is not waited for.) Writes artifacts/bench-triggers.json. A benchmark, not a test: it asserts
// nothing about time.
import { BurstOptions, BurstResult, expectedCounts, runBurst } from "../functions/test/support/burst";
import { wholeNumber } from "../tools/cli";
import { PROJECT_ID, adminDb } from "../tools/emulator";
import { runBenchmark, triggerLogs, writeArtifact } from "./harness";

const USAGE = `Usage: npm run bench:triggers [-- flags]

Writes a burst of expenses into one group from several Admin SDK clients at once, waits until the
triggers have made the group exact, prints settle time, group-document writes, trigger runs,
retries and failures, and writes artifacts/bench-triggers.json. Ports move with
EMULATOR_PORT_OFFSET; the functions' region is the emulators' SYNC_REGION.

  --clients N               clients writing at once (default 5)
  --expenses-per-client N   expenses each client creates, about 2.5 writes each (default 40)
  -h, --help                this text
`;

interface TriggerLog {
  trigger?: string;
  outcome?: string;
  attempts?: number;
  activityRaised?: boolean;
}

/** The figures of one burst, from its result and the emulators' output; `region` is where the functions ran. */
export function summarizeTriggerRun(lines: string[], burst: BurstResult, region: string) {
  const logs = triggerLogs<TriggerLog>(lines);
  const invocations = (name: string) => lines.filter((line) => line.includes(`Beginning execution of "${region}-${name}"`)).length;
  const failures = lines.filter((line) => /functions: .*(Error|failed)/i.test(line) || line.includes('"severity":"ERROR"')).length;
  const expenseLogs = logs.filter((log) => log.trigger === "expenseChanged");
  const groupLogs = logs.filter((log) => log.trigger === "groupWritten");
  const outcomes: Record<string, number> = {};
  for (const log of logs) outcomes[`${log.trigger}:${log.outcome}`] = (outcomes[`${log.trigger}:${log.outcome}`] ?? 0) + 1;
  // The server writes the group document only to raise lastActivityAt, and logs each raise.
  const groupDocumentWrites =
    expenseLogs.filter((log) => log.activityRaised).length + groupLogs.filter((log) => log.outcome === "activity-raised").length;
  const attempts = logs.reduce((sum, log) => sum + (log.attempts ?? 0), 0);
  const transactions = logs.filter((log) => (log.attempts ?? 0) > 0).length;
  return {
    region,
    writes: burst.writes,
    clientWriteSeconds: burst.writeMs / 1000,
    settleSeconds: burst.settleMs / 1000,
    expenseTriggerInvocations: invocations("expenseChanged"),
    expenseTriggersLogged: expenseLogs.length,
    groupDocumentWritesByServer: groupDocumentWrites,
    distinctLastActivitySeenByListener: burst.groupSnapshots,
    lastActivityOnlyRose: burst.lastActivityOnlyRose,
    transactionRetries: attempts - transactions,
    triggerFailures: failures,
    tombstones: burst.expectedTombstones,
    conflicts: burst.expectedConflicts,
    outcomes,
    exact: burst.exact,
    mismatches: burst.mismatches,
  };
}

if (require.main === module) {
  runBenchmark({
    script: "bench/triggers.ts",
    usage: USAGE,
    flags: { clients: { type: "string" }, "expenses-per-client": { type: "string" } },
    settings: (values): BurstOptions => ({
      groupId: "bench-hot",
      projectId: PROJECT_ID,
      clients: wholeNumber("--clients", values.clients ?? "5", 2, 50),
      expensesPerClient: wholeNumber("--expenses-per-client", values["expenses-per-client"] ?? "40", 1, 1000),
      concurrencyPerClient: 8,
    }),
    announce: (burst) => `Starting the emulators and writing ${expectedCounts(burst).writes} expense writes from ${burst.clients} clients into one group...`,
    measure: (burst) => runBurst(adminDb(), burst),
    report: ({ result, lines, plan }) => {
      const summary = summarizeTriggerRun(lines, result, plan.functionsRegion);
      writeArtifact("bench-triggers.json", summary);
      for (const [key, value] of Object.entries(summary)) {
        process.stdout.write(`${key.padEnd(34)} ${typeof value === "object" ? JSON.stringify(value) : String(value)}\n`);
      }
      return summary.exact ? 0 : 1;
    },
  });
}
