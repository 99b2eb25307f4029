// `npm run purge -- [flags]`: the scheduled purge's core, run by hand against the emulator or a
// real project, printing what it deleted (or, with --dry-run, would delete) per group.
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import {
  expenseRetentionDays,
  purgeBatchSize,
  purgeTimeBudgetSeconds,
  readNotificationRetentionDays,
  recordRetentionDays,
} from "../functions/src/config";
import { MAX_BATCH_SIZE, PurgeOptions, PurgeProgress, PurgeReport, RetentionDays, purgeExpired } from "../functions/src/purge";
import { PROJECT_ID } from "../scripts/emulators";

export const USAGE = `Usage: npm run purge -- [flags]

Hard-deletes expired data exactly as the scheduled purge does (see docs/purge.md).
On the emulator (FIRESTORE_EMULATOR_HOST set) the project defaults to ${PROJECT_ID}; anywhere
else --project is required and credentials come from GOOGLE_APPLICATION_CREDENTIALS or gcloud ADC.

Flags:
  --dry-run                          count and list what would be deleted; write nothing
  --project ID                       the Firebase project to purge
  --now ISO                          the clock the cutoffs are computed from (default: now)
  --retention-days N                 days a soft-deleted expense is kept (EXPENSE_RETENTION_DAYS)
  --record-retention-days N          days tombstones and conflicts are kept (RECORD_RETENTION_DAYS)
  --notification-retention-days N    days read notifications are kept (READ_NOTIFICATION_RETENTION_DAYS)
  --batch-size N                     documents per page, 1..${MAX_BATCH_SIZE} (PURGE_BATCH_SIZE)
  --time-budget-seconds N            stop starting pages after N seconds (PURGE_TIME_BUDGET_SECONDS)
  -h, --help                         this text
Defaults come from the environment variable named in brackets, else the param's default.
`;

export class UsageError extends Error {}

export interface PurgeCommand {
  help: boolean;
  dryRun: boolean;
  project?: string;
  now?: Date;
  retentionDays: Partial<RetentionDays>;
  batchSize?: number;
  timeBudgetSeconds?: number;
}

const VALUE_FLAGS = [
  "--project",
  "--now",
  "--retention-days",
  "--record-retention-days",
  "--notification-retention-days",
  "--batch-size",
  "--time-budget-seconds",
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const SWITCHES = ["--dry-run", "--help", "-h"] as const;

function wholeNumber(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} takes a whole number ${range}, got "${raw}"`);
  }
  return Number(raw);
}

function isoInstant(flag: string, raw: string): Date {
  const parsed = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(parsed.getTime())) {
    throw new UsageError(`${flag} takes an ISO-8601 date or date-time (e.g. 2025-03-01T00:00:00Z), got "${raw}"`);
  }
  return parsed;
}

function applyValue(command: PurgeCommand, flag: ValueFlag, raw: string): void {
  switch (flag) {
    case "--project":
      if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(raw)) {
        throw new UsageError(`--project takes a project ID (6 to 30 lower-case letters, digits and hyphens), got "${raw}"`);
      }
      command.project = raw;
      return;
    case "--now":
      command.now = isoInstant(flag, raw);
      return;
    case "--retention-days":
      command.retentionDays.expenses = wholeNumber(flag, raw, 1);
      return;
    case "--record-retention-days":
      command.retentionDays.records = wholeNumber(flag, raw, 1);
      return;
    case "--notification-retention-days":
      command.retentionDays.readNotifications = wholeNumber(flag, raw, 1);
      return;
    case "--batch-size":
      command.batchSize = wholeNumber(flag, raw, 1, MAX_BATCH_SIZE);
      return;
    case "--time-budget-seconds":
      command.timeBudgetSeconds = wholeNumber(flag, raw, 1);
      return;
  }
}

/** Parses the CLI's arguments; throws UsageError with a specific message on anything it does not take. */
export function parsePurgeArgs(argv: readonly string[]): PurgeCommand {
  const command: PurgeCommand = { help: false, dryRun: false, retentionDays: {} };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (seen.has(flag)) throw new UsageError(`${flag} is given more than once`);
    seen.add(flag);
    if ((SWITCHES as readonly string[]).includes(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value`);
      if (flag === "--dry-run") command.dryRun = true;
      else command.help = true;
      continue;
    }
    if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
      applyValue(command, flag as ValueFlag, value);
      continue;
    }
    throw new UsageError(arg.startsWith("-") ? `unknown flag ${flag}` : `unexpected argument "${arg}" (this command takes flags only)`);
  }
  return command;
}

export interface PurgeTarget {
  project: string;
  /** Set when the emulator is the target. */
  emulatorHost?: string;
}

/** Which Firestore the command touches: the emulator when its host is set, else only an explicit project. */
export function resolveTarget(command: Pick<PurgeCommand, "project">, env: NodeJS.ProcessEnv): PurgeTarget {
  const emulatorHost = env.FIRESTORE_EMULATOR_HOST;
  if (emulatorHost) return { project: command.project ?? PROJECT_ID, emulatorHost };
  if (!command.project) {
    throw new UsageError("FIRESTORE_EMULATOR_HOST is not set, so this would touch a real project: name it with --project ID");
  }
  return { project: command.project };
}

/** A param's value as the deployed function would see it: the environment, else its default. */
function paramValue(param: { name: string; options: { default?: unknown } }, env: NodeJS.ProcessEnv): number {
  const raw = env[param.name] ?? String(param.options.default);
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new UsageError(`${param.name}=${raw} in the environment is not a whole number`);
  return value;
}

/** The core's options: flags over the environment over the params' defaults. */
export function purgeOptionsFor(command: PurgeCommand, env: NodeJS.ProcessEnv): Omit<PurgeOptions, "onPage"> {
  return {
    now: command.now ?? new Date(),
    retentionDays: {
      expenses: command.retentionDays.expenses ?? paramValue(expenseRetentionDays, env),
      records: command.retentionDays.records ?? paramValue(recordRetentionDays, env),
      readNotifications: command.retentionDays.readNotifications ?? paramValue(readNotificationRetentionDays, env),
    },
    batchSize: command.batchSize ?? paramValue(purgeBatchSize, env),
    timeBudgetMs: (command.timeBudgetSeconds ?? paramValue(purgeTimeBudgetSeconds, env)) * 1000,
    dryRun: command.dryRun,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** One line of progress at most per second, so a long run shows it is alive without flooding. */
function progressPrinter(out: NodeJS.WritableStream): (progress: PurgeProgress) => void {
  let lastPrintMs = 0;
  return (progress) => {
    if (progress.elapsedMs - lastPrintMs < 1000) return;
    lastPrintMs = progress.elapsedMs;
    const { expenses, tombstones, conflicts, notifications } = progress.deleted;
    out.write(
      `… ${(progress.elapsedMs / 1000).toFixed(1)} s, page ${progress.pages} (${progress.kind}): ` +
        `${expenses} expenses, ${tombstones} tombstones, ${conflicts} conflicts, ${notifications} notifications so far\n`,
    );
  };
}

/** The human summary of a run, per group and per user. */
export function formatReport(report: PurgeReport): string {
  const verb = report.dryRun ? "Would delete" : "Deleted";
  const lines: string[] = [];
  if (report.skipped) {
    return `Nothing done: purge run ${report.skipped.heldBy} holds the lease until ${report.skipped.expiresAt.toISOString()}. Try again after that.\n`;
  }
  for (const [groupId, counts] of [...report.byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  group ${groupId}: ${plural(counts.expenses, "expense")}, ${plural(counts.tombstones, "tombstone")}, ${plural(counts.conflicts, "conflict")}`);
  }
  for (const [uid, count] of [...report.byUser].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  user ${uid}: ${plural(count, "read notification")}`);
  }
  const { expenses, tombstones, conflicts, notifications } = report.deleted;
  const seconds = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000;
  return [
    lines.length > 0 ? `${verb}:` : `${verb}: nothing.`,
    ...lines,
    `${verb} in total: ${plural(expenses, "expense")}, ${plural(tombstones, "tombstone")}, ${plural(conflicts, "conflict")}, ` +
      `${plural(notifications, "read notification")} in ${plural(report.groupsTouched, "group")}` +
      (report.dryRun || report.groupsTouched === 0 ? "" : `; purgedBefore raised to at least ${report.watermark.toDate().toISOString()}`) +
      ` (${report.pages} pages, ${seconds.toFixed(1)} s).`,
    report.complete ? "" : "Stopped at the time budget before the end: run it again to continue.",
    report.dryRun ? "" : `Run record: ops/purge/runs/${report.runId}`,
  ]
    .filter((line) => line !== "")
    .map((line) => `${line}\n`)
    .join("");
}

async function main(argv: string[]): Promise<number> {
  let command: PurgeCommand;
  let target: PurgeTarget;
  let options: Omit<PurgeOptions, "onPage">;
  try {
    command = parsePurgeArgs(argv);
    if (command.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    target = resolveTarget(command, process.env);
    options = purgeOptionsFor(command, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const where = target.emulatorHost ? `the Firestore emulator at ${target.emulatorHost}` : "REAL Firestore (Application Default Credentials)";
  process.stdout.write(`Project ${target.project} on ${where}${options.dryRun ? ": dry run, nothing will be written" : ""}.\n`);
  const { expenses, records, readNotifications } = options.retentionDays;
  process.stdout.write(
    `Now ${options.now.toISOString()}: expenses soft-deleted more than ${expenses} days ago, tombstones and conflicts older than ${records} days, ` +
      `notifications read more than ${readNotifications} days ago.\n`,
  );
  const db = getFirestore(initializeApp({ projectId: target.project }, "purge-cli"));
  const report = await purgeExpired(db, { ...options, onPage: progressPrinter(process.stderr) });
  process.stdout.write(formatReport(report));
  return report.skipped ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`Purge failed: ${error instanceof Error ? error.message : String(error)}\nA purge that stops part-way loses nothing: run it again to continue.\n`);
      process.exitCode = 1;
    },
  );
}
