// App builds from before 2.1 ("v1") write whole documents with the device clock and no version
// fields, and delete expenses for good. The server turns each such write into a well-formed v2
// document (docs/data-model.md, "Legacy clients"); this module decides what that document is.
import { DocumentData, FieldValue, Timestamp } from "firebase-admin/firestore";
import { uidSchema } from "../../core/schemas";
import { laterOf } from "../../core/timestamps";

/** An expense without `version` was written by a v1 build (a full set removes the v2 fields). */
export function isLegacyExpense(doc: DocumentData | undefined): doc is DocumentData {
  return doc !== undefined && !("version" in doc);
}

/** A group without the deletion pair was written by a v1 build (v2 always carries it). */
export function isLegacyGroup(doc: DocumentData | undefined): doc is DocumentData {
  return doc !== undefined && !("deletedAt" in doc);
}

/**
 * Whether this event normalizes the stored document: the document is still unnormalized, and this
 * is the event whose v1 write replaced the v2 document (or created it). A v1 write that lands on
 * another not-yet-normalized one (or a server write to such a group) leaves the work to that
 * earlier event, which still knows the v2 document both replaced: so the version history, a soft
 * delete and the watermark survive whatever order the events arrive in. Once normalized (or
 * replaced by a v2 write) the document is left alone, which makes a redelivery a no-op.
 */
export function normalizesOnThisEvent(
  replaced: DocumentData | undefined,
  current: DocumentData | undefined,
  isLegacy: (doc: DocumentData | undefined) => boolean,
): boolean {
  return isLegacy(current) && (replaced === undefined || !isLegacy(replaced));
}

/** The version a document carries, 0 for one that has none (a v1 write). */
export function storedVersion(doc: DocumentData | undefined): number {
  return Number.isInteger(doc?.version) ? (doc?.version as number) : 0;
}

/**
 * The fields that turn a v1 expense write into a v2 document. `updatedAt` becomes the
 * normalization's own commit time, so no delta cursor can have passed it already; the version
 * continues from the document the write replaced (a v1 write over another unnormalized v1 write
 * restarts at 1: that write's version was never stored); creation stays what the stored document
 * said; a v1 build knows no soft delete, so its write leaves the expense live.
 */
export function normalizedExpenseFields(written: DocumentData, replaced: DocumentData | undefined, commitTime: FieldValue): DocumentData {
  const baseVersion = storedVersion(replaced);
  return {
    createdAt: replaced?.createdAt ?? commitTime,
    createdBy: replaced?.createdBy ?? written.createdBy,
    updatedAt: commitTime,
    version: baseVersion + 1,
    baseVersion,
    deletedAt: null,
    deletedBy: null,
  };
}

/**
 * The fields that turn a v1 group write into a v2 document: the server-owned fields a full set
 * removed come back (purgedBefore as the later of what the write replaced and what the purge may
 * have raised since), an owner's soft delete is kept (a v1 build cannot see it, so its rename must
 * not undo it), so is the audit of the latest hand-over (a v1 write keeps ownerId), and creation
 * stays what it was.
 */
export function normalizedGroupFields(replaced: DocumentData | undefined, current: DocumentData, commitTime: FieldValue): DocumentData {
  const purgedBefore = laterOf<Timestamp>(replaced?.purgedBefore, current.purgedBefore);
  const handedOver = replaced?.handedOverAt !== undefined;
  return {
    createdAt: replaced?.createdAt ?? commitTime,
    updatedAt: commitTime,
    deletedAt: replaced?.deletedAt ?? null,
    deletedBy: replaced?.deletedBy ?? null,
    lastActivityAt: commitTime,
    ...(purgedBefore ? { purgedBefore } : {}),
    ...(handedOver ? { handedOverAt: replaced.handedOverAt, handedOverBy: replaced.handedOverBy } : {}),
  };
}

/** What the platform says about who made a write (auth-context triggers). */
export interface WriteAuthor {
  authType?: string;
  authId?: string;
}

/**
 * The user who made a write, or null when the platform names no end user: an admin, a service
 * account, the system, or the emulator (which reports every write as "unknown" with a fixed fake
 * id). Never a principal that is not a Firebase Auth uid.
 */
export function authorUid(author: WriteAuthor): string | null {
  if (author.authType !== "app_user" || author.authId === undefined) return null;
  return uidSchema.safeParse(author.authId).success ? author.authId : null;
}

/**
 * The conflict record's id for a v1 write that replaced someone else's version. A v1 write has no
 * server time of its own to derive it from (its updatedAt is the device clock), so it is derived
 * from the delivery's event id, which every redelivery of the same write shares.
 */
export function legacyConflictId(expenseId: string, eventId: string): string {
  return `${expenseId}_v1_${eventId.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}
