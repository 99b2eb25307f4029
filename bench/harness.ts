// The one benchmark harness. A benchmark is a command (flags, --help, one-sentence usage errors
// with exit code 2) in two halves: the outer process starts the emulator suite on the plan's ports
// (EMULATOR_PORT_OFFSET, as every other command) and runs the same script with --inner inside it;
// the inner process measures and hands its result back as one marked JSON line, which the outer
// one reports. Also here: the triggers' logs from that output, percentiles, a plain-text table,
// the artifact file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseCommandLine, runCommand } from "../tools/cli";
import { EmulatorPlan, ROOT, execInEmulators } from "../scripts/emulators";

const RESULT_MARK = "BENCH_RESULT ";

type Flags = Parameters<typeof parseCommandLine>[1];
export type FlagValues<F extends Flags> = ReturnType<typeof parseCommandLine<F>>["values"];

/** What the outer side gets back from one inner run. */
export interface InnerRun<R> {
  result: R;
  /** Everything the emulators and the inner run printed: the Functions emulator's logs among it. */
  lines: string[];
  /** The emulator plan it ran on: ports, port offset, functions region. */
  plan: EmulatorPlan;
}

export interface Benchmark<F extends Flags, O, R> {
  /** This script, relative to the project root. */
  script: string;
  /** The --help text. */
  usage: string;
  flags: F;
  /** The benchmark's settings from its flags; a UsageError for a bad value. */
  settings(values: FlagValues<F>): O;
  /** One line saying what is about to run (the emulators take a while to start). */
  announce(settings: O): string;
  /** Inside the emulators: runs the benchmark and returns its result. */
  measure(settings: O): Promise<R>;
  /** Outside: prints the figures and writes the artifact; returns the exit code. */
  report(run: InnerRun<R>, settings: O): number;
}

/** Runs `benchmark` as this process's command: the outer or the inner half, as invoked. */
export function runBenchmark<F extends Flags, O, R>(benchmark: Benchmark<F, O, R>): void {
  runCommand(async () => {
    const argv = process.argv.slice(2);
    const { values, help } = parseCommandLine(argv, { ...benchmark.flags, inner: { type: "boolean" } });
    if (help) {
      process.stdout.write(benchmark.usage);
      return 0;
    }
    // --inner is the harness's own flag, for the half that runs inside the emulators.
    const { inner, ...flagValues } = values as FlagValues<F> & { inner?: boolean };
    const settings = benchmark.settings(flagValues as FlagValues<F>);
    if (inner) {
      process.stdout.write(`${RESULT_MARK}${JSON.stringify(await benchmark.measure(settings))}\n`);
      return 0;
    }
    process.stdout.write(`${benchmark.announce(settings)}\n`);
    return benchmark.report(await runInner<R>(benchmark.script, argv), settings);
  });
}

async function runInner<R>(script: string, argv: string[]): Promise<InnerRun<R>> {
  // Captured, not shown: the figures come from the result line and the Functions emulator's logs.
  const { status, lines, plan } = await execInEmulators(["npx", "tsx", script, "--inner", ...argv], { onLine: () => undefined });
  const resultLine = lines.findLast((line) => line.startsWith(RESULT_MARK));
  if (status !== 0 || !resultLine) {
    process.stderr.write(`${lines.slice(-40).join("\n")}\n`);
    throw new Error(`${script} did not finish (exit code ${status}); the last lines of its output are above`);
  }
  return { result: JSON.parse(resultLine.slice(RESULT_MARK.length)) as R, lines, plan };
}

/** The triggers' structured logs among the lines the emulators printed: the Functions emulator echoes each as `>  {json}`. */
export function triggerLogs<T extends { trigger?: string }>(lines: string[]): T[] {
  return lines.flatMap((line) => {
    const start = line.indexOf(">  {");
    if (start === -1) return [];
    try {
      const log = JSON.parse(line.slice(start + 3)) as T;
      return log.trigger === undefined ? [] : [log];
    } catch {
      return [];
    }
  });
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export type Percentiles = Record<"p50" | "p95" | "p99", number>;

/** p50, p95 and p99 of `samples`, in tenths (of a millisecond, as the latency benchmarks report them). */
export function latencyPercentiles(samples: number[]): Percentiles {
  const at = (p: number) => Math.round(percentile(samples, p) * 10) / 10;
  return { p50: at(50), p95: at(95), p99: at(99) };
}

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  return [line(cells[0]), widths.map((width) => "-".repeat(width)).join("  "), ...cells.slice(1).map(line)].join("\n") + "\n";
}

/** Writes artifacts/`name` as JSON; returns its path. */
export function writeArtifact(name: string, content: unknown): string {
  const dir = join(ROOT, "artifacts");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content, null, 2) + "\n");
  return path;
}
