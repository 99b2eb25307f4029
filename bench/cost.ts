// `npm run bench` (second half): the reads one user's devices make over a simulated day — 50
// groups, the app resumed several times after more than 30 minutes away, other members writing
// all day — with five strategies side by side through the real emulator suite, rules and
// triggers: the hybrid of contract v2.1 (a cold start attaches Tier 1 to the groups active since
// its mark) catching a group up when it is opened (the summary's figures) or every group with
// news at each resume, the hybrid before it (Tier 1 read in full at every start), one listener per
// group, and a v1 build polling every 30 s while in the foreground (e2e/support/legacyDevice.ts). Also
// the server's writes and function invocations per client write, from the triggers' own logs, and
// the month's dollars for 1,000 users (bench/costModel.ts). Prints tables and writes
// artifacts/bench-cost.json, whose `summary` holds the headline figures.
//
// MEASURED through the emulator, at full scale (no extrapolation): the documents each listener and
// query delivered (first results: their size; later snapshots: docChanges()); the triggers' runs
// and what each wrote (their structured logs).
// MODELLED: (1) time: the day is compressed; each resume after > 30 min is a fresh app instance,
// whose listeners Firestore bills in full, as it does a listener re-attached after 30 minutes
// offline; (2) the minimum charge: a query or first listener result with no document costs one
// read; (3) the activity pattern below (seeded, so every run does the same day); (4) the rules'
// own read: every query or listen under a group runs one get() of the group document, billed as a
// read once per request — shown separately, as "rules get()"; (5) the overlaps: the client re-reads
// tombstones up to an hour before its cursor and, at a cold start, groups active up to an hour
// before its Tier-1 mark (client/src/sync.ts). In a compressed day both would span every session, so
// the run uses no overlap (every trigger has run before each session starts) and adds, per cold
// start, the distinct groups written in the hour before its mark, and one re-read per soft delete
// in a group caught up later (every one when each resume catches every group up; those in a group
// opened in a later session when catch-up waits for the open) — upper bounds with sessions more
// than 30 minutes apart; (6) the v1 build's foreground time:
// V1_POLLS_PER_SESSION polls a session: the catch-up poll at its start, the poll after its writes
// and one idle poll are measured, the other idle ones cost what the measured idle polls did; (7) the population: every user's day is this user's day.
import { FieldValue, Firestore, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { QuerySnapshot, Timestamp, Unsubscribe, collection } from "firebase/firestore";
import { editFields, expenseFixture, groupFixture } from "../functions/test/support/fixtures";
import { ChangeSignal, Device, LocalStore, ReadMeter, ReadSource, SyncClient, listenMetered, myGroupsQuery } from "@expense-sync/client";
import { Fleet, User, replicaAndServer } from "../e2e/support/fleet";
import { adminDb, clearFirestore, eventually, withoutTriggers } from "../tools/emulator";
import { costTable, monthlyCost } from "./costModel";
import { InnerRun, runBenchmark, table, triggerLogs, writeArtifact } from "./harness";

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

/** A v1 build polls every 30 s in the foreground: ten polls is five minutes a session. */
const V1_POLLS_PER_SESSION = 10;
/** Writes in the hour before a mark, for the Tier-1 overlap model: the day's writes spread over 24 hours. */
const WRITES_PER_HOUR = Math.round(DAY.writesPerDay / 24);
/** Users the month's dollars are for. */
const USERS = 1000;

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
  /** Per soft delete, its group and the session it happened in. */
  readonly softDeleted: Array<{ groupId: string; session: number }> = [];
  session = 0;
  readonly expenses = new Map<string, Map<string, ServerExpense>>();
  /** The group of every write, in order: what the Tier-1 overlap model reads. */
  readonly written: string[] = [];

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
    this.written.push(groupId);
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
      if (deletes) {
        this.softDeletes += 1;
        this.softDeleted.push({ groupId, session: this.session });
      }
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

type Tallies = Record<string, { documents: number; results: number; emptyResults: number }>;
const STRATEGIES = ["hybrid", "hybridEager", "previousHybrid", "perGroup", "v1Polling"] as const;
type Strategy = (typeof STRATEGIES)[number];
const STRATEGY_NAMES: Record<Strategy, string> = {
  hybrid: "hybrid v2.1, catch-up on open",
  hybridEager: "hybrid v2.1, catch-up on resume",
  previousHybrid: "hybrid before (Tier 1 in full)",
  perGroup: "one listener per group",
  v1Polling: "v1 polling (30 s, foreground)",
};

interface CostResult {
  day: typeof DAY;
  tallies: Record<Strategy, Tallies>;
  /** The v1 build's idle poll (nothing new), measured (billed reads, requests), and how many more of them the model adds. */
  v1IdlePoll: { reads: number; requests: number };
  v1ModelledIdlePolls: number;
  /** Per cold start after the first, the distinct groups written in the hour before its mark. */
  tier1OverlapRereads: number;
  activeGroups: string[];
  softDeletes: number;
  /** Soft deletes in a group opened in a later session: the ones a catch-up on open reads again. */
  softDeletesOpenedLater: number;
  clientWrites: number;
  hybridExactAtEndOfDay: boolean;
}

/** Queries and first listener results a meter has counted. */
function requestsOf(meter: ReadMeter): number {
  return [...meter.bySource.values()].reduce((sum, tally) => sum + tally.results, 0);
}

/** The day's distinct groups written in the WRITES_PER_HOUR writes before `end` (the mark's write). */
function groupsInHourBefore(written: string[], end: number): number {
  return new Set(written.slice(Math.max(0, end - WRITES_PER_HOUR), end)).size;
}

async function measure(): Promise<CostResult> {
  const db = adminDb();
  const fleet = new Fleet();
  const v1Fleet = new Fleet();
  await clearFirestore();
  try {
    const { user } = await fleet.newUser("daily-user");
    const { groupIds, members } = await seed(db, user);
    const activity = new Activity(db, groupIds, members);
    for (const groupId of groupIds) {
      const seeded = activity.expenses.get(groupId);
      for (let e = 0; e < DAY.expensesPerGroup; e++) seeded?.set(`seed${e}`, { version: 1, deleted: false });
    }
    const meters = Object.fromEntries(STRATEGIES.map((strategy) => [strategy, new ReadMeter()])) as Record<Strategy, ReadMeter>;
    // The hybrid clients' local databases live across the day, as an app's SQLite would. Before the
    // day starts, each device holds every group as of the seed (yesterday's last sync). Every
    // trigger has run before a session starts, so no overlap is needed (see MODELLED (5)).
    const options = { tombstoneOverlapMs: 0, tier1OverlapMs: 0 };
    const store = new LocalStore();
    const eagerStore = new LocalStore();
    const previousStore = new LocalStore();
    for (const warm of [store, eagerStore, previousStore]) {
      const warmUp = fleet.client(await fleet.device(user, "yesterday"), warm);
      await warmUp.resume();
      warmUp.stop();
    }
    // Its own fleet: the phone keeps its delta bounds across the day, while the sessions' devices close.
    const v1 = v1Fleet.legacy(await v1Fleet.device(user, "v1-phone"), { clockSkewMs: 0, pollIntervalMs: 1_000_000, reads: "delta", meter: meters.v1Polling });
    await v1.poll();
    meters.v1Polling.bySource.clear();

    const perSession = DAY.writesPerDay / DAY.sessions;
    const foreground = Math.round(perSession * DAY.foregroundShare);
    const background = perSession - foreground;
    const activeGroups: string[] = [];
    const idlePolls: Array<{ reads: number; requests: number }> = [];
    let tier1OverlapRereads = 0;
    let markWrite = 0;
    for (let session = 0; session < DAY.sessions; session++) {
      activity.session = session;
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
      if (session > 0) tier1OverlapRereads += groupsInHourBefore(activity.written, markWrite);

      const hybrid = fleet.client(await fleet.device(user, `hybrid-${session}`), store, { meter: meters.hybrid, ...options, catchUp: "open" });
      const eager = fleet.client(await fleet.device(user, `eager-${session}`), eagerStore, { meter: meters.hybridEager, ...options });
      // The hybrid before v2.1: the same client made to read Tier 1 in full, as it then always did.
      previousStore.membershipSeen = undefined;
      const previous = fleet.client(await fleet.device(user, `previous-${session}`), previousStore, { meter: meters.previousHybrid, ...options });
      const perGroup = new ListenerPerGroupClient(await fleet.device(user, `per-group-${session}`), meters.perGroup);
      await Promise.all([hybrid.resume(activeGroupId), eager.resume(activeGroupId), previous.resume(activeGroupId), perGroup.start(), v1.poll()]);

      for (let w = 0; w < foreground; w++) {
        const write = await activity.write();
        // Each write is waited for on every device, so none is merged with the next (worst case).
        const shown = (client: SyncClient) =>
          client.until(`${client.device.label}'s listeners to show the write`, () => {
            const last = client.groups.get(write.groupId)?.lastActivityAt;
            const listed = last !== undefined && last.valueOf() >= write.at.valueOf();
            const delivered = write.groupId !== activeGroupId || client.store.replica(write.groupId).expenses.get(write.expenseId)?.version === write.version;
            return listed && delivered ? true : undefined;
          });
        await Promise.all([
          shown(hybrid),
          shown(eager),
          shown(previous),
          perGroup.changed.until("the per-group listeners to show the write", () => {
            const last = perGroup.lastActivity.get(write.groupId);
            const listed = last !== undefined && last.valueOf() >= write.at.valueOf();
            return listed && perGroup.versions.get(write.groupId)?.get(write.expenseId) === write.version ? true : undefined;
          }),
        ]);
      }
      markWrite = activity.written.length;
      // The v1 phone's poll that sees this session's writes, then one that finds nothing new.
      await v1.poll();
      const beforeIdle = { reads: meters.v1Polling.billedReads(), requests: requestsOf(meters.v1Polling) };
      await v1.poll();
      idlePolls.push({ reads: meters.v1Polling.billedReads() - beforeIdle.reads, requests: requestsOf(meters.v1Polling) - beforeIdle.requests });
      await Promise.all([hybrid.background(), eager.background(), previous.background()]);
      perGroup.stop();
      await fleet.closeAll();
    }

    // After the day: one more resume, not counted, must leave every replica equal to the server
    // (the lazy client's too: this resume catches every group up).
    const comparisons = [];
    for (const held of [store, eagerStore]) {
      await fleet.client(await fleet.device(user, "check"), held).resume();
      comparisons.push(...(await Promise.all(groupIds.map((groupId) => replicaAndServer(held.replica(groupId))))));
    }
    const hybridExactAtEndOfDay = comparisons.every(({ replica, server }) => JSON.stringify(replica) === JSON.stringify(server));
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    return {
      day: DAY,
      tallies: Object.fromEntries(STRATEGIES.map((strategy) => [strategy, Object.fromEntries(meters[strategy].bySource)])) as Record<Strategy, Tallies>,
      v1IdlePoll: { reads: mean(idlePolls.map((poll) => poll.reads)), requests: mean(idlePolls.map((poll) => poll.requests)) },
      v1ModelledIdlePolls: DAY.sessions * (V1_POLLS_PER_SESSION - 3),
      tier1OverlapRereads,
      activeGroups,
      softDeletes: activity.softDeletes,
      softDeletesOpenedLater: activity.softDeleted.filter(({ groupId, session }) => activeGroups.slice(session + 1).includes(groupId)).length,
      clientWrites: activity.written.length,
      hybridExactAtEndOfDay,
    };
  } finally {
    await Promise.all([fleet.closeAll(), v1Fleet.closeAll()]);
  }
}

/** Sources whose requests run the rules' get() of the group document: everything under a group. */
const OUTSIDE_GROUPS = new Set(["tier1", "membership", "notifications", "v1Groups"]);

interface StrategyReads {
  delivered: number;
  emptyResults: number;
  modelled: number;
  reads: number;
  rulesGets: number;
  readsWithRulesGets: number;
}

function readsOf(strategy: Strategy, result: CostResult): StrategyReads {
  const tallies = Object.entries(result.tallies[strategy] ?? {}).filter(([source]) => strategy !== "previousHybrid" || source !== "membership");
  const delivered = tallies.reduce((sum, [, tally]) => sum + tally.documents, 0);
  const emptyResults = tallies.reduce((sum, [, tally]) => sum + tally.emptyResults, 0);
  let rulesGets = tallies.filter(([source]) => !OUTSIDE_GROUPS.has(source)).reduce((sum, [, tally]) => sum + tally.results, 0);
  let modelled = 0;
  if (strategy === "hybrid") modelled = result.tier1OverlapRereads + result.softDeletesOpenedLater;
  if (strategy === "hybridEager") modelled = result.tier1OverlapRereads + result.softDeletes;
  if (strategy === "previousHybrid") modelled = result.softDeletes;
  if (strategy === "v1Polling") {
    modelled = result.v1ModelledIdlePolls * result.v1IdlePoll.reads;
    // Each of its expense queries runs the rules' get(); its groups query does not.
    rulesGets += result.v1ModelledIdlePolls * (result.v1IdlePoll.requests - 1);
  }
  const reads = delivered + emptyResults + modelled;
  return { delivered, emptyResults, modelled, reads, rulesGets, readsWithRulesGets: reads + rulesGets };
}

interface TriggerLog {
  trigger?: string;
  outcome?: string;
  activityRaised?: boolean;
  tombstone?: string;
  conflictId?: string;
  notified?: string;
  membershipRecorded?: number;
}

/** What the server wrote and ran for the day's client writes, from the triggers' structured logs. */
export function serverWork(lines: string[], clientWrites: number) {
  const logs = triggerLogs<TriggerLog>(lines);
  const expenseRuns = logs.filter((log) => log.trigger === "expenseChanged");
  const writesOf = (log: TriggerLog) =>
    (log.activityRaised ? 1 : 0) + (log.tombstone && log.tombstone !== "unchanged" ? 1 : 0) + (log.conflictId ? 1 : 0) + (log.notified ? 1 : 0) + (log.membershipRecorded ?? 0);
  const plainRuns = expenseRuns.filter((log) => log.tombstone === "unchanged" && !log.conflictId);
  const durations = lines.flatMap((line) => {
    const match = /Finished "[^"]+" in ([\d.]+)ms/.exec(line);
    return match ? [Number(match[1])] : [];
  });
  return {
    clientWrites,
    expenseRuns: expenseRuns.length,
    groupRuns: logs.filter((log) => log.trigger === "groupWritten").length,
    serverWrites: logs.reduce((sum, log) => sum + writesOf(log), 0),
    serverWritesPerClientWrite: expenseRuns.length ? expenseRuns.reduce((sum, log) => sum + writesOf(log), 0) / expenseRuns.length : 0,
    serverWritesPerPlainWrite: plainRuns.length ? plainRuns.reduce((sum, log) => sum + writesOf(log), 0) / plainRuns.length : 0,
    invocationsPerClientWrite: expenseRuns.length ? logs.length / expenseRuns.length : 0,
    meanInvocationMs: durations.length ? durations.reduce((sum, ms) => sum + ms, 0) / durations.length : 0,
  };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function report({ result, lines }: InnerRun<CostResult>): number {
  const reads = Object.fromEntries(STRATEGIES.map((strategy) => [strategy, readsOf(strategy, result)])) as Record<Strategy, StrategyReads>;
  const rows: Array<Array<string | number>> = [["reads per user per day", ...STRATEGIES.map((strategy) => STRATEGY_NAMES[strategy])]];
  const sources = [...new Set(STRATEGIES.flatMap((strategy) => Object.keys(result.tallies[strategy] ?? {})))] as ReadSource[];
  for (const source of sources) {
    rows.push([`  documents delivered: ${source}`, ...STRATEGIES.map((strategy) => (strategy === "previousHybrid" && source === "membership" ? 0 : (result.tallies[strategy]?.[source]?.documents ?? 0)))]);
  }
  rows.push(["  + empty results, 1 read each", ...STRATEGIES.map((strategy) => reads[strategy].emptyResults)]);
  rows.push(["  + modelled (overlaps; v1 idle polls)", ...STRATEGIES.map((strategy) => reads[strategy].modelled)]);
  rows.push(["reads/day", ...STRATEGIES.map((strategy) => round(reads[strategy].reads, 0))]);
  rows.push(["  + rules get(), 1 per request under a group", ...STRATEGIES.map((strategy) => round(reads[strategy].rulesGets, 0))]);
  rows.push(["reads/day including rules get()", ...STRATEGIES.map((strategy) => round(reads[strategy].readsWithRulesGets, 0))]);

  const work = serverWork(lines, result.clientWrites);
  // Every user of the population writes as the others in this user's groups do: each group's
  // writes by the other members, shared among all its members, over the user's groups.
  const members = DAY.othersPerGroup + 1;
  const ownWritesPerDay = (DAY.writesPerDay / DAY.othersPerGroup / DAY.groups) * DAY.groups;
  const writesPerDay = ownWritesPerDay * (1 + work.serverWritesPerClientWrite);
  const invocationsPerDay = ownWritesPerDay * work.invocationsPerClientWrite;
  // Soft deletes are purged after the retention: the expense by the purge, its tombstone by TTL.
  const softDeletesPerDay = result.softDeletes / DAY.othersPerGroup;
  // Each user's share of the stored expenses, at about 1 KiB a document with its index entries.
  const storedGiBPerUser = (DAY.groups * DAY.expensesPerGroup * 1024) / members / 2 ** 30;
  const cost = monthlyCost({
    users: USERS,
    perUserPerDay: {
      reads: reads.hybrid.readsWithRulesGets,
      writes: writesPerDay,
      deletes: softDeletesPerDay,
      ttlDeletes: softDeletesPerDay,
      storedGiBPerUser,
      functionInvocations: invocationsPerDay,
      // Billed per invocation, rounded up to 100 ms.
      functionComputeSeconds: invocationsPerDay * Math.max(0.1, Math.ceil(work.meanInvocationMs / 100) / 10),
    },
  });
  const summary = {
    readsPerUserPerDay: round(reads.hybrid.reads, 0),
    readsPerUserPerDayWithRulesGets: round(reads.hybrid.readsWithRulesGets, 0),
    usdPerMonthPer1000Users: round(cost.totalUsd),
    usdPerMonthPer1000UsersAfterFreeTier: round(cost.totalUsdAfterFreeTier),
    serverWritesPerClientWrite: round(work.serverWritesPerPlainWrite),
    serverWritesPerClientWriteDayMix: round(work.serverWritesPerClientWrite),
    functionInvocationsPerClientWrite: round(work.invocationsPerClientWrite),
    byStrategy: Object.fromEntries(STRATEGIES.map((strategy) => [strategy, { reads: round(reads[strategy].reads, 0), readsWithRulesGets: round(reads[strategy].readsWithRulesGets, 0) }])),
  };
  const path = writeArtifact("bench-cost.json", { summary, ...result, reads, serverWork: work, model: { users: USERS, members, ownWritesPerDay, cost } });
  process.stdout.write(table(rows));
  process.stdout.write(`\nserver per client write: ${round(work.serverWritesPerPlainWrite)} writes for a plain create or edit, ${round(work.serverWritesPerClientWrite)} in the day's mix; ${round(work.invocationsPerClientWrite)} function invocations (mean ${round(work.meanInvocationMs)} ms)\n\n`);
  process.stdout.write(table(costTable(cost)));
  process.stdout.write(`\nhybrid replicas exact at the end of the day: ${result.hybridExactAtEndOfDay}. Written to ${path}\n`);
  return result.hybridExactAtEndOfDay ? 0 : 1;
}

const USAGE = `Usage: npm run bench (second half: tsx bench/cost.ts)

Simulates one user's day (${DAY.groups} groups, ${DAY.sessions} app resumes, ${DAY.writesPerDay} writes by others) on the
emulators with five strategies side by side (the v2.1 hybrid catching up on open or on resume,
the hybrid before it, one listener per group, v1 polling), prints the documents each delivered and the modelled reads/day, the
server's writes and invocations per client write and the month's dollars for ${USERS} users, and
writes artifacts/bench-cost.json. Ports move with EMULATOR_PORT_OFFSET. Takes no flags but -h, --help.
`;

if (require.main === module) {
  runBenchmark({
    script: "bench/cost.ts",
    usage: USAGE,
    flags: {},
    settings: () => DAY,
    announce: (day) => `Starting the emulators; simulating one user's day in ${day.groups} groups with five strategies...`,
    measure,
    report,
  });
}
