// The queries of the contract ("Client queries the backend must serve"), and a metered listener.
// The rules allow each of them for a member only because of its shape: Tier 1 must filter on the
// user's own uid; the others live under a group the user belongs to.
import {
  DocumentReference,
  FirestoreError,
  Query,
  QuerySnapshot,
  Timestamp,
  Unsubscribe,
  collection,
  doc,
  onSnapshot,
  orderBy,
  query,
  where,
} from "firebase/firestore";
import { Device } from "./device";
import { ReadMeter, ReadSource } from "./readMeter";

/**
 * Tier 1: the user's groups, most recently active first (a group without lastActivityAt yet is not
 * listed); with `since`, only those active after it (the mark of the groups a device holds).
 */
export function myGroupsQuery(device: Device, since: Timestamp | null = null): Query {
  const mine = where("memberIds", "array-contains", device.uid);
  const groups = collection(device.db, "groups");
  return since
    ? query(groups, mine, where("lastActivityAt", ">", since), orderBy("lastActivityAt", "desc"))
    : query(groups, mine, orderBy("lastActivityAt", "desc"));
}

/** The server's record of the user's groups leaving Tier 1 unseen (core/schemas.ts, membershipRecordSchema). */
export function membershipRecordRef(device: Device): DocumentReference {
  return doc(device.db, "users", device.uid, "sync", "membership");
}

/** Tier 2 / Tier 3: a group's expenses committed after `since` (all of them when null), oldest first. */
export function expensesSinceQuery(device: Device, groupId: string, since: Timestamp | null): Query {
  const expenses = collection(device.db, "groups", groupId, "expenses");
  return since ? query(expenses, where("updatedAt", ">", since), orderBy("updatedAt")) : query(expenses, orderBy("updatedAt"));
}

/** Tier 3, and the active group's deletions: a group's tombstones of deletions after `since` (all of them when null). */
export function tombstonesSinceQuery(device: Device, groupId: string, since: Timestamp | null): Query {
  const tombstones = collection(device.db, "groups", groupId, "tombstones");
  return since ? query(tombstones, where("deletedAt", ">", since)) : query(tombstones);
}

/** A user's unread conflict notifications. */
export function unreadNotificationsQuery(device: Device): Query {
  return query(collection(device.db, "users", device.uid, "notifications"), where("readAt", "==", null));
}

/**
 * onSnapshot that also meters what the server delivers: the first snapshot from the server is the
 * listener's initial result, every later one a set of changes. Cache-only snapshots cost nothing.
 * Metadata changes are included so the moment the result is in sync with the server is always
 * reported — a listener re-attached over an unchanged cached result would otherwise never say so —
 * while docChanges() still lists only real changes.
 */
export function listenMetered(
  target: Query,
  source: ReadSource,
  meter: ReadMeter | undefined,
  onNext: (snapshot: QuerySnapshot) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  let initialResultSeen = false;
  return onSnapshot(
    target,
    { includeMetadataChanges: true },
    (snapshot) => {
      if (meter && !snapshot.metadata.fromCache) {
        if (initialResultSeen) meter.changes(source, snapshot.docChanges().length);
        else meter.result(source, snapshot.size);
        initialResultSeen = true;
      }
      onNext(snapshot);
    },
    onError,
  );
}
