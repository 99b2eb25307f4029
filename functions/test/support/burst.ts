// A hot group: several clients write hundreds of expenses into one group within seconds —
// creates, edits, stale edits (conflicts) and soft deletes. Used by the burst test and by
// `npm run bench:triggers`.
import { deleteApp, initializeApp } from "firebase-admin/app";
import { Firestore, FieldValue, Timestamp, getFirestore } from "firebase-admin/firestore";
import { eventually } from "../../../tools/emulator";
import { editFields, expenseFixture, groupFixture } from "./fixtures";

export interface BurstOptions {
  groupId: string;
  projectId: string;
  /** Separate Admin SDK instances writing at once (each its own connection). */
  clients: number;
  /** Expenses each client creates; each also gets an edit, and some a stale edit and a soft delete. */
  expensesPerClient: number;
  /** Expenses a client works on at once. */
  concurrencyPerClient: number;
}

export interface BurstResult {
  writes: number;
  expectedConflicts: number;
  expectedTombstones: number;
  /** Wall time from the first write to the last client write. */
  writeMs: number;
  /** Wall time from the first write until the server-side state was complete. */
  settleMs: number;
  /** The end state matches exactly what one in-order delivery of every write leaves. */
  exact: boolean;
  mismatches: string[];
  /** Distinct lastActivityAt values a listener saw on the group document, and whether they only rose. */
  groupSnapshots: number;
  lastActivityOnlyRose: boolean;
}

const uidOf = (client: number) => `member${client}`;

async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

/** What one expense goes through after its create and edit: a quarter are overwritten stale by another member, another quarter soft-deleted. */
function planFor(index: number): { stale: boolean; softDelete: boolean } {
  return { stale: index % 4 === 1, softDelete: index % 4 === 2 };
}

async function clientWrites(db: Firestore, options: BurstOptions, client: number, members: string[]): Promise<void> {
  const me = uidOf(client);
  const other = uidOf((client + 1) % options.clients);
  const group = db.doc(`groups/${options.groupId}`);
  const indexes = Array.from({ length: options.expensesPerClient }, (_, i) => i);
  await inPool(indexes, options.concurrencyPerClient, async (index) => {
    const ref = group.collection("expenses").doc(`c${client}-e${index}`);
    const { stale, softDelete } = planFor(index);
    await ref.set(expenseFixture(me, members, { description: `Expense ${index} from ${me}` }));
    await ref.update(editFields(me, 1, { description: `Expense ${index} from ${me}, edited` }));
    if (stale) {
      // The other member's device still had version 1.
      await ref.update(editFields(other, 1, { description: `Expense ${index}, ${other}'s offline edit` }));
    }
    if (softDelete) {
      await ref.update(editFields(me, 2, { deletedAt: FieldValue.serverTimestamp(), deletedBy: me }));
    }
  });
}

export function expectedCounts(options: Pick<BurstOptions, "clients" | "expensesPerClient">): {
  writes: number;
  conflicts: number;
  tombstones: number;
} {
  let writes = 0;
  let conflicts = 0;
  let tombstones = 0;
  for (let index = 0; index < options.expensesPerClient; index++) {
    const { stale, softDelete } = planFor(index);
    writes += 2 + (stale ? 1 : 0) + (softDelete ? 1 : 0);
    conflicts += stale ? 1 : 0;
    tombstones += softDelete ? 1 : 0;
  }
  return { writes: writes * options.clients, conflicts: conflicts * options.clients, tombstones: tombstones * options.clients };
}

/** Compares the server-side state with what the writes call for; returns what differs. */
async function mismatchesIn(db: Firestore, groupId: string, expected: ReturnType<typeof expectedCounts>): Promise<string[]> {
  const group = db.doc(`groups/${groupId}`);
  const [groupSnap, expenses, tombstones, conflicts] = await Promise.all([
    group.get(),
    group.collection("expenses").get(),
    group.collection("tombstones").get(),
    group.collection("conflicts").get(),
  ]);
  const problems: string[] = [];
  const latest = expenses.docs.reduce<Timestamp | undefined>((max, doc) => {
    const at = doc.get("updatedAt") as Timestamp;
    return !max || at.valueOf() > max.valueOf() ? at : max;
  }, groupSnap.get("createdAt") as Timestamp);
  const last = groupSnap.get("lastActivityAt") as Timestamp | undefined;
  if (!last || !latest || !last.isEqual(latest)) {
    problems.push(`lastActivityAt ${last?.toDate().toISOString()} != max updatedAt ${latest?.toDate().toISOString()}`);
  }
  const deleted = new Map(expenses.docs.filter((doc) => doc.get("deletedAt")).map((doc) => [doc.id, doc.get("deletedAt") as Timestamp]));
  if (tombstones.size !== expected.tombstones) problems.push(`${tombstones.size} tombstones, expected ${expected.tombstones}`);
  for (const stone of tombstones.docs) {
    if (!deleted.get(stone.id)?.isEqual(stone.get("deletedAt"))) problems.push(`tombstone ${stone.id} does not match its expense`);
  }
  const conflictExpenses = new Set(conflicts.docs.map((doc) => doc.get("expenseId") as string));
  if (conflicts.size !== expected.conflicts || conflictExpenses.size !== expected.conflicts) {
    problems.push(`${conflicts.size} conflicts on ${conflictExpenses.size} expenses, expected ${expected.conflicts}`);
  }
  return problems;
}

/** Runs the burst and waits (with a deadline) until the triggers have caught up. */
export async function runBurst(db: Firestore, options: BurstOptions, settleTimeoutMs = 180_000): Promise<BurstResult> {
  const members = Array.from({ length: options.clients }, (_, i) => uidOf(i));
  const expected = expectedCounts(options);
  const group = db.doc(`groups/${options.groupId}`);
  await group.set(groupFixture(members[0], members, { displayName: "Hot group" }));

  const seen: Timestamp[] = [];
  const stopListening = group.onSnapshot((snapshot) => {
    const at = snapshot.get("lastActivityAt") as Timestamp | undefined;
    if (at && !seen.at(-1)?.isEqual(at)) seen.push(at);
  });
  const apps = members.map((_, client) => initializeApp({ projectId: options.projectId }, `burst-${options.groupId}-${client}`));
  const started = Date.now();
  try {
    await Promise.all(apps.map((app, client) => clientWrites(getFirestore(app), options, client, members)));
    const writeMs = Date.now() - started;
    let mismatches: string[] = [];
    const settled = await eventually(
      "the burst to settle",
      async () => {
        mismatches = await mismatchesIn(db, options.groupId, expected);
        return mismatches.length === 0 ? Date.now() : undefined;
      },
      settleTimeoutMs,
    ).catch(() => undefined);
    return {
      writes: expected.writes,
      expectedConflicts: expected.conflicts,
      expectedTombstones: expected.tombstones,
      writeMs,
      settleMs: (settled ?? Date.now()) - started,
      exact: settled !== undefined,
      mismatches,
      groupSnapshots: seen.length,
      lastActivityOnlyRose: seen.every((at, i) => i === 0 || at.valueOf() > seen[i - 1].valueOf()),
    };
  } finally {
    stopListening();
    await Promise.all(apps.map((app) => deleteApp(app)));
  }
}
