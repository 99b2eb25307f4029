// The purge (contract, "Purge"): hard-deletes what has outlived its retention — soft-deleted
// expenses, tombstones, conflict records, read notifications, and soft-deleted groups with
// everything under them — and raises each affected group's purgedBefore so a client whose delta
// cursor is older knows to resync that group in full.
//
// Safety comes from the shape of each commit, not from running alone: a commit re-reads the
// documents it deletes (a restore between query and delete wins), raises purgedBefore in the
// same transaction as the deletes and never lowers it, and counts only what it found still there.
// So a run can stop anywhere and the next one carries on, and overlapping runs end in the same
// state as one run. The lease (purgeLease.ts) only keeps a second run from repeating the work.
//
// Where a project has TTL policies, Firestore also deletes the records that carry `expireAt`
// (docs/purge.md, "TTL policies"). The purge still works through every kind: it is what removes
// them where TTL is off (and on the emulator), and a record TTL got to first is simply not found.
import { randomUUID } from "node:crypto";
import { DocumentData, DocumentReference, DocumentSnapshot, Firestore, QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { compareTimestamps } from "../../core/timestamps";
import { acquirePurgeLease, releasePurgeLease } from "./purgeLease";
import { DocumentKind, kindOfPath } from "../../core/schemas";
import { logPurgeBudgetClamped, logPurgeRunFailed, logPurgeRunFinished, logPurgeSkippedLeaseHeld } from "./logs";
import { PURGE_RUNS_COLLECTION, PurgeCounts, PurgedKind, zeroPurgeCounts } from "./purgeRuns";

const DAY_MS = 86_400_000;
/** Writes one commit may carry (Firestore's historical cap; staying under it is always safe). */
export const MAX_WRITES_PER_COMMIT = 500;
/** Largest page a run may query: with one watermark raise per document it still fits two commits. */
export const MAX_BATCH_SIZE = MAX_WRITES_PER_COMMIT;
/** How long the lease outlives the time budget: the page in flight plus the run record. */
export const LEASE_MARGIN_MS = 120_000;
/** The scheduled function's timeout; its time budget is held below this (see scheduledTimeBudgetMs). */
export const SCHEDULED_PURGE_TIMEOUT_SECONDS = 540;
const SCHEDULED_HEADROOM_SECONDS = 60;

export interface RetentionDays {
  /** Soft-deleted expenses, by deletedAt. */
  expenses: number;
  /** Tombstones (by deletedAt) and conflict records (by detectedAt). */
  records: number;
  /** Read notifications, by readAt. */
  readNotifications: number;
}

export interface PurgeCutoffs {
  expenses: Timestamp;
  records: Timestamp;
  notifications: Timestamp;
}

export type GroupCounts = Pick<PurgeCounts, "expenses" | "tombstones" | "conflicts">;

export interface KindSpec {
  kind: Exclude<PurgedKind, "groups">;
  collectionId: string;
  /** The timestamp the retention runs from; also what the collection-group query filters on. */
  field: string;
  pattern: DocumentKind;
  cutoff: keyof PurgeCutoffs;
  /** Group-scoped kinds raise their group's purgedBefore; notifications belong to a user. */
  scope: "group" | "user";
  /** The server dates these with expireAt (a tombstone only while TTL cannot hide its deletion), so a TTL policy may delete them too. */
  ttl: boolean;
}

export const PURGE_KINDS: readonly KindSpec[] = [
  // Expenses and kept deletions have no TTL: only the purge may delete them, as it raises the watermark in the same commit.
  { kind: "expenses", collectionId: "expenses", field: "deletedAt", pattern: "groups/{groupId}/expenses/{expenseId}", cutoff: "expenses", scope: "group", ttl: false },
  // Hard-deleted expenses kept for restore count as expenses: the same retention, the same watermark.
  { kind: "expenses", collectionId: "deletedExpenses", field: "deletedAt", pattern: "groups/{groupId}/deletedExpenses/{expenseId}", cutoff: "expenses", scope: "group", ttl: false },
  { kind: "tombstones", collectionId: "tombstones", field: "deletedAt", pattern: "groups/{groupId}/tombstones/{expenseId}", cutoff: "records", scope: "group", ttl: true },
  { kind: "conflicts", collectionId: "conflicts", field: "detectedAt", pattern: "groups/{groupId}/conflicts/{conflictId}", cutoff: "records", scope: "group", ttl: true },
  { kind: "notifications", collectionId: "notifications", field: "readAt", pattern: "users/{uid}/notifications/{notificationId}", cutoff: "notifications", scope: "user", ttl: true },
];

/** The field the TTL policies in firestore.indexes.json delete by. */
export const EXPIRE_AT_FIELD = "expireAt";

/**
 * When a record kept `days` after `from` falls due. It is the instant the purge's cutoff passes
 * `from` (from < now − days exactly when from + days < now), so TTL and the purge agree on it.
 */
export function expiryAfter(from: Timestamp, days: number): Timestamp {
  return new Timestamp(from.seconds + days * (DAY_MS / 1000), from.nanoseconds);
}

/** Whether a stored document carries exactly `expireAt`, or, when it is undefined, none at all. */
export function hasExpiry(stored: DocumentData | undefined, expireAt: Timestamp | undefined): boolean {
  const current: unknown = stored?.[EXPIRE_AT_FIELD];
  return expireAt === undefined ? current === undefined : current instanceof Timestamp && current.isEqual(expireAt);
}

/** What lives under a group (docs/data-model.md): the group-scoped kinds' collections. The rules let clients write nothing else there. */
export const GROUP_CONTENTS: readonly { collectionId: string; kind: keyof GroupCounts }[] = PURGE_KINDS.flatMap(({ kind, collectionId }) =>
  kind === "notifications" ? [] : [{ collectionId, kind }],
);

export interface PurgeProgress {
  kind: PurgedKind;
  pages: number;
  deleted: PurgeCounts;
  elapsedMs: number;
}

export interface PurgeOptions {
  /** The clock the cutoffs are computed from (the schedule time for a scheduled run). */
  now: Date;
  retentionDays: RetentionDays;
  /** Documents per query page. */
  batchSize: number;
  /** No new page starts after this much wall-clock time; the next run continues. */
  timeBudgetMs: number;
  /** Count what would go, write nothing (no lease, no run record). */
  dryRun?: boolean;
  runId?: string;
  /** Take the lease before writing (default true). Without it the run is still safe, only not alone. */
  useLease?: boolean;
  /** Called after every page; a throw ends the run there (recorded as incomplete). */
  onPage?: (progress: PurgeProgress) => void | Promise<void>;
}

export interface PurgeReport {
  runId: string;
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
  cutoffs: PurgeCutoffs;
  /** What each touched group's purgedBefore was raised to (at least). */
  watermark: Timestamp;
  deleted: PurgeCounts;
  groupsTouched: number;
  byGroup: Map<string, GroupCounts>;
  /** Read notifications purged, per user. */
  byUser: Map<string, number>;
  /** The soft-deleted groups purged whole (their documents deleted), by id. */
  groupsPurged: string[];
  pages: number;
  commits: number;
  /** Every kind was worked through to the end within the budget. */
  complete: boolean;
  /** Set when another run held the lease, so this one did nothing. */
  skipped?: { heldBy: string; expiresAt: Date };
}

function requireWholeDays(name: string, days: number): void {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`${name} retention must be a whole number of days, at least 1 (got ${days})`);
  }
}

/** The instants before which each kind is purged: `now` minus its retention. */
export function computeCutoffs(now: Date, retention: RetentionDays): PurgeCutoffs {
  if (Number.isNaN(now.getTime())) throw new RangeError("now is not a valid date");
  requireWholeDays("Expense", retention.expenses);
  requireWholeDays("Record", retention.records);
  requireWholeDays("Read-notification", retention.readNotifications);
  const before = (days: number) => Timestamp.fromMillis(now.getTime() - days * DAY_MS);
  return {
    expenses: before(retention.expenses),
    records: before(retention.records),
    notifications: before(retention.readNotifications),
  };
}

/**
 * The purgedBefore a run raises touched groups to: the later of the expense and record cutoffs
 * (with the default retentions, the expense cutoff), so it covers every group-scoped deletion.
 */
export function watermarkFor(cutoffs: PurgeCutoffs): Timestamp {
  return compareTimestamps(cutoffs.expenses, cutoffs.records) >= 0 ? cutoffs.expenses : cutoffs.records;
}

/** Strictly older than the cutoff; anything that is not a timestamp (null, missing) never is. */
export function isExpired(value: unknown, cutoff: Timestamp): boolean {
  return value instanceof Timestamp && compareTimestamps(value, cutoff) < 0;
}

/** The purgedBefore to write, or undefined when the current one is already as late: it never goes down. */
export function raisedWatermark(current: unknown, target: Timestamp): Timestamp | undefined {
  return current instanceof Timestamp && compareTimestamps(current, target) >= 0 ? undefined : target;
}

/**
 * Splits a page into commits of at most `maxWrites` writes, counting one delete per document plus,
 * for group-scoped kinds, one watermark raise per distinct group in the commit. Order is kept.
 */
export function planCommits<T extends { ownerId: string }>(candidates: readonly T[], raisesWatermark: boolean, maxWrites: number): T[][] {
  if (!Number.isInteger(maxWrites) || maxWrites < 2) throw new RangeError(`maxWrites must be an integer of at least 2 (got ${maxWrites})`);
  const commits: T[][] = [];
  let current: T[] = [];
  let owners = new Set<string>();
  for (const candidate of candidates) {
    const cost = 1 + (raisesWatermark && !owners.has(candidate.ownerId) ? 1 : 0);
    if (current.length + (raisesWatermark ? owners.size : 0) + cost > maxWrites) {
      commits.push(current);
      current = [];
      owners = new Set();
    }
    current.push(candidate);
    owners.add(candidate.ownerId);
  }
  if (current.length > 0) commits.push(current);
  return commits;
}

/** Clamps the configured budget so the scheduled function always finishes before its timeout. */
export function scheduledTimeBudgetMs(configuredSeconds: number): number {
  const bound = SCHEDULED_PURGE_TIMEOUT_SECONDS - SCHEDULED_HEADROOM_SECONDS;
  if (configuredSeconds > bound) {
    logPurgeBudgetClamped({ configuredSeconds, boundSeconds: bound });
  }
  return Math.min(configuredSeconds, bound) * 1000;
}

export function newRunId(startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}

function validateOptions(options: PurgeOptions): void {
  const { batchSize, timeBudgetMs } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE} (got ${batchSize})`);
  }
  if (!Number.isFinite(timeBudgetMs) || timeBudgetMs < 0) {
    throw new RangeError(`timeBudgetMs must be a non-negative number (got ${timeBudgetMs})`);
  }
}

export interface Candidate {
  ref: DocumentReference;
  ownerId: string;
}

function candidateOf(doc: QueryDocumentSnapshot): Candidate {
  // groups/{groupId}/… or users/{uid}/…: the owner is the second path segment.
  return { ref: doc.ref, ownerId: doc.ref.path.split("/")[1] };
}

/**
 * One commit: re-reads the candidates and their groups, deletes those still expired, and raises
 * those groups' purgedBefore in the same transaction — so the expense trigger, which reads the
 * group after the delete, always sees the delete as a purge. Returns what it deleted.
 */
export async function purgeCommit(db: Firestore, spec: KindSpec, commit: Candidate[], cutoff: Timestamp, watermark: Timestamp): Promise<Candidate[]> {
  const groupIds = spec.scope === "group" ? [...new Set(commit.map((c) => c.ownerId))] : [];
  return db.runTransaction(async (tx) => {
    const snapshots = await tx.getAll(...commit.map((c) => c.ref), ...groupIds.map((id) => db.doc(`groups/${id}`)));
    const purged = commit.filter((_, i) => snapshots[i].exists && isExpired(snapshots[i].get(spec.field), cutoff));
    const purgedGroups = new Set(purged.map((c) => c.ownerId));
    for (const group of snapshots.slice(commit.length)) {
      // A missing group is not recreated by its watermark; its orphaned documents still go.
      if (!group.exists || !purgedGroups.has(group.id)) continue;
      const raised = raisedWatermark(group.get("purgedBefore"), watermark);
      if (raised) tx.update(group.ref, { purgedBefore: raised });
    }
    for (const c of purged) tx.delete(c.ref);
    return purged;
  });
}

class Tally {
  readonly deleted = zeroPurgeCounts();
  readonly byGroup = new Map<string, GroupCounts>();
  readonly byUser = new Map<string, number>();
  readonly groupsPurged: string[] = [];
  pages = 0;
  commits = 0;

  add(spec: KindSpec, purged: Candidate[]): void {
    for (const { ownerId } of purged) {
      if (spec.kind === "notifications") {
        this.deleted.notifications += 1;
        this.byUser.set(ownerId, (this.byUser.get(ownerId) ?? 0) + 1);
      } else {
        this.addInGroup(spec.kind, ownerId, 1);
      }
    }
  }

  addInGroup(kind: keyof GroupCounts, groupId: string, count: number): void {
    this.deleted[kind] += count;
    const counts = this.byGroup.get(groupId) ?? { expenses: 0, tombstones: 0, conflicts: 0 };
    counts[kind] += count;
    this.byGroup.set(groupId, counts);
  }

  addGroup(groupId: string): void {
    this.deleted.groups += 1;
    this.groupsPurged.push(groupId);
    if (!this.byGroup.has(groupId)) this.byGroup.set(groupId, { expenses: 0, tombstones: 0, conflicts: 0 });
  }
}

/** A group the purge may empty and delete: still soft-deleted, and since before the expense cutoff. */
function isPurgeableGroup(group: DocumentSnapshot, cutoff: Timestamp): boolean {
  return group.exists && isExpired(group.get("deletedAt"), cutoff);
}

/**
 * One commit of a deleted group's contents: re-reads the group and the documents, and deletes
 * those still there only if the group is still deleted since before the cutoff (a restore wins),
 * raising its purgedBefore in the same transaction, so the expense trigger sees each delete as the
 * purge's (expenseActivity.ts, isPurgeDelete). Returns what it deleted, or undefined when the group
 * is no longer purgeable.
 */
export async function purgeGroupContents(db: Firestore, group: DocumentReference, refs: DocumentReference[], cutoff: Timestamp, watermark: Timestamp): Promise<DocumentReference[] | undefined> {
  return db.runTransaction(async (tx) => {
    const [stored, ...docs] = await tx.getAll(group, ...refs);
    if (!isPurgeableGroup(stored, cutoff)) return undefined;
    const present = refs.filter((_, i) => docs[i].exists);
    if (present.length === 0) return present;
    const raised = raisedWatermark(stored.get("purgedBefore"), watermark);
    if (raised) tx.update(group, { purgedBefore: raised });
    for (const ref of present) tx.delete(ref);
    return present;
  });
}

/**
 * The last commit for a deleted group: its document, only if it is still purgeable and nothing is
 * left under it (a member's queued expense write may have landed meanwhile). Until then the group
 * stays findable, so a run cut off part-way leaves work the next run finds.
 */
export async function purgeGroupDocument(db: Firestore, group: DocumentReference, cutoff: Timestamp): Promise<"purged" | "kept" | "not-empty"> {
  return db.runTransaction(async (tx) => {
    const stored = await tx.get(group);
    if (!isPurgeableGroup(stored, cutoff)) return "kept";
    const leftovers = await Promise.all(GROUP_CONTENTS.map(({ collectionId }) => tx.get(group.collection(collectionId).select().limit(1))));
    if (leftovers.some((snapshot) => !snapshot.empty)) return "not-empty";
    tx.delete(group);
    return "purged";
  });
}

/** A run's shared state while it works through the kinds. */
interface RunContext {
  db: Firestore;
  options: PurgeOptions;
  tally: Tally;
  watermark: Timestamp;
  startMs: number;
}

const outOfTime = (run: RunContext) => Date.now() - run.startMs >= run.options.timeBudgetMs;

async function pageDone(run: RunContext, kind: PurgedKind): Promise<void> {
  run.tally.pages += 1;
  await run.options.onPage?.({ kind, pages: run.tally.pages, deleted: { ...run.tally.deleted }, elapsedMs: Date.now() - run.startMs });
}

/**
 * Empties one deleted group, collection by collection in pages, then deletes its document. Says
 * whether it got to the end (purged, or found restored); false when the budget ran out first.
 */
async function purgeGroup(run: RunContext, group: DocumentReference, cutoff: Timestamp): Promise<boolean> {
  const { db, options, tally } = run;
  for (;;) {
    for (const { collectionId, kind } of GROUP_CONTENTS) {
      let cursor: QueryDocumentSnapshot | undefined;
      for (;;) {
        if (outOfTime(run)) return false;
        let query = group.collection(collectionId).select().limit(options.batchSize);
        if (cursor) query = query.startAfter(cursor);
        const page = await query.get();
        if (page.empty) break;
        cursor = page.docs[page.docs.length - 1];
        if (options.dryRun) {
          tally.addInGroup(kind, group.id, page.size);
        } else {
          const candidates = page.docs.map((doc): Candidate => ({ ref: doc.ref, ownerId: group.id }));
          for (const commit of planCommits(candidates, true, MAX_WRITES_PER_COMMIT)) {
            const purged = await purgeGroupContents(db, group, commit.map((c) => c.ref), cutoff, run.watermark);
            tally.commits += 1;
            if (purged === undefined) return true;
            tally.addInGroup(kind, group.id, purged.length);
          }
        }
        await pageDone(run, "groups");
        if (page.size < options.batchSize) break;
      }
    }
    if (options.dryRun) {
      tally.addGroup(group.id);
      return true;
    }
    const outcome = await purgeGroupDocument(db, group, cutoff);
    tally.commits += 1;
    if (outcome === "purged") tally.addGroup(group.id);
    // Something was written under the group meanwhile: empty it again.
    if (outcome !== "not-empty") return true;
  }
}

/** Soft-deleted groups past the expense retention, oldest deletion first; says whether it finished. */
async function purgeDeletedGroups(run: RunContext, cutoff: Timestamp): Promise<boolean> {
  let cursor: QueryDocumentSnapshot | undefined;
  for (;;) {
    if (outOfTime(run)) return false;
    let query = run.db.collection("groups").where("deletedAt", "<", cutoff).orderBy("deletedAt").select("deletedAt").limit(run.options.batchSize);
    if (cursor) query = query.startAfter(cursor);
    const page = await query.get();
    if (page.empty) return true;
    cursor = page.docs[page.docs.length - 1];
    for (const group of page.docs) {
      if (!(await purgeGroup(run, group.ref, cutoff))) return false;
    }
    await pageDone(run, "groups");
    if (page.size < run.options.batchSize) return true;
  }
}

/** Works through every kind page by page until done or out of budget; says whether it finished. */
async function workThrough(db: Firestore, options: PurgeOptions, cutoffs: PurgeCutoffs, tally: Tally): Promise<boolean> {
  const run: RunContext = { db, options, tally, watermark: watermarkFor(cutoffs), startMs: Date.now() };
  const { watermark } = run;
  for (const spec of PURGE_KINDS) {
    const cutoff = cutoffs[spec.cutoff];
    let cursor: QueryDocumentSnapshot | undefined;
    for (;;) {
      if (outOfTime(run)) return false;
      let query = db
        .collectionGroup(spec.collectionId)
        .where(spec.field, "<", cutoff)
        .orderBy(spec.field)
        .select(spec.field)
        .limit(options.batchSize);
      // Paging by cursor, not by re-querying the head: a dry run deletes nothing, and a document
      // the commit declined (restored meanwhile, foreign path) must not be fetched again.
      if (cursor) query = query.startAfter(cursor);
      const page = await query.get();
      if (page.empty) break;
      cursor = page.docs[page.docs.length - 1];
      const candidates = page.docs.filter((doc) => kindOfPath(doc.ref.path) === spec.pattern).map(candidateOf);
      if (options.dryRun) {
        tally.add(spec, candidates);
      } else {
        for (const commit of planCommits(candidates, spec.scope === "group", MAX_WRITES_PER_COMMIT)) {
          tally.add(spec, await purgeCommit(db, spec, commit, cutoff, watermark));
          tally.commits += 1;
        }
      }
      await pageDone(run, spec.kind);
      if (page.size < options.batchSize) break;
    }
  }
  // Last: what the kinds above already removed from a deleted group need not be paged again.
  return purgeDeletedGroups(run, cutoffs.expenses);
}

function cutoffsForLog(cutoffs: PurgeCutoffs): Record<keyof PurgeCutoffs, string> {
  return {
    expenses: cutoffs.expenses.toDate().toISOString(),
    records: cutoffs.records.toDate().toISOString(),
    notifications: cutoffs.notifications.toDate().toISOString(),
  };
}

/**
 * Runs the purge once. Writes `ops/purge/runs/{runId}` (also when it fails part-way) and logs the
 * counts, except for a dry run, which writes nothing at all.
 */
export async function purgeExpired(db: Firestore, options: PurgeOptions): Promise<PurgeReport> {
  validateOptions(options);
  const cutoffs = computeCutoffs(options.now, options.retentionDays);
  const startedAt = new Date();
  const runId = options.runId ?? newRunId(startedAt);
  const dryRun = options.dryRun === true;
  const tally = new Tally();
  const report = (complete: boolean, skipped?: PurgeReport["skipped"]): PurgeReport => ({
    runId,
    dryRun,
    startedAt,
    finishedAt: new Date(),
    cutoffs,
    watermark: watermarkFor(cutoffs),
    deleted: { ...tally.deleted },
    groupsTouched: tally.byGroup.size,
    byGroup: tally.byGroup,
    byUser: tally.byUser,
    groupsPurged: tally.groupsPurged,
    pages: tally.pages,
    commits: tally.commits,
    complete,
    skipped,
  });

  if (dryRun) return report(await workThrough(db, options, cutoffs, tally));

  const useLease = options.useLease !== false;
  if (useLease) {
    const lease = await acquirePurgeLease(db, runId, options.timeBudgetMs + LEASE_MARGIN_MS);
    if (!lease.acquired) {
      logPurgeSkippedLeaseHeld({ runId, heldBy: lease.heldBy, leaseExpiresAt: lease.expiresAt.toISOString() });
      return report(false, { heldBy: lease.heldBy, expiresAt: lease.expiresAt });
    }
  }
  let complete = false;
  let outcome: PurgeReport | undefined;
  try {
    complete = await workThrough(db, options, cutoffs, tally);
  } catch (error) {
    logPurgeRunFailed({ runId, error });
    throw error;
  } finally {
    // Recorded even when it failed (as incomplete): what it deleted is gone and must be counted.
    outcome = report(complete);
    try {
      await recordRun(db, outcome);
    } finally {
      if (useLease) await releasePurgeLease(db, runId);
    }
  }
  return outcome;
}

async function recordRun(db: Firestore, run: PurgeReport): Promise<void> {
  await db.collection(PURGE_RUNS_COLLECTION).doc(run.runId).set({
    startedAt: Timestamp.fromDate(run.startedAt),
    finishedAt: Timestamp.fromDate(run.finishedAt),
    cutoffs: run.cutoffs,
    deleted: run.deleted,
    groupsTouched: run.groupsTouched,
    complete: run.complete,
    dryRun: false,
  });
  logPurgeRunFinished({
    runId: run.runId,
    complete: run.complete,
    deleted: run.deleted,
    groupsTouched: run.groupsTouched,
    pages: run.pages,
    commits: run.commits,
    durationMs: run.finishedAt.getTime() - run.startedAt.getTime(),
    cutoffs: cutoffsForLog(run.cutoffs),
  });
}
