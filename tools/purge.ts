// `npm run purge -- [flags]`: the scheduled purge's core, run by hand against the emulator or a
// real project, printing what it deleted (or, with --dry-run, would delete) per group.
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import {
  expenseRetentionDays,
  purgeBatchSize,
  purgeTimeBudgetSeconds,
  readNotificationRetentionDays,
  recordRetentionDays,
} from "../functions/src/config";
import { MAX_BATCH_SIZE, PurgeOptions, PurgeProgress, PurgeReport, purgeExpired } from "../functions/src/purge";
import { PROJECT_ID as EMULATOR_PROJECT_ID } from "../scripts/emulators";
import { parseCommandLine, resolveProjectTarget, runCommand, UsageError, wholeNumber } from "./cli";

export const USAGE = `Usage: npm run purge -- [flags]

Hard-deletes expired data exactly as the scheduled purge does (see docs/purge.md).
On the emulator (FIRESTORE_EMULATOR_HOST set) the project defaults to ${EMULATOR_PROJECT_ID} and
must be a demo- one; anywhere else --project is required, must not be a demo- one, and
credentials come from GOOGLE_APPLICATION_CREDENTIALS or gcloud ADC.

Flags:
  --dry-run                          count and list what would be deleted; write nothing
  --project ID                       the Firebase project to purge
  --now ISO                          the clock the cutoffs are computed from (default: now)
  --retention-days N                 days a soft-deleted expense or group is kept (EXPENSE_RETENTION_DAYS)
  --record-retention-days N          days tombstones and conflicts are kept (RECORD_RETENTION_DAYS)
  --notification-retention-days N    days read notifications are kept (READ_NOTIFICATION_RETENTION_DAYS)
  --batch-size N                     documents per page, 1..${MAX_BATCH_SIZE} (PURGE_BATCH_SIZE)
  --time-budget-seconds N            stop starting pages after N seconds (PURGE_TIME_BUDGET_SECONDS)
  -h, --help                         this text
Defaults come from the environment variable named in brackets, else the param's default.

Exit codes: 0 done (also when stopped at the time budget), 1 failed or lease held, 2 bad input.
`;

/**
 * The purge's numeric settings: each is a flag over its deploy param (read from the environment as
 * the deployed function would), within the range the core accepts: at least 1, and at most `max`
 * where there is one.
 */
const SETTINGS = {
  expenseRetentionDays: { flag: "retention-days", param: expenseRetentionDays, max: undefined },
  recordRetentionDays: { flag: "record-retention-days", param: recordRetentionDays, max: undefined },
  readNotificationRetentionDays: { flag: "notification-retention-days", param: readNotificationRetentionDays, max: undefined },
  batchSize: { flag: "batch-size", param: purgeBatchSize, max: MAX_BATCH_SIZE },
  timeBudgetSeconds: { flag: "time-budget-seconds", param: purgeTimeBudgetSeconds, max: undefined },
} as const;
type SettingName = keyof typeof SETTINGS;
const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

const PURGE_OPTIONS = {
  "dry-run": { type: "boolean" },
  project: { type: "string" },
  now: { type: "string" },
  "retention-days": { type: "string" },
  "record-retention-days": { type: "string" },
  "notification-retention-days": { type: "string" },
  "batch-size": { type: "string" },
  "time-budget-seconds": { type: "string" },
} as const;

export interface PurgeCommand {
  help: boolean;
  dryRun: boolean;
  /** Checked with the emulator setting, by resolveProjectTarget. */
  project?: string;
  now?: Date;
  /** The settings given as flags; the others come from the environment (purgeOptionsFor). */
  settings: Partial<Record<SettingName, number>>;
}

function isoInstant(flag: string, raw: string): Date {
  const parsed = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(parsed.getTime())) {
    throw new UsageError(`${flag} must be an ISO-8601 date or date-time such as 2026-03-01T00:00:00Z (got ${JSON.stringify(raw)})`);
  }
  return parsed;
}

/** Parses the CLI's arguments; throws a UsageError with a specific message on anything it does not take. */
export function parsePurgeArgs(argv: readonly string[]): PurgeCommand {
  const { values, help } = parseCommandLine(argv, PURGE_OPTIONS);
  const command: PurgeCommand = { help, dryRun: values["dry-run"] === true, settings: {} };
  if (help) return command;
  if (values.project !== undefined) command.project = values.project;
  if (values.now !== undefined) command.now = isoInstant("--now", values.now);
  for (const name of SETTING_NAMES) {
    const { flag, max } = SETTINGS[name];
    const raw = values[flag];
    if (raw !== undefined) command.settings[name] = wholeNumber(`--${flag}`, raw, 1, max);
  }
  return command;
}

/** The core's options: flags over the environment over the params' defaults. */
export function purgeOptionsFor(command: PurgeCommand, env: NodeJS.ProcessEnv): Omit<PurgeOptions, "onPage"> {
  const setting = (name: SettingName): number => {
    const { param, max } = SETTINGS[name];
    return command.settings[name] ?? wholeNumber(param.name, env[param.name] ?? String(param.options.default), 1, max);
  };
  return {
    now: command.now ?? new Date(),
    retentionDays: {
      expenses: setting("expenseRetentionDays"),
      records: setting("recordRetentionDays"),
      readNotifications: setting("readNotificationRetentionDays"),
    },
    batchSize: setting("batchSize"),
    timeBudgetMs: setting("timeBudgetSeconds") * 1000,
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
    const { expenses, tombstones, conflicts, notifications, groups } = progress.deleted;
    out.write(
      `… ${(progress.elapsedMs / 1000).toFixed(1)} s, page ${progress.pages} (${progress.kind}): ` +
        `${expenses} expenses, ${tombstones} tombstones, ${conflicts} conflicts, ${notifications} notifications, ${groups} groups so far\n`,
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
    const whole = report.groupsPurged.includes(groupId) ? ", and the deleted group itself" : "";
    lines.push(`  group ${groupId}: ${plural(counts.expenses, "expense")}, ${plural(counts.tombstones, "tombstone")}, ${plural(counts.conflicts, "conflict")}${whole}`);
  }
  for (const [uid, count] of [...report.byUser].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  user ${uid}: ${plural(count, "read notification")}`);
  }
  const { expenses, tombstones, conflicts, notifications, groups } = report.deleted;
  const seconds = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000;
  return [
    lines.length > 0 ? `${verb}:` : `${verb}: nothing.`,
    ...lines,
    `${verb} in total: ${plural(expenses, "expense")}, ${plural(tombstones, "tombstone")}, ${plural(conflicts, "conflict")}, ` +
      `${plural(notifications, "read notification")} in ${plural(report.groupsTouched, "group")}` +
      (groups === 0 ? "" : `, ${plural(groups, "deleted group")} purged whole`) +
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
  const command = parsePurgeArgs(argv);
  if (command.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const target = resolveProjectTarget(command.project, process.env.FIRESTORE_EMULATOR_HOST, EMULATOR_PROJECT_ID);
  const options = purgeOptionsFor(command, process.env);
  const where = target.emulatorHost ? `the Firestore emulator at ${target.emulatorHost}` : "REAL Firestore (Application Default Credentials)";
  process.stdout.write(`Project ${target.projectId} on ${where}${options.dryRun ? ": dry run, nothing will be written" : ""}.\n`);
  const { expenses, records, readNotifications } = options.retentionDays;
  process.stdout.write(
    `Now ${options.now.toISOString()}: expenses and groups soft-deleted more than ${expenses} days ago, tombstones and conflicts older than ${records} days, ` +
      `notifications read more than ${readNotifications} days ago.\n`,
  );
  const app = initializeApp({ projectId: target.projectId }, "purge-cli");
  try {
    const report = await purgeExpired(getFirestore(app), { ...options, onPage: progressPrinter(process.stderr) }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`purge failed: ${reason}. A purge that stops part-way loses nothing: run it again to continue`, { cause: error });
    });
    process.stdout.write(formatReport(report));
    return report.skipped ? 1 : 0;
  } finally {
    await deleteApp(app);
  }
}

if (require.main === module) runCommand(() => main(process.argv.slice(2)));
