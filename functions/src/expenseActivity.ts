// What the server does when an expense is written: raise the group's lastActivityAt, keep the
// expense's tombstone in step with its state, keep a hard-deleted expense restorable, record a
// conflict (plus a notification) when the write overwrote an edit its author had not seen, and
// turn a write by an app build from before 2.1 into a v2 document — each event in one
// transaction, so a retry or a duplicate delivery never leaves half of it behind.
import {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  FieldValue,
  Firestore,
  Timestamp,
  Transaction,
} from "firebase-admin/firestore";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { expenseSchema, legacyExpenseWriteSchema } from "../../core/schemas";
import { compareTimestamps } from "../../core/timestamps";
import { classifyOutcome, raiseLastActivity } from "./activity";
import { authorUid, isLegacyExpense, legacyConflictId, normalizedExpenseFields, normalizesOnThisEvent, storedVersion, WriteAuthor } from "./legacy";
import { logSchemaMismatch } from "./logs";
import { HandledOutcome, RecordedConflict, TombstoneChange } from "./outcomes";
import { EXPIRE_AT_FIELD, expiryAfter, hasExpiry } from "./purge";

export interface ExpenseWriteEvent {
  /** The delivery's event id (the same on a redelivery). */
  id: string;
  /** Commit time of the write, ISO-8601 (whole seconds in the emulator). */
  time: string;
  groupId: string;
  expenseId: string;
  before?: DocumentData;
  after?: DocumentData;
  /** Who made the write, as the platform reports it (auth-context triggers). */
  author?: WriteAuthor;
}

/**
 * How long the records an event writes are kept (RECORD_RETENTION_DAYS): tombstones and conflicts
 * get an expireAt that far ahead, for the TTL policies. Without it they get none, and only the purge
 * removes them.
 */
export interface RecordRetention {
  recordRetentionDays: number;
}

/** The expireAt a record kept from `from` gets, or none without a retention. */
function expiry(from: Timestamp, retention: RecordRetention | undefined): { expireAt?: Timestamp } {
  return retention ? { [EXPIRE_AT_FIELD]: expiryAfter(from, retention.recordRetentionDays) } : {};
}

export interface ExpenseWriteResult {
  outcome: HandledOutcome | "not-activity";
  activityRaised: boolean;
  tombstone: TombstoneChange;
  /** The conflict this delivery recorded (none on a redelivery, which finds it there). */
  conflict?: RecordedConflict;
  /** When the write happened (its updatedAt, or the event time for a hard delete). */
  activityAt: Timestamp;
  /** Transaction attempts: above 1 means contention on the group (a hot group). */
  attempts: number;
  /** The document does not match the schema (logged with the issues); the outcome says what the run did. */
  invalidDocument: boolean;
  /** The write came from an app build before 2.1; `normalized` says whether this run rewrote it. */
  legacy?: { normalized: boolean };
  /** What this run did to the kept copy of a hard-deleted expense. */
  keptDeletion?: "kept" | "removed" | "unchanged";
}

/**
 * The sync fields the server acts on, read leniently: a document the full schema rejects (an old
 * client, a console edit) must still keep activity and tombstones right.
 */
// The trigger only ever sees the Admin SDK's Timestamp, and compares them with its isEqual().
const timestampSchema = z.instanceof(Timestamp);
const syncFieldsSchema = z.object({
  updatedAt: timestampSchema.optional().catch(undefined),
  updatedBy: z.string().optional().catch(undefined),
  version: z.number().optional().catch(undefined),
  baseVersion: z.number().optional().catch(undefined),
  deletedAt: timestampSchema.nullable().optional().catch(undefined),
  deletedBy: z.string().nullable().optional().catch(undefined),
});
export type SyncFields = z.infer<typeof syncFieldsSchema>;
type VersionedFields = Required<Pick<SyncFields, "updatedAt" | "updatedBy" | "version" | "baseVersion">>;

export function syncFields(doc: DocumentData | undefined): SyncFields | undefined {
  return doc === undefined ? undefined : syncFieldsSchema.parse(doc);
}

function isVersioned(fields: SyncFields | undefined): fields is SyncFields & VersionedFields {
  return (
    fields?.updatedAt !== undefined &&
    fields.updatedBy !== undefined &&
    fields.version !== undefined &&
    fields.baseVersion !== undefined
  );
}

/**
 * An update whose author edited from a version other than the one it replaced. Only decidable
 * when both sides carry their version fields; a document without them is never a conflict.
 */
export function isConcurrentEdit(
  before: SyncFields | undefined,
  after: SyncFields | undefined,
): after is SyncFields & VersionedFields {
  return isVersioned(before) && isVersioned(after) && after.baseVersion !== before.version;
}

/** A Timestamp as a fixed-width, sortable id fragment (seconds + nanoseconds). */
function timestampKey(at: Timestamp): string {
  return `${at.seconds}${String(at.nanoseconds).padStart(9, "0")}`;
}

/**
 * The conflict's id, derived from the write that caused it: the expense and the new version's
 * commit time identify it uniquely, so every delivery of the same event names the same record.
 */
export function conflictIdFor(expenseId: string, after: Pick<VersionedFields, "updatedAt">): string {
  return `${expenseId}_${timestampKey(after.updatedAt)}`;
}

/** The event's commit time (whole seconds in the emulator, so never later than the real one). */
function eventTimestamp(event: Pick<ExpenseWriteEvent, "time">): Timestamp {
  return Timestamp.fromDate(new Date(event.time));
}

/** When the write happened: its updatedAt (commit time), or the event time when it has none. */
export function activityTime(event: Pick<ExpenseWriteEvent, "time">, after: SyncFields | undefined): Timestamp {
  return after?.updatedAt ?? eventTimestamp(event);
}

/**
 * The hard delete the purge makes: an expense soft-deleted no later than the group's watermark, or
 * any expense of a soft-deleted group the purge is emptying (the group deleted no later than its
 * watermark, which the purge raises in the commit that deletes the expense). Either way no
 * tombstone, kept copy or activity: this is not a v1 build's or an admin's delete.
 */
export function isPurgeDelete(before: SyncFields | undefined, after: SyncFields | undefined, group: DocumentData | undefined): boolean {
  const purgedBefore: unknown = group?.purgedBefore;
  if (after !== undefined || !(purgedBefore instanceof Timestamp)) return false;
  const covered = (deletedAt: unknown) => deletedAt instanceof Timestamp && compareTimestamps(deletedAt, purgedBefore) <= 0;
  return covered(before?.deletedAt) || covered(group?.deletedAt);
}

export interface TombstoneTarget {
  /** "commit-time": the tombstone's own commit time (see tombstoneFor). */
  deletedAt: Timestamp | "commit-time";
  deletedBy: string | null;
  /**
   * Whether TTL may delete it (it gets an expireAt): only while the soft-deleted expense still
   * shows the deletion to a delta query, or the purge's watermark covers it once the expense is
   * gone. The tombstone of a hard delete is the deletion's only trace until the purge raises the
   * watermark, so only the purge removes it (docs/purge.md, "TTL and the watermark").
   */
  expires: boolean;
}

/**
 * The tombstone the expense's *current* state calls for (not the event's), so events applied
 * twice or out of order converge: `null` means none, `undefined` means leave it as it is.
 */
export function tombstoneFor(
  current: SyncFields | undefined,
  before: SyncFields | undefined,
  after: SyncFields | undefined,
  deleter: string | null = null,
): TombstoneTarget | null | undefined {
  if (current !== undefined) {
    return current.deletedAt ? { deletedAt: current.deletedAt, deletedBy: current.deletedBy ?? null, expires: true } : null;
  }
  // Gone for good. Only the hard delete's own event may write the tombstone; an older event
  // arriving late leaves it alone.
  if (after !== undefined) return undefined;
  if (before?.deletedAt) return { deletedAt: before.deletedAt, deletedBy: before.deletedBy ?? null, expires: false };
  // A hard delete of a live expense has no deletedAt of its own, and its tombstone commits after
  // the delete: stamped with its own commit time, it is never older than a delta cursor a client
  // reached before it existed, so `deletedAt > cursor` always finds it.
  return { deletedAt: "commit-time", deletedBy: deleter, expires: false };
}

/**
 * Whether a record stamped with the commit time of a hard delete is already there: one dated at or
 * after the delete's event time was written for this deletion (by an earlier delivery); an older
 * one is left from an earlier deletion of the same id, whose restore's event has not cleared it yet.
 */
function stampedForThisDeletion(record: DocumentSnapshot, eventTime: Timestamp): boolean {
  const deletedAt = record.get("deletedAt");
  return deletedAt instanceof Timestamp && compareTimestamps(deletedAt, eventTime) >= 0;
}

function reconcileTombstone(
  tx: Transaction,
  tombstone: DocumentSnapshot,
  target: TombstoneTarget | null | undefined,
  event: ExpenseWriteEvent,
  retention?: RecordRetention,
): ExpenseWriteResult["tombstone"] {
  if (target === undefined) return "unchanged";
  if (target === null) {
    if (!tombstone.exists) return "unchanged";
    tx.delete(tombstone.ref);
    return "removed";
  }
  if (target.deletedAt === "commit-time") {
    if (stampedForThisDeletion(tombstone, eventTimestamp(event))) return "unchanged";
    tx.set(tombstone.ref, { collection: "expenses", docId: event.expenseId, deletedAt: FieldValue.serverTimestamp(), deletedBy: target.deletedBy });
    return "written";
  }
  const expireAt = target.expires ? expiry(target.deletedAt, retention) : {};
  const existing = tombstone.data();
  if (
    existing?.deletedAt instanceof Timestamp &&
    existing.deletedAt.isEqual(target.deletedAt) &&
    existing.deletedBy === target.deletedBy &&
    hasExpiry(existing, expireAt.expireAt)
  ) {
    return "unchanged";
  }
  tx.set(tombstone.ref, { collection: "expenses", docId: event.expenseId, deletedAt: target.deletedAt, deletedBy: target.deletedBy, ...expireAt });
  return "written";
}

/** Logs a structured warning for a document its schema rejects; says whether it did. */
function warnIfInvalid(event: ExpenseWriteEvent, doc: DocumentData | undefined, schema: z.ZodType): boolean {
  if (doc === undefined) return false;
  const parsed = schema.safeParse(doc);
  if (parsed.success) return false;
  logSchemaMismatch({
    path: `groups/${event.groupId}/expenses/${event.expenseId}`,
    eventId: event.id,
    issues: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  });
  return true;
}

/** The documents every expense event reads: its group, the expense now, and its tombstone and kept copy. */
function expenseRefs(db: Firestore, event: ExpenseWriteEvent) {
  const group = db.doc(`groups/${event.groupId}`);
  return {
    group,
    expense: group.collection("expenses").doc(event.expenseId),
    tombstone: group.collection("tombstones").doc(event.expenseId),
    keptDeletion: group.collection("deletedExpenses").doc(event.expenseId),
  };
}

/**
 * The copy of a hard-deleted expense kept under its group (`deletedExpenses/{expenseId}`) until
 * the purge, so a v2 client can restore it; a v1 build never reads that collection, so the device
 * that deleted it does not see it come back. Written by the hard delete's own event only (like its
 * tombstone), removed as soon as the expense exists again (a restore).
 */
function reconcileKeptDeletion(
  tx: Transaction,
  kept: DocumentSnapshot,
  event: ExpenseWriteEvent,
  tombstone: TombstoneTarget | null | undefined,
  currentExists: boolean,
): NonNullable<ExpenseWriteResult["keptDeletion"]> {
  if (currentExists) {
    if (!kept.exists) return "unchanged";
    tx.delete(kept.ref);
    return "removed";
  }
  if (event.after !== undefined || event.before === undefined || !tombstone) return "unchanged";
  if (kept.exists && (tombstone.deletedAt !== "commit-time" || stampedForThisDeletion(kept, eventTimestamp(event)))) return "unchanged";
  tx.set(kept.ref, {
    expenseId: event.expenseId,
    deletedAt: tombstone.deletedAt === "commit-time" ? FieldValue.serverTimestamp() : tombstone.deletedAt,
    deletedBy: tombstone.deletedBy,
    data: event.before,
  });
  return "kept";
}

type ExpenseRefs = ReturnType<typeof expenseRefs>;

/** Everything an expense event decides on, read in its transaction. */
async function readExpenseState(tx: Transaction, refs: ExpenseRefs, conflictRef: DocumentReference | undefined) {
  const [group, current, tombstone, kept, conflict] = await Promise.all([
    tx.get(refs.group),
    tx.get(refs.expense),
    tx.get(refs.tombstone),
    tx.get(refs.keptDeletion),
    conflictRef ? tx.get(conflictRef) : Promise.resolve(undefined),
  ]);
  return { group, current, tombstone, kept, conflict };
}

/**
 * Raises lastActivityAt to this transaction's commit time, for a write whose trace (a hard delete's
 * tombstone) carries that time: raised only to the event time, it could stay at or below a cursor
 * a client reached before the tombstone committed, and the group would never show the news. The
 * commit is later than every commit before it, so this never lowers lastActivityAt.
 */
function raiseToCommitTime(tx: Transaction, group: DocumentSnapshot): true {
  tx.update(group.ref, { lastActivityAt: FieldValue.serverTimestamp() });
  return true;
}

/** What a run that changes nothing reports. */
function untouchedRun(at: Timestamp, attempts: number, invalidDocument: boolean): ExpenseWriteResult {
  return { outcome: "stale-skipped", activityRaised: false, tombstone: "unchanged", activityAt: at, attempts, invalidDocument };
}

/** Applies one expense write event. Safe to call any number of times, in any order. */
export async function handleExpenseWrite(db: Firestore, event: ExpenseWriteEvent, retention?: RecordRetention): Promise<ExpenseWriteResult> {
  // A write that left the document as it was (seen from a client transaction that only read it):
  // nobody overwrote anybody, and there is no activity to show.
  if (event.before !== undefined && isDeepStrictEqual(event.before, event.after)) {
    return { ...untouchedRun(eventTimestamp(event), 0, false), outcome: "not-activity" };
  }
  if (isLegacyExpense(event.after)) return normalizeLegacyExpense(db, event, event.after, retention);
  const before = syncFields(event.before);
  const after = syncFields(event.after);
  const invalidDocument = warnIfInvalid(event, event.after ?? event.before, expenseSchema);
  const at = activityTime(event, after);
  const refs = expenseRefs(db, event);
  const conflictRef = isConcurrentEdit(before, after)
    ? refs.group.collection("conflicts").doc(conflictIdFor(event.expenseId, after))
    : undefined;

  let attempts = 0;
  return db.runTransaction(async (tx): Promise<ExpenseWriteResult> => {
    attempts += 1;
    const { group, current, tombstone, kept, conflict } = await readExpenseState(tx, refs, conflictRef);
    const untouched = untouchedRun(at, attempts, invalidDocument);
    if (!group.exists) return untouched;
    if (isPurgeDelete(before, after, group.data())) return { ...untouched, outcome: "purge-skipped" };

    const target = tombstoneFor(syncFields(current.data()), before, after, event.author ? authorUid(event.author) : null);
    const tombstoneChange = reconcileTombstone(tx, tombstone, target, event, retention);
    const keptDeletion = reconcileKeptDeletion(tx, kept, event, target, current.exists);
    const conflictRecorded = conflictRef !== undefined && conflict?.exists === false;
    const recorded = conflictRecorded
      ? recordConflict(tx, conflictRef, event, after as VersionedFields, before as VersionedFields, retention)
      : undefined;
    const hardDelete = target?.deletedAt === "commit-time";
    const activityRaised = hardDelete && tombstoneChange === "written" ? raiseToCommitTime(tx, group) : raiseLastActivity(tx, group, at);
    // A redelivery finds its conflict record, its tombstone, or its own time already in
    // lastActivityAt (which another write committed at the very same instant would also show:
    // rare, and harmless).
    const alreadyApplied =
      conflict?.exists === true || (hardDelete && tombstoneChange === "unchanged") || group.get("lastActivityAt")?.isEqual(at) === true;
    return {
      outcome: classifyOutcome({ conflictRecorded, activityRaised, alreadyApplied, invalidDocument }),
      activityRaised,
      tombstone: tombstoneChange,
      keptDeletion,
      conflict: recorded,
      activityAt: at,
      attempts,
      invalidDocument,
    };
  });
}

/**
 * A write by an app build from before 2.1 (docs/data-model.md, "Legacy clients"): rewritten into
 * a v2 document stamped with this commit's time (legacy.ts says which fields), with the group's
 * lastActivityAt raised to the same time, the expense live again (tombstone and kept copy gone),
 * and a conflict recorded when it replaced someone else's version. The rewrite is itself a write
 * whose event finds a v2 document and nothing left to do, so there is no loop.
 */
async function normalizeLegacyExpense(
  db: Firestore,
  event: ExpenseWriteEvent,
  written: DocumentData,
  retention: RecordRetention | undefined,
): Promise<ExpenseWriteResult> {
  const invalidDocument = warnIfInvalid(event, written, legacyExpenseWriteSchema);
  // The client's own commit: what the lag is measured from (its updatedAt is the device clock).
  const at = eventTimestamp(event);
  const refs = expenseRefs(db, event);
  const replaced = event.before;
  const overwritesAnother = typeof replaced?.updatedBy === "string" && replaced.updatedBy !== written.updatedBy;
  const conflictRef = overwritesAnother ? refs.group.collection("conflicts").doc(legacyConflictId(event.expenseId, event.id)) : undefined;

  let attempts = 0;
  return db.runTransaction(async (tx): Promise<ExpenseWriteResult> => {
    attempts += 1;
    const { group, current, tombstone, kept, conflict } = await readExpenseState(tx, refs, conflictRef);
    const untouched: ExpenseWriteResult = { ...untouchedRun(at, attempts, invalidDocument), legacy: { normalized: false } };
    if (!group.exists) return untouched;
    const commitTime = FieldValue.serverTimestamp();
    const normalizing = normalizesOnThisEvent(replaced, current.data(), isLegacyExpense);
    const baseVersion = storedVersion(replaced);
    // Recorded even when another event does the normalizing: the version this write overwrote is
    // kept whatever replaced the write itself afterwards.
    const recorded =
      conflictRef && conflict?.exists === false
        ? recordConflict(
            tx,
            conflictRef,
            event,
            { version: baseVersion + 1, baseVersion, updatedBy: written.updatedBy, updatedAt: normalizing ? commitTime : at },
            {
              version: baseVersion,
              updatedBy: replaced?.updatedBy,
              updatedAt: replaced?.updatedAt instanceof Timestamp ? replaced.updatedAt : at,
            },
            retention,
          )
        : undefined;
    if (!normalizing) {
      return { ...untouched, outcome: recorded ? "conflict-recorded" : conflict?.exists ? "duplicate-skipped" : "stale-skipped", conflict: recorded };
    }

    tx.update(refs.expense, normalizedExpenseFields(written, replaced, commitTime));
    const tombstoneChange = reconcileTombstone(tx, tombstone, null, event);
    const keptDeletion = reconcileKeptDeletion(tx, kept, event, null, true);
    raiseToCommitTime(tx, group);
    return {
      outcome: recorded ? "conflict-recorded" : invalidDocument ? "invalid-document" : "activity-raised",
      activityRaised: true,
      tombstone: tombstoneChange,
      keptDeletion,
      conflict: recorded,
      activityAt: at,
      attempts,
      invalidDocument,
      legacy: { normalized: true },
    };
  });
}

/** One side of a conflict: the version, its author and when it was written. */
interface ConflictSide {
  version: number;
  updatedBy: string;
  /** A Timestamp, or the server timestamp of a v1 write's normalization. */
  updatedAt: Timestamp | FieldValue;
}

/**
 * Records that `winner` overwrote `overwritten` (last writer by server time wins) with both
 * complete documents, and tells the overwritten author when that is someone else. Returns what it recorded.
 */
function recordConflict(
  tx: Transaction,
  conflictRef: DocumentReference,
  event: ExpenseWriteEvent,
  winner: ConflictSide & { baseVersion: number },
  overwritten: ConflictSide,
  retention: RecordRetention | undefined,
): RecordedConflict {
  tx.create(conflictRef, {
    expenseId: event.expenseId,
    detectedAt: FieldValue.serverTimestamp(),
    resolution: "last-writer-wins",
    winner: {
      version: winner.version,
      baseVersion: winner.baseVersion,
      updatedBy: winner.updatedBy,
      updatedAt: winner.updatedAt,
      data: event.after,
    },
    overwritten: {
      version: overwritten.version,
      updatedBy: overwritten.updatedBy,
      updatedAt: overwritten.updatedAt,
      data: event.before,
    },
    // From this run's clock, just before detectedAt's commit time: a server timestamp cannot be added to.
    ...expiry(Timestamp.now(), retention),
  });
  const recorded: RecordedConflict = {
    conflictId: conflictRef.id,
    winnerBy: winner.updatedBy,
    winnerBaseVersion: winner.baseVersion,
    overwrittenBy: overwritten.updatedBy,
    overwrittenVersion: overwritten.version,
  };
  if (overwritten.updatedBy === winner.updatedBy) return recorded;
  tx.create(conflictRef.firestore.doc(`users/${overwritten.updatedBy}/notifications/${conflictRef.id}`), {
    type: "conflict",
    groupId: event.groupId,
    expenseId: event.expenseId,
    conflictId: conflictRef.id,
    createdAt: FieldValue.serverTimestamp(),
    readAt: null,
  });
  return { ...recorded, notified: overwritten.updatedBy };
}
