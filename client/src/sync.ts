// The client side of the sync protocol (docs/client-protocol.md): in the foreground, at most two
// listeners — Tier 1 on the user's groups (small metadata documents), Tier 2 on the active group's
// expenses since the cursor — and Tier 3, one-shot delta fetches, to catch up any other group that
// has news when the app resumes or the user opens it, and the active group's tombstones when Tier 1
// shows activity Tier 2 did not (a hard delete). A group whose cursor is older than its
// purgedBefore is resynced in full: deletions the delta would need may be gone. A user outside the
// realtime rollout (config/sync, core/rollout.ts) gets no listener: the client polls instead, Tier 1
// as a query and Tier 3 for the groups with news. Either way, an expense without a version is a
// v1 build's write the server has not normalized yet, and is left for its normalized version.
import {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  FirestoreError,
  QueryDocumentSnapshot,
  Timestamp,
  Unsubscribe,
  collection,
  doc,
  documentId,
  getDocFromCache,
  getDocsFromCache,
  query,
  waitForPendingWrites,
  where,
} from "firebase/firestore";
import { defaultSyncConfig, isInRollout } from "../../core/rollout";
import { Device } from "./device";
import { docFromServer, docsFromServer } from "./serverReads";
import {
  ConflictNotification,
  ConflictRecord,
  ExpenseRecord,
  GroupRecord,
  KeptDeletionRecord,
  SyncConfig,
  TombstoneRecord,
  asExpense,
  compareTimestamps,
  isNormalizedExpense,
  laterOf,
} from "./model";
import { PollLoop } from "./pollLoop";
import { expensesSinceQuery, listenMetered, membershipRecordRef, myGroupsQuery, tombstonesSinceQuery, unreadNotificationsQuery } from "./queries";
import { ReadMeter } from "./readMeter";
import { GroupReplica, LocalStore } from "./replica";
import { groupRef } from "./writes";

/**
 * How far before the cursor the tombstone query reaches back: a safety margin. The server stamps
 * a hard delete's tombstone with its own commit time, so `deletedAt > cursor` alone finds it; the
 * margin guards a client against any server that stamps with the delete's time instead. One hour:
 * the server drops trigger events older than that (TRIGGER_MAX_EVENT_AGE_SECONDS).
 */
export const TOMBSTONE_OVERLAP_MS = 3_600_000;
/**
 * How far before its mark a cold start's Tier-1 query reaches back. The server raises a group's
 * lastActivityAt to the write's commit time, but only when its trigger runs, which may be after a
 * device read a later mark from another group; a group raised that late is still found within the
 * overlap. An hour matches the triggers' age cut-off (TRIGGER_MAX_EVENT_AGE_SECONDS): an event
 * later than that is dropped anyway. Groups found again cost one read each, and no catch-up.
 */
export const TIER1_OVERLAP_MS = 3_600_000;
/** Firestore's limit on values in an `in` filter. */
const IN_FILTER_MAX = 30;
/**
 * A poll reads a group again, from this far before its cursor, while its last activity is this
 * recent (by the device clock). On the emulator a write can become visible only after a later
 * commit's raise of lastActivityAt, so the delta that moved the cursor to that raise missed it,
 * and nothing would bring it; production's commit order does not allow that. It costs a group
 * with fresh activity one more delta per poll for a few seconds.
 */
export const POLL_SETTLE_MS = 5_000;
/** Polling interval of a client outside the realtime rollout: the 30 seconds builds before 2.1 use. */
export const POLL_INTERVAL_MS = 30_000;
/** When a client looks for the notification of a conflict it saw happen, after each previous look. */
export const CONFLICT_NOTIFICATION_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000];
/** Delta sync interval in battery-saver mode: no listener holds a connection open in between. */
export const BATTERY_SAVER_INTERVAL_MS = 300_000;

export type CatchUp = "current" | "delta" | "full-resync";
export type SyncMode = "realtime" | "polling";

export interface SyncOptions {
  /** Counts what the server delivers (benchmarks, diagnostics). */
  meter?: ReadMeter;
  /** How far before the cursor the tombstone query reaches back; default TOMBSTONE_OVERLAP_MS. */
  tombstoneOverlapMs?: number;
  /** How far before the mark a cold start's Tier-1 query reaches back; default TIER1_OVERLAP_MS. */
  tier1OverlapMs?: number;
  /**
   * When resume() catches up the groups with news other than the active one: "resume" (default),
   * all at once, so the local database is current before the device may go offline; "open", only
   * when open() makes each one active, which reads nothing for a group the user does not open
   * that session (Tier 1 still shows which groups have news).
   */
  catchUp?: "resume" | "open";
  /** Delta sync interval in battery-saver mode; default BATTERY_SAVER_INTERVAL_MS. */
  batterySaverIntervalMs?: number;
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
 * A v1 build's write the server has not normalized yet: its updatedAt is a phone's clock, which
 * could push a cursor hours ahead and hide every later write. Its normalized version, stamped with
 * the server's time, commits after any read that saw it unnormalized, so a later delta or the
 * listener brings it; until then the replica keeps what it held.
 */
function awaitsNormalization(snapshot: DocumentSnapshot): boolean {
  return snapshot.exists() && !isNormalizedExpense(snapshot.data());
}

/** config/sync, read once (at start-up and on every return to the foreground); the default, sync off, while it does not exist. */
export async function readSyncConfig(device: Device): Promise<SyncConfig> {
  const snapshot = await docFromServer(doc(device.db, "config", "sync"));
  return snapshot.exists() ? (snapshot.data() as SyncConfig) : defaultSyncConfig();
}

/**
 * Replaces the replica with the server's full set. `group` is the Tier-1 copy, read before this
 * fetch: its lastActivityAt and purgedBefore are commit times the fetch already covers, so the
 * cursor may move up to them (an old, quiet group would otherwise resync on every resume).
 */
export async function fullResync(device: Device, replica: GroupReplica, group: GroupRecord, { meter }: SyncOptions = {}): Promise<void> {
  const all = await docsFromServer(collection(device.db, "groups", replica.groupId, "expenses"));
  meter?.result("resync", all.size);
  const records = new Map<string, ExpenseRecord>();
  for (const snapshot of all.docs) {
    const record = awaitsNormalization(snapshot) ? replica.expenses.get(snapshot.id) : expenseOf(snapshot);
    if (record) records.set(snapshot.id, record);
  }
  replica.replaceAll(records, laterOf(laterOf(maxUpdatedAt(records.values()), group.lastActivityAt), group.purgedBefore));
  replica.noteSyncedThrough(group.lastActivityAt);
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
  reachBackMs = 0,
): Promise<void> {
  const since = replica.cursor;
  if (since === null) throw new Error(`group ${replica.groupId} has no cursor: resync it in full first`);
  const changed = await docsFromServer(expensesSinceQuery(device, replica.groupId, minus(since, reachBackMs)));
  meter?.result("tier3", changed.size);
  const delta = changed.docs.filter((snapshot) => !awaitsNormalization(snapshot)).map((snapshot) => [snapshot.id, expenseOf(snapshot)] as const);
  for (const [id, record] of delta) replica.apply(id, record);

  const tombstones = await docsFromServer(tombstonesSinceQuery(device, replica.groupId, minus(since, tombstoneOverlapMs)));
  meter?.result("tombstones", tombstones.size);
  const deltaIds = new Set(delta.map(([id]) => id));
  await settleTombstoned(device, replica, tombstones.docs.map((snapshot) => (snapshot.data() as TombstoneRecord).docId).filter((id) => !deltaIds.has(id)), meter);
  replica.advanceCursor(laterOf(maxUpdatedAt(delta.map(([, record]) => record)), group.lastActivityAt));
  replica.noteSyncedThrough(group.lastActivityAt);
}

/**
 * Expenses with a tombstone: hard-deleted, or soft-deleted, or since restored. For those the
 * replica holds live, the server says which: an expense it no longer has is dropped, one it still
 * has (restored, or created again from a kept deletion) is taken as it is now.
 */
async function settleTombstoned(device: Device, replica: GroupReplica, tombstonedIds: string[], meter?: ReadMeter): Promise<void> {
  const suspects = tombstonedIds.filter((id) => replica.expenses.get(id)?.deletedAt === null);
  for (let start = 0; start < suspects.length; start += IN_FILTER_MAX) {
    const ids = suspects.slice(start, start + IN_FILTER_MAX);
    const held = new Map(ids.map((id) => [id, replica.expenses.get(id)]));
    const present = await docsFromServer(query(collection(device.db, "groups", replica.groupId, "expenses"), where(documentId(), "in", ids)));
    meter?.result("tier3", present.size);
    const found = new Map(present.docs.map((snapshot) => [snapshot.id, snapshot]));
    for (const id of ids) {
      const snapshot = found.get(id);
      // Unless a listener brought a newer copy meanwhile (a restore creates the expense again).
      if (!snapshot) {
        if (replica.expenses.get(id) === held.get(id)) replica.remove(id);
      } else if (!awaitsNormalization(snapshot)) replica.apply(id, expenseOf(snapshot));
    }
  }
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

/**
 * The group's expenses this device has written and the server has not yet acknowledged, from the
 * local cache (no read is billed): what the app shows as "pending" beside the replica.
 */
export async function pendingExpenseWrites(device: Device, groupId: string): Promise<Array<[string, DocumentData]>> {
  const cached = await getDocsFromCache(collection(device.db, "groups", groupId, "expenses"));
  return cached.docs.filter((snapshot) => snapshot.metadata.hasPendingWrites).map((snapshot) => [snapshot.id, snapshot.data()]);
}

export async function fetchUnreadNotifications(device: Device, meter?: ReadMeter): Promise<UnreadNotification[]> {
  const unread = await docsFromServer(unreadNotificationsQuery(device));
  meter?.result("notifications", unread.size);
  return unread.docs.map((snapshot) => ({ id: snapshot.id, notification: snapshot.data() as ConflictNotification }));
}

/**
 * A group's expenses that v1 builds (or admins) deleted for good, as the server keeps them until
 * the purge, by expense id: what restoreKeptDeletion (writes.ts) brings back.
 */
export async function fetchKeptDeletions(device: Device, groupId: string): Promise<Map<string, KeptDeletionRecord>> {
  const kept = await docsFromServer(collection(device.db, "groups", groupId, "deletedExpenses"));
  return new Map(kept.docs.map((snapshot) => [snapshot.id, snapshot.data() as KeptDeletionRecord]));
}

/** The record behind a notification: what won and, in full, what was overwritten. */
export async function fetchConflict(device: Device, groupId: string, conflictId: string): Promise<ConflictRecord> {
  const snapshot = await docFromServer(doc(device.db, "groups", groupId, "conflicts", conflictId));
  if (!snapshot.exists()) throw new Error(`conflict ${groupId}/${conflictId} does not exist`);
  return snapshot.data() as ConflictRecord;
}

/** How a start reads Tier 1 (tier1Plan): since a mark, or in full (`since` null). */
interface Tier1Plan {
  since: Timestamp | null;
  /** The membership record's changedAt the plan was made from. */
  membershipChangedAt: Timestamp | null;
}

interface Tier2Listener {
  groupId: string;
  stop: Unsubscribe;
  /** The listener's first in-sync snapshot has arrived. */
  current: boolean;
  /** The latest updatedAt among the expenses it has delivered in sync: activity it explains. */
  explainedThrough: Timestamp | null;
  /** Tombstones up to here are settled (the cursor it was attached from, then each check's mark). */
  tombstonesThrough: Timestamp | null;
  /** A tombstone check in flight, and whether Tier 1 has shown more since it started. */
  checking?: Promise<void>;
  recheck?: boolean;
}

export interface SyncFailure {
  /** A listener's, or a polling round's. */
  tier: "tier1" | "tier2" | "poll";
  groupId?: string;
  error: FirestoreError;
}

/** Why the client stopped syncing a group. */
export interface LostGroup {
  groupId: string;
  reason: "left-tier1" | "tier2-permission-denied";
}

/**
 * One app session on one device: foreground() when it comes to the foreground (it reads the
 * rollout flag, then resumes with listeners or polls), open() when the user switches group,
 * background() when it leaves. The LocalStore outlives the session.
 */
export class SyncClient {
  readonly failures: SyncFailure[] = [];
  readonly lostGroups: LostGroup[] = [];
  notifications: UnreadNotification[] = [];
  /** How the session syncs, as foreground() last decided. */
  mode?: SyncMode;
  /**
   * Battery saver: no listeners, a polling round every batterySaverIntervalMs instead, whatever
   * the rollout says. Takes effect at the next foreground() (setBatterySaver calls it).
   */
  batterySaver = false;
  private syncConfig?: SyncConfig;
  private stopTier1?: Unsubscribe;
  private tier2?: Tier2Listener;
  private polling?: PollLoop;
  private stopped = false;
  /** The group open() last made active, in either mode: what a switch of mode reopens. */
  private openedGroupId?: string;

  readonly meter?: ReadMeter;

  constructor(
    readonly device: Device,
    readonly store: LocalStore = new LocalStore(),
    private readonly options: SyncOptions = {},
  ) {
    this.meter = options.meter;
  }

  /** Tier 1's view: the user's groups by id (kept in the LocalStore across sessions). */
  get groups(): Map<string, GroupRecord> {
    return this.store.groups;
  }

  get activeGroupId(): string | undefined {
    return this.tier2?.groupId;
  }

  /** Snapshot listeners attached now: at most two (Tier 1 and the active group's Tier 2). */
  get listenerCount(): number {
    return (this.stopTier1 ? 1 : 0) + (this.tier2 ? 1 : 0);
  }

  /** Whether a polling loop (outside the rollout, or battery saver) is running. */
  get polls(): boolean {
    return this.polling !== undefined;
  }

  /** Waits (listener-driven) for a state of the client; see ChangeSignal.until. */
  until<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T> {
    return this.store.changed.until(what, probe, timeoutMs);
  }

  /**
   * Back in the foreground: reads config/sync and syncs the way the rollout decides for this user
   * (core/rollout.ts): with listeners (resume), or, outside the rollout, by polling every
   * `pollIntervalMs`. When the read fails (offline), the config read last decides, or the default.
   */
  async foreground(activeGroupId?: string, pollIntervalMs = POLL_INTERVAL_MS): Promise<SyncMode> {
    this.syncConfig = await readSyncConfig(this.device).catch(() => this.syncConfig ?? defaultSyncConfig());
    const mode: SyncMode = !this.batterySaver && isInRollout(this.syncConfig, this.device.uid) ? "realtime" : "polling";
    // Decided before it syncs: open() attaches Tier 2 only in a realtime session.
    this.mode = mode;
    if (mode === "realtime") {
      await this.stopPolling();
      await this.resume(activeGroupId);
    } else {
      this.detachListeners();
      await this.startPolling(this.batterySaver ? (this.options.batterySaverIntervalMs ?? BATTERY_SAVER_INTERVAL_MS) : pollIntervalMs);
    }
    return mode;
  }

  /**
   * Switches battery saver on or off and syncs again the way it now decides, keeping the open
   * group (a polling session has no Tier 2, so the group open() last opened is reopened).
   */
  async setBatterySaver(on: boolean, pollIntervalMs = POLL_INTERVAL_MS): Promise<SyncMode> {
    this.batterySaver = on;
    return this.foreground(this.openedGroupId, pollIntervalMs);
  }

  /**
   * Realtime sync: Tier 1 first (its first result says which groups have news), then Tier 3 for
   * each group that needs it (unless `catchUp: "open"` leaves that to open()), the unread
   * conflict notifications, and Tier 2 on the active group.
   */
  async resume(activeGroupId?: string): Promise<Map<string, CatchUp>> {
    const plan = await this.tier1Plan();
    await this.attachTier1(plan);
    const outcomes = new Map<string, CatchUp>();
    const others = this.options.catchUp === "open" ? [] : [...this.groups].filter(([groupId]) => groupId !== activeGroupId);
    await Promise.all(others.map(async ([groupId, group]) => outcomes.set(groupId, await catchUp(this.device, this.store.replica(groupId), group, this.options))));
    await this.refreshNotifications();
    if (activeGroupId) outcomes.set(activeGroupId, await this.open(activeGroupId));
    return outcomes;
  }

  /**
   * Makes `groupId` the active group: catches it up, then, when the session syncs in realtime,
   * listens to its expenses (Tier 2). A polling session just catches it up; its rounds keep it current.
   */
  async open(groupId: string): Promise<CatchUp> {
    this.closeTier2();
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`group ${groupId} is not among ${this.device.label}'s groups`);
    this.openedGroupId = groupId;
    const replica = this.store.replica(groupId);
    const outcome = await catchUp(this.device, replica, group, this.options);
    if (this.mode !== "polling") await this.attachTier2(replica);
    return outcome;
  }

  /** Reads the unread conflict notifications again (resume() does it on every return to the foreground). */
  async refreshNotifications(): Promise<UnreadNotification[]> {
    this.notifications = await fetchUnreadNotifications(this.device, this.meter);
    this.store.changed.notify();
    return this.notifications;
  }

  /**
   * Tier 2 replaced this user's version of an expense with another user's write made from an
   * older version: a concurrent edit, which the server records as a conflict with a notification
   * for this user.
   */
  private overwroteMine(held: ExpenseRecord, incoming: ExpenseRecord): boolean {
    return held.updatedBy === this.device.uid && incoming.updatedBy !== this.device.uid && incoming.baseVersion < held.version;
  }

  /**
   * The notification is committed by the server's trigger a moment after the write that caused
   * it, so it is read a few times, further apart each time, until it is there: a handful of reads
   * per conflict, and no listener beyond the two.
   */
  private async awaitConflictNotification(expenseId: string): Promise<void> {
    for (const delayMs of CONFLICT_NOTIFICATION_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.stopped) return;
      const unread = await this.refreshNotifications().catch(() => []);
      if (unread.some(({ notification }) => notification.expenseId === expenseId)) return;
    }
  }

  /**
   * Sync without listeners, for a user outside the rollout: one round now (poll), then one every
   * `intervalMs` until the session goes to the background or back to realtime.
   */
  async startPolling(intervalMs: number): Promise<void> {
    await this.stopPolling();
    this.polling = await PollLoop.start(
      async () => void (await this.poll()),
      intervalMs,
      (error) => {
        this.failures.push({ tier: "poll", error: error as FirestoreError });
        this.store.changed.notify();
      },
    );
  }

  /**
   * One polling round: the Tier-1 query once, then Tier 3 (or a full resync) for each listed group
   * that needs it. A group no longer listed is checked as the Tier-1 listener checks it.
   */
  async poll(): Promise<Map<string, CatchUp>> {
    const plan = await this.tier1Plan();
    const listed = await docsFromServer(myGroupsQuery(this.device, plan.since));
    this.meter?.result("tier1", listed.size);
    for (const snapshot of listed.docs) this.store.noteGroup(snapshot.id, snapshot.data() as GroupRecord);
    await this.tier1Read(plan, new Set(listed.docs.map((snapshot) => snapshot.id)));
    const outcomes = new Map<string, CatchUp>();
    // A group Tier 1 did not list has no news: catchUp finds it current without a read.
    await Promise.all(
      [...this.groups].map(async ([groupId, group]) => {
        const replica = this.store.replica(groupId);
        const outcome = await catchUp(this.device, replica, group, this.options);
        const settling = outcome === "current" && group.lastActivityAt !== undefined && Date.now() - group.lastActivityAt.toMillis() < POLL_SETTLE_MS;
        if (settling) await fetchDelta(this.device, replica, group, this.options, POLL_SETTLE_MS);
        outcomes.set(groupId, settling ? "delta" : outcome);
      }),
    );
    this.store.changed.notify();
    return outcomes;
  }

  /**
   * How this start reads Tier 1: since the store's mark, which costs a read per group with news
   * (one for none), or in full, only when it must: on the first start, and when the membership
   * record moved since the device last read it (a group left the user's Tier 1, or was deleted or
   * restored, none of which moves lastActivityAt where this user's query can see it).
   */
  private async tier1Plan(): Promise<Tier1Plan> {
    const record = await docFromServer(membershipRecordRef(this.device));
    this.meter?.result("membership", record.exists() ? 1 : 0);
    const changedAt = (record.get("changedAt") as Timestamp | undefined) ?? null;
    const seen = this.store.membershipSeen;
    const unchanged = seen !== undefined && (seen === null ? changedAt === null : changedAt !== null && compareTimestamps(seen, changedAt) === 0);
    const since = unchanged && this.store.tier1Mark ? minus(this.store.tier1Mark, this.options.tier1OverlapMs ?? TIER1_OVERLAP_MS) : null;
    return { since, membershipChangedAt: changedAt };
  }

  /**
   * After a Tier-1 read in sync with the server: a full one lists every group the user still has,
   * so a held group it lacks is checked (confirmGroupLeft); then the membership record it was
   * planned from counts as seen.
   */
  private async tier1Read(plan: Tier1Plan, listed: Set<string>): Promise<void> {
    if (plan.since === null) await Promise.all([...this.groups.keys()].filter((groupId) => !listed.has(groupId)).map((groupId) => this.confirmGroupLeft(groupId)));
    this.store.noteMembershipSeen(plan.membershipChangedAt);
  }

  private async stopPolling(): Promise<void> {
    const polling = this.polling;
    this.polling = undefined;
    await polling?.stop();
  }

  /**
   * Background: detaches both listeners, or stops polling. Writes still in flight are given
   * `flushTimeoutMs` to be acknowledged first while Tier 2 still listens, so their server copies
   * reach the replica.
   */
  async background(flushTimeoutMs = 5_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, flushTimeoutMs)));
    if (this.device.online) await Promise.race([this.device.flushed(), deadline]);
    clearTimeout(timer);
    this.detachListeners();
    await this.stopPolling();
  }

  private detachListeners(): void {
    this.closeTier2();
    this.stopTier1?.();
    this.stopTier1 = undefined;
  }

  private attachTier1(plan: Tier1Plan): Promise<void> {
    this.stopTier1?.();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      this.stopTier1 = listenMetered(
        myGroupsQuery(this.device, plan.since),
        "tier1",
        this.meter,
        (snapshot) => {
          for (const change of snapshot.docChanges()) {
            if (change.type === "removed") void this.confirmGroupLeft(change.doc.id);
            else this.noteGroup(change.doc.id, change.doc.data() as GroupRecord);
          }
          this.store.changed.notify();
          if (!snapshot.metadata.fromCache && !settled) {
            settled = true;
            this.tier1Read(plan, new Set(snapshot.docs.map((listed) => listed.id))).then(resolve, reject);
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
    this.store.noteGroup(groupId, group);
    // Tier 2 delivers a group's expense changes no later than Tier 1 delivers the activity they
    // caused (one watch stream, in commit order): a listening replica is current through it.
    const listener = this.tier2;
    if (listener?.groupId === groupId && listener.current && group.lastActivityAt) {
      const replica = this.store.replica(groupId);
      replica.noteSyncedThrough(group.lastActivityAt);
      // After the Tier-2 callbacks of the same snapshot, which are queued before this one's return.
      const activity = group.lastActivityAt;
      setTimeout(() => this.checkTombstonesIfUnexplained(listener, replica, group, activity), 0);
    }
  }

  /**
   * Activity in the active group that Tier 2 did not deliver and the group's own change does not
   * account for is a hard delete (a v1 build's, or an admin's) of an expense last written before
   * the cursor: it was never in Tier 2's result, so only its tombstone tells. The server raises
   * lastActivityAt to the tombstone's commit time in the tombstone's own commit, so one fetch of the
   * tombstones since the last check finds it. Explained activity, the common case, costs nothing.
   */
  private checkTombstonesIfUnexplained(listener: Tier2Listener, replica: GroupReplica, group: GroupRecord, activity: Timestamp): void {
    if (this.tier2 !== listener) return;
    const explained = laterOf(listener.explainedThrough, listener.tombstonesThrough);
    if (explained && compareTimestamps(activity, explained) <= 0) return;
    if (group.updatedAt && compareTimestamps(activity, group.updatedAt) === 0) return;
    if (listener.checking) {
      listener.recheck = true;
      return;
    }
    listener.checking = (async () => {
      do {
        listener.recheck = false;
        const through = this.groups.get(listener.groupId)?.lastActivityAt ?? activity;
        const tombstones = await docsFromServer(tombstonesSinceQuery(this.device, listener.groupId, listener.tombstonesThrough));
        this.meter?.result("tombstones", tombstones.size);
        await settleTombstoned(this.device, replica, tombstones.docs.map((snapshot) => (snapshot.data() as TombstoneRecord).docId), this.meter);
        listener.tombstonesThrough = laterOf(listener.tombstonesThrough, through);
      } while (listener.recheck && this.tier2 === listener);
    })()
      .catch((error: FirestoreError) => {
        this.failures.push({ tier: "tier2", groupId: listener.groupId, error });
      })
      .finally(() => {
        listener.checking = undefined;
        this.store.changed.notify();
      });
  }

  /**
   * A group leaves Tier 1 when the user lost it (removed from it, or the group's document gone:
   * purged after its soft delete's retention, or deleted by an admin), and also between a v1
   * build's full `set` of the group, which removes lastActivityAt, and the write's normalization,
   * which puts it back. A read of the group tells them apart: only
   * a refused or missing group is lost. A read that fails otherwise (offline) leaves the group be.
   * The user's own leave takes the group out of Tier 1 while it is still pending (the cache applies
   * it at once): the read waits for it to commit, or to be refused, which puts the group back.
   */
  private async confirmGroupLeft(groupId: string): Promise<void> {
    try {
      const cached = await getDocFromCache(groupRef(this.device, groupId)).catch(() => undefined);
      if (cached?.metadata.hasPendingWrites) await waitForPendingWrites(this.device.db).catch(() => undefined);
      const group = await docFromServer(groupRef(this.device, groupId));
      this.meter?.result("tier1", group.exists() ? 1 : 0);
      if (group.exists()) return;
    } catch (error) {
      if ((error as Partial<FirestoreError>).code !== "permission-denied") return;
    }
    this.loseGroup(groupId, "left-tier1");
    this.store.changed.notify();
  }

  private loseGroup(groupId: string, reason: LostGroup["reason"]): void {
    // Tier 1 and Tier 2 can both report the same loss.
    if (!this.groups.has(groupId) && !this.store.has(groupId)) return;
    if (this.tier2?.groupId === groupId) this.closeTier2();
    if (this.openedGroupId === groupId) this.openedGroupId = undefined;
    this.store.drop(groupId);
    this.lostGroups.push({ groupId, reason });
  }

  private attachTier2(replica: GroupReplica): Promise<void> {
    const groupId = replica.groupId;
    return new Promise<void>((resolve, reject) => {
      const listener: Tier2Listener = {
        groupId,
        current: false,
        stop: () => undefined,
        explainedThrough: replica.cursor,
        tombstonesThrough: replica.cursor,
      };
      this.tier2 = listener;
      listener.stop = listenMetered(
        expensesSinceQuery(this.device, groupId, replica.cursor),
        "tier2",
        this.meter,
        (snapshot) => {
          const applied: ExpenseRecord[] = [];
          const delivered: ExpenseRecord[] = [];
          for (const change of snapshot.docChanges()) {
            if (change.type === "removed") void this.confirmRemoval(replica, change.doc.ref);
            else if (!change.doc.metadata.hasPendingWrites && !awaitsNormalization(change.doc)) {
              const record = expenseOf(change.doc);
              delivered.push(record);
              const held = replica.expenses.get(change.doc.id);
              if (replica.apply(change.doc.id, record)) applied.push(record);
              if (held && this.overwroteMine(held, record)) void this.awaitConflictNotification(change.doc.id);
            }
          }
          // Only a snapshot in sync with the server vouches for everything up to its newest change.
          if (!snapshot.metadata.fromCache) {
            replica.advanceCursor(maxUpdatedAt(applied));
            listener.explainedThrough = laterOf(listener.explainedThrough, maxUpdatedAt(delivered));
            if (!listener.current) {
              listener.current = true;
              resolve();
            }
          }
        },
        (error) => {
          this.failures.push({ tier: "tier2", groupId, error });
          listener.stop();
          if (this.tier2 === listener) this.tier2 = undefined;
          if (error.code === "permission-denied") this.loseGroup(groupId, "tier2-permission-denied");
          this.store.changed.notify();
          if (!listener.current) reject(error);
        },
      );
    });
  }

  /**
   * A document leaves the Tier-2 result when the server deleted it, and also in two cases where it
   * did not: this device's own pending edit (until acknowledged, its updatedAt is a
   * server-timestamp placeholder, which no `updatedAt >` filter matches), and a v1 build's write
   * stamped by a phone clock at or before the cursor (its normalization brings it back with the
   * server's time). In both the local cache still has the document, which tells them apart.
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

  /** Detaches everything and stops polling (a round in flight still finishes); the device itself is closed by its owner. */
  stop(): void {
    this.stopped = true;
    this.detachListeners();
    void this.stopPolling();
  }
}
