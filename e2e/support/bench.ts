// What the end-to-end benchmarks share: the outer/inner split (the outer process starts the
// emulator suite and runs the inner one inside it, which prints its result as one marked JSON
// line), percentiles, a plain-text table, and the artifact file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EmulatorSetupError, ROOT, execInEmulators } from "../../scripts/emulators";

const RESULT_MARK = "BENCH_RESULT ";

export function isInner(): boolean {
  return process.argv.includes("--inner");
}

/** Inner side: hands the result to the outer process. */
export function emitResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

/**
 * Outer side: runs `script --inner` inside the emulators (ports moved by EMULATOR_PORT_OFFSET)
 * and returns its result, or undefined after printing the tail of the output when it failed.
 */
export async function runInner<T>(script: string): Promise<T | undefined> {
  try {
    const { status, lines } = await execInEmulators(["npx", "tsx", script, "--inner"], {
      portOffset: Number(process.env.EMULATOR_PORT_OFFSET ?? 0),
      onLine: () => undefined,
    });
    const resultLine = lines.find((line) => line.startsWith(RESULT_MARK));
    if (status === 0 && resultLine) return JSON.parse(resultLine.slice(RESULT_MARK.length)) as T;
    process.stderr.write(`${lines.slice(-40).join("\n")}\n${script} did not finish.\n`);
  } catch (error) {
    if (!(error instanceof EmulatorSetupError)) throw error;
    process.stderr.write(`${error.message}\n`);
  }
  return undefined;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  return [line(cells[0]), widths.map((width) => "-".repeat(width)).join("  "), ...cells.slice(1).map(line)].join("\n") + "\n";
}

export function writeArtifact(name: string, content: unknown): string {
  const dir = join(ROOT, "artifacts");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content, null, 2) + "\n");
  return path;
}
