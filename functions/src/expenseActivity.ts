// What the server does when an expense is written: raise the group's lastActivityAt, keep the
// expense's tombstone in step with its state, and record a conflict (plus a notification) when
// the write overwrote an edit its author had not seen — all in one transaction, so a retry or a
// duplicate delivery never leaves half of it behind.
import {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  FieldValue,
  Firestore,
  Timestamp,
  Transaction,
} from "firebase-admin/firestore";
import { z } from "zod";
import { expenseSchema } from "../../core/schemas";
import { compareTimestamps } from "../../core/timestamps";
import { classifyOutcome, raiseLastActivity } from "./activity";
import { logSchemaMismatch } from "./logs";
import { HandledOutcome, RecordedConflict, TombstoneChange } from "./outcomes";

export interface ExpenseWriteEvent {
  /** The delivery's event id (the same on a redelivery). */
  id: string;
  /** Commit time of the write, ISO-8601 (whole seconds in the emulator). */
  time: string;
  groupId: string;
  expenseId: string;
  before?: DocumentData;
  after?: DocumentData;
}

export interface ExpenseWriteResult {
  outcome: HandledOutcome;
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

/** When the write happened: its updatedAt (commit time), or the event time when it has none. */
export function activityTime(event: Pick<ExpenseWriteEvent, "time">, after: SyncFields | undefined): Timestamp {
  return after?.updatedAt ?? Timestamp.fromDate(new Date(event.time));
}

/** The hard delete the purge makes: an expense soft-deleted no later than the group's watermark. */
export function isPurgeDelete(before: SyncFields | undefined, after: SyncFields | undefined, purgedBefore: unknown): boolean {
  return (
    after === undefined &&
    before?.deletedAt instanceof Timestamp &&
    purgedBefore instanceof Timestamp &&
    compareTimestamps(before.deletedAt, purgedBefore) <= 0
  );
}

export interface TombstoneTarget {
  /** "commit-time": the tombstone's own commit time (see tombstoneFor). */
  deletedAt: Timestamp | "commit-time";
  deletedBy: string | null;
}

/**
 * The tombstone the expense's *current* state calls for (not the event's), so events applied
 * twice or out of order converge: `null` means none, `undefined` means leave it as it is.
 */
export function tombstoneFor(
  current: SyncFields | undefined,
  before: SyncFields | undefined,
  after: SyncFields | undefined,
): TombstoneTarget | null | undefined {
  if (current !== undefined) {
    return current.deletedAt ? { deletedAt: current.deletedAt, deletedBy: current.deletedBy ?? null } : null;
  }
  // Gone for good. Only the hard delete's own event may write the tombstone; an older event
  // arriving late leaves it alone.
  if (after !== undefined) return undefined;
  if (before?.deletedAt) return { deletedAt: before.deletedAt, deletedBy: before.deletedBy ?? null };
  // A hard delete of a live expense has no deletedAt of its own, and its tombstone commits after
  // the delete: stamped with its own commit time, it is never older than a delta cursor a client
  // reached before it existed, so `deletedAt > cursor` always finds it.
  return { deletedAt: "commit-time", deletedBy: null };
}

function reconcileTombstone(
  tx: Transaction,
  tombstone: DocumentSnapshot,
  target: TombstoneTarget | null | undefined,
  expenseId: string,
): ExpenseWriteResult["tombstone"] {
  if (target === undefined) return "unchanged";
  if (target === null) {
    if (!tombstone.exists) return "unchanged";
    tx.delete(tombstone.ref);
    return "removed";
  }
  if (target.deletedAt === "commit-time") {
    if (tombstone.exists) return "unchanged";
    tx.set(tombstone.ref, { collection: "expenses", docId: expenseId, deletedAt: FieldValue.serverTimestamp(), deletedBy: target.deletedBy });
    return "written";
  }
  const existing = tombstone.data();
  if (existing?.deletedAt instanceof Timestamp && existing.deletedAt.isEqual(target.deletedAt) && existing.deletedBy === target.deletedBy) {
    return "unchanged";
  }
  tx.set(tombstone.ref, { collection: "expenses", docId: expenseId, ...target });
  return "written";
}

/** Logs a structured warning for a document the schema rejects; says whether it did. */
function warnIfInvalid(event: ExpenseWriteEvent): boolean {
  const doc = event.after ?? event.before;
  if (doc === undefined) return false;
  const parsed = expenseSchema.safeParse(doc);
  if (parsed.success) return false;
  logSchemaMismatch({
    path: `groups/${event.groupId}/expenses/${event.expenseId}`,
    eventId: event.id,
    issues: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  });
  return true;
}

/** Applies one expense write event. Safe to call any number of times, in any order. */
export async function handleExpenseWrite(db: Firestore, event: ExpenseWriteEvent): Promise<ExpenseWriteResult> {
  const before = syncFields(event.before);
  const after = syncFields(event.after);
  const invalidDocument = warnIfInvalid(event);
  const at = activityTime(event, after);
  const groupRef = db.doc(`groups/${event.groupId}`);
  const expenseRef = groupRef.collection("expenses").doc(event.expenseId);
  const tombstoneRef = groupRef.collection("tombstones").doc(event.expenseId);
  const conflictRef = isConcurrentEdit(before, after)
    ? groupRef.collection("conflicts").doc(conflictIdFor(event.expenseId, after))
    : undefined;

  let attempts = 0;
  return db.runTransaction(async (tx): Promise<ExpenseWriteResult> => {
    attempts += 1;
    const [group, current, tombstone, conflict] = await Promise.all([
      tx.get(groupRef),
      tx.get(expenseRef),
      tx.get(tombstoneRef),
      conflictRef ? tx.get(conflictRef) : Promise.resolve(undefined),
    ]);
    const untouched: ExpenseWriteResult = {
      outcome: "stale-skipped",
      activityRaised: false,
      tombstone: "unchanged",
      activityAt: at,
      attempts,
      invalidDocument,
    };
    if (!group.exists) return untouched;
    if (isPurgeDelete(before, after, group.get("purgedBefore"))) return { ...untouched, outcome: "purge-skipped" };

    const tombstoneChange = reconcileTombstone(tx, tombstone, tombstoneFor(syncFields(current.data()), before, after), event.expenseId);
    const conflictRecorded = conflictRef !== undefined && conflict?.exists === false;
    const recorded = conflictRecorded
      ? recordConflict(tx, conflictRef, event, before as VersionedFields, after as VersionedFields)
      : undefined;
    const activityRaised = raiseLastActivity(tx, group, at);
    // A redelivery finds its conflict record, or its own time already in lastActivityAt (which
    // another write committed at the very same instant would also show: rare, and harmless).
    const alreadyApplied = conflict?.exists === true || group.get("lastActivityAt")?.isEqual(at) === true;
    return {
      outcome: classifyOutcome({ conflictRecorded, activityRaised, alreadyApplied, invalidDocument }),
      activityRaised,
      tombstone: tombstoneChange,
      conflict: recorded,
      activityAt: at,
      attempts,
      invalidDocument,
    };
  });
}

/**
 * Records that `after` overwrote `before` (last writer by server time wins) with both complete
 * documents, and tells the overwritten author when that is someone else. Returns what it recorded.
 */
function recordConflict(
  tx: Transaction,
  conflictRef: DocumentReference,
  event: ExpenseWriteEvent,
  before: VersionedFields,
  after: VersionedFields,
): RecordedConflict {
  tx.create(conflictRef, {
    expenseId: event.expenseId,
    detectedAt: FieldValue.serverTimestamp(),
    resolution: "last-writer-wins",
    winner: {
      version: after.version,
      baseVersion: after.baseVersion,
      updatedBy: after.updatedBy,
      updatedAt: after.updatedAt,
      data: event.after,
    },
    overwritten: {
      version: before.version,
      updatedBy: before.updatedBy,
      updatedAt: before.updatedAt,
      data: event.before,
    },
  });
  const recorded: RecordedConflict = {
    conflictId: conflictRef.id,
    winnerBy: after.updatedBy,
    winnerBaseVersion: after.baseVersion,
    overwrittenBy: before.updatedBy,
    overwrittenVersion: before.version,
  };
  if (before.updatedBy === after.updatedBy) return recorded;
  tx.create(conflictRef.firestore.doc(`users/${before.updatedBy}/notifications/${conflictRef.id}`), {
    type: "conflict",
    groupId: event.groupId,
    expenseId: event.expenseId,
    conflictId: conflictRef.id,
    createdAt: FieldValue.serverTimestamp(),
    readAt: null,
  });
  return { ...recorded, notified: before.updatedBy };
}
