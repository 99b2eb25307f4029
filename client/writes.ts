// Every write a client makes, in exactly the shape the rules accept. All go through the SDK's
// queue: each returns at once (the local cache already shows it) with the version it wrote and a
// promise that settles when the server acknowledges it — possibly much later, after going back
// online, so never await it on the UI path.
import {
  DocumentReference,
  FieldValue,
  FirestoreError,
  arrayRemove,
  arrayUnion,
  collection,
  deleteField,
  doc,
  getDocFromServer,
  serverTimestamp,
  setDoc,
  updateDoc,
} from "firebase/firestore";
import { isDeepStrictEqual } from "node:util";
import { Device } from "./device";
import { ExpenseFields, GroupFields } from "./model";

export interface QueuedWrite {
  /** The version the document has after this write (expenses only; 0 for other documents). */
  version: number;
  /** Settles when the server has committed (or refused) the write. */
  acknowledged: Promise<void>;
}

export const groupRef = (device: Device, groupId: string): DocumentReference => doc(device.db, "groups", groupId);
export const expenseRef = (device: Device, groupId: string, expenseId: string): DocumentReference =>
  doc(device.db, "groups", groupId, "expenses", expenseId);

/**
 * A new id made on the device, offline too. Creating with a client-made id is what keeps a
 * retried upload from ever duplicating the expense: the retry writes the same document.
 */
export function newExpenseId(device: Device, groupId: string): string {
  return doc(collection(device.db, "groups", groupId, "expenses")).id;
}

export function newGroupId(device: Device): string {
  return doc(collection(device.db, "groups")).id;
}

/** The fields every expense write carries: who, when (the server's commit time), from which version. */
function versionStamp(device: Device, version: number, baseVersion: number): Record<string, FieldValue | string | number> {
  return { updatedAt: serverTimestamp(), updatedBy: device.uid, version, baseVersion };
}

/**
 * The SDK re-sends every write it has no acknowledgement for when a connection drops, including
 * one the server did commit whose reply was lost. The rules refuse such a replay (a create's
 * createdAt would be a new request.time; an update would change nothing but updatedAt), so before
 * reporting a refusal the client asks the server whether its write is already there (`landed`);
 * if so, the write succeeded.
 */
function queued(version: number, write: Promise<void>, landed?: () => Promise<boolean>): QueuedWrite {
  const acknowledged = write.catch(async (error: unknown) => {
    // Matched by code: a refused write's error is a FirebaseError, not always a FirestoreError instance.
    if (landed && (error as Partial<FirestoreError>).code === "permission-denied" && (await landed())) return;
    throw error;
  });
  // Handled for Node's sake until the caller awaits it: a refused write must not crash the
  // process while nobody is waiting on it (the caller still sees the rejection).
  acknowledged.catch(() => undefined);
  return { version, acknowledged };
}

/**
 * Whether the server holds the expense as this device's write left it: its version, by this
 * user, with the `expected` values (the write's plain fields; server timestamps are not compared).
 */
function holdsWrite(ref: DocumentReference, device: Device, version: number, expected: Record<string, unknown>): () => Promise<boolean> {
  return async () => {
    const stored = await getDocFromServer(ref);
    return (
      stored.get("updatedBy") === device.uid &&
      stored.get("version") === version &&
      stored.get("baseVersion") === version - 1 &&
      Object.entries(expected).every(([field, value]) => isDeepStrictEqual(stored.get(field), value))
    );
  };
}

export function createExpense(device: Device, groupId: string, expenseId: string, fields: ExpenseFields): QueuedWrite {
  const ref = expenseRef(device, groupId, expenseId);
  const write = setDoc(ref, {
    ...fields,
    createdAt: serverTimestamp(),
    createdBy: device.uid,
    ...versionStamp(device, 1, 0),
    deletedAt: null,
    deletedBy: null,
  });
  // Nobody else can have created it: the id is this device's and createdBy is immutable.
  return queued(1, write, async () => (await getDocFromServer(ref)).get("createdBy") === device.uid);
}

/**
 * An edit made from `baseVersion` (the version the device last had). It carries the whole expense
 * as the device now has it — every user field, and live (deletedAt null) — so that when two edits
 * race, the later one wins as a whole document, never a mix of both that neither user wrote (an
 * amount from one and splits from the other). The server keeps the loser in a conflict record.
 * updateDoc, not setDoc: editing an expense the server no longer has fails instead of re-creating it.
 */
export function editExpense(device: Device, groupId: string, expenseId: string, baseVersion: number, fields: ExpenseFields): QueuedWrite {
  const ref = expenseRef(device, groupId, expenseId);
  const write = updateDoc(ref, {
    ...fields,
    category: fields.category ?? deleteField(),
    deletedAt: null,
    deletedBy: null,
    ...versionStamp(device, baseVersion + 1, baseVersion),
  });
  return queued(baseVersion + 1, write, holdsWrite(ref, device, baseVersion + 1, { ...fields, category: fields.category }));
}

/** Soft delete: the document stays (so the delete syncs and can be undone), marked deleted at commit time. */
export function softDeleteExpense(device: Device, groupId: string, expenseId: string, baseVersion: number): QueuedWrite {
  const ref = expenseRef(device, groupId, expenseId);
  const write = updateDoc(ref, { deletedAt: serverTimestamp(), deletedBy: device.uid, ...versionStamp(device, baseVersion + 1, baseVersion) });
  return queued(baseVersion + 1, write, holdsWrite(ref, device, baseVersion + 1, { deletedBy: device.uid }));
}

/** Undo of a soft delete. */
export function restoreExpense(device: Device, groupId: string, expenseId: string, baseVersion: number): QueuedWrite {
  const ref = expenseRef(device, groupId, expenseId);
  const write = updateDoc(ref, { deletedAt: null, deletedBy: null, ...versionStamp(device, baseVersion + 1, baseVersion) });
  return queued(baseVersion + 1, write, holdsWrite(ref, device, baseVersion + 1, { deletedAt: null, deletedBy: null }));
}

/** A new group owned by the device's user, who must be among `fields.memberIds`. */
export function createGroup(device: Device, groupId: string, fields: GroupFields): QueuedWrite {
  return queued(
    0,
    setDoc(groupRef(device, groupId), {
      ...fields,
      ownerId: device.uid,
      createdAt: serverTimestamp(),
      updatedAt: serverTimestamp(),
      updatedBy: device.uid,
      deletedAt: null,
      deletedBy: null,
    }),
  );
}

function groupStamp(device: Device): Record<string, FieldValue | string> {
  return { updatedAt: serverTimestamp(), updatedBy: device.uid };
}

/** Rename or change settings. */
export function editGroup(device: Device, groupId: string, changes: Partial<Omit<GroupFields, "memberIds">>): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { ...changes, ...groupStamp(device) }));
}

/** Any member may add members; arrayUnion merges with adds made concurrently on other devices. */
export function addMembers(device: Device, groupId: string, uids: string[]): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { memberIds: arrayUnion(...uids), ...groupStamp(device) }));
}

/** The owner removes anyone but itself; any other member may only remove itself (leave). */
export function removeMember(device: Device, groupId: string, uid: string): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { memberIds: arrayRemove(uid), ...groupStamp(device) }));
}

/** Marks one of the user's conflict notifications read; allowed once, from null. */
export function markNotificationRead(device: Device, notificationId: string): QueuedWrite {
  return queued(0, updateDoc(doc(device.db, "users", device.uid, "notifications", notificationId), { readAt: serverTimestamp() }));
}
