// `npm run bench:browser`: the latency of the hybrid sync in a real browser. Alice has the demo
// app open in headless Chromium (persistent cache, the home group active); Bob writes from a Node
// device through the same package, creates and edits alternating, one after another. Each write
// is timed from Bob's commit (its acknowledgement) to the moment the page's LocalStore holds it
// (Tier 2) and shows the group's activity raised past it (Tier 1). Both clocks are this machine's.
// Prints a table and writes artifacts/bench-browser.json. Asserts nothing.
import { Device, ExpenseFields, createExpense, editExpense, newExpenseId } from "@expense-sync/client";
import { Timestamp } from "firebase/firestore";
import { BrowserLab } from "../browser/support/browser";
import { loadSeed } from "../seed/load";
import { wholeNumber } from "../tools/cli";
import { PROJECT_ID, adminDb, clearFirestore, emulatorHostsFromEnv } from "../tools/emulator";
import { InnerRun, latencyPercentiles, runBenchmark, table, writeArtifact } from "./harness";

const GROUP = "home-alice-bob";
/** Not timed: the first trigger runs start the Functions emulator's worker. */
const WARM_UP_WRITES = 4;

interface Sample {
  kind: "create" | "edit";
  commitMs: number;
  tier2Ms: number;
  tier1Ms: number;
}

interface BrowserLatencyResult {
  writes: number;
  warmUpWrites: number;
  chromium: string;
  samples: Sample[];
}

interface Arrivals {
  /** `${expenseId}@${version}` → epoch ms the page's replica first held it. */
  expenses: Record<string, { at: number; updatedAt: string }>;
  /** The group's lastActivityAt (Timestamp.valueOf()) each time Tier 1 moved it, and when. */
  activity: Array<{ value: string; at: number }>;
}

declare global {
  interface Window {
    arrivals?: Arrivals;
  }
}

const fields = (description: string, amountMinor: number): ExpenseFields => ({
  description,
  amountMinor,
  currency: "EUR",
  paidBy: "bob",
  splits: { alice: amountMinor - Math.floor(amountMinor / 2), bob: Math.floor(amountMinor / 2) },
  spentAt: Timestamp.now(),
});

async function measure(writes: number): Promise<BrowserLatencyResult> {
  const lab = await BrowserLab.start();
  let writer: Device | undefined;
  try {
    await clearFirestore();
    await loadSeed({ projectId: PROJECT_ID });
    await adminDb().doc("config/sync").set({ realtimeSyncEnabled: true, rolloutPercent: 100, allowlistUserIds: [] });
    const tab = await lab.open(await lab.context(), "alice@example.com");
    await tab.waitFor("realtime sync", (state) => state.mode === "realtime");
    await tab.openGroup(GROUP);
    await tab.waitFor("both listeners", (state) => state.listeners === 2);
    // The recorder runs in the page, on every change of the LocalStore.
    await tab.page.evaluate((groupId: string) => {
      const session = window.demo.session();
      if (!session) throw new Error("not signed in");
      const arrivals: Arrivals = { expenses: {}, activity: [] };
      window.arrivals = arrivals;
      session.store.changed.subscribe(() => {
        const now = performance.timeOrigin + performance.now();
        for (const [id, expense] of session.store.replica(groupId).expenses) {
          arrivals.expenses[`${id}@${expense.version}`] ??= { at: now, updatedAt: expense.updatedAt.valueOf() };
        }
        const activity = session.store.groups.get(groupId)?.lastActivityAt?.valueOf();
        if (activity && activity !== arrivals.activity.at(-1)?.value) arrivals.activity.push({ value: activity, at: now });
      });
    }, GROUP);

    writer = await Device.open({ label: "bench-bob", credentials: { email: "bob@example.com", password: "password123" }, projectId: PROJECT_ID, hosts: emulatorHostsFromEnv() });
    const samples: Sample[] = [];
    let current: { id: string; version: number } | undefined;
    for (let i = 0; i < WARM_UP_WRITES + writes; i++) {
      const kind = current && i % 2 === 1 ? "edit" : "create";
      const id = kind === "edit" && current ? current.id : newExpenseId(writer, GROUP);
      const version = kind === "edit" && current ? current.version + 1 : 1;
      const started = Date.now();
      const write = fields(`Browser latency ${i}, v${version}`, 1_000 + i);
      await (kind === "edit" ? editExpense(writer, GROUP, id, version - 1, write) : createExpense(writer, GROUP, id, write)).acknowledged;
      const committed = Date.now();
      const key = `${id}@${version}`;
      await tab.page.waitForFunction(
        (wanted: string) => {
          const arrived = window.arrivals?.expenses[wanted];
          return arrived !== undefined && window.arrivals!.activity.some((entry) => entry.value >= arrived.updatedAt);
        },
        { polling: 5, timeout: 30_000 },
        key,
      );
      const { tier2At, tier1At } = await tab.page.evaluate((wanted: string) => {
        const arrived = window.arrivals!.expenses[wanted];
        return { tier2At: arrived.at, tier1At: window.arrivals!.activity.find((entry) => entry.value >= arrived.updatedAt)!.at };
      }, key);
      if (i >= WARM_UP_WRITES) samples.push({ kind, commitMs: committed - started, tier2Ms: tier2At - committed, tier1Ms: tier1At - committed });
      current = { id, version };
    }
    return { writes, warmUpWrites: WARM_UP_WRITES, chromium: await lab.browser.version(), samples };
  } finally {
    await writer?.close();
    await lab.close();
  }
}

function report({ result }: InnerRun<BrowserLatencyResult>): number {
  const of = (pick: (sample: Sample) => number) => latencyPercentiles(result.samples.map(pick));
  const summary = {
    writes: result.writes,
    warmUpWrites: result.warmUpWrites,
    browser: result.chromium,
    measuredFrom: "the writer's commit (its write acknowledged) to the page's LocalStore",
    tier2ListenerMs: of((s) => s.tier2Ms),
    tier1ListenerMs: of((s) => s.tier1Ms),
    writerCommitRoundTripMs: of((s) => s.commitMs),
    samples: result.samples,
  };
  const path = writeArtifact("bench-browser.json", summary);
  process.stdout.write(
    table([
      ["ms after the writer's commit, in the browser", "p50", "p95", "p99"],
      ["Tier 2 (expense listener)", summary.tier2ListenerMs.p50, summary.tier2ListenerMs.p95, summary.tier2ListenerMs.p99],
      ["Tier 1 (groups listener, via trigger)", summary.tier1ListenerMs.p50, summary.tier1ListenerMs.p95, summary.tier1ListenerMs.p99],
      ["(writer's own commit round trip)", summary.writerCommitRoundTripMs.p50, summary.writerCommitRoundTripMs.p95, summary.writerCommitRoundTripMs.p99],
    ]),
  );
  process.stdout.write(`${result.chromium}; written to ${path}\n`);
  return 0;
}

const USAGE = `Usage: npm run bench:browser [-- flags]

Times writes from a Node device to the demo app's Tier-2 and Tier-1 listeners in headless Chromium
(system Chromium; CHROMIUM_PATH to use another), on the emulators with the seed loaded; prints
p50/p95/p99 and writes artifacts/bench-browser.json. Ports move with EMULATOR_PORT_OFFSET.

  --writes N   timed writes, after ${WARM_UP_WRITES} untimed ones (default 100)
  -h, --help   this text
`;

if (require.main === module) {
  runBenchmark({
    script: "bench/browser.ts",
    usage: USAGE,
    flags: { writes: { type: "string" } },
    settings: (values) => wholeNumber("--writes", values.writes ?? "100", 1),
    announce: (writes) => `Starting the emulators and Chromium; timing ${writes} writes to the demo app's listeners...`,
    measure,
    report,
  });
}
