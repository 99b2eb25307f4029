// Every write a client makes, in exactly the shape the rules accept. All go through the SDK's
// queue: each returns at once (the local cache already shows it) with the version it wrote and a
// promise that settles when the server acknowledges it — possibly much later, after going back
// online, so never await it on the UI path.
import {
  DocumentReference,
  DocumentSnapshot,
  FieldValue,
  FirestoreError,
  arrayRemove,
  arrayUnion,
  collection,
  deleteField,
  doc,
  onSnapshot,
  serverTimestamp,
  setDoc,
  updateDoc,
} from "firebase/firestore";
import { Device } from "./device";
import { docFromServer } from "./serverReads";
import { ExpenseFields, GroupFields, KeptDeletionRecord, expenseFieldsOf, isNormalizedExpense, sameFieldValue } from "./model";

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
    if (landed && isRefusal(error) && (await landed())) return;
    throw error;
  });
  // Handled until the caller awaits it: a refused write must not crash a Node process or log an
  // unhandled rejection in a page while nobody is waiting on it (the caller still sees the rejection).
  acknowledged.catch(() => undefined);
  return { version, acknowledged };
}

function isRefusal(error: unknown): boolean {
  // Matched by code: a refused write's error is a FirebaseError, not always a FirestoreError instance.
  return (error as Partial<FirestoreError>).code === "permission-denied";
}

/**
 * Whether the server holds the expense as this device's update left it: its version, by this
 * user, with the `expected` values (the write's plain fields; server timestamps are not compared).
 */
function holdsUpdate(stored: DocumentSnapshot, device: Device, version: number, expected: Record<string, unknown>): boolean {
  return (
    stored.get("updatedBy") === device.uid &&
    stored.get("version") === version &&
    stored.get("baseVersion") === version - 1 &&
    Object.entries(expected).every(([field, value]) => sameFieldValue(stored.get(field), value))
  );
}

/** How long a refused update waits for the server to normalize the v1 write that refused it. */
const NORMALIZATION_WAIT_MS = 30_000;
/** v1 builds may keep writing the expense meanwhile; after this many sends the refusal stands. */
const MAX_SENDS = 4;

/** What a refused update's device finds the server holding: its own update, a reason to send it again, or nothing of the sort. */
type AfterRefusal = "landed" | "send-again" | "refused";

/**
 * Watches the expense after a refusal of this device's update. A v1 write not yet normalized is
 * recognized without a version; once one has been seen, in the cache or from the server (the
 * cache has it only from the server), the next version with one is its normalization. Without
 * such a sighting, only the server's copy counts: the cache may still hold a version from before
 * the v1 write. `mayHaveMissedIt`: the normalization may already have landed by the first look
 * (this is the first refusal), so a normalized copy that is not this update calls for a send too.
 */
function afterRefusal(ref: DocumentReference, holds: (stored: DocumentSnapshot) => boolean, mayHaveMissedIt: boolean): Promise<AfterRefusal> {
  return new Promise<AfterRefusal>((resolve, reject) => {
    let sawUnnormalized = false;
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      stop();
      settle();
    };
    const timer = setTimeout(() => finish(() => resolve("refused")), NORMALIZATION_WAIT_MS);
    const stop = onSnapshot(
      ref,
      { includeMetadataChanges: true },
      (stored) => {
        if (stored.metadata.hasPendingWrites) return;
        if (stored.exists() && !isNormalizedExpense(stored.data())) {
          sawUnnormalized = true;
          return;
        }
        const fromServer = !stored.metadata.fromCache;
        if (!stored.exists()) {
          if (fromServer) finish(() => resolve("refused"));
        } else if (holds(stored)) {
          if (fromServer) finish(() => resolve("landed"));
        } else if (sawUnnormalized || (fromServer && mayHaveMissedIt)) {
          finish(() => resolve("send-again"));
        } else if (fromServer) {
          finish(() => resolve("refused"));
        }
      },
      (error) => finish(() => reject(error)),
    );
  });
}

/**
 * An expense update: edit, soft delete or restore. A refusal is looked into before it is reported
 * (afterRefusal):
 * - the server already holds the update: a replay of a committed write (see `queued`), done;
 * - the server held a v1 build's write it had not normalized yet: the rules accept a v2 update
 *   only over a document with a version, and the SDK dropped this one. Once the normalized version
 *   is there, the same update is sent again from the same baseVersion. Its user never saw the v1
 *   write, so it is a concurrent update: it wins as one, and the server keeps the v1 write in a
 *   conflict record.
 */
function queuedUpdate(ref: DocumentReference, device: Device, version: number, send: () => Promise<void>, expected: Record<string, unknown>): QueuedWrite {
  const holds = (stored: DocumentSnapshot) => holdsUpdate(stored, device, version, expected);
  const sendPastLegacyWrites = async (): Promise<void> => {
    for (let sends = 1; ; sends++) {
      try {
        // The first send runs before any await: the update joins the SDK's queue at once, in order.
        return await send();
      } catch (error) {
        if (!isRefusal(error) || sends === MAX_SENDS) throw error;
        const found = await afterRefusal(ref, holds, sends === 1);
        if (found === "landed") return;
        if (found === "refused") throw error;
      }
    }
  };
  return queued(version, sendPastLegacyWrites());
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
  return queued(1, write, async () => (await docFromServer(ref)).get("createdBy") === device.uid);
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
  const send = () =>
    updateDoc(ref, {
      ...fields,
      category: fields.category ?? deleteField(),
      deletedAt: null,
      deletedBy: null,
      ...versionStamp(device, baseVersion + 1, baseVersion),
    });
  return queuedUpdate(ref, device, baseVersion + 1, send, { ...fields, category: fields.category });
}

/** Soft delete: the document stays (so the delete syncs and can be undone), marked deleted at commit time. */
export function softDeleteExpense(device: Device, groupId: string, expenseId: string, baseVersion: number): QueuedWrite {
  const ref = expenseRef(device, groupId, expenseId);
  const send = () => updateDoc(ref, { deletedAt: serverTimestamp(), deletedBy: device.uid, ...versionStamp(device, baseVersion + 1, baseVersion) });
  return queuedUpdate(ref, device, baseVersion + 1, send, { deletedBy: device.uid });
}

/** Undo of a soft delete. */
export function restoreExpense(device: Device, groupId: string, expenseId: string, baseVersion: number): QueuedWrite {
  const ref = expenseRef(device, groupId, expenseId);
  const send = () => updateDoc(ref, { deletedAt: null, deletedBy: null, ...versionStamp(device, baseVersion + 1, baseVersion) });
  return queuedUpdate(ref, device, baseVersion + 1, send, { deletedAt: null, deletedBy: null });
}

/**
 * Brings back an expense that a v1 build deleted for good, from the copy the server kept
 * (`fetchKeptDeletions` in sync.ts): an ordinary create at the same id with the user's fields as
 * they were. The server then removes the kept copy and the tombstone.
 */
export function restoreKeptDeletion(device: Device, groupId: string, kept: KeptDeletionRecord): QueuedWrite {
  return createExpense(device, groupId, kept.expenseId, expenseFieldsOf(kept.data));
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

/**
 * The owner's soft delete of a group. Members still read it (the app hides it) until the purge
 * removes it, with everything in it, after the expense retention; restoreGroup undoes it until then.
 */
export function deleteGroup(device: Device, groupId: string): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { deletedAt: serverTimestamp(), deletedBy: device.uid, ...groupStamp(device) }));
}

/** The owner's undo of deleteGroup, before the purge: the group and everything in it are back as they were. */
export function restoreGroup(device: Device, groupId: string): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { deletedAt: null, deletedBy: null, ...groupStamp(device) }));
}

/** Any member may add members; arrayUnion merges with adds made concurrently on other devices. */
export function addMembers(device: Device, groupId: string, uids: string[]): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { memberIds: arrayUnion(...uids), ...groupStamp(device) }));
}

/**
 * The owner removes anyone but itself; any other member may only remove itself (leave). The owner
 * leaves only as the last member (the server then soft-deletes the group), or after a hand-over.
 */
export function removeMember(device: Device, groupId: string, uid: string): QueuedWrite {
  return queued(0, updateDoc(groupRef(device, groupId), { memberIds: arrayRemove(uid), ...groupStamp(device) }));
}

/**
 * The owner makes another current member the owner, audited in the same write. Nothing else may
 * change with it: to leave as well, queue removeMember after it (the two upload in order).
 */
export function handOverGroup(device: Device, groupId: string, newOwnerId: string): QueuedWrite {
  return queued(
    0,
    updateDoc(groupRef(device, groupId), { ownerId: newOwnerId, handedOverAt: serverTimestamp(), handedOverBy: device.uid, ...groupStamp(device) }),
  );
}

/** The user's own profile; its displayName is what co-members see in each group's memberNames. */
export function createProfile(device: Device, displayName: string): QueuedWrite {
  const ref = doc(device.db, "users", device.uid);
  return queued(0, setDoc(ref, { displayName, createdAt: serverTimestamp(), updatedAt: serverTimestamp() }));
}

/** A new display name: the server carries it into every group the user is in. */
export function renameProfile(device: Device, displayName: string): QueuedWrite {
  return queued(0, updateDoc(doc(device.db, "users", device.uid), { displayName, updatedAt: serverTimestamp() }));
}

/** Marks one of the user's conflict notifications read; allowed once, from null. */
export function markNotificationRead(device: Device, notificationId: string): QueuedWrite {
  return queued(0, updateDoc(doc(device.db, "users", device.uid, "notifications", notificationId), { readAt: serverTimestamp() }));
}
