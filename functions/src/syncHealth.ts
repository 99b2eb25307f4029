// The daily sync-health rollup (docs/operations.md, section 2): one summary document per UTC day
// of what Firestore itself records — conflicts, tombstones and purge runs. What only the trigger
// runs know (outcomes, lag, invalid documents, dropped events, legacy writes) is counted by
// log-based metrics in Cloud Monitoring (monitoring/), so a trigger run writes nothing for metrics.
import { FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { logPurgeRunUnreadable, logRollupWritten } from "./logs";
import { PURGE_RUNS_COLLECTION, PURGED_KINDS, PurgeCounts, purgeCountsOf, zeroPurgeCounts } from "./purgeRuns";

export const SYNC_HEALTH_DAYS_PATH = "ops/syncHealth/days";

/** A UTC day as yyyy-mm-dd. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The UTC day before the one `at` falls in. */
export function previousUtcDay(at: Date): string {
  return utcDay(new Date(at.getTime() - 86_400_000));
}

/** [start, end) of a yyyy-mm-dd UTC day. Throws on anything that is not a real calendar day. */
export function utcDayWindow(day: string): { start: Date; end: Date } {
  const start = new Date(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(start.getTime()) || utcDay(start) !== day) {
    throw new Error(`not a UTC day (yyyy-mm-dd): ${JSON.stringify(day)}`);
  }
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** `ops/syncHealth/days/{yyyy-mm-dd}`: the day's summary, rewritten whole by every rollup run. */
export interface SyncHealthDay {
  day: string;
  windowStart: Timestamp;
  windowEnd: Timestamp;
  /** Conflict records whose detectedAt falls in the day (still present at rollup time). */
  conflicts: number;
  /** Tombstones whose deletedAt falls in the day (still present: a restore removes its tombstone). */
  tombstones: number;
  /** Documents hard-deleted by purge runs that finished in the day (dry runs excluded). */
  purged: PurgeCounts & { total: number };
  purgeRuns: { finished: number; complete: number; incomplete: number; dryRun: number; unreadable: number };
}

async function countInWindow(db: Firestore, collectionGroup: string, field: string, start: Date, end: Date): Promise<number> {
  const snapshot = await db.collectionGroup(collectionGroup).where(field, ">=", start).where(field, "<", end).count().get();
  return snapshot.data().count;
}

async function sumPurgeRuns(db: Firestore, day: string, start: Date, end: Date): Promise<Pick<SyncHealthDay, "purged" | "purgeRuns">> {
  const runs = await db.collection(PURGE_RUNS_COLLECTION).where("finishedAt", ">=", start).where("finishedAt", "<", end).get();
  const purged = { ...zeroPurgeCounts(), total: 0 };
  const purgeRuns = { finished: runs.size, complete: 0, incomplete: 0, dryRun: 0, unreadable: 0 };
  for (const run of runs.docs) {
    const deleted = purgeCountsOf(run.get("deleted"));
    if (!deleted) {
      purgeRuns.unreadable++;
      logPurgeRunUnreadable({ day, runId: run.id });
      continue;
    }
    if (run.get("complete") === true) purgeRuns.complete++;
    else purgeRuns.incomplete++;
    // A dry run deleted nothing, whatever it counted.
    if (run.get("dryRun") === true) {
      purgeRuns.dryRun++;
      continue;
    }
    for (const kind of PURGED_KINDS) purged[kind] += deleted[kind];
  }
  purged.total = PURGED_KINDS.reduce((sum, kind) => sum + purged[kind], 0);
  return { purged, purgeRuns };
}

/**
 * Computes and writes the summary of one UTC day (yyyy-mm-dd). Idempotent: it recomputes from the
 * sources and replaces the document, so a re-run gives the same result while the sources stand
 * (counts of conflicts and tombstones shrink once the purge has removed that day's records).
 */
export async function rollupSyncHealth(db: Firestore, day: string): Promise<SyncHealthDay> {
  const { start, end } = utcDayWindow(day);
  const [conflicts, tombstones, purge] = await Promise.all([
    countInWindow(db, "conflicts", "detectedAt", start, end),
    countInWindow(db, "tombstones", "deletedAt", start, end),
    sumPurgeRuns(db, day, start, end),
  ]);
  const summary: SyncHealthDay = {
    day,
    windowStart: Timestamp.fromDate(start),
    windowEnd: Timestamp.fromDate(end),
    conflicts,
    tombstones,
    ...purge,
  };
  await db.doc(`${SYNC_HEALTH_DAYS_PATH}/${day}`).set({ ...summary, rolledUpAt: FieldValue.serverTimestamp() });
  logRollupWritten({
    day,
    conflicts,
    tombstones,
    purgedTotal: summary.purged.total,
    purgeRunsFinished: summary.purgeRuns.finished,
    purgeRunsIncomplete: summary.purgeRuns.incomplete,
  });
  return summary;
}

/** The scheduled run: rolls up the UTC day before the scheduled time (so a retry keeps its day). */
export async function rollupPreviousUtcDay(db: Firestore, scheduleTime: string): Promise<SyncHealthDay> {
  const scheduled = new Date(scheduleTime);
  if (Number.isNaN(scheduled.getTime())) throw new Error(`unreadable schedule time ${JSON.stringify(scheduleTime)}`);
  return rollupSyncHealth(db, previousUtcDay(scheduled));
}
