// The device's local database: the user's groups as Tier 1 last delivered them, with the mark a
// cold start reads Tier 1 from; per group, the server's expenses as last seen, and the two marks
// that say how far the device is in sync. It lives in memory and outlives app sessions; every
// change fires `changed`, and toSnapshot()/fromSnapshot() carry it across restarts (storage.ts
// keeps it in IndexedDB in a browser).
import { Timestamp } from "firebase/firestore";
import { ChangeSignal } from "./signal";
import { ExpenseRecord, GroupRecord, compareTimestamps, laterOf } from "./model";
import { StoredValue, fromStored, toStored } from "./storedValues";

/** The layout toSnapshot() writes; a snapshot of another one is not read (the device syncs afresh). */
export const STORE_SNAPSHOT_FORMAT = 1;

/** A LocalStore as plain JSON. */
export interface StoreSnapshot {
  format: number;
  tier1Mark: StoredValue;
  /** Absent: the membership record was never read. */
  membershipSeen?: StoredValue;
  groups: Record<string, StoredValue>;
  names: Record<string, string>;
  replicas: Record<string, { cursor: StoredValue; syncedActivityAt: StoredValue; expenses: Record<string, StoredValue> }>;
}

export class GroupReplica {
  /** Expense id → the server's document, soft-deleted ones included (they can be restored). */
  readonly expenses = new Map<string, ExpenseRecord>();
  /**
   * Every server change to this group's expenses committed at or before the cursor has been
   * applied. The delta queries ask for what came after it. null: never synced.
   */
  cursor: Timestamp | null = null;
  /**
   * The group's lastActivityAt the replica is known to be current through: when Tier 1 shows a
   * later one, the group has news (see isStale in sync.ts).
   */
  syncedActivityAt: Timestamp | null = null;

  constructor(
    readonly groupId: string,
    private readonly changed: ChangeSignal,
  ) {}

  /**
   * Takes the server's copy of an expense unless the replica already holds a later one: a delta
   * fetch and a listener may deliver the same document in either order. Says whether it applied.
   */
  apply(id: string, record: ExpenseRecord): boolean {
    const held = this.expenses.get(id);
    if (held && compareTimestamps(held.updatedAt, record.updatedAt) > 0) return false;
    this.expenses.set(id, record);
    this.changed.notify();
    return true;
  }

  /** The server no longer has the expense (hard-deleted by an admin, or purged). */
  remove(id: string): boolean {
    const removed = this.expenses.delete(id);
    if (removed) this.changed.notify();
    return removed;
  }

  advanceCursor(to: Timestamp | null): void {
    const moved = laterOf(this.cursor, to);
    if (moved === this.cursor) return;
    this.cursor = moved;
    this.changed.notify();
  }

  /** The replica is current through the group's activity up to `at`. */
  noteSyncedThrough(at: Timestamp | null | undefined): void {
    const moved = laterOf(this.syncedActivityAt, at);
    if (moved === this.syncedActivityAt) return;
    this.syncedActivityAt = moved;
    this.changed.notify();
  }

  /** After a full resync: the server's set replaces the local one. */
  replaceAll(records: Map<string, ExpenseRecord>, cursor: Timestamp | null): void {
    this.expenses.clear();
    for (const [id, record] of records) this.expenses.set(id, record);
    this.cursor = cursor;
    this.changed.notify();
  }

  /** What the user sees: the expenses not deleted. */
  visible(): Array<[string, ExpenseRecord]> {
    return [...this.expenses].filter(([, expense]) => expense.deletedAt === null);
  }
}

export class LocalStore {
  private readonly replicas = new Map<string, GroupReplica>();
  /**
   * uid → the latest name a group document showed for that person (its memberNames). Kept after
   * they leave, so expenses they paid still show a name here; the server no longer tells anyone.
   */
  private readonly knownNames = new Map<string, string>();
  /** Fires on every change to any replica. */
  readonly changed = new ChangeSignal();
  /** Tier 1's view, kept across sessions: the user's groups by id, as last delivered. */
  readonly groups = new Map<string, GroupRecord>();
  /** The latest lastActivityAt Tier 1 has delivered: a cold start reads only the groups active after it. */
  tier1Mark: Timestamp | null = null;
  /** The membership record's changedAt as last read (null: there was none); undefined: never read. */
  membershipSeen?: Timestamp | null;

  /** The membership record's changedAt a Tier-1 read was planned from (null: there was none). */
  noteMembershipSeen(changedAt: Timestamp | null): void {
    this.membershipSeen = changedAt;
    this.changed.notify();
  }

  /** Takes a group as Tier 1 delivered it: moves the mark, and remembers the names it shows. */
  noteGroup(groupId: string, group: GroupRecord): void {
    this.groups.set(groupId, group);
    this.tier1Mark = laterOf(this.tier1Mark, group.lastActivityAt ?? null);
    // A member without a profile has no name.
    for (const [uid, name] of Object.entries(group.memberNames ?? {})) if (name !== null) this.knownNames.set(uid, name);
  }

  /** The name to show for `uid`, or undefined: the app then shows a fallback ("a former member"). */
  nameOf(uid: string): string | undefined {
    return this.knownNames.get(uid);
  }

  replica(groupId: string): GroupReplica {
    let replica = this.replicas.get(groupId);
    if (!replica) {
      replica = new GroupReplica(groupId, this.changed);
      this.replicas.set(groupId, replica);
    }
    return replica;
  }

  has(groupId: string): boolean {
    return this.replicas.has(groupId);
  }

  /** Forgets a group the user no longer belongs to. */
  drop(groupId: string): void {
    const known = this.groups.delete(groupId);
    if (this.replicas.delete(groupId) || known) this.changed.notify();
  }

  groupIds(): string[] {
    return [...this.replicas.keys()];
  }

  toSnapshot(): StoreSnapshot {
    const mapOf = <T>(entries: Iterable<[string, T]>, stored: (value: T) => StoredValue) => Object.fromEntries([...entries].map(([key, value]) => [key, stored(value)]));
    return {
      format: STORE_SNAPSHOT_FORMAT,
      tier1Mark: toStored(this.tier1Mark),
      ...(this.membershipSeen === undefined ? {} : { membershipSeen: toStored(this.membershipSeen) }),
      groups: mapOf(this.groups, toStored),
      names: Object.fromEntries(this.knownNames),
      replicas: Object.fromEntries(
        [...this.replicas].map(([groupId, replica]) => [
          groupId,
          { cursor: toStored(replica.cursor), syncedActivityAt: toStored(replica.syncedActivityAt), expenses: mapOf(replica.expenses, toStored) },
        ]),
      ),
    };
  }

  /** The store a snapshot describes; an empty one for a snapshot of another format (nothing is lost: the device syncs afresh). */
  static fromSnapshot(snapshot: StoreSnapshot | undefined): LocalStore {
    const store = new LocalStore();
    if (snapshot?.format !== STORE_SNAPSHOT_FORMAT) return store;
    store.tier1Mark = fromStored(snapshot.tier1Mark) as Timestamp | null;
    if ("membershipSeen" in snapshot) store.membershipSeen = fromStored(snapshot.membershipSeen as StoredValue) as Timestamp | null;
    for (const [groupId, group] of Object.entries(snapshot.groups)) store.groups.set(groupId, fromStored(group) as GroupRecord);
    for (const [uid, name] of Object.entries(snapshot.names)) store.knownNames.set(uid, name);
    for (const [groupId, stored] of Object.entries(snapshot.replicas)) {
      const replica = store.replica(groupId);
      for (const [id, expense] of Object.entries(stored.expenses)) replica.expenses.set(id, fromStored(expense) as ExpenseRecord);
      replica.cursor = fromStored(stored.cursor) as Timestamp | null;
      replica.syncedActivityAt = fromStored(stored.syncedActivityAt) as Timestamp | null;
    }
    return store;
  }
}
