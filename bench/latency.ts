// `npm run bench` (first half): how long a write takes to reach another member's device, through
// the Tier-2 listener (the expense itself) and through the Tier-1 listener (the group's
// lastActivityAt, which the expense trigger raises). Two Firebase JS SDK devices on the emulator
// suite, real rules and triggers; 200 writes (--writes N) one after another (creates and edits alternating),
// each timed from the writer's commit — the moment its write is acknowledged — to the reader's
// listener callback. Prints a table and writes artifacts/bench-latency.json. Asserts nothing.
import { performance } from "node:perf_hooks";
import { ExpenseRecord, createExpense, editExpense, newExpenseId } from "@expense-sync/client";
import { Fleet, dinner, groupOf } from "../e2e/support/fleet";
import { wholeNumber } from "../tools/cli";
import { InnerRun, latencyPercentiles, runBenchmark, table, writeArtifact } from "./harness";

/** Not timed: the first trigger invocations start the Functions emulator's worker. */
const WARM_UP_WRITES = 6;

interface Sample {
  kind: "create" | "edit";
  /** Start of the write to its acknowledgement: the writer's round trip. */
  commitMs: number;
  /** Acknowledgement to the reader's Tier-2 callback (negative: the listener was first). */
  tier2Ms: number;
  /** Acknowledgement to the reader's Tier-1 callback. */
  tier1Ms: number;
}

interface LatencyResult {
  writes: number;
  warmUpWrites: number;
  samples: Sample[];
}

async function measure(writes: number): Promise<LatencyResult> {
  const fleet = new Fleet();
  try {
    const { user: alice, device: writer } = await fleet.newUser("writer");
    const { user: bob, device: readerDevice } = await fleet.newUser("reader");
    const members = [alice.uid, bob.uid];
    const groupId = await groupOf(writer, members, "Latency");
    const reader = fleet.client(readerDevice);
    await reader.resume(groupId);
    const replica = reader.store.replica(groupId);

    const samples: Sample[] = [];
    let current: { id: string; version: number } | undefined;
    for (let i = 0; i < WARM_UP_WRITES + writes; i++) {
      const kind = current && i % 2 === 1 ? "edit" : "create";
      const id = kind === "edit" && current ? current.id : newExpenseId(writer, groupId);
      const version = kind === "edit" && current ? current.version + 1 : 1;
      const delivered = (): ExpenseRecord | undefined => {
        const expense = replica.expenses.get(id);
        return expense?.version === version ? expense : undefined;
      };
      // Both waits are armed before the write, so each resolves at its listener's callback.
      const tier2 = reader.until(`Tier 2 to deliver ${id} v${version}`, delivered).then(() => performance.now());
      const tier1 = reader
        .until(`Tier 1 to deliver the activity of ${id} v${version}`, () => {
          const expense = delivered();
          const lastActivityAt = reader.groups.get(groupId)?.lastActivityAt;
          return expense && lastActivityAt && lastActivityAt.valueOf() >= expense.updatedAt.valueOf() ? true : undefined;
        })
        .then(() => performance.now());
      const started = performance.now();
      const fields = dinner(alice.uid, members, { description: `Expense ${i}, v${version}` });
      await (kind === "edit" ? editExpense(writer, groupId, id, version - 1, fields) : createExpense(writer, groupId, id, fields)).acknowledged;
      const committed = performance.now();
      const [tier2At, tier1At] = await Promise.all([tier2, tier1]);
      if (i >= WARM_UP_WRITES) samples.push({ kind, commitMs: committed - started, tier2Ms: tier2At - committed, tier1Ms: tier1At - committed });
      current = { id, version };
    }
    return { writes, warmUpWrites: WARM_UP_WRITES, samples };
  } finally {
    await fleet.closeAll();
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;

function report({ result }: InnerRun<LatencyResult>): number {
  const percentiles = [50, 95, 99] as const;
  const of = (pick: (sample: Sample) => number) => latencyPercentiles(result.samples.map(pick));
  const tier2 = of((s) => s.tier2Ms);
  const tier1 = of((s) => s.tier1Ms);
  const commit = of((s) => s.commitMs);
  const ratio = Object.fromEntries(percentiles.map((p) => [`p${p}`, round(tier1[`p${p}`] / tier2[`p${p}`])]));
  const summary = {
    writes: result.writes,
    warmUpWrites: result.warmUpWrites,
    measuredFrom: "the writer's commit (its write acknowledged)",
    tier2ListenerMs: tier2,
    tier1ListenerMs: tier1,
    ratioTier1ToTier2: ratio,
    writerCommitRoundTripMs: commit,
    tier2BeforeAcknowledgement: result.samples.filter((s) => s.tier2Ms < 0).length,
    samples: result.samples,
  };
  const path = writeArtifact("bench-latency.json", summary);
  process.stdout.write(
    table([
      ["ms after the writer's commit", "p50", "p95", "p99"],
      ["Tier 2 (expense listener)", tier2.p50, tier2.p95, tier2.p99],
      ["Tier 1 (groups listener, via trigger)", tier1.p50, tier1.p95, tier1.p99],
      ["ratio Tier 1 / Tier 2", ratio.p50, ratio.p95, ratio.p99],
      ["(writer's own commit round trip)", commit.p50, commit.p95, commit.p99],
    ]),
  );
  process.stdout.write(`${summary.tier2BeforeAcknowledgement} of ${result.writes} writes reached Tier 2 before the writer's acknowledgement (negative latency). Written to ${path}\n`);
  return 0;
}

const USAGE = `Usage: npm run bench (first half: tsx bench/latency.ts [flags])

Times writes from one device to another's Tier-2 (expense) and Tier-1 (groups, via the trigger)
listeners on the emulators, prints p50/p95/p99 and writes artifacts/bench-latency.json. Ports move
with EMULATOR_PORT_OFFSET.

  --writes N   timed writes, after ${WARM_UP_WRITES} untimed ones (default 200)
  -h, --help   this text
`;

if (require.main === module) {
  runBenchmark({
    script: "bench/latency.ts",
    usage: USAGE,
    flags: { writes: { type: "string" } },
    settings: (values) => wholeNumber("--writes", values.writes ?? "200", 1),
    announce: (writes) => `Starting the emulators; timing ${writes} writes from one device to another's listeners...`,
    measure,
    report,
  });
}
