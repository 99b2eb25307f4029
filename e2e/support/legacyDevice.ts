// A phone still running an app build from before 2.1 ("v1"), as docs/data-model.md ("Legacy
// clients") describes one: it polls on a timer instead of listening, reads expenses in full or
// after a time taken from its own clock, writes whole documents stamped with that clock and
// without any 2.1 field, deletes expenses for good, and shows whatever it read — soft-deleted
// expenses included, since it knows no deletedAt. The timer is compressed from 30 s for tests.
import { DocumentData, FirestoreError, Timestamp, collection, deleteDoc, getDocsFromServer, query, setDoc, where } from "firebase/firestore";
import { LegacyExpenseWrite, LegacyGroupWrite } from "../../core/schemas";
import {
  ChangeSignal,
  Device,
  ExpenseFields,
  GroupFields,
  PollLoop,
  ReadMeter,
  expenseFieldsOf,
  expenseRef,
  groupRef,
  newExpenseId,
  newGroupId,
} from "@expense-sync/client";

/** An expense as a v1 build knows it. */
export type LegacyExpense = LegacyExpenseWrite<Timestamp>;
/** A group as a v1 build knows it. */
export type LegacyGroup = LegacyGroupWrite<Timestamp>;

const EXPENSE_KEYS = ["description", "amountMinor", "currency", "paidBy", "splits", "spentAt", "category", "createdAt", "createdBy", "updatedAt", "updatedBy"] as const;
const GROUP_KEYS = ["displayName", "ownerId", "memberIds", "settings", "createdAt", "updatedAt", "updatedBy"] as const;

/** The fields a v1 build reads from a document; it ignores the rest (version, deletedAt, lastActivityAt, ...). */
function known<K extends string>(data: DocumentData, keys: readonly K[]): Record<K, unknown> {
  return Object.fromEntries(keys.filter((key) => data[key] !== undefined).map((key) => [key, data[key]])) as Record<K, unknown>;
}

export const legacyViewOf = (data: DocumentData): LegacyExpense => known(data, EXPENSE_KEYS) as LegacyExpense;

export interface LegacyDeviceOptions {
  /** How far the phone's clock is off, in ms; positive when it runs ahead. */
  clockSkewMs: number;
  /** Stands in for the 30-second timer. */
  pollIntervalMs: number;
  /**
   * "full": each poll reads every expense of each group. "delta": only those whose updatedAt is
   * after the previous poll's start by the phone's clock (a group's first poll reads in full).
   */
  reads: "full" | "delta";
  /** Counts what each poll reads (the cost benchmark's v1 column). */
  meter?: ReadMeter;
}

export interface LegacyWrite {
  /** Settles when the server has committed the write, or rejects when it refused it. */
  acknowledged: Promise<void>;
}

export class LegacyDevice {
  /** What the app shows: the user's groups... */
  readonly groups = new Map<string, LegacyGroup>();
  /** ...and, per group, every expense it read or wrote since. */
  readonly expenses = new Map<string, Map<string, LegacyExpense>>();
  /** Fires after every poll and every write. */
  readonly changed = new ChangeSignal();
  /** Writes the server refused: the SDK drops them, and what the user typed is lost. */
  readonly refused: Array<{ what: string; code: string }> = [];
  readonly pollFailures: unknown[] = [];
  /** Polls completed. */
  polls = 0;
  /** Per group, the phone-clock time the previous poll started: the next delta read's bound. */
  private readonly readSince = new Map<string, Timestamp>();
  private loop?: PollLoop;

  constructor(
    readonly device: Device,
    readonly options: LegacyDeviceOptions,
  ) {}

  get uid(): string {
    return this.device.uid;
  }

  get label(): string {
    return this.device.label;
  }

  /** The phone's clock. */
  now(): Timestamp {
    return Timestamp.fromMillis(Date.now() + this.options.clockSkewMs);
  }

  /** App start: one poll, then one every pollIntervalMs until stop(). */
  async start(): Promise<void> {
    await this.stop();
    this.loop = await PollLoop.start(() => this.poll(), this.options.pollIntervalMs, (error) => {
      this.pollFailures.push(error);
      this.changed.notify();
    });
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
  }

  /** Waits for a state of what the app shows; see ChangeSignal.until. */
  until<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T> {
    return this.changed.until(what, probe, timeoutMs);
  }

  /** The expense as the app shows it, if it does. */
  shown(groupId: string, expenseId: string): LegacyExpense | undefined {
    return this.expenses.get(groupId)?.get(expenseId);
  }

  /**
   * One poll: the user's groups (no ordering, so groups without lastActivityAt are included), then
   * each group's expenses. From the server: a poll that cannot reach it fails, and the next one
   * reads again from the same point (a read served from the cache would move a delta bound past
   * changes it never saw).
   */
  async poll(): Promise<void> {
    const groups = await getDocsFromServer(query(collection(this.device.db, "groups"), where("memberIds", "array-contains", this.uid)));
    this.options.meter?.result("v1Groups", groups.size);
    const listed = new Set(groups.docs.map((group) => group.id));
    for (const groupId of [...this.groups.keys()].filter((id) => !listed.has(id))) {
      this.groups.delete(groupId);
      this.expenses.delete(groupId);
      this.readSince.delete(groupId);
    }
    await Promise.all(
      groups.docs.map(async (group) => {
        this.groups.set(group.id, known(group.data(), GROUP_KEYS) as LegacyGroup);
        await this.readExpenses(group.id);
      }),
    );
    this.polls += 1;
    this.changed.notify();
  }

  private async readExpenses(groupId: string): Promise<void> {
    const startedAt = this.now();
    const since = this.options.reads === "delta" ? this.readSince.get(groupId) : undefined;
    const expenses = collection(this.device.db, "groups", groupId, "expenses");
    const read = await getDocsFromServer(since ? query(expenses, where("updatedAt", ">", since)) : expenses);
    this.options.meter?.result("v1Expenses", read.size);
    // A delta read cannot see deletions: what it does not return stays on screen.
    const shown = since ? (this.expenses.get(groupId) ?? new Map<string, LegacyExpense>()) : new Map<string, LegacyExpense>();
    for (const expense of read.docs) shown.set(expense.id, legacyViewOf(expense.data()));
    this.expenses.set(groupId, shown);
    this.readSince.set(groupId, startedAt);
  }

  /** A new expense: a full set stamped with the phone's clock. */
  createExpense(groupId: string, fields: ExpenseFields): LegacyWrite & { expenseId: string } {
    const expenseId = newExpenseId(this.device, groupId);
    const now = this.now();
    const write = this.setExpense(groupId, expenseId, { ...fields, createdAt: now, createdBy: this.uid, updatedAt: now, updatedBy: this.uid });
    return { expenseId, ...write };
  }

  /**
   * An edit: a full set of the expense as the app shows it with the user's changes (a change to
   * undefined clears `category`), its own copy of createdAt / createdBy, and the phone's clock.
   */
  editExpense(groupId: string, expenseId: string, changes: Partial<ExpenseFields>): LegacyWrite {
    const shown = this.shown(groupId, expenseId);
    if (!shown) throw new Error(`${this.label} does not show expense ${expenseId}: a v1 build edits only what it shows`);
    const fields = Object.fromEntries(Object.entries({ ...expenseFieldsOf(shown), ...changes }).filter(([, value]) => value !== undefined));
    return this.setExpense(groupId, expenseId, { ...fields, createdAt: shown.createdAt, createdBy: shown.createdBy, updatedAt: this.now(), updatedBy: this.uid });
  }

  /** A delete, for good. */
  deleteExpense(groupId: string, expenseId: string): LegacyWrite {
    this.expenses.get(groupId)?.delete(expenseId);
    this.changed.notify();
    return this.track(`delete of expense ${expenseId}`, deleteDoc(expenseRef(this.device, groupId, expenseId)));
  }

  /** A new group owned by the user, a full set stamped with the phone's clock. */
  createGroup(fields: GroupFields): LegacyWrite & { groupId: string } {
    const groupId = newGroupId(this.device);
    const now = this.now();
    const group: LegacyGroup = { ...fields, ownerId: this.uid, createdAt: now, updatedAt: now, updatedBy: this.uid };
    this.groups.set(groupId, group);
    this.expenses.set(groupId, new Map());
    this.changed.notify();
    return { groupId, ...this.track(`create of group ${groupId}`, setDoc(groupRef(this.device, groupId), group)) };
  }

  /** A rename, settings or members change: a full set of the group as the app shows it. */
  editGroup(groupId: string, changes: Partial<GroupFields>): LegacyWrite {
    const shown = this.groups.get(groupId);
    if (!shown) throw new Error(`${this.label} does not show group ${groupId}`);
    const group: LegacyGroup = { ...shown, ...changes, updatedAt: this.now(), updatedBy: this.uid };
    this.groups.set(groupId, group);
    this.changed.notify();
    return this.track(`edit of group ${groupId}`, setDoc(groupRef(this.device, groupId), group));
  }

  private setExpense(groupId: string, expenseId: string, expense: DocumentData): LegacyWrite {
    const shown = this.expenses.get(groupId) ?? new Map<string, LegacyExpense>();
    shown.set(expenseId, expense as LegacyExpense);
    this.expenses.set(groupId, shown);
    this.changed.notify();
    return this.track(`set of expense ${expenseId}`, setDoc(expenseRef(this.device, groupId, expenseId), expense));
  }

  private track(what: string, write: Promise<void>): LegacyWrite {
    const acknowledged = write.catch((error: FirestoreError) => {
      this.refused.push({ what, code: error.code });
      this.changed.notify();
      throw error;
    });
    // Handled for Node's sake until the caller awaits it; the caller still sees the rejection.
    acknowledged.catch(() => undefined);
    return { acknowledged };
  }
}
