// `npm run bench` (second half): documents delivered to one user's devices over a simulated day
// — 50 groups, app resumed several times after more than 30 minutes away, other members writing
// all day — with the hybrid strategy (Tier-1 groups listener + Tier-2 on the active group + Tier-3
// deltas on resume; e2e/client) against one listener per group. Both run side by side through the
// real emulator suite, rules and triggers. Prints a table and writes artifacts/bench-cost.json.
//
// MEASURED through the emulator, at full scale (no extrapolation): the documents each listener and
// query delivered (first results: their size; later snapshots: docChanges()).
// MODELLED: (1) time: the day is compressed; each resume after > 30 min is a fresh app instance,
// whose listeners Firestore bills in full, as it does a listener re-attached after 30 minutes
// offline; (2) the minimum charge: a query or first listener result with no document costs one
// read; (3) the activity pattern below (seeded, so every run does the same day); (4) the rules'
// own read: every query or listen under a group runs one get() of the group document, billed as a
// read once per request — shown separately, as "rules get()"; (5) the tombstone overlap: the client
// re-reads tombstones up to an hour before its cursor (e2e/client/sync.ts), which in a compressed
// day would span every session, so the run uses the plain `deletedAt > cursor` and adds one re-read
// per soft delete of the day (an upper bound with sessions more than 30 minutes apart).
import { FieldValue, Firestore, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { QuerySnapshot, Timestamp, Unsubscribe, collection } from "firebase/firestore";
import { editFields, expenseFixture, groupFixture } from "../functions/test/support/fixtures";
import { ChangeSignal, Device, LocalStore, ReadMeter, ReadSource, listenMetered, myGroupsQuery } from "../client";
import { Fleet, User, replicaAndServer } from "../e2e/support/fleet";
import { adminDb, clearFirestore, eventually, withoutTriggers } from "../tools/emulator";
import { InnerRun, runBenchmark, table, writeArtifact } from "./harness";

const DAY = {
  groups: 50,
  /** Other members per group, besides the user. */
  othersPerGroup: 3,
  expensesPerGroup: 40,
  /** Foreground sessions, each after more than 30 minutes in the background. */
  sessions: 10,
  /** Writes by other members over the day. */
  writesPerDay: 300,
  /** Share of them made while the user's app is open. */
  foregroundShare: 0.3,
  /** Group popularity: the k-th most active group gets weight 1 / k^s. */
  zipfExponent: 1.1,
  /** Of the writes: creates, edits, soft deletes (the rest). */
  createShare: 0.6,
  editShare: 0.3,
  seed: 20261125,
} as const;

/** Deterministic pseudo-random numbers (mulberry32), so every run simulates the same day. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface ServerExpense {
  version: number;
  deleted: boolean;
}

/** The other members' side of the day: the Admin SDK writing as they would, with triggers on. */
class Activity {
  private readonly random = randomSource(DAY.seed);
  private readonly weights: number[];
  private serial = 0;
  softDeletes = 0;
  readonly expenses = new Map<string, Map<string, ServerExpense>>();

  constructor(
    private readonly db: Firestore,
    readonly groupIds: string[],
    private readonly members: Map<string, string[]>,
  ) {
    this.weights = groupIds.map((_, rank) => 1 / (rank + 1) ** DAY.zipfExponent);
    for (const groupId of groupIds) this.expenses.set(groupId, new Map());
  }

  private pickGroup(): string {
    let draw = this.random() * this.weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < this.weights.length; i++) {
      draw -= this.weights[i];
      if (draw <= 0) return this.groupIds[i];
    }
    return this.groupIds[this.groupIds.length - 1];
  }

  /** One write by another member; returns where it landed and its commit time. */
  async write(): Promise<{ groupId: string; expenseId: string; version: number; at: AdminTimestamp }> {
    const groupId = this.pickGroup();
    const members = this.members.get(groupId) ?? [];
    const author = members[1 + Math.floor(this.random() * (members.length - 1))];
    const expenses = this.expenses.get(groupId) ?? new Map<string, ServerExpense>();
    const live = [...expenses].filter(([, expense]) => !expense.deleted);
    const roll = this.random();
    const expensesOf = this.db.collection(`groups/${groupId}/expenses`);
    let expenseId: string;
    if (roll < DAY.createShare || live.length === 0) {
      expenseId = `x${++this.serial}`;
      await expensesOf.doc(expenseId).set(expenseFixture(author, members, { description: `Expense ${this.serial}` }));
      expenses.set(expenseId, { version: 1, deleted: false });
    } else {
      const [id, expense] = live[Math.floor(this.random() * live.length)];
      expenseId = id;
      const deletes = roll >= DAY.createShare + DAY.editShare;
      const changes = deletes ? { deletedAt: FieldValue.serverTimestamp(), deletedBy: author } : { description: `Edited by ${author}` };
      await expensesOf.doc(id).update(editFields(author, expense.version, changes));
      expenses.set(id, { version: expense.version + 1, deleted: deletes });
      if (deletes) this.softDeletes += 1;
    }
    // Read back: in the emulator the stored server timestamp is not the reported write time.
    const at = (await expensesOf.doc(expenseId).get()).get("updatedAt") as AdminTimestamp;
    return { groupId, expenseId, version: expenses.get(expenseId)?.version ?? 0, at };
  }

  /** Waits until the triggers have raised every touched group's lastActivityAt to its latest write. */
  async settled(latest: Map<string, AdminTimestamp>): Promise<void> {
    for (const [groupId, at] of latest) {
      await eventually(`lastActivityAt of ${groupId}`, async () => {
        const last = (await this.db.doc(`groups/${groupId}`).get()).get("lastActivityAt") as AdminTimestamp | undefined;
        return last && last.valueOf() >= at.valueOf() ? true : undefined;
      });
    }
  }
}

/** The baseline: the groups listener, plus a listener on every group's whole expense collection. */
class ListenerPerGroupClient {
  readonly changed = new ChangeSignal();
  readonly lastActivity = new Map<string, Timestamp | undefined>();
  readonly versions = new Map<string, Map<string, number>>();
  private readonly stops: Unsubscribe[] = [];

  constructor(
    private readonly device: Device,
    private readonly meter: ReadMeter,
  ) {}

  private listen(target: Parameters<typeof listenMetered>[0], source: ReadSource, onNext: (snapshot: QuerySnapshot) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let current = false;
      this.stops.push(
        listenMetered(
          target,
          source,
          this.meter,
          (snapshot) => {
            onNext(snapshot);
            this.changed.notify();
            if (!snapshot.metadata.fromCache && !current) {
              current = true;
              resolve();
            }
          },
          reject,
        ),
      );
    });
  }

  async start(): Promise<void> {
    await this.listen(myGroupsQuery(this.device), "tier1", (snapshot) => {
      for (const change of snapshot.docChanges()) this.lastActivity.set(change.doc.id, change.doc.get("lastActivityAt") as Timestamp | undefined);
    });
    await Promise.all(
      [...this.lastActivity.keys()].map((groupId) => {
        const versions = new Map<string, number>();
        this.versions.set(groupId, versions);
        return this.listen(collection(this.device.db, "groups", groupId, "expenses"), "groupListener", (snapshot) => {
          for (const change of snapshot.docChanges()) versions.set(change.doc.id, change.doc.get("version") as number);
        });
      }),
    );
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}

/**
 * Re-enabled triggers take a while (seconds) to load again; writes made meanwhile are delivered
 * once they have. Waits until a probe group's creation has been seen, so the day starts with
 * every trigger running.
 */
async function triggersRunning(db: Firestore, user: User): Promise<void> {
  const probe = db.doc("groups/day-probe");
  await probe.set(groupFixture(user.uid, [user.uid], { displayName: "Probe" }));
  await eventually("the triggers to run again", async () => ((await probe.get()).get("lastActivityAt") ? true : undefined), 120_000);
  await probe.delete();
}

async function seed(db: Firestore, user: User): Promise<{ groupIds: string[]; members: Map<string, string[]> }> {
  const groupIds = Array.from({ length: DAY.groups }, (_, g) => `day-g${String(g).padStart(2, "0")}`);
  const members = new Map(groupIds.map((groupId) => [groupId, [user.uid, ...Array.from({ length: DAY.othersPerGroup }, (_, k) => `${groupId}-m${k}`)]]));
  // Written as they would stand after earlier days, without running the triggers on them.
  await withoutTriggers(async () => {
    const writer = db.bulkWriter();
    for (const groupId of groupIds) {
      const groupMembers = members.get(groupId) ?? [];
      void writer.set(db.doc(`groups/${groupId}`), { ...groupFixture(groupMembers[1], groupMembers, { displayName: groupId }), lastActivityAt: FieldValue.serverTimestamp() });
      for (let e = 0; e < DAY.expensesPerGroup; e++) {
        void writer.set(db.doc(`groups/${groupId}/expenses/seed${e}`), expenseFixture(groupMembers[1 + (e % DAY.othersPerGroup)], groupMembers, { description: `Seed ${e}` }));
      }
    }
    await writer.close();
  });
  await triggersRunning(db, user);
  return { groupIds, members };
}

interface CostResult {
  day: typeof DAY;
  hybrid: Record<string, { documents: number; results: number; emptyResults: number }>;
  perGroup: Record<string, { documents: number; results: number; emptyResults: number }>;
  activeGroups: string[];
  softDeletes: number;
  hybridExactAtEndOfDay: boolean;
}

async function measure(): Promise<CostResult> {
  const db = adminDb();
  const fleet = new Fleet();
  await clearFirestore();
  try {
    const { user } = await fleet.newUser("daily-user");
    const { groupIds, members } = await seed(db, user);
    const activity = new Activity(db, groupIds, members);
    for (const groupId of groupIds) {
      const seeded = activity.expenses.get(groupId);
      for (let e = 0; e < DAY.expensesPerGroup; e++) seeded?.set(`seed${e}`, { version: 1, deleted: false });
    }
    const hybridMeter = new ReadMeter();
    const perGroupMeter = new ReadMeter();
    // The hybrid client's local database lives across the day, as an app's SQLite would. Before
    // the day starts, the device holds every group as of the seed (yesterday's last sync).
    const store = new LocalStore();
    const warmUp = fleet.client(await fleet.device(user, "yesterday"), store);
    await warmUp.resume();
    warmUp.stop();

    const perSession = DAY.writesPerDay / DAY.sessions;
    const foreground = Math.round(perSession * DAY.foregroundShare);
    const background = perSession - foreground;
    const activeGroups: string[] = [];
    for (let session = 0; session < DAY.sessions; session++) {
      const latest = new Map<string, AdminTimestamp>();
      for (let w = 0; w < background; w++) {
        const write = await activity.write();
        latest.set(write.groupId, write.at);
      }
      await activity.settled(latest);
      // The user opens the group at the top of the list: the most recently active one.
      const top = await db.collection("groups").where("memberIds", "array-contains", user.uid).orderBy("lastActivityAt", "desc").limit(1).get();
      const activeGroupId = top.docs[0].id;
      activeGroups.push(activeGroupId);

      const hybrid = fleet.client(await fleet.device(user, `hybrid-${session}`), store, { meter: hybridMeter, tombstoneOverlapMs: 0 });
      const perGroup = new ListenerPerGroupClient(await fleet.device(user, `per-group-${session}`), perGroupMeter);
      await Promise.all([hybrid.resume(activeGroupId), perGroup.start()]);

      for (let w = 0; w < foreground; w++) {
        const write = await activity.write();
        // Each write is waited for on both devices, so none is merged with the next (worst case).
        await Promise.all([
          hybrid.until("the hybrid client's listeners to show the write", () => {
            const last = hybrid.groups.get(write.groupId)?.lastActivityAt;
            const listed = last !== undefined && last.valueOf() >= write.at.valueOf();
            const delivered = write.groupId !== activeGroupId || store.replica(write.groupId).expenses.get(write.expenseId)?.version === write.version;
            return listed && delivered ? true : undefined;
          }),
          perGroup.changed.until("the per-group listeners to show the write", () => {
            const last = perGroup.lastActivity.get(write.groupId);
            const listed = last !== undefined && last.valueOf() >= write.at.valueOf();
            return listed && perGroup.versions.get(write.groupId)?.get(write.expenseId) === write.version ? true : undefined;
          }),
        ]);
      }
      await hybrid.background();
      perGroup.stop();
      await fleet.closeAll();
    }

    // After the day: one more resume, not counted, must leave every replica equal to the server.
    const check = fleet.client(await fleet.device(user, "check"), store);
    await check.resume();
    const comparisons = await Promise.all(groupIds.map((groupId) => replicaAndServer(store.replica(groupId))));
    const hybridExactAtEndOfDay = comparisons.every(({ replica, server }) => JSON.stringify(replica) === JSON.stringify(server));
    return {
      day: DAY,
      hybrid: Object.fromEntries(hybridMeter.bySource),
      perGroup: Object.fromEntries(perGroupMeter.bySource),
      activeGroups,
      softDeletes: activity.softDeletes,
      hybridExactAtEndOfDay,
    };
  } finally {
    await fleet.closeAll();
  }
}

/** Billed reads from a meter's tallies: documents, plus one per empty result. */
function billed(tallies: CostResult["hybrid"]): number {
  return Object.values(tallies).reduce((sum, tally) => sum + tally.documents + tally.emptyResults, 0);
}

/** Query / listen requests under a group: each runs the rules' one get() of the group document. */
function rulesGets(tallies: CostResult["hybrid"]): number {
  return Object.entries(tallies)
    .filter(([source]) => source !== "tier1" && source !== "notifications")
    .reduce((sum, [, tally]) => sum + tally.results, 0);
}

function report({ result }: InnerRun<CostResult>): number {
  const rows: Array<Array<string | number>> = [["reads per day", "hybrid", "one listener per group"]];
  const sources: ReadSource[] = ["tier1", "tier2", "tier3", "tombstones", "resync", "notifications", "groupListener"];
  for (const source of sources) {
    const hybrid = result.hybrid[source];
    const perGroup = result.perGroup[source];
    if (hybrid || perGroup) rows.push([`  documents delivered: ${source}`, hybrid?.documents ?? 0, perGroup?.documents ?? 0]);
  }
  const emptyOf = (tallies: CostResult["hybrid"]) => Object.values(tallies).reduce((sum, tally) => sum + tally.emptyResults, 0);
  const hybridReads = billed(result.hybrid) + result.softDeletes;
  const perGroupReads = billed(result.perGroup);
  rows.push(["  + empty results, 1 read each (modelled)", emptyOf(result.hybrid), emptyOf(result.perGroup)]);
  rows.push(["  + tombstone overlap re-reads (modelled, upper bound)", result.softDeletes, 0]);
  rows.push(["reads/day", hybridReads, perGroupReads]);
  rows.push(["  + rules get(), 1 per request under a group (modelled)", rulesGets(result.hybrid), rulesGets(result.perGroup)]);
  const hybridWithRules = hybridReads + rulesGets(result.hybrid);
  const perGroupWithRules = perGroupReads + rulesGets(result.perGroup);
  rows.push(["reads/day including rules get()", hybridWithRules, perGroupWithRules]);
  const ratio = Math.round((perGroupReads / hybridReads) * 10) / 10;
  const ratioWithRules = Math.round((perGroupWithRules / hybridWithRules) * 10) / 10;
  const summary = {
    ...result,
    readsPerDay: { hybrid: hybridReads, listenerPerGroup: perGroupReads, ratio },
    readsPerDayIncludingRulesGets: { hybrid: hybridWithRules, listenerPerGroup: perGroupWithRules, ratio: ratioWithRules },
  };
  const path = writeArtifact("bench-cost.json", summary);
  process.stdout.write(table(rows));
  process.stdout.write(
    `one listener per group / hybrid = ${ratio}x (${ratioWithRules}x with rules get()); ` +
      `hybrid replicas exact at the end of the day: ${result.hybridExactAtEndOfDay}. Written to ${path}\n`,
  );
  return result.hybridExactAtEndOfDay ? 0 : 1;
}

const USAGE = `Usage: npm run bench (second half: tsx bench/cost.ts)

Simulates one user's day (${DAY.groups} groups, ${DAY.sessions} app resumes, ${DAY.writesPerDay} writes by others) on the
emulators with the hybrid listener strategy and with one listener per group, prints the documents
each delivered and the modelled reads/day, and writes artifacts/bench-cost.json. Ports move with
EMULATOR_PORT_OFFSET. Takes no flags but -h, --help.
`;

if (require.main === module) {
  runBenchmark({
    script: "bench/cost.ts",
    usage: USAGE,
    flags: {},
    settings: () => DAY,
    announce: (day) => `Starting the emulators; simulating one user's day in ${day.groups} groups with both strategies...`,
    measure,
    report,
  });
}
