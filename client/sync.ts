// The client side of the sync protocol (docs/client-protocol.md): in the foreground, at most two
// listeners — Tier 1 on the user's groups (small metadata documents), Tier 2 on the active group's
// expenses since the cursor — and Tier 3, one-shot delta fetches, to catch up any other group that
// has news when the app resumes or the user opens it. A group whose cursor is older than its
// purgedBefore is resynced in full: deletions the delta would need may be gone.
import {
  DocumentReference,
  FirestoreError,
  QueryDocumentSnapshot,
  Timestamp,
  Unsubscribe,
  collection,
  doc,
  documentId,
  getDocFromCache,
  getDocFromServer,
  getDocsFromServer,
  query,
  where,
} from "firebase/firestore";
import { Device } from "./device";
import {
  ConflictNotification,
  ConflictRecord,
  ExpenseRecord,
  GroupRecord,
  TombstoneRecord,
  asExpense,
  compareTimestamps,
  laterOf,
} from "./model";
import { expensesSinceQuery, listenMetered, myGroupsQuery, tombstonesSinceQuery, unreadNotificationsQuery } from "./queries";
import { ReadMeter } from "./readMeter";
import { GroupReplica, LocalStore } from "./replica";

/**
 * How far before the cursor the tombstone query reaches back: a safety margin. The server stamps
 * a hard delete's tombstone with its own commit time, so `deletedAt > cursor` alone finds it; the
 * margin guards a client against any server that stamps with the delete's time instead. One hour:
 * the server drops trigger events older than that (TRIGGER_MAX_EVENT_AGE_SECONDS).
 */
export const TOMBSTONE_OVERLAP_MS = 3_600_000;
/** Firestore's limit on values in an `in` filter. */
const IN_FILTER_MAX = 30;

export type CatchUp = "current" | "delta" | "full-resync";

export interface SyncOptions {
  /** Counts what the server delivers (benchmarks, diagnostics). */
  meter?: ReadMeter;
  /** How far before the cursor the tombstone query reaches back; default TOMBSTONE_OVERLAP_MS. */
  tombstoneOverlapMs?: number;
}

/** Deletions the cursor may not have seen were purged: only a full read is right. */
export function needsFullResync(replica: GroupReplica, group: Pick<GroupRecord, "purgedBefore">): boolean {
  if (replica.cursor === null) return true;
  return group.purgedBefore !== undefined && compareTimestamps(replica.cursor, group.purgedBefore) < 0;
}

/** Tier 1 shows activity the replica has not caught up with. */
export function isStale(replica: GroupReplica, group: Pick<GroupRecord, "lastActivityAt">): boolean {
  if (!group.lastActivityAt) return false;
  return replica.syncedActivityAt === null || compareTimestamps(group.lastActivityAt, replica.syncedActivityAt) > 0;
}

function maxUpdatedAt(records: Iterable<ExpenseRecord>): Timestamp | null {
  let max: Timestamp | null = null;
  for (const record of records) max = laterOf(max, record.updatedAt);
  return max;
}

function minus(at: Timestamp, ms: number): Timestamp {
  return Timestamp.fromMillis(at.toMillis() - ms);
}

function expenseOf(snapshot: QueryDocumentSnapshot): ExpenseRecord {
  return asExpense(snapshot.ref.path, snapshot.data());
}

/**
 * Replaces the replica with the server's full set. `group` is the Tier-1 copy, read before this
 * fetch: its lastActivityAt and purgedBefore are commit times the fetch already covers, so the
 * cursor may move up to them (an old, quiet group would otherwise resync on every resume).
 */
export async function fullResync(device: Device, replica: GroupReplica, group: GroupRecord, { meter }: SyncOptions = {}): Promise<void> {
  const all = await getDocsFromServer(collection(device.db, "groups", replica.groupId, "expenses"));
  meter?.result("resync", all.size);
  const records = new Map(all.docs.map((snapshot) => [snapshot.id, expenseOf(snapshot)]));
  replica.replaceAll(records, laterOf(laterOf(maxUpdatedAt(records.values()), group.lastActivityAt), group.purgedBefore));
  replica.syncedActivityAt = laterOf(replica.syncedActivityAt, group.lastActivityAt ?? null);
}

/**
 * Tier 3: what changed since the cursor. Edits and soft deletes come with the expenses (a soft
 * delete is an update); a hard delete only as a tombstone, so a tombstone whose expense the replica
 * still holds live is checked against the server before the expense is dropped.
 */
export async function fetchDelta(
  device: Device,
  replica: GroupReplica,
  group: GroupRecord,
  { meter, tombstoneOverlapMs = TOMBSTONE_OVERLAP_MS }: SyncOptions = {},
): Promise<void> {
  const since = replica.cursor;
  if (since === null) throw new Error(`group ${replica.groupId} has no cursor: resync it in full first`);
  const changed = await getDocsFromServer(expensesSinceQuery(device, replica.groupId, since));
  meter?.result("tier3", changed.size);
  const delta = changed.docs.map((snapshot) => [snapshot.id, expenseOf(snapshot)] as const);
  for (const [id, record] of delta) replica.apply(id, record);

  const tombstones = await getDocsFromServer(tombstonesSinceQuery(device, replica.groupId, minus(since, tombstoneOverlapMs)));
  meter?.result("tombstones", tombstones.size);
  const deltaIds = new Set(delta.map(([id]) => id));
  const suspects = tombstones.docs
    .map((snapshot) => (snapshot.data() as TombstoneRecord).docId)
    .filter((id) => !deltaIds.has(id) && replica.expenses.get(id)?.deletedAt === null);
  for (let start = 0; start < suspects.length; start += IN_FILTER_MAX) {
    const ids = suspects.slice(start, start + IN_FILTER_MAX);
    const present = await getDocsFromServer(query(collection(device.db, "groups", replica.groupId, "expenses"), where(documentId(), "in", ids)));
    meter?.result("tier3", present.size);
    const found = new Map(present.docs.map((snapshot) => [snapshot.id, expenseOf(snapshot)]));
    for (const id of ids) {
      const record = found.get(id);
      if (record) replica.apply(id, record);
      else replica.remove(id);
    }
  }
  replica.advanceCursor(laterOf(maxUpdatedAt(delta.map(([, record]) => record)), group.lastActivityAt));
  replica.syncedActivityAt = laterOf(replica.syncedActivityAt, group.lastActivityAt ?? null);
}

/** Brings one group up to date with the least reading that is still exact. */
export async function catchUp(device: Device, replica: GroupReplica, group: GroupRecord, options: SyncOptions = {}): Promise<CatchUp> {
  if (needsFullResync(replica, group)) {
    await fullResync(device, replica, group, options);
    return "full-resync";
  }
  if (!isStale(replica, group)) return "current";
  await fetchDelta(device, replica, group, options);
  return "delta";
}

export interface UnreadNotification {
  id: string;
  notification: ConflictNotification;
}

export async function fetchUnreadNotifications(device: Device, meter?: ReadMeter): Promise<UnreadNotification[]> {
  const unread = await getDocsFromServer(unreadNotificationsQuery(device));
  meter?.result("notifications", unread.size);
  return unread.docs.map((snapshot) => ({ id: snapshot.id, notification: snapshot.data() as ConflictNotification }));
}

/** The record behind a notification: what won and, in full, what was overwritten. */
export async function fetchConflict(device: Device, groupId: string, conflictId: string): Promise<ConflictRecord> {
  const snapshot = await getDocFromServer(doc(device.db, "groups", groupId, "conflicts", conflictId));
  if (!snapshot.exists()) throw new Error(`conflict ${groupId}/${conflictId} does not exist`);
  return snapshot.data() as ConflictRecord;
}

export interface ListenerFailure {
  tier: "tier1" | "tier2";
  groupId?: string;
  error: FirestoreError;
}

/** Why the client stopped syncing a group. */
export interface LostGroup {
  groupId: string;
  reason: "left-tier1" | "tier2-permission-denied";
}

/**
 * One app session on one device: resume() when it comes to the foreground, open() when the user
 * switches group, background() when it leaves. The LocalStore outlives the session.
 */
export class SyncClient {
  /** Tier 1's view: the user's groups by id. */
  readonly groups = new Map<string, GroupRecord>();
  readonly failures: ListenerFailure[] = [];
  readonly lostGroups: LostGroup[] = [];
  notifications: UnreadNotification[] = [];
  private stopTier1?: Unsubscribe;
  private tier2?: { groupId: string; stop: Unsubscribe; current: boolean };

  readonly meter?: ReadMeter;

  constructor(
    readonly device: Device,
    readonly store: LocalStore = new LocalStore(),
    private readonly options: SyncOptions = {},
  ) {
    this.meter = options.meter;
  }

  get activeGroupId(): string | undefined {
    return this.tier2?.groupId;
  }

  /** Waits (listener-driven) for a state of the client; see ChangeSignal.until. */
  until<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T> {
    return this.store.changed.until(what, probe, timeoutMs);
  }

  /**
   * Foreground: Tier 1 first (its first result says which groups have news), then Tier 3 for each
   * group that needs it, the unread conflict notifications, and Tier 2 on the active group.
   */
  async resume(activeGroupId?: string): Promise<Map<string, CatchUp>> {
    await this.attachTier1();
    const outcomes = new Map<string, CatchUp>();
    await Promise.all(
      [...this.groups].map(async ([groupId, group]) => {
        if (groupId !== activeGroupId) outcomes.set(groupId, await catchUp(this.device, this.store.replica(groupId), group, this.options));
      }),
    );
    this.notifications = await fetchUnreadNotifications(this.device, this.meter);
    if (activeGroupId) outcomes.set(activeGroupId, await this.open(activeGroupId));
    return outcomes;
  }

  /** Makes `groupId` the active group: catches it up, then listens to it (Tier 2). */
  async open(groupId: string): Promise<CatchUp> {
    this.closeTier2();
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`group ${groupId} is not among ${this.device.label}'s groups`);
    const replica = this.store.replica(groupId);
    const outcome = await catchUp(this.device, replica, group, this.options);
    await this.attachTier2(replica);
    return outcome;
  }

  /**
   * Background: detaches both listeners. Writes still in flight are given `flushTimeoutMs` to be
   * acknowledged first while Tier 2 still listens, so their server copies reach the replica.
   */
  async background(flushTimeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, flushTimeoutMs)));
    if (this.device.online) await Promise.race([this.device.flushed(), deadline]);
    clearTimeout(timer);
    this.closeTier2();
    this.stopTier1?.();
    this.stopTier1 = undefined;
  }

  private attachTier1(): Promise<void> {
    this.stopTier1?.();
    this.groups.clear();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      this.stopTier1 = listenMetered(
        myGroupsQuery(this.device),
        "tier1",
        this.meter,
        (snapshot) => {
          for (const change of snapshot.docChanges()) {
            if (change.type === "removed") this.loseGroup(change.doc.id, "left-tier1");
            else this.noteGroup(change.doc.id, change.doc.data() as GroupRecord);
          }
          this.store.changed.notify();
          if (!snapshot.metadata.fromCache && !settled) {
            settled = true;
            resolve();
          }
        },
        (error) => {
          this.failures.push({ tier: "tier1", error });
          this.store.changed.notify();
          if (!settled) {
            settled = true;
            reject(error);
          }
        },
      );
    });
  }

  private noteGroup(groupId: string, group: GroupRecord): void {
    this.groups.set(groupId, group);
    // Tier 2 delivers a group's expense changes no later than Tier 1 delivers the activity they
    // caused (one watch stream, in commit order): a listening replica is current through it.
    if (this.tier2?.groupId === groupId && this.tier2.current && group.lastActivityAt) {
      const replica = this.store.replica(groupId);
      replica.syncedActivityAt = laterOf(replica.syncedActivityAt, group.lastActivityAt);
    }
  }

  private loseGroup(groupId: string, reason: LostGroup["reason"]): void {
    if (this.tier2?.groupId === groupId) this.closeTier2();
    this.groups.delete(groupId);
    this.store.drop(groupId);
    this.lostGroups.push({ groupId, reason });
  }

  private attachTier2(replica: GroupReplica): Promise<void> {
    const groupId = replica.groupId;
    return new Promise<void>((resolve, reject) => {
      const listener = { groupId, current: false, stop: (): void => undefined };
      this.tier2 = listener;
      listener.stop = listenMetered(
        expensesSinceQuery(this.device, groupId, replica.cursor),
        "tier2",
        this.meter,
        (snapshot) => {
          const applied: ExpenseRecord[] = [];
          for (const change of snapshot.docChanges()) {
            if (change.type === "removed") void this.confirmRemoval(replica, change.doc.ref);
            else if (!change.doc.metadata.hasPendingWrites) {
              const record = expenseOf(change.doc);
              if (replica.apply(change.doc.id, record)) applied.push(record);
            }
          }
          // Only a snapshot in sync with the server vouches for everything up to its newest change.
          if (!snapshot.metadata.fromCache) {
            replica.advanceCursor(maxUpdatedAt(applied));
            if (!listener.current) {
              listener.current = true;
              resolve();
            }
          }
        },
        (error) => {
          this.failures.push({ tier: "tier2", groupId, error });
          if (this.tier2 === listener) this.tier2 = undefined;
          if (error.code === "permission-denied") this.loseGroup(groupId, "tier2-permission-denied");
          this.store.changed.notify();
          if (!listener.current) reject(error);
        },
      );
    });
  }

  /**
   * A document leaves the Tier-2 result when the server deleted it — or when it is this device's
   * own pending edit: until acknowledged its updatedAt is a server-timestamp placeholder, which no
   * `updatedAt >` filter matches. The local cache tells the two apart.
   */
  private async confirmRemoval(replica: GroupReplica, ref: DocumentReference): Promise<void> {
    try {
      if ((await getDocFromCache(ref)).exists()) return;
    } catch {
      // Not cached at all: the server deleted it and the cache has let it go.
    }
    replica.remove(ref.id);
  }

  private closeTier2(): void {
    this.tier2?.stop();
    this.tier2 = undefined;
  }

  /** Detaches everything; the device itself is closed by its owner. */
  stop(): void {
    this.closeTier2();
    this.stopTier1?.();
    this.stopTier1 = undefined;
  }
}
