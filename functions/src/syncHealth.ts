// Sync-health metrics (docs/operations.md explains each one and what to do when it goes wrong).
// Triggers count their outcome, lag and any invalid document they met into sharded per-day
// counters, so a burst of trigger runs spreads over many documents; a daily rollup sums the shards
// and counts that day's conflicts, tombstones and purged documents into one summary document per
// UTC day.
import { FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { logMetricsNotRecorded, logPurgeRunUnreadable, logRollupWritten } from "./logs";
import { TRIGGER_OUTCOMES, TriggerOutcome } from "./outcomes";
import { PURGE_RUNS_COLLECTION, PURGED_KINDS, PurgeCounts, zeroPurgeCounts } from "./purgeRuns";

/**
 * Outcomes whose lag is what a client waits for (the change was applied). A skipped redelivery's
 * "lag" is only how late the redelivery came, and would make the percentiles meaningless; a
 * dropped event has none.
 */
const LAG_MEASURED_OUTCOMES: ReadonlySet<TriggerOutcome> = new Set(["activity-raised", "conflict-recorded", "invalid-document"]);

/**
 * Upper bounds (inclusive, ms) of the lag histogram's buckets; one more bucket holds everything
 * above the last bound. Changing them splits history: add bounds, never move existing ones.
 */
export const LAG_BUCKET_UPPER_BOUNDS_MS = [
  100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
] as const;

const OVERFLOW_BUCKET = `gt${LAG_BUCKET_UPPER_BOUNDS_MS[LAG_BUCKET_UPPER_BOUNDS_MS.length - 1]}`;

/** Histogram keys in bucket order: "le100", "le250", ..., "le3600000", "gt3600000". */
export const LAG_BUCKET_KEYS: readonly string[] = [...LAG_BUCKET_UPPER_BOUNDS_MS.map((bound) => `le${bound}`), OVERFLOW_BUCKET];

/**
 * Counter shards per day. A sample goes to the next shard in turn from a random start, so one
 * instance spreads evenly and instances do not pile onto the same shard. The rollup reads every
 * shard document that exists, so this number can change at any time.
 */
export const COUNTER_SHARDS = 20;

export const SYNC_HEALTH_DAYS_PATH = "ops/syncHealth/days";

/** The histogram key of a lag; negative lags (clock skew) count as 0. */
export function lagBucketKey(lagMs: number): string {
  const index = LAG_BUCKET_UPPER_BOUNDS_MS.findIndex((bound) => lagMs <= bound);
  return index === -1 ? OVERFLOW_BUCKET : LAG_BUCKET_KEYS[index];
}

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

let nextShard = Math.floor(Math.random() * COUNTER_SHARDS);

function takeShard(): number {
  const shard = nextShard;
  nextShard = (nextShard + 1) % COUNTER_SHARDS;
  return shard;
}

/** One trigger invocation, as the counters see it. */
export interface TriggerSample {
  outcome: TriggerOutcome;
  at: Date;
  /** Counted into the histogram only for an outcome that applied a change. */
  lagMs?: number;
  /**
   * The run met a document its schema rejects. Counted apart from the outcome, so a redelivery
   * of one still counts as the skip it was; the invalid-document outcome always met one.
   */
  invalidDocument?: boolean;
  /** The run handled a write by an app build before 2.1 (see logLegacyWrite). */
  legacyWrite?: boolean;
}

/**
 * Counts one trigger invocation into today's counters (the day of `at`, UTC). Called once per
 * invocation after the trigger's own commit; never throws: a metrics failure only logs a warning.
 */
export async function recordTriggerMetrics(db: Firestore, sample: TriggerSample): Promise<void> {
  try {
    if (!TRIGGER_OUTCOMES.includes(sample.outcome)) throw new Error(`unknown trigger outcome ${JSON.stringify(sample.outcome)}`);
    const day = utcDay(sample.at); // throws RangeError on an invalid Date
    const counts: Record<string, unknown> = { outcomes: { [sample.outcome]: FieldValue.increment(1) }, updatedAt: FieldValue.serverTimestamp() };
    if (LAG_MEASURED_OUTCOMES.has(sample.outcome) && sample.lagMs !== undefined && Number.isFinite(sample.lagMs)) {
      counts.lagHistogram = { [lagBucketKey(sample.lagMs)]: FieldValue.increment(1) };
    }
    if (sample.invalidDocument === true || sample.outcome === "invalid-document") {
      counts.invalidDocuments = FieldValue.increment(1);
    }
    if (sample.legacyWrite === true) counts.legacyWrites = FieldValue.increment(1);
    await db.doc(`${SYNC_HEALTH_DAYS_PATH}/${day}/shards/${takeShard()}`).set(counts, { merge: true });
  } catch (error) {
    logMetricsNotRecorded({ outcome: sample.outcome, lagMs: sample.lagMs, invalidDocument: sample.invalidDocument, error });
  }
}

/**
 * The lag at `quantile` (0 < q ≤ 1) by nearest rank: the upper bound of the bucket holding the
 * ceil(q·n)-th fastest sample. The true value is at most that bound and above the previous one.
 * null when there are no samples, or when that sample is in the overflow bucket (above 1 h).
 */
export function lagPercentileMs(histogram: Readonly<Record<string, number>>, quantile: number): number | null {
  const samples = LAG_BUCKET_KEYS.reduce((sum, key) => sum + (histogram[key] ?? 0), 0);
  if (samples === 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * samples));
  let seen = 0;
  for (const [index, key] of LAG_BUCKET_KEYS.entries()) {
    seen += histogram[key] ?? 0;
    if (seen >= rank) return LAG_BUCKET_UPPER_BOUNDS_MS[index] ?? null;
  }
  return null;
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
  /** Trigger invocations that met an expense not matching the schema, whatever their outcome. */
  invalidDocuments: number;
  /** Writes by app builds before 2.1 handled in the day: the compatibility window can close once this stays 0. */
  legacyWrites: number;
  triggerRuns: number;
  triggerOutcomes: Record<TriggerOutcome, number>;
  triggerLag: {
    samples: number;
    /** Upper bound of the bucket holding the percentile (see lagPercentileMs); null: none, or > 1 h. */
    p50Ms: number | null;
    p99Ms: number | null;
    histogram: Record<string, number>;
    bucketUpperBoundsMs: number[];
  };
}

function countOf(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

async function countInWindow(db: Firestore, collectionGroup: string, field: string, start: Date, end: Date): Promise<number> {
  const snapshot = await db.collectionGroup(collectionGroup).where(field, ">=", start).where(field, "<", end).count().get();
  return snapshot.data().count;
}

async function sumShards(
  db: Firestore,
  day: string,
): Promise<Pick<SyncHealthDay, "invalidDocuments" | "legacyWrites" | "triggerRuns" | "triggerOutcomes" | "triggerLag">> {
  const shards = await db.collection(`${SYNC_HEALTH_DAYS_PATH}/${day}/shards`).get();
  const triggerOutcomes = Object.fromEntries(TRIGGER_OUTCOMES.map((outcome) => [outcome, 0])) as Record<TriggerOutcome, number>;
  const histogram = Object.fromEntries(LAG_BUCKET_KEYS.map((key) => [key, 0]));
  let invalidDocuments = 0;
  let legacyWrites = 0;
  for (const shard of shards.docs) {
    invalidDocuments += countOf(shard.get("invalidDocuments"));
    legacyWrites += countOf(shard.get("legacyWrites"));
    const outcomes = shard.get("outcomes") ?? {};
    const lags = shard.get("lagHistogram") ?? {};
    for (const outcome of TRIGGER_OUTCOMES) triggerOutcomes[outcome] += countOf(outcomes[outcome]);
    for (const key of LAG_BUCKET_KEYS) histogram[key] += countOf(lags[key]);
  }
  const samples = LAG_BUCKET_KEYS.reduce((sum, key) => sum + histogram[key], 0);
  return {
    invalidDocuments,
    legacyWrites,
    triggerRuns: TRIGGER_OUTCOMES.reduce((sum, outcome) => sum + triggerOutcomes[outcome], 0),
    triggerOutcomes,
    triggerLag: {
      samples,
      p50Ms: lagPercentileMs(histogram, 0.5),
      p99Ms: lagPercentileMs(histogram, 0.99),
      histogram,
      bucketUpperBoundsMs: [...LAG_BUCKET_UPPER_BOUNDS_MS],
    },
  };
}

async function sumPurgeRuns(db: Firestore, day: string, start: Date, end: Date): Promise<Pick<SyncHealthDay, "purged" | "purgeRuns">> {
  const runs = await db.collection(PURGE_RUNS_COLLECTION).where("finishedAt", ">=", start).where("finishedAt", "<", end).get();
  const purged = { ...zeroPurgeCounts(), total: 0 };
  const purgeRuns = { finished: runs.size, complete: 0, incomplete: 0, dryRun: 0, unreadable: 0 };
  for (const run of runs.docs) {
    const deleted = run.get("deleted");
    const readable =
      typeof deleted === "object" && deleted !== null && PURGED_KINDS.every((kind) => Number.isInteger(deleted[kind]) && deleted[kind] >= 0);
    if (!readable) {
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
  const [conflicts, tombstones, purge, triggers] = await Promise.all([
    countInWindow(db, "conflicts", "detectedAt", start, end),
    countInWindow(db, "tombstones", "deletedAt", start, end),
    sumPurgeRuns(db, day, start, end),
    sumShards(db, day),
  ]);
  const summary: SyncHealthDay = {
    day,
    windowStart: Timestamp.fromDate(start),
    windowEnd: Timestamp.fromDate(end),
    conflicts,
    tombstones,
    ...purge,
    ...triggers,
  };
  await db.doc(`${SYNC_HEALTH_DAYS_PATH}/${day}`).set({ ...summary, rolledUpAt: FieldValue.serverTimestamp() });
  logRollupWritten({
    day,
    conflicts,
    tombstones,
    purgedTotal: summary.purged.total,
    purgeRunsIncomplete: summary.purgeRuns.incomplete,
    invalidDocuments: summary.invalidDocuments,
    droppedTooOld: summary.triggerOutcomes["dropped-too-old"],
    legacyWrites: summary.legacyWrites,
    triggerRuns: summary.triggerRuns,
    lagP50Ms: summary.triggerLag.p50Ms,
    lagP99Ms: summary.triggerLag.p99Ms,
  });
  return summary;
}

/** The scheduled run: rolls up the UTC day before the scheduled time (so a retry keeps its day). */
export async function rollupPreviousUtcDay(db: Firestore, scheduleTime: string): Promise<SyncHealthDay> {
  const scheduled = new Date(scheduleTime);
  if (Number.isNaN(scheduled.getTime())) throw new Error(`unreadable schedule time ${JSON.stringify(scheduleTime)}`);
  return rollupSyncHealth(db, previousUtcDay(scheduled));
}
