// `npm run bench:legacy`: how long a write from an app build before 2.1 ("v1") takes to reach a
// 2.1 device in the v2 shape. Two v1 phones (e2e/support/legacyDevice.ts), clocks three hours
// behind and ahead, take turns writing, creates and edits alternating; another member's 2.1
// client listens (Tier 2). Each write is timed from its acknowledgement to the moment the
// normalized expense (with a version and a server updatedAt) reaches that listener: the reference
// client applies nothing before. 200 writes (--writes N), one after another, through the real rules
// and triggers on the emulator suite. Prints p50/p95/p99 and writes artifacts/bench-legacy.json.
// Asserts nothing: it reports whether p99 is under the target (1 s on the emulator).
import { performance } from "node:perf_hooks";
import { Fleet, dinner, groupOf } from "../e2e/support/fleet";
import { wholeNumber } from "../tools/cli";
import { InnerRun, Percentiles, latencyPercentiles, runBenchmark, table, writeArtifact } from "./harness";

/** Not timed: the first trigger invocations start the Functions emulator's worker. */
const WARM_UP_WRITES = 6;
const TARGET_P99_MS = 1_000;
const HOUR_MS = 3_600_000;

interface Sample {
  kind: "create" | "edit";
  clock: "behind" | "ahead";
  /** Start of the write to its acknowledgement: the phone's round trip. */
  commitMs: number;
  /** Acknowledgement to the normalized expense in the 2.1 client's replica. */
  normalizedMs: number;
}

interface LegacyLatencyResult {
  writes: number;
  warmUpWrites: number;
  samples: Sample[];
}

async function measure(writes: number): Promise<LegacyLatencyResult> {
  const fleet = new Fleet();
  try {
    const { user: reader, device: readerDevice } = await fleet.newUser("reader");
    const opened = await Promise.all(["behind", "ahead"].map((name) => fleet.newUser(`v1-${name}`)));
    const members = [reader.uid, ...opened.map(({ user }) => user.uid)];
    const groupId = await groupOf(readerDevice, members, "Normalization latency");
    const phones = [
      { clock: "behind" as const, phone: fleet.legacy(opened[0].device, { clockSkewMs: -3 * HOUR_MS, pollIntervalMs: 30_000, reads: "full" }) },
      { clock: "ahead" as const, phone: fleet.legacy(opened[1].device, { clockSkewMs: 3 * HOUR_MS, pollIntervalMs: 30_000, reads: "full" }) },
    ];
    const client = fleet.client(readerDevice);
    await client.resume(groupId);
    const replica = client.store.replica(groupId);

    const samples: Sample[] = [];
    const lastCreated = new Map<string, string>();
    for (let i = 0; i < WARM_UP_WRITES + writes; i++) {
      const { clock, phone } = phones[i % 2];
      const editOf = i % 4 >= 2 ? lastCreated.get(clock) : undefined;
      const kind = editOf ? "edit" : "create";
      const description = `v1 write ${i} (${kind}, clock ${clock})`;
      let expenseId = editOf;
      // Armed before the write, so it resolves in the listener's callback.
      const normalized = client
        .until(`the normalized ${description}`, () => (expenseId && replica.expenses.get(expenseId)?.description === description ? true : undefined))
        .then(() => performance.now());
      const started = performance.now();
      if (editOf) {
        await phone.editExpense(groupId, editOf, { description }).acknowledged;
      } else {
        const created = phone.createExpense(groupId, dinner(phone.uid, members, { description }));
        expenseId = created.expenseId;
        lastCreated.set(clock, created.expenseId);
        await created.acknowledged;
      }
      const committed = performance.now();
      const arrived = await normalized;
      if (i >= WARM_UP_WRITES) samples.push({ kind, clock, commitMs: committed - started, normalizedMs: arrived - committed });
    }
    return { writes, warmUpWrites: WARM_UP_WRITES, samples };
  } finally {
    await fleet.closeAll();
  }
}


function report({ result }: InnerRun<LegacyLatencyResult>): number {
  const of = (samples: readonly Sample[], pick: (sample: Sample) => number): Percentiles => latencyPercentiles(samples.map(pick));
  const all = of(result.samples, (s) => s.normalizedMs);
  const rows = [
    ["all v1 writes", result.samples],
    ["creates", result.samples.filter((s) => s.kind === "create")],
    ["edits", result.samples.filter((s) => s.kind === "edit")],
    ["phone clock 3 h behind", result.samples.filter((s) => s.clock === "behind")],
    ["phone clock 3 h ahead", result.samples.filter((s) => s.clock === "ahead")],
  ] as const;
  const byGroup = Object.fromEntries(rows.map(([name, samples]) => [name, { samples: samples.length, ...of(samples, (s) => s.normalizedMs) }]));
  const commit = of(result.samples, (s) => s.commitMs);
  const targetMet = all.p99 < TARGET_P99_MS;
  const summary = {
    writes: result.writes,
    warmUpWrites: result.warmUpWrites,
    measuredFrom: "the v1 write's acknowledgement",
    measuredTo: "the normalized expense (version, server updatedAt) in a 2.1 client's replica, through its Tier-2 listener",
    normalizedAtListenerMs: byGroup,
    v1CommitRoundTripMs: commit,
    targetP99Ms: TARGET_P99_MS,
    targetMet,
    samples: result.samples,
  };
  const path = writeArtifact("bench-legacy.json", summary);
  process.stdout.write(
    table([
      ["ms from the v1 write's acknowledgement to the normalized expense at a 2.1 listener", "samples", "p50", "p95", "p99"],
      ...rows.map(([name]) => [name, byGroup[name].samples, byGroup[name].p50, byGroup[name].p95, byGroup[name].p99]),
      ["(the v1 phone's own commit round trip)", result.samples.length, commit.p50, commit.p95, commit.p99],
    ]),
  );
  process.stdout.write(`Target p99 < ${TARGET_P99_MS} ms: ${targetMet ? "met" : "MISSED"} (p99 ${all.p99} ms). Written to ${path}\n`);
  return 0;
}

const USAGE = `Usage: npm run bench:legacy (tsx bench/legacy.ts [flags])

Times writes from app builds before 2.1 (v1, phone clocks 3 h behind and ahead) until the server's
normalized expense reaches a 2.1 client's Tier-2 listener, on the emulators; prints p50/p95/p99 and
writes artifacts/bench-legacy.json. Ports move with EMULATOR_PORT_OFFSET.

  --writes N   timed writes, after ${WARM_UP_WRITES} untimed ones (default 200)
  -h, --help   this text
`;

if (require.main === module) {
  runBenchmark({
    script: "bench/legacy.ts",
    usage: USAGE,
    flags: { writes: { type: "string" } },
    settings: (values) => wholeNumber("--writes", values.writes ?? "200", 1),
    announce: (writes) => `Starting the emulators; timing the normalization of ${writes} v1 writes as a 2.1 client sees it...`,
    measure,
    report,
  });
}
