// Issue #12, "zero breaking changes": phones on builds from before 2.1 ("v1", legacyDevice.ts)
// share groups with 2.1 clients, through the real rules and triggers on the emulator suite. v1
// writes carry the phone's clock and no version fields, v1 deletes are for good; the server
// normalizes the former and keeps the latter restorable, and the 2.1 reference client leaves a
// v1 write alone until it is normalized (docs/client-protocol.md, "Coexisting with v1 builds").
import { expect } from "chai";
import { DocumentData, Timestamp as AdminTimestamp } from "firebase-admin/firestore";
import { FirestoreError } from "firebase/firestore";
import { isDeepStrictEqual } from "node:util";
import { changeSyncConfig } from "../tools/rolloutStore";
import { RolloutChangeCommand } from "../tools/rolloutCommand";
import { adminDb, clearFirestore, eventually, withoutTriggers } from "../tools/emulator";
import { handleExpenseWrite } from "../functions/src/expenseActivity";
import {
  Device,
  SyncClient,
  SyncMode,
  compareTimestamps,
  createExpense,
  createGroup,
  editExpense,
  fetchDelta,
  fetchKeptDeletions,
  fetchUnreadNotifications,
  newExpenseId,
  newGroupId,
  restoreExpense,
  restoreKeptDeletion,
  softDeleteExpense,
} from "@expense-sync/client";
import { LegacyDevice, legacyViewOf } from "./support/legacyDevice";
import { Fleet, canonical, dinner, expensesBy, groupListed, groupOf, replicaAndServer, serverExpenses } from "./support/fleet";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Both polling paths, v1's 30 s timer and the 2.1 client's off the rollout, compressed. */
const POLL_MS = 200;

async function adminDocs(path: string): Promise<Map<string, DocumentData>> {
  const snapshot = await adminDb().collection(path).get();
  return new Map(snapshot.docs.map((doc) => [doc.id, doc.data()]));
}

/**
 * Failed polls other than those that found the device offline for a moment (fleet.ts reconnects
 * every device when the emulator breaks one's listen stream): the next poll retries those.
 */
const faults = (errors: unknown[]): unknown[] => errors.filter((error) => (error as Partial<FirestoreError>).code !== "unavailable");

/** What a v1 build shows of each expense, in comparable form. */
const v1Shown = (expenses: Map<string, DocumentData>): Map<string, unknown> =>
  new Map([...expenses].map(([id, data]) => [id, canonical(legacyViewOf(data))]));

/**
 * Throws, naming the first difference, unless the v1 phone shows every expense the server has as
 * the server has it. A phone that reads in full shows nothing else; one that reads deltas cannot
 * see deletions, so it may also show expenses the server no longer has.
 */
function checkLegacyView(phone: LegacyDevice, groupId: string, server: Map<string, DocumentData>): void {
  const shown = v1Shown(phone.expenses.get(groupId) ?? new Map());
  for (const [id, expected] of v1Shown(server)) {
    if (!isDeepStrictEqual(shown.get(id), expected)) {
      const polls = `after ${phone.polls} polls, ${phone.pollFailures.length} failed: ${phone.pollFailures.slice(-1).map(String).join("")}`;
      throw new Error(`${phone.label} shows ${id} in ${groupId} as ${JSON.stringify(shown.get(id))}, the server has ${JSON.stringify(expected)} (${polls})`);
    }
  }
  const extra = [...shown.keys()].filter((id) => !server.has(id));
  if (extra.length > 0 && phone.options.reads === "full") throw new Error(`${phone.label} shows ${extra.join(", ")}, which the server does not have`);
}

/** Throws, naming the expenses that differ, unless the 2.1 client's replica of the group equals the server's expenses. */
function checkReplica(client: SyncClient, groupId: string, server: Map<string, DocumentData>): void {
  const replica = client.store.replica(groupId);
  const ids = new Set([...replica.expenses.keys(), ...server.keys()]);
  const differing = [...ids].filter((id) => !isDeepStrictEqual(canonical(replica.expenses.get(id)), canonical(server.get(id))));
  if (differing.length === 0) return;
  const describe = (expense: DocumentData | undefined) => (expense ? `v${expense.version} ${stateOf(expense)}` : "absent");
  const differences = differing.map((id) => `${id}: replica ${describe(replica.expenses.get(id))}, server ${describe(server.get(id))}`);
  const marks = `cursor ${canonical(replica.cursor)}, synced through ${canonical(replica.syncedActivityAt)}, Tier 1 ${canonical(client.groups.get(groupId)?.lastActivityAt)}, Tier-1 mark ${canonical(client.store.tier1Mark)}, membership seen ${canonical(client.store.membershipSeen)}, mode ${client.mode}`;
  throw new Error(`${client.device.label} (${client.mode}) differs from the server in ${groupId}: ${differences.join("; ")} (${marks}; ${client.failures.length} failures)`);
}

type ExpenseWriteKind =
  | "v1 create"
  | "v1 edit"
  | "v1 hard delete"
  | "v2 create"
  | "v2 edit"
  | "v2 soft delete"
  | "v2 restore"
  | "v2 restore of a kept deletion";

/** An expense's content as the fleet's bookkeeping names it: its description (unique per write) and whether it is deleted. */
const stateOf = (data: DocumentData): string => `${data.description}|${data.deletedAt ? "deleted" : "live"}`;

interface LoggedWrite {
  kind: ExpenseWriteKind;
  by: string;
  expenseId: string;
  /** What the write left, in stateOf terms (`gone|id` for a hard delete). */
  state: string;
  /** What the writer saw when it wrote, if it replaced something. */
  basedOn?: string;
}

/** The mixed fleet's expense writes, in the order they were made, and those the server refused. */
class Ledger {
  readonly writes: LoggedWrite[] = [];
  readonly refused: string[] = [];
  private pending: Array<Promise<void>> = [];

  add(kind: ExpenseWriteKind, by: string, expenseId: string, state: string, write: { acknowledged: Promise<void> }, basedOn?: string): void {
    this.writes.push({ kind, by, expenseId, state, basedOn });
    this.pending.push(write.acknowledged.catch((error: Error) => void this.refused.push(`${kind} by ${by} of ${expenseId}: ${error.message}`)));
  }

  /** Resolves once every write made so far is acknowledged or refused. */
  async settled(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }

  count(kind: ExpenseWriteKind): number {
    return this.writes.filter((write) => write.kind === kind).length;
  }
}

describe("e2e: v1 builds beside 2.1 clients", function () {
  this.timeout(120_000);
  const fleet = new Fleet();

  before(clearFirestore);
  afterEach(() => fleet.closeAll());

  /** Users and a group they all belong to, created by the first user's 2.1 device. */
  async function groupWith(...names: string[]): Promise<{ devices: Device[]; members: string[]; groupId: string }> {
    const opened = await Promise.all(names.map((name) => fleet.newUser(name)));
    const members = opened.map(({ user }) => user.uid);
    const groupId = await groupOf(opened[0].device, members);
    return { devices: opened.map(({ device }) => device), members, groupId };
  }

  it("delivers a v1 write stamped days in the past to 2.1 devices whose cursor is now, realtime and polling", async () => {
    const { devices, members, groupId } = await groupWith("alice", "bob", "olga");
    const [aliceDevice, bobDevice, olgaDevice] = devices;
    const alice = fleet.client(aliceDevice);
    await alice.resume(groupId);
    // Written while Alice listens, so it is in her listener's `updatedAt > cursor` result.
    const [lunch] = await expensesBy(aliceDevice, groupId, members, 1);
    const aliceReplica = alice.store.replica(groupId);
    const original = await alice.until("Alice's Tier 2 to deliver her expense", () => aliceReplica.expenses.get(lunch));
    const bob = fleet.client(bobDevice);
    await bob.startPolling(POLL_MS);
    const olga = fleet.legacy(olgaDevice, { clockSkewMs: -3 * DAY_MS, pollIntervalMs: POLL_MS, reads: "delta" });
    await olga.start();
    const cursor = aliceReplica.cursor;
    expect(cursor?.isEqual(original.updatedAt), "Alice's cursor is at the newest write").to.equal(true);

    const taxi = olga.createExpense(groupId, dinner(olgaDevice.uid, members, { description: "Taxi (v1)" }));
    const edit = olga.editExpense(groupId, lunch, { description: "Lunch, corrected on v1" });
    await Promise.all([taxi.acknowledged, edit.acknowledged]);

    // Olga's edit stamps lunch three days back: it leaves Alice's listener result until it is
    // normalized, and must not leave her replica meanwhile.
    let lunchLeftReplica = false;
    const delivered = await alice.until("Alice's Tier 2 to deliver both v1 writes, normalized", () => {
      if (!aliceReplica.expenses.has(lunch)) lunchLeftReplica = true;
      const created = aliceReplica.expenses.get(taxi.expenseId);
      const edited = aliceReplica.expenses.get(lunch);
      return created && edited?.version === 2 ? { created, edited } : undefined;
    });
    expect(lunchLeftReplica, "the edited expense stayed in Alice's replica").to.equal(false);
    expect(delivered.created).to.include({ version: 1, baseVersion: 0, createdBy: olgaDevice.uid, updatedBy: olgaDevice.uid, deletedAt: null });
    expect(delivered.edited).to.include({ description: "Lunch, corrected on v1", version: 2, baseVersion: 1, createdBy: aliceDevice.uid, updatedBy: olgaDevice.uid });
    expect(delivered.edited.createdAt.isEqual(original.createdAt), "creation kept from the stored expense").to.equal(true);
    for (const record of [delivered.created, delivered.edited]) {
      expect(compareTimestamps(record.updatedAt, cursor!), "stamped with the server's time, after the cursor").to.be.greaterThan(0);
    }

    const bobReplica = bob.store.replica(groupId);
    await bob.until("Bob's polling to bring both", () => (bobReplica.expenses.get(lunch)?.version === 2 && bobReplica.expenses.has(taxi.expenseId) ? true : undefined));
    for (const client of [alice, bob]) {
      const { replica, server } = await replicaAndServer(client.store.replica(groupId));
      expect(replica, `${client.device.label}'s replica`).to.deep.equal(server);
    }
    // Olga's own delta read (from her clock, three days back) brings the normalized documents.
    const server = await serverExpenses(groupId);
    await olga.until("Olga's phone to show the normalized expenses", () => {
      try {
        checkLegacyView(olga, groupId, server);
        return true;
      } catch {
        return undefined;
      }
    });
  });

  it("keeps a 2.1 device's cursor on server time when it meets a v1 write stamped hours ahead, so it misses no later write", async () => {
    const { devices, members, groupId } = await groupWith("alice", "bob", "carol", "fred");
    const [aliceDevice, bobDevice, carolDevice, fredDevice] = devices;
    await expensesBy(aliceDevice, groupId, members, 1);
    const bob = fleet.client(bobDevice);
    await bob.resume(groupId);
    const carol = fleet.client(carolDevice);
    await carol.poll();
    const fred = fleet.legacy(fredDevice, { clockSkewMs: 6 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "full" });
    await fred.poll();
    const bobReplica = bob.store.replica(groupId);
    const carolReplica = carol.store.replica(groupId);
    const aWhileFromNow = Date.now() + 10 * 60_000;

    // With the triggers off, the server leaves Fred's write as he sent it, so both clients meet it
    // before its normalization, as they may at any time in the second after a v1 write.
    const early = await withoutTriggers(async () => {
      const breakfast = fred.createExpense(groupId, dinner(fredDevice.uid, members, { description: "Breakfast (v1, clock ahead)" }));
      await breakfast.acknowledged;
      const [marker] = await expensesBy(aliceDevice, groupId, members, 1);
      // One watch stream delivers in commit order: the snapshot with `marker` also held Fred's write.
      await bob.until("Bob's Tier 2 to deliver a write made after Fred's", () => bobReplica.expenses.get(marker));
      await fetchDelta(carolDevice, carolReplica, carol.groups.get(groupId)!);
      expect(carolReplica.expenses.has(marker), "Carol's delta fetched the later write").to.equal(true);
      for (const replica of [bobReplica, carolReplica]) {
        expect(replica.expenses.has(breakfast.expenseId), "the unnormalized write is not applied").to.equal(false);
        expect(replica.cursor!.toMillis(), "the cursor is not in the future").to.be.below(aWhileFromNow);
      }
      return breakfast.expenseId;
    });

    // The emulator dropped the write's event while the triggers were off: delivered now, as a
    // retry delivers one late, it has the server normalize the write. Alice writes on.
    const written = await adminDb().doc(`groups/${groupId}/expenses/${early}`).get();
    await handleExpenseWrite(adminDb(), { id: `late-${early}`, time: written.updateTime!.toDate().toISOString(), groupId, expenseId: early, after: written.data() });
    const normalized = await bob.until("Bob to receive Fred's write, normalized", () => bobReplica.expenses.get(early));
    expect(normalized).to.include({ version: 1, description: "Breakfast (v1, clock ahead)" });
    expect(normalized.updatedAt.toMillis(), "stamped with the server's time").to.be.below(aWhileFromNow);
    await bob.background();
    const [later] = await expensesBy(aliceDevice, groupId, members, 1);
    // Bob resumes from his cursor, Carol polls from hers: both find the later write.
    await bob.resume(groupId);
    expect(bobReplica.expenses.has(later), "Bob's delta from his cursor found the later write").to.equal(true);
    await eventually("Carol's polling to bring the later writes", async () => {
      await carol.poll();
      return carolReplica.expenses.has(later) && carolReplica.expenses.has(early) ? true : undefined;
    });
    for (const replica of [bobReplica, carolReplica]) {
      const { replica: local, server } = await replicaAndServer(replica);
      expect(local).to.deep.equal(server);
    }
  });

  it("keeps a v1 hard delete restorable: a 2.1 client brings it back, and the v1 phone that deleted it shows it again only then", async () => {
    const { devices, members, groupId } = await groupWith("alice", "bob", "olga");
    const [aliceDevice, bobDevice, olgaDevice] = devices;
    const [doomed] = await expensesBy(aliceDevice, groupId, members, 2);
    await editExpense(aliceDevice, groupId, doomed, 1, dinner(aliceDevice.uid, members, { description: "Dinner, tip included", amountMinor: 5000 })).acknowledged;
    const alice = fleet.client(aliceDevice);
    await alice.resume(groupId);
    const bob = fleet.client(bobDevice);
    await bob.startPolling(POLL_MS);
    const olga = fleet.legacy(olgaDevice, { clockSkewMs: -2 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "full" });
    await olga.start();
    expect(olga.shown(groupId, doomed)?.description).to.equal("Dinner, tip included");

    await olga.deleteExpense(groupId, doomed).acknowledged;
    const kept = await eventually("the server to keep the deleted expense", async () => (await adminDocs(`groups/${groupId}/deletedExpenses`)).get(doomed));
    const tombstone = (await adminDb().doc(`groups/${groupId}/tombstones/${doomed}`).get()).data();
    expect(kept).to.include({ expenseId: doomed });
    expect(kept.deletedBy, "the deleter, or null where the platform does not say").to.be.oneOf([null, olgaDevice.uid]);
    expect((kept.deletedAt as AdminTimestamp).isEqual(tombstone?.deletedAt), "kept with the tombstone's time").to.equal(true);
    expect(kept.data).to.include({ description: "Dinner, tip included", amountMinor: 5000, version: 2, updatedBy: aliceDevice.uid });

    const aliceReplica = alice.store.replica(groupId);
    const bobReplica = bob.store.replica(groupId);
    // The expense was last written before both cursors, so no expense query or listener returns
    // it. The server raised lastActivityAt to the tombstone's time: Alice's Tier 1 shows activity
    // her Tier 2 did not deliver, and she fetches the tombstones; Bob's next poll finds the group
    // changed. No other write is needed for either.
    await alice.until("Alice's replica to drop it", () => (aliceReplica.expenses.has(doomed) ? undefined : true));
    await bob.until("Bob's replica to drop it", () => (bobReplica.expenses.has(doomed) ? undefined : true));
    // Three more full reads on Olga's phone: the expense does not come back.
    const pollsAfterDelete = olga.polls;
    await olga.until("three more polls", () => (olga.polls >= pollsAfterDelete + 3 ? true : undefined));
    expect(olga.shown(groupId, doomed), "the deleter's phone does not show it again").to.equal(undefined);
    expect(faults(olga.pollFailures)).to.deep.equal([]);

    const restorable = await fetchKeptDeletions(aliceDevice, groupId);
    expect([...restorable.keys()]).to.deep.equal([doomed]);
    await restoreKeptDeletion(aliceDevice, groupId, restorable.get(doomed)!).acknowledged;
    await eventually("the kept copy and the tombstone to go", async () => {
      const [keptNow, tombstones] = await Promise.all([adminDocs(`groups/${groupId}/deletedExpenses`), adminDocs(`groups/${groupId}/tombstones`)]);
      return keptNow.size === 0 && tombstones.size === 0 ? true : undefined;
    });
    const restored = (await serverExpenses(groupId)).get(doomed);
    expect(restored).to.include({ description: "Dinner, tip included", amountMinor: 5000, version: 1, baseVersion: 0, createdBy: aliceDevice.uid, deletedAt: null });

    await alice.until("Alice's replica to show it again", () => aliceReplica.expenses.get(doomed));
    await bob.until("Bob's replica to show it again", () => bobReplica.expenses.get(doomed));
    await olga.until("Olga's phone to show it again", () => olga.shown(groupId, doomed));
    for (const replica of [aliceReplica, bobReplica]) {
      const { replica: local, server } = await replicaAndServer(replica);
      expect(local).to.deep.equal(server);
    }
    checkLegacyView(olga, groupId, await serverExpenses(groupId));
  });

  it("shows 2.1 writes on v1 phones whose clocks are hours off either way, a soft-deleted expense as live", async () => {
    const { devices, members, groupId } = await groupWith("alice", "olga", "fred");
    const [aliceDevice, olgaDevice, fredDevice] = devices;
    const phones = [
      fleet.legacy(olgaDevice, { clockSkewMs: -5 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "delta" }),
      fleet.legacy(fredDevice, { clockSkewMs: 5 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "full" }),
    ];
    await Promise.all(phones.map((phone) => phone.start()));
    const [coffee, museum] = await expensesBy(aliceDevice, groupId, members, 2);
    await Promise.all([
      editExpense(aliceDevice, groupId, coffee, 1, dinner(aliceDevice.uid, members, { description: "Coffee and cake" })).acknowledged,
      softDeleteExpense(aliceDevice, groupId, museum, 1).acknowledged,
    ]);
    for (const phone of phones) {
      await phone.until(`${phone.label} to show the edit`, () => (phone.shown(groupId, coffee)?.description === "Coffee and cake" ? true : undefined));
      // v1 knows no deletedAt: the soft-deleted expense is there like any other.
      expect(phone.shown(groupId, museum), `${phone.label} shows the soft-deleted expense`).to.not.equal(undefined);
    }
    const stored = await serverExpenses(groupId);
    expect(stored.get(museum)?.deletedBy).to.equal(aliceDevice.uid);
    const updatedBeforeRestore = stored.get(museum)?.updatedAt as AdminTimestamp;
    await restoreExpense(aliceDevice, groupId, museum, 2).acknowledged;
    const server = await serverExpenses(groupId);
    for (const phone of phones) {
      await phone.until(`${phone.label} to read the restore`, () =>
        phone.shown(groupId, museum)?.updatedAt.toMillis() === (server.get(museum)?.updatedAt as AdminTimestamp).toMillis() ? true : undefined,
      );
      checkLegacyView(phone, groupId, server);
    }
    expect((server.get(museum)?.updatedAt as AdminTimestamp).valueOf() > updatedBeforeRestore.valueOf()).to.equal(true);
  });

  it("runs a mixed fleet through the rollout stages 10% → 25% → 100% → kill switch: every write live or kept, devices in agreement, nothing refused", async () => {
    const stages: Array<{ name: string; command: RolloutChangeCommand }> = [
      { name: "10%", command: { kind: "set-percent", percent: 10 } },
      { name: "25%", command: { kind: "set-percent", percent: 25 } },
      { name: "100%", command: { kind: "set-percent", percent: 100 } },
      { name: "kill switch", command: { kind: "disable" } },
    ];
    // 2.1 users picked by rollout bucket, so each stage has both kinds of 2.1 device.
    const v2Users = await Promise.all([
      fleet.newUserInBuckets("rita", 0, 10),
      fleet.newUserInBuckets("raul", 10, 25),
      fleet.newUserInBuckets("paula", 25, 100),
      fleet.newUserInBuckets("pedro", 25, 100),
    ]);
    const expectedModes: Record<string, SyncMode[]> = {
      "10%": ["realtime", "polling", "polling", "polling"],
      "25%": ["realtime", "realtime", "polling", "polling"],
      "100%": ["realtime", "realtime", "realtime", "realtime"],
      "kill switch": ["polling", "polling", "polling", "polling"],
    };
    const v1Users = await Promise.all(["olga", "fred", "vera"].map((name) => fleet.newUser(name)));
    const members = [...v2Users, ...v1Users].map(({ user }) => user.uid);
    const v2 = v2Users.map(({ user, device }) => ({ label: user.name, device, client: fleet.client(device) }));
    const v1 = [
      fleet.legacy(v1Users[0].device, { clockSkewMs: -5 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "delta" }),
      fleet.legacy(v1Users[1].device, { clockSkewMs: 3 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "full" }),
      fleet.legacy(v1Users[2].device, { clockSkewMs: -9 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "delta" }),
    ];
    // One group made by a 2.1 client, one by a v1 build.
    const lisbon = newGroupId(v2[0].device);
    const flat = v1[0].createGroup({ displayName: "Flat", memberIds: members, settings: { defaultCurrency: "EUR", simplifyDebts: false } });
    const groupWrites: Array<{ kind: string; acknowledged: Promise<void> }> = [
      { kind: "v2 group create", ...createGroup(v2[0].device, lisbon, { displayName: "Lisbon", memberIds: members, settings: { defaultCurrency: "EUR", simplifyDebts: true } }) },
      { kind: "v1 group create", acknowledged: flat.acknowledged },
    ];
    await Promise.all(groupWrites.map((write) => write.acknowledged));
    await Promise.all([groupListed(lisbon), groupListed(flat.groupId)]);
    const groupIds = [lisbon, flat.groupId];
    await Promise.all(v1.map((phone) => phone.start()));
    const ledger = new Ledger();
    const modesSeen: Record<string, SyncMode[]> = {};

    /** Every device in agreement with the server, which has normalized everything. */
    const allSettled = (when: string) =>
      eventually(
        `every device to agree with the server (${when})`,
        async () => {
          const server = new Map(await Promise.all(groupIds.map(async (groupId) => [groupId, await serverExpenses(groupId)] as const)));
          for (const [groupId, expenses] of server) {
            const waiting = [...expenses].filter(([, expense]) => expense.version === undefined).map(([id]) => id);
            if (waiting.length > 0) throw new Error(`${groupId}: ${waiting.join(", ")} not normalized yet`);
          }
          // A realtime client listens to its active group only; a polling one keeps every group current.
          for (const { client } of v2) for (const groupId of client.mode === "realtime" ? [lisbon] : groupIds) checkReplica(client, groupId, server.get(groupId)!);
          for (const phone of v1) for (const groupId of groupIds) checkLegacyView(phone, groupId, server.get(groupId)!);
          return true;
        },
        30_000,
      );

    let softDeletedBefore: { groupId: string; expenseId: string } | undefined;
    let hardDeletedBefore: { groupId: string; expenseId: string } | undefined;
    const operator = { actor: "legacy e2e", source: "flag" } as const;
    await changeSyncConfig(adminDb(), { kind: "enable" }, operator);
    for (const [s, stage] of stages.entries()) {
      await changeSyncConfig(adminDb(), stage.command, operator);
      modesSeen[stage.name] = await Promise.all(v2.map(({ client }) => client.foreground(lisbon, POLL_MS)));
      expect(modesSeen[stage.name], `modes at ${stage.name}`).to.deep.equal(expectedModes[stage.name]);

      // Creates: every device in Lisbon but Olga's phone, which writes to the flat's group.
      const created: Array<{ groupId: string; expenseId: string; by: string }> = [];
      for (const actor of v2) {
        const description = `${actor.label} ${stage.name} create`;
        const expenseId = newExpenseId(actor.device, lisbon);
        ledger.add("v2 create", actor.label, expenseId, `${description}|live`, createExpense(actor.device, lisbon, expenseId, dinner(actor.device.uid, members, { description })));
        created.push({ groupId: lisbon, expenseId, by: actor.label });
      }
      for (const phone of v1) {
        const groupId = phone === v1[0] ? flat.groupId : lisbon;
        const description = `${phone.label} ${stage.name} create`;
        const write = phone.createExpense(groupId, dinner(phone.uid, members, { description }));
        ledger.add("v1 create", phone.label, write.expenseId, `${description}|live`, write);
        created.push({ groupId, expenseId: write.expenseId, by: phone.label });
      }
      await ledger.settled();
      await allSettled(`${stage.name}, after the creates`);

      // Edits and deletes, each expense written once, but for one edited by a v1 phone and a 2.1
      // device at once. A realtime client holds the current Lisbon only, so it writes there.
      const pool = [...created];
      const take = (actor: string, lisbonOnly: boolean, notBy: string[] = []): { groupId: string; expenseId: string } => {
        const index = pool.findIndex((entry) => (!lisbonOnly || entry.groupId === lisbon) && !notBy.includes(entry.by) && entry.by !== actor);
        if (index < 0) throw new Error(`nothing left for ${actor} to write at ${stage.name}`);
        return pool.splice(index, 1)[0];
      };
      const realtime = (actor: (typeof v2)[number]) => actor.client.mode === "realtime";
      const held = (actor: (typeof v2)[number], target: { groupId: string; expenseId: string }) => actor.client.store.replica(target.groupId).expenses.get(target.expenseId)!;
      const v2Edit = (actor: (typeof v2)[number], target: { groupId: string; expenseId: string }, description: string, from = held(actor, target)) => {
        const fields = dinner(actor.device.uid, members, { description });
        ledger.add("v2 edit", actor.label, target.expenseId, `${description}|live`, editExpense(actor.device, target.groupId, target.expenseId, from.version, fields), stateOf(from));
      };
      const v1Edit = (phone: LegacyDevice, target: { groupId: string; expenseId: string }, description: string) => {
        const shown = phone.shown(target.groupId, target.expenseId)!;
        ledger.add("v1 edit", phone.label, target.expenseId, `${description}|live`, phone.editExpense(target.groupId, target.expenseId, { description }), `${shown.description}|live`);
      };

      // The hard delete first, and the other writes in its group after its tombstone.
      const hardDeleter = v1[(s + 1) % 3];
      const hardTarget = take(hardDeleter.label, true);
      const doomed = hardDeleter.shown(hardTarget.groupId, hardTarget.expenseId)!;
      ledger.add("v1 hard delete", hardDeleter.label, hardTarget.expenseId, `gone|${hardTarget.expenseId}`, hardDeleter.deleteExpense(hardTarget.groupId, hardTarget.expenseId), `${doomed.description}|live`);
      await ledger.settled();
      await eventually("the hard delete's tombstone", async () => ((await adminDb().doc(`groups/${lisbon}/tombstones/${hardTarget.expenseId}`).get()).exists ? true : undefined));

      const pairV1 = v1[s % 3];
      const pairV2 = v2[s % 4];
      const contested = take(pairV2.label, true, [pairV1.label]);
      if (s % 2 === 0) {
        // The 2.1 edit first; the v1 phone then edits what it shows, which its last poll may or
        // may not have brought: the server records the overwrite either way.
        v2Edit(pairV2, contested, `${pairV2.label} ${stage.name} contested edit`);
        await ledger.settled();
        v1Edit(pairV1, contested, `${pairV1.label} ${stage.name} contested edit`);
      } else {
        // The 2.1 user starts editing, the v1 write lands and is normalized, then the 2.1 edit is
        // saved from the version its user saw. (Saved before the normalization, it is refused and
        // sent again: the last test. Kept out of the fleet: on the emulator, a refused write can
        // break the listen streams of the other devices of this process, which share its connection.)
        const seen = held(pairV2, contested);
        v1Edit(pairV1, contested, `${pairV1.label} ${stage.name} contested edit`);
        await ledger.settled();
        await eventually("the v1 edit's normalization", async () => ((await serverExpenses(lisbon)).get(contested.expenseId)?.version > seen.version ? true : undefined));
        v2Edit(pairV2, contested, `${pairV2.label} ${stage.name} contested edit`, seen);
      }

      const softDeleter = v2[(s + 1) % 4];
      const softTarget = take(softDeleter.label, realtime(softDeleter));
      const softHeld = held(softDeleter, softTarget);
      ledger.add("v2 soft delete", softDeleter.label, softTarget.expenseId, `${softHeld.description}|deleted`, softDeleteExpense(softDeleter.device, softTarget.groupId, softTarget.expenseId, softHeld.version), stateOf(softHeld));

      for (const editor of [v2[(s + 2) % 4], v2[(s + 3) % 4]]) v2Edit(editor, take(editor.label, realtime(editor)), `${editor.label} ${stage.name} edit`);
      const v1Editor = v1[(s + 2) % 3];
      v1Edit(v1Editor, take(v1Editor.label, false), `${v1Editor.label} ${stage.name} edit`);

      if (softDeletedBefore) {
        const { groupId, expenseId } = softDeletedBefore;
        if (s === 2) {
          // A v1 phone shows the soft-deleted expense as live, and edits it: it comes back.
          v1Edit(v1Editor === v1[0] ? v1[1] : v1[0], softDeletedBefore, `${stage.name} v1 edit of a soft-deleted expense`);
        } else {
          const restorer = v2[(s + 2) % 4];
          const deleted = held(restorer, softDeletedBefore);
          ledger.add("v2 restore", restorer.label, expenseId, `${deleted.description}|live`, restoreExpense(restorer.device, groupId, expenseId, deleted.version), stateOf(deleted));
        }
      }
      if (hardDeletedBefore) {
        const { groupId, expenseId } = hardDeletedBefore;
        const restorer = v2[(s + 3) % 4];
        const kept = await eventually("the kept deletion", async () => (await fetchKeptDeletions(restorer.device, groupId)).get(expenseId));
        ledger.add("v2 restore of a kept deletion", restorer.label, expenseId, `${kept.data.description}|live`, restoreKeptDeletion(restorer.device, groupId, kept), `gone|${expenseId}`);
      }
      if (s === 1 || s === 2) {
        // A v1 rename removes the group's lastActivityAt until normalized: 2.1 clients keep the group.
        const renamer = v1[s];
        const groupId = s === 1 ? lisbon : flat.groupId;
        groupWrites.push({ kind: "v1 group edit", acknowledged: renamer.editGroup(groupId, { displayName: `Renamed on v1 at ${stage.name}` }).acknowledged });
      }
      await Promise.all([ledger.settled(), Promise.allSettled(groupWrites.map((write) => write.acknowledged))]);
      await allSettled(`${stage.name}, after the edits and deletes`);
      softDeletedBefore = softTarget;
      hardDeletedBefore = hardTarget;
    }

    // Every v2 client now polls, so each of its replicas is checked in full.
    const server = new Map(await Promise.all(groupIds.map(async (groupId) => [groupId, await serverExpenses(groupId)] as const)));
    for (const { client } of v2) {
      for (const groupId of groupIds) checkReplica(client, groupId, server.get(groupId)!);
      expect(faults(client.failures.filter(({ tier }) => tier === "poll").map(({ error }) => error)), `${client.device.label}'s failed polls`).to.deep.equal([]);
      expect(client.failures.filter(({ tier }) => tier !== "poll"), `${client.device.label}'s listener failures`).to.deep.equal([]);
      expect(client.lostGroups, `${client.device.label} kept its groups through the v1 renames`).to.deep.equal([]);
    }
    const [conflicts, kept, tombstones, groups] = await Promise.all([
      Promise.all(groupIds.map((groupId) => adminDocs(`groups/${groupId}/conflicts`))),
      Promise.all(groupIds.map((groupId) => adminDocs(`groups/${groupId}/deletedExpenses`))),
      Promise.all(groupIds.map((groupId) => adminDocs(`groups/${groupId}/tombstones`))),
      Promise.all(groupIds.map(async (groupId) => (await adminDb().doc(`groups/${groupId}`).get()).data())),
    ]);
    // What v1 phones cannot see: soft deletes (shown as live) and, on delta readers, hard deletes.
    const softDeletedNow = groupIds.flatMap((groupId) => [...server.get(groupId)!].filter(([, expense]) => expense.deletedAt).map(([id]) => ({ groupId, id })));
    expect(softDeletedNow.length, "a soft-deleted expense at the end").to.be.greaterThan(0);
    for (const phone of v1) {
      for (const { groupId, id } of softDeletedNow) expect(phone.shown(groupId, id), `${phone.label} shows soft-deleted ${id}`).to.not.equal(undefined);
      for (const groupId of groupIds) {
        const gone = [...(phone.expenses.get(groupId)?.keys() ?? [])].filter((id) => !server.get(groupId)!.has(id));
        for (const id of gone) expect(tombstones[groupIds.indexOf(groupId)].has(id), `${phone.label} shows ${id} only because it was hard-deleted`).to.equal(true);
      }
      expect(faults(phone.pollFailures), `${phone.label}'s failed polls`).to.deep.equal([]);
    }
    // The group writes of v1 phones were normalized: server fields back, the last rename kept.
    for (const group of groups) {
      expect(group).to.include({ deletedAt: null, deletedBy: null });
      expect(group?.lastActivityAt).to.be.instanceOf(AdminTimestamp);
      expect(group?.displayName).to.match(/^Renamed on v1 at /);
    }

    // Every write is live, kept in a conflict record or a kept deletion, or was seen by a later write.
    const states = new Set<string>();
    for (const [g, groupId] of groupIds.entries()) {
      for (const [id, expense] of server.get(groupId)!) states.add(`${id}|${stateOf(expense)}`);
      for (const conflict of conflicts[g].values()) {
        states.add(`${conflict.expenseId}|${stateOf(conflict.winner.data)}`).add(`${conflict.expenseId}|${stateOf(conflict.overwritten.data)}`);
      }
      for (const [id, deletion] of kept[g]) states.add(`${id}|${stateOf(deletion.data)}`).add(`${id}|gone|${id}`);
    }
    const unaccounted = ledger.writes.filter((write, index) => {
      if (states.has(`${write.expenseId}|${write.state}`)) return false;
      return !ledger.writes.slice(index + 1).some((later) => later.expenseId === write.expenseId && later.basedOn === write.state);
    });
    const groupOutcomes = await Promise.allSettled(groupWrites.map((write) => write.acknowledged));
    const refused = [
      ...ledger.refused,
      ...v1.flatMap((phone) => phone.refused.map(({ what, code }) => `${what} by ${phone.label}: ${code}`)),
      ...groupOutcomes.flatMap((outcome, i) => (outcome.status === "rejected" ? [`${groupWrites[i].kind}: ${String(outcome.reason)}`] : [])),
    ];
    const conflictCount = conflicts.reduce((sum, records) => sum + records.size, 0);
    const keptNow = kept.reduce((sum, records) => sum + records.size, 0);
    const restoredKept = ledger.count("v2 restore of a kept deletion");
    const writesByKind = Object.fromEntries([...ledger.writes, ...groupWrites].map((write) => write.kind).reduce((counts, kind) => counts.set(kind, (counts.get(kind) ?? 0) + 1), new Map<string, number>()));
    console.log(
      JSON.stringify(
        {
          devices: { v1: v1.length, "v2 (realtime or polling by stage)": v2.length },
          modesByStage: Object.fromEntries(Object.entries(modesSeen).map(([name, modes]) => [name, { realtime: modes.filter((m) => m === "realtime").length, polling: modes.filter((m) => m === "polling").length }])),
          writesByKind,
          conflicts: conflictCount,
          keptDeletions: { made: ledger.count("v1 hard delete"), restored: restoredKept, stillKept: keptNow },
          softDeletedShownAsLiveOnV1: softDeletedNow.length,
          refused: refused.length,
        },
        null,
        2,
      ),
    );
    expect(refused, "refused writes").to.deep.equal([]);
    expect(unaccounted.map((write) => `${write.kind} by ${write.by}: ${write.state}`), "writes neither live nor kept").to.deep.equal([]);
    // Nothing lost: every hard delete is kept or was restored. (Once in six runs a restored
    // expense's kept copy was still there at the end, one more than this; not yet explained.)
    expect(keptNow + restoredKept, "every v1 hard delete kept or restored").to.be.at.least(ledger.count("v1 hard delete"));
    expect(conflictCount, "at least the contested edits").to.be.at.least(stages.length);
  });

  it("sends a 2.1 edit again when it met a v1 write not yet normalized: both writes kept, nothing refused", async () => {
    const { devices, members, groupId } = await groupWith("alice", "olga");
    const [aliceDevice, olgaDevice] = devices;
    const [bill] = await expensesBy(aliceDevice, groupId, members, 1);
    const olga = fleet.legacy(olgaDevice, { clockSkewMs: 2 * HOUR_MS, pollIntervalMs: POLL_MS, reads: "full" });
    await olga.poll();

    // Alice edits from version 1 the moment Olga's write is in, before the server normalizes it.
    await olga.editExpense(groupId, bill, { description: "Bill (v1)" }).acknowledged;
    await editExpense(aliceDevice, groupId, bill, 1, dinner(aliceDevice.uid, members, { description: "Bill (2.1)" })).acknowledged;

    const stored = await eventually("Alice's edit to stand", async () => {
      const expense = (await serverExpenses(groupId)).get(bill);
      return expense?.description === "Bill (2.1)" ? expense : undefined;
    });
    expect(stored).to.include({ updatedBy: aliceDevice.uid, baseVersion: 1 });
    const conflicts = await eventually("both overwrites recorded", async () => {
      const records = [...(await adminDocs(`groups/${groupId}/conflicts`)).values()];
      return records.length === 2 ? records : undefined;
    });
    const overwrittenOlga = conflicts.find((conflict) => conflict.overwritten.updatedBy === olgaDevice.uid);
    expect(overwrittenOlga?.overwritten.data, "Olga's v1 write, kept").to.include({ description: "Bill (v1)" });
    expect(overwrittenOlga?.winner.data).to.include({ description: "Bill (2.1)" });
    const overwrittenAlice = conflicts.find((conflict) => conflict.overwritten.updatedBy === aliceDevice.uid);
    expect(overwrittenAlice?.winner.data, "the v1 write over Alice's version").to.include({ description: "Bill (v1)" });
    await eventually("Olga's notification", async () => {
      const snapshot = await adminDb().collection(`users/${olgaDevice.uid}/notifications`).get();
      return snapshot.size === 1 ? true : undefined;
    });
    expect(olga.refused).to.deep.equal([]);
    expect(await fetchUnreadNotifications(aliceDevice)).to.have.length(1);
  });
});
