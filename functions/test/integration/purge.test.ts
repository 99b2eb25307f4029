// The purge core against the Firestore emulator, with an injected clock and small pages. Fixtures
// are written with the triggers off so they are exactly as given; one test turns them back on to
// show the purge's own writes cause no activity, tombstone or notification. The fixtures are also
// what the triggers would have left (a tombstone beside each soft-deleted expense, lastActivityAt
// after every write), so a trigger that does run on them changes nothing.
import { expect } from "chai";
import { CollectionReference, DocumentData, Firestore, Timestamp } from "firebase-admin/firestore";
import { handleExpenseWrite } from "../../src/expenseActivity";
import { PURGE_RUNS_COLLECTION } from "../../src/purgeRuns";
import {
  Candidate,
  computeCutoffs,
  expiryAfter,
  GROUP_CONTENTS,
  PURGE_KINDS,
  purgeCommit,
  purgeExpired,
  purgeGroupContents,
  purgeGroupDocument,
  PurgeOptions,
  PurgeReport,
  watermarkFor,
} from "../../src/purge";
import { PURGE_LEASE_PATH } from "../../src/purgeLease";
import { adminDb, clearFirestore, eventually, setTriggersEnabled } from "../../../tools/emulator";
import { drainTriggers } from "../support/emulator";
import { expenseFixture, groupFixture } from "../support/fixtures";

const DAY_MS = 86_400_000;
const NOW = new Date("2026-06-01T12:00:00.000Z");
const RETENTION = { expenses: 30, records: 90, readNotifications: 30 };
const CUTOFFS = computeCutoffs(NOW, RETENTION);
const WATERMARK = watermarkFor(CUTOFFS);
const ALICE = "alice";
const BOB = "bob";
const MEMBERS = [ALICE, BOB];

const daysBefore = (days: number) => Timestamp.fromMillis(NOW.getTime() - days * DAY_MS);
/** `t` moved by whole microseconds (the emulator's precision). */
function nudge(t: Timestamp, micros: number): Timestamp {
  const total = t.nanoseconds + micros * 1000;
  const carry = Math.floor(total / 1e9);
  return new Timestamp(t.seconds + carry, total - carry * 1e9);
}

/** The group's last activity: after every fixture write, as the triggers would have left it. */
const LAST_ACTIVITY = daysBefore(0.5);

// With its members' names as the group trigger keeps them (these members have no profile), so no
// trigger run adds them.
const groupDoc = (extra: DocumentData = {}) =>
  groupFixture(ALICE, MEMBERS, {
    createdAt: daysBefore(400),
    updatedAt: daysBefore(400),
    lastActivityAt: LAST_ACTIVITY,
    memberNames: Object.fromEntries(MEMBERS.map((uid) => [uid, null])),
    ...extra,
  });
const liveExpense = (updatedAt = daysBefore(365)) => expenseFixture(ALICE, MEMBERS, { createdAt: daysBefore(400), updatedAt });
const deletedExpense = (deletedAt: Timestamp) =>
  expenseFixture(ALICE, MEMBERS, { createdAt: daysBefore(400), updatedAt: deletedAt, updatedBy: BOB, version: 2, baseVersion: 1, deletedAt, deletedBy: BOB });
// As the trigger writes it for a soft delete, expiry included (so no trigger run rewrites it).
const tombstoneDoc = (expenseId: string, deletedAt: Timestamp) => ({
  collection: "expenses",
  docId: expenseId,
  deletedAt,
  deletedBy: BOB,
  expireAt: Timestamp.fromMillis(deletedAt.toMillis() + RETENTION.records * DAY_MS),
});
/** A soft-deleted expense and the tombstone the trigger wrote for it. */
const softDeleted = (groupId: string, expenseId: string, deletedAt: Timestamp): Record<string, DocumentData> => ({
  [`groups/${groupId}/expenses/${expenseId}`]: deletedExpense(deletedAt),
  [`groups/${groupId}/tombstones/${expenseId}`]: tombstoneDoc(expenseId, deletedAt),
});
const conflictDoc = (expenseId: string, detectedAt: Timestamp) => ({
  expenseId,
  detectedAt,
  resolution: "last-writer-wins",
  winner: { version: 2, baseVersion: 1, updatedBy: BOB, updatedAt: detectedAt, data: { description: "Dinner" } },
  overwritten: { version: 2, updatedBy: ALICE, updatedAt: daysBefore(400), data: { description: "Lunch" } },
});
const notificationDoc = (groupId: string, readAt: Timestamp | null) => ({
  type: "conflict",
  groupId,
  expenseId: "e1",
  conflictId: "c1",
  createdAt: daysBefore(200),
  readAt,
});

describe("purge (core on the emulator)", function () {
  this.timeout(60_000);
  let db: Firestore;

  const options = (overrides: Partial<PurgeOptions> = {}): PurgeOptions => ({
    now: NOW,
    retentionDays: RETENTION,
    batchSize: 2,
    timeBudgetMs: 60_000,
    ...overrides,
  });

  async function seed(docs: Record<string, DocumentData>): Promise<void> {
    const batch = db.batch();
    for (const [path, data] of Object.entries(docs)) batch.set(db.doc(path), data);
    await batch.commit();
  }

  /** Every document under groups/ and users/, by path: the data the purge may touch. */
  async function dump(): Promise<Map<string, DocumentData>> {
    const docs = new Map<string, DocumentData>();
    const walk = async (collections: CollectionReference[]): Promise<void> => {
      for (const collection of collections) {
        for (const ref of await collection.listDocuments()) {
          const snapshot = await ref.get();
          if (snapshot.exists) docs.set(ref.path, snapshot.data() as DocumentData);
          await walk(await ref.listCollections());
        }
      }
    };
    await walk([db.collection("groups"), db.collection("users")]);
    return docs;
  }

  /** `before` less the purged paths, with purgedBefore set on the touched groups. */
  function expectedAfter(before: Map<string, DocumentData>, purged: string[], raised: Record<string, Timestamp>): Map<string, DocumentData> {
    const after = new Map(before);
    for (const path of purged) expect(after.delete(path), `${path} is in the fixture`).to.equal(true);
    for (const [path, purgedBefore] of Object.entries(raised)) after.set(path, { ...after.get(path), purgedBefore });
    return after;
  }

  const paths = async () => [...(await dump()).keys()].sort();
  const purgedBeforeOf = async (groupId: string) => (await db.doc(`groups/${groupId}`).get()).get("purgedBefore") as Timestamp | undefined;
  const runRecords = async () => (await db.collection(PURGE_RUNS_COLLECTION).get()).docs;

  before(() => {
    db = adminDb();
  });

  // Off after clearing: clearFirestore turns the triggers back on when it is done, so switched off
  // before it they ran in every test (the purge of a deleted group then moved its members'
  // membership records whenever the trigger was quick enough, failing the "nothing else" checks).
  beforeEach(async () => {
    await clearFirestore();
    await setTriggersEnabled(false);
  });

  afterEach(async () => {
    await setTriggersEnabled(true);
  });

  it("purges each kind just past its retention, keeps it at and inside, and records the run", async () => {
    const justPast = (cutoff: Timestamp) => nudge(cutoff, -1);
    await seed({
      "groups/g1": groupDoc(),
      ...softDeleted("g1", "e-past", justPast(CUTOFFS.expenses)),
      ...softDeleted("g1", "e-at", CUTOFFS.expenses),
      ...softDeleted("g1", "e-inside", nudge(CUTOFFS.expenses, 1)),
      "groups/g1/expenses/e-live": liveExpense(),
      "groups/g1/tombstones/t-past": tombstoneDoc("t-past", justPast(CUTOFFS.records)),
      "groups/g1/tombstones/t-at": tombstoneDoc("t-at", CUTOFFS.records),
      "groups/g1/tombstones/t-inside": tombstoneDoc("t-inside", nudge(CUTOFFS.records, 1)),
      "groups/g1/conflicts/c-past": conflictDoc("e-live", justPast(CUTOFFS.records)),
      "groups/g1/conflicts/c-at": conflictDoc("e-live", CUTOFFS.records),
      "groups/g1/conflicts/c-inside": conflictDoc("e-live", nudge(CUTOFFS.records, 1)),
      "users/alice/notifications/n-past": notificationDoc("g1", justPast(CUTOFFS.notifications)),
      "users/alice/notifications/n-at": notificationDoc("g1", CUTOFFS.notifications),
      "users/alice/notifications/n-inside": notificationDoc("g1", nudge(CUTOFFS.notifications, 1)),
      "users/alice/notifications/n-unread": notificationDoc("g1", null),
    });
    const before = await dump();

    const report = await purgeExpired(db, options());

    expect(report.deleted).to.deep.equal({ expenses: 1, tombstones: 1, conflicts: 1, notifications: 1, groups: 0 });
    expect(report.complete).to.equal(true);
    expect(report.groupsTouched).to.equal(1);
    expect(await dump()).to.deep.equal(
      expectedAfter(
        before,
        ["groups/g1/expenses/e-past", "groups/g1/tombstones/t-past", "groups/g1/conflicts/c-past", "users/alice/notifications/n-past"],
        { "groups/g1": CUTOFFS.expenses },
      ),
    );

    const records = await runRecords();
    expect(records.map((r) => r.id)).to.deep.equal([report.runId]);
    const record = records[0].data();
    expect(Object.keys(record).sort()).to.deep.equal(["complete", "cutoffs", "deleted", "dryRun", "finishedAt", "groupsTouched", "startedAt"]);
    expect(record).to.deep.include({ complete: true, dryRun: false, groupsTouched: 1, deleted: report.deleted });
    expect(record.cutoffs).to.deep.equal(CUTOFFS);
    expect(record.startedAt).to.be.instanceOf(Timestamp);
    expect(record.finishedAt).to.be.instanceOf(Timestamp);
    expect(record.finishedAt.toMillis()).to.be.at.least(record.startedAt.toMillis());
    expect((await db.doc(PURGE_LEASE_PATH).get()).exists, "lease released").to.equal(false);
  });

  it("never purges a restored expense, even one restored between the query and the commit", async () => {
    await seed({
      "groups/g1": groupDoc(),
      "groups/g1/expenses/restored": liveExpense(daysBefore(35)),
      "groups/g2": groupDoc(),
      ...softDeleted("g2", "expired", daysBefore(40)),
      "groups/g3": groupDoc(),
      ...softDeleted("g3", "restored-late", daysBefore(40)),
      ...softDeleted("g3", "deleted-again", daysBefore(40)),
    });
    // The query saw these as expired; by the commit one was restored and one deleted afresh.
    const changes = db.batch();
    changes.update(db.doc("groups/g3/expenses/restored-late"), { deletedAt: null, deletedBy: null, updatedAt: daysBefore(1), version: 3, baseVersion: 2 });
    changes.delete(db.doc("groups/g3/tombstones/restored-late"));
    changes.update(db.doc("groups/g3/expenses/deleted-again"), { deletedAt: daysBefore(1), updatedAt: daysBefore(1), version: 3, baseVersion: 2 });
    changes.update(db.doc("groups/g3/tombstones/deleted-again"), { deletedAt: daysBefore(1) });
    await changes.commit();
    const expenseKind = PURGE_KINDS.find((kind) => kind.kind === "expenses")!;
    const candidates: Candidate[] = ["g3/expenses/restored-late", "g3/expenses/deleted-again", "g2/expenses/gone-already", "g2/expenses/expired"].map(
      (path) => ({ ref: db.doc(`groups/${path}`), ownerId: path.split("/")[0] }),
    );

    const purged = await purgeCommit(db, expenseKind, candidates, CUTOFFS.expenses, WATERMARK);

    expect(purged.map((c) => c.ref.path)).to.deep.equal(["groups/g2/expenses/expired"]);
    expect(await paths()).to.deep.equal([
      "groups/g1",
      "groups/g1/expenses/restored",
      "groups/g2",
      "groups/g2/tombstones/expired",
      "groups/g3",
      "groups/g3/expenses/deleted-again",
      "groups/g3/expenses/restored-late",
      "groups/g3/tombstones/deleted-again",
    ]);
    expect(await purgedBeforeOf("g3"), "no watermark where nothing was purged").to.equal(undefined);
    expect((await purgedBeforeOf("g2"))?.isEqual(WATERMARK)).to.equal(true);

    const report = await purgeExpired(db, options());
    expect(report.deleted.expenses).to.equal(0);
    expect(await purgedBeforeOf("g1")).to.equal(undefined);
  });

  it("resumes a run stopped by its time budget or by a failure after the first page", async () => {
    const expired = ["e1", "e2", "e3", "e4", "e5"];
    await seed({
      "groups/g1": groupDoc(),
      ...Object.assign({}, ...expired.map((id, i) => softDeleted("g1", id, daysBefore(60 - i)))),
      "groups/g1/expenses/live": liveExpense(),
    });

    const outOfTime = await purgeExpired(db, options({ timeBudgetMs: 0 }));
    expect(outOfTime).to.deep.include({ complete: false, pages: 0 });
    expect(outOfTime.deleted.expenses).to.equal(0);
    expect((await db.collection(PURGE_RUNS_COLLECTION).doc(outOfTime.runId).get()).get("complete")).to.equal(false);

    const injected = new Error("injected crash after the first page");
    await purgeExpired(
      db,
      options({
        runId: "interrupted-run",
        onPage: () => {
          throw injected;
        },
      }),
    ).then(
      () => expect.fail("the injected failure must end the run"),
      (error: unknown) => expect(error).to.equal(injected),
    );
    const tombstones = expired.map((id) => `groups/g1/tombstones/${id}`);
    expect(await paths()).to.deep.equal(["groups/g1", "groups/g1/expenses/e3", "groups/g1/expenses/e4", "groups/g1/expenses/e5", "groups/g1/expenses/live", ...tombstones]);
    const failed = (await db.collection(PURGE_RUNS_COLLECTION).doc("interrupted-run").get()).data();
    expect(failed).to.deep.include({ complete: false, deleted: { expenses: 2, tombstones: 0, conflicts: 0, notifications: 0, groups: 0 } });
    expect((await db.doc(PURGE_LEASE_PATH).get()).exists, "a failed run releases its lease").to.equal(false);

    const resumed = await purgeExpired(db, options());
    expect(resumed).to.deep.include({ complete: true });
    expect(resumed.deleted.expenses).to.equal(3);
    expect(await paths()).to.deep.equal(["groups/g1", "groups/g1/expenses/live", ...tombstones]);
    expect((await purgedBeforeOf("g1"))?.isEqual(WATERMARK)).to.equal(true);
  });

  describe("overlapping runs", () => {
    const GROUPS = ["g1", "g2", "g3"];
    const OLDER_NOW = new Date(NOW.getTime() - 5 * DAY_MS);
    const olderWatermark = watermarkFor(computeCutoffs(OLDER_NOW, RETENTION));

    /** Per group: expenses past both runs' cutoffs, one past only the later one, and live ones. */
    async function seedOverlap(): Promise<{ expired: string[]; kept: string[] }> {
      const docs: Record<string, DocumentData> = {};
      const expired: string[] = [];
      const kept: string[] = [];
      for (const g of GROUPS) {
        docs[`groups/${g}`] = groupDoc();
        const deletedIds = ["between", "recent"];
        for (let i = 0; i < 7; i++) {
          Object.assign(docs, softDeleted(g, `old${i}`, daysBefore(40 + i)));
          expired.push(`groups/${g}/expenses/old${i}`);
          deletedIds.push(`old${i}`);
        }
        Object.assign(docs, softDeleted(g, "between", daysBefore(32)));
        expired.push(`groups/${g}/expenses/between`);
        Object.assign(docs, softDeleted(g, "recent", daysBefore(10)));
        docs[`groups/${g}/expenses/live`] = liveExpense();
        kept.push(`groups/${g}`, `groups/${g}/expenses/recent`, `groups/${g}/expenses/live`, ...deletedIds.map((id) => `groups/${g}/tombstones/${id}`));
      }
      await seed(docs);
      return { expired, kept: kept.sort() };
    }

    const total = (reports: PurgeReport[]) => reports.reduce((sum, r) => sum + r.deleted.expenses, 0);

    const raisedEverywhere = () => Object.fromEntries(GROUPS.map((g) => [`groups/${g}`, WATERMARK]));

    it("two runs started together end exact and count each deletion once", async () => {
      const { expired } = await seedOverlap();
      const before = await dump();

      const reports = await Promise.all([purgeExpired(db, options({ batchSize: 3 })), purgeExpired(db, options({ batchSize: 3 }))]);

      expect(total(reports)).to.equal(expired.length);
      expect(await dump()).to.deep.equal(expectedAfter(before, expired, raisedEverywhere()));
    });

    it("a run started while another holds the lease steps aside and records nothing", async () => {
      const { expired } = await seedOverlap();
      const before = await dump();
      let contender: Promise<PurgeReport> | undefined;

      const holder = await purgeExpired(
        db,
        options({
          batchSize: 3,
          // Cloud Scheduler's duplicate delivery, arriving mid-run.
          onPage: async () => {
            contender ??= purgeExpired(db, options({ batchSize: 3 }));
            await contender;
          },
        }),
      );

      const stepped = await contender!;
      expect(stepped.skipped?.heldBy).to.equal(holder.runId);
      expect(stepped.deleted.expenses).to.equal(0);
      expect(holder.deleted.expenses).to.equal(expired.length);
      expect(await dump()).to.deep.equal(expectedAfter(before, expired, raisedEverywhere()));
      expect((await runRecords()).map((r) => r.id), "a skipped run writes no record").to.deep.equal([holder.runId]);
    });

    it("without the lease: both run at once, end exact, count each deletion once, and the older clock never lowers the watermark", async () => {
      const { expired, kept } = await seedOverlap();

      const reports = await Promise.all([
        purgeExpired(db, options({ batchSize: 3, useLease: false })),
        purgeExpired(db, options({ batchSize: 3, useLease: false, now: OLDER_NOW })),
      ]);

      expect(reports.every((r) => r.complete && !r.skipped)).to.equal(true);
      expect(total(reports)).to.equal(expired.length);
      expect(reports[1].deleted.expenses, "the older clock never reaches 'between'").to.be.at.most(expired.length - GROUPS.length);
      expect(await paths()).to.deep.equal(kept);
      for (const g of GROUPS) {
        expect((await purgedBeforeOf(g))?.toMillis(), g).to.equal(WATERMARK.toMillis());
        expect((await db.doc(`groups/${g}`).get()).get("lastActivityAt").isEqual(LAST_ACTIVITY)).to.equal(true);
      }
      expect(olderWatermark.toMillis()).to.be.lessThan(WATERMARK.toMillis());
    });

    it("steps aside while another run's lease is live, and takes an expired one", async () => {
      await seedOverlap();
      const expiresAt = Timestamp.fromMillis(Date.now() + 10 * 60_000);
      await db.doc(PURGE_LEASE_PATH).set({ holder: "other-run", acquiredAt: Timestamp.now(), expiresAt });

      const skipped = await purgeExpired(db, options());
      expect(skipped.skipped).to.deep.equal({ heldBy: "other-run", expiresAt: expiresAt.toDate() });
      expect(skipped.deleted.expenses).to.equal(0);
      expect(await runRecords()).to.have.length(0);

      await db.doc(PURGE_LEASE_PATH).update({ expiresAt: Timestamp.fromMillis(Date.now() - 1) });
      const taken = await purgeExpired(db, options());
      expect(taken.skipped).to.equal(undefined);
      expect(taken.deleted.expenses).to.equal(8 * GROUPS.length);
      expect((await db.doc(PURGE_LEASE_PATH).get()).exists).to.equal(false);
    });
  });

  it("works beside TTL: a record TTL deleted before the run or between its query and its commit is not found, counted or covered", async () => {
    // As the server now writes them: dated with expireAt, all of it in the past.
    const dated = (doc: DocumentData, from: Timestamp, days: number) => ({ ...doc, expireAt: expiryAfter(from, days) });
    const old = daysBefore(100);
    await seed({
      "groups/g1": groupDoc(),
      "groups/g1/tombstones/gone-late": dated(tombstoneDoc("gone-late", old), old, RETENTION.records),
      "groups/g2": groupDoc(),
      "groups/g2/tombstones/left": dated(tombstoneDoc("left", old), old, RETENTION.records),
      "groups/g2/conflicts/gone-early": dated(conflictDoc("e1", old), old, RETENTION.records),
      "users/alice/notifications/gone-early": dated(notificationDoc("g2", old), old, RETENTION.readNotifications),
    });
    const tombstones = PURGE_KINDS.find((kind) => kind.kind === "tombstones")!;
    const candidates: Candidate[] = ["g1/tombstones/gone-late", "g2/tombstones/left"].map((path) => ({ ref: db.doc(`groups/${path}`), ownerId: path.split("/")[0] }));
    // TTL takes one tombstone after the query found it, and the conflict and notification before any run.
    await Promise.all(["groups/g1/tombstones/gone-late", "groups/g2/conflicts/gone-early", "users/alice/notifications/gone-early"].map((path) => db.doc(path).delete()));

    const purged = await purgeCommit(db, tombstones, candidates, CUTOFFS.records, WATERMARK);
    expect(purged.map((c) => c.ref.path)).to.deep.equal(["groups/g2/tombstones/left"]);
    expect(await purgedBeforeOf("g1"), "TTL's deletion raises nothing: the tombstone was dated only while nothing depended on it").to.equal(undefined);
    expect((await purgedBeforeOf("g2"))?.isEqual(WATERMARK)).to.equal(true);

    const report = await purgeExpired(db, options());
    expect(report.deleted).to.deep.equal({ expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, groups: 0 });
    expect(await paths()).to.deep.equal(["groups/g1", "groups/g2"]);
  });

  it("never lowers purgedBefore, and raises an older one", async () => {
    const later = daysBefore(5);
    const older = daysBefore(300);
    await seed({
      "groups/ahead": groupDoc({ purgedBefore: later }),
      ...softDeleted("ahead", "e1", daysBefore(40)),
      "groups/behind": groupDoc({ purgedBefore: older }),
      ...softDeleted("behind", "e1", daysBefore(40)),
    });

    await purgeExpired(db, options());

    expect((await purgedBeforeOf("ahead"))?.isEqual(later)).to.equal(true);
    expect((await purgedBeforeOf("behind"))?.isEqual(WATERMARK)).to.equal(true);
    expect(await paths()).to.deep.equal(["groups/ahead", "groups/ahead/tombstones/e1", "groups/behind", "groups/behind/tombstones/e1"]);
  });

  it("touches nothing inside the cutoffs, and a second run is a no-op", async () => {
    await seed({
      "groups/busy": groupDoc(),
      ...softDeleted("busy", "old", daysBefore(31)),
      ...softDeleted("busy", "young", daysBefore(29)),
      "groups/busy/expenses/live-ancient": liveExpense(daysBefore(1000)),
      "groups/busy/tombstones/ancient": tombstoneDoc("ancient", daysBefore(91)),
      "groups/busy/conflicts/recent": conflictDoc("live-ancient", daysBefore(60)),
      "groups/quiet": groupDoc(),
      ...softDeleted("quiet", "young", daysBefore(2)),
      "groups/quiet/expenses/live": liveExpense(),
      "groups/quiet/conflicts/young": conflictDoc("live", daysBefore(89)),
      "users/bob/notifications/read-recently": notificationDoc("quiet", daysBefore(29)),
      "users/bob/notifications/unread-ancient": notificationDoc("quiet", null),
      "users/alice/notifications/read-long-ago": notificationDoc("busy", daysBefore(31)),
      "users/alice": { displayName: "Alice", createdAt: daysBefore(400), updatedAt: daysBefore(400) },
    });
    const before = await dump();

    const first = await purgeExpired(db, options());
    const afterFirst = await dump();
    expect(afterFirst).to.deep.equal(
      expectedAfter(
        before,
        ["groups/busy/expenses/old", "groups/busy/tombstones/ancient", "users/alice/notifications/read-long-ago"],
        { "groups/busy": WATERMARK },
      ),
    );
    expect(first.deleted).to.deep.equal({ expenses: 1, tombstones: 1, conflicts: 0, notifications: 1, groups: 0 });

    const second = await purgeExpired(db, options());
    expect(second.deleted).to.deep.equal({ expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, groups: 0 });
    expect(second).to.deep.include({ groupsTouched: 0, complete: true, commits: 0 });
    expect(await dump()).to.deep.equal(afterFirst);
  });

  it("dry run lists what a real run then deletes, and writes nothing", async () => {
    await seed({
      "groups/g1": groupDoc(),
      ...softDeleted("g1", "a", daysBefore(95)),
      ...softDeleted("g1", "b", daysBefore(45)),
      ...softDeleted("g1", "c", daysBefore(3)),
      "groups/g2": groupDoc(),
      "groups/g2/conflicts/x": conflictDoc("y", daysBefore(100)),
      "users/bob/notifications/n": notificationDoc("g2", daysBefore(40)),
    });
    const before = await dump();

    const dry = await purgeExpired(db, options({ dryRun: true, batchSize: 1 }));
    expect(await dump()).to.deep.equal(before);
    expect((await db.doc(PURGE_LEASE_PATH).get()).exists, "no lease").to.equal(false);
    expect(await runRecords(), "no run record").to.have.length(0);

    const real = await purgeExpired(db, options());
    expect(dry.deleted).to.deep.equal({ expenses: 2, tombstones: 1, conflicts: 1, notifications: 1, groups: 0 });
    expect(real.deleted).to.deep.equal(dry.deleted);
    expect(dry.byGroup).to.deep.equal(real.byGroup);
    expect(dry.byUser).to.deep.equal(new Map([["bob", 1]]));
    expect(dry).to.deep.include({ dryRun: true, groupsTouched: 2, complete: true });
  });

  it("a late trigger delivery after the purge re-creates no tombstone, activity or notification", async () => {
    const recentDelete = daysBefore(40);
    const oldDelete = daysBefore(100);
    const liveBefore = liveExpense(daysBefore(120));
    const fixtures = {
      "groups/g1": groupDoc(),
      "groups/g1/expenses/recent": deletedExpense(recentDelete),
      "groups/g1/tombstones/recent": tombstoneDoc("recent", recentDelete),
      "groups/g1/expenses/old": deletedExpense(oldDelete),
      "groups/g1/tombstones/old": tombstoneDoc("old", oldDelete),
    };
    await seed(fixtures);
    await purgeExpired(db, options());
    const afterPurge = await dump();
    expect([...afterPurge.keys()].sort()).to.deep.equal(["groups/g1", "groups/g1/tombstones/recent"]);

    for (const id of ["recent", "old"] as const) {
      const softDeleted = fixtures[`groups/g1/expenses/${id}`];
      // The soft delete's own event, delivered again long after the purge.
      const replay = await handleExpenseWrite(db, {
        id: `replayed-soft-delete-${id}`,
        time: (softDeleted.deletedAt as Timestamp).toDate().toISOString(),
        groupId: "g1",
        expenseId: id,
        before: liveBefore,
        after: softDeleted,
      });
      expect(replay, `replayed soft delete of ${id}`).to.deep.include({ activityRaised: false, tombstone: "unchanged" });
      // The purge's hard delete, as the trigger sees it.
      const purgeDelete = await handleExpenseWrite(db, {
        id: `purge-delete-${id}`,
        time: new Date().toISOString(),
        groupId: "g1",
        expenseId: id,
        before: softDeleted,
        after: undefined,
      });
      expect(purgeDelete, `purge delete of ${id}`).to.deep.include({ outcome: "purge-skipped", activityRaised: false, tombstone: "unchanged" });
    }

    expect(await dump()).to.deep.equal(afterPurge);
  });

  it("its deletes and watermark raises cause no activity, tombstone or notification through the live triggers", async () => {
    await seed({
      "groups/g1": groupDoc(),
      ...softDeleted("g1", "expired", daysBefore(40)),
      "groups/g1/expenses/live": liveExpense(),
      "groups/g1/conflicts/old": conflictDoc("live", daysBefore(95)),
      "groups/sentinel": groupDoc(),
      "groups/sentinel/expenses/s1": liveExpense(),
    });
    const before = await dump();
    await setTriggersEnabled(true);

    const report = await purgeExpired(db, options());
    expect(report.deleted).to.deep.include({ expenses: 1, conflicts: 1 });

    // A client-like edit after the purge: once the trigger has applied it, the triggers for the
    // purge's earlier writes have been delivered too.
    const sentinelAt = Timestamp.fromMillis(NOW.getTime() + DAY_MS);
    await db.doc("groups/sentinel/expenses/s1").update({ description: "Sentinel", updatedAt: sentinelAt, version: 2, baseVersion: 1 });
    await eventually("the sentinel's activity", async () =>
      ((await db.doc("groups/sentinel").get()).get("lastActivityAt") as Timestamp).isEqual(sentinelAt) ? true : undefined,
    );

    const after = await dump();
    after.delete("groups/sentinel");
    after.delete("groups/sentinel/expenses/s1");
    before.delete("groups/sentinel");
    before.delete("groups/sentinel/expenses/s1");
    expect(after).to.deep.equal(expectedAfter(before, ["groups/g1/expenses/expired", "groups/g1/conflicts/old"], { "groups/g1": WATERMARK }));
  });
  describe("deleted groups", () => {
    const deletedGroup = (deletedAt: Timestamp) => groupDoc({ deletedAt, deletedBy: ALICE, updatedAt: deletedAt });
    const keptDeletionDoc = (expenseId: string, deletedAt: Timestamp) => ({ expenseId, deletedAt, deletedBy: null, data: liveExpense() });
    /** A group with one of everything the data model puts under a group, the deletions recent. */
    const groupWithContents = (groupId: string, group: DocumentData): Record<string, DocumentData> => ({
      [`groups/${groupId}`]: group,
      [`groups/${groupId}/expenses/live1`]: liveExpense(),
      [`groups/${groupId}/expenses/live2`]: liveExpense(),
      [`groups/${groupId}/expenses/live3`]: liveExpense(),
      ...softDeleted(groupId, "soft", daysBefore(5)),
      [`groups/${groupId}/tombstones/hard`]: tombstoneDoc("hard", daysBefore(4)),
      [`groups/${groupId}/deletedExpenses/hard`]: keptDeletionDoc("hard", daysBefore(4)),
      [`groups/${groupId}/conflicts/c1`]: conflictDoc("live1", daysBefore(3)),
    });
    const under = (before: Map<string, DocumentData>, groupId: string) => [...before.keys()].filter((path) => path === `groups/${groupId}` || path.startsWith(`groups/${groupId}/`));
    const EXPIRED = daysBefore(31);
    const WHOLE = { expenses: 5, tombstones: 2, conflicts: 1, notifications: 0, groups: 1 };

    it("purges a group deleted before the expense cutoff with everything under it, and touches nothing else", async () => {
      await seed({
        ...groupWithContents("gone", deletedGroup(EXPIRED)),
        ...groupWithContents("at-cutoff", deletedGroup(CUTOFFS.expenses)),
        ...groupWithContents("recent", deletedGroup(daysBefore(29))),
        ...groupWithContents("live", groupDoc()),
        // Deleted long ago and restored: live again.
        ...groupWithContents("restored", groupDoc({ updatedAt: daysBefore(1) })),
        "users/alice": { displayName: "Alice", createdAt: daysBefore(400), updatedAt: daysBefore(400) },
        // Notifications belong to their user: left to their own retention (unread ones stay).
        "users/alice/notifications/about-gone": notificationDoc("gone", null),
        "users/bob/notifications/read-about-gone": notificationDoc("gone", daysBefore(3)),
      });
      const before = await dump();

      const report = await purgeExpired(db, options());

      expect(report.deleted).to.deep.equal(WHOLE);
      expect(report).to.deep.include({ complete: true, groupsTouched: 1, groupsPurged: ["gone"] });
      expect(report.byGroup).to.deep.equal(new Map([["gone", { expenses: 5, tombstones: 2, conflicts: 1 }]]));
      expect(await dump()).to.deep.equal(expectedAfter(before, under(before, "gone"), {}));
      expect((await runRecords())[0].get("deleted")).to.deep.equal(WHOLE);

      const again = await purgeExpired(db, options());
      expect(again.deleted).to.deep.equal({ ...WHOLE, expenses: 0, tombstones: 0, conflicts: 0, groups: 0 });
      expect(again.commits).to.equal(0);
    });

    it("a dry run counts the group and its contents and writes nothing", async () => {
      await seed(groupWithContents("gone", deletedGroup(EXPIRED)));
      const before = await dump();

      const dry = await purgeExpired(db, options({ dryRun: true }));

      expect(await dump()).to.deep.equal(before);
      expect(dry.deleted).to.deep.equal(WHOLE);
      expect(dry.groupsPurged).to.deep.equal(["gone"]);
      expect((await purgeExpired(db, options())).deleted).to.deep.equal(dry.deleted);
    });

    it("a restore wins: before the run, and between a query and its commit, nothing more goes and the group stays", async () => {
      await seed(groupWithContents("gone", deletedGroup(EXPIRED)));
      const group = db.doc("groups/gone");
      const restore = () => group.update({ deletedAt: null, deletedBy: null, updatedAt: daysBefore(0.1), updatedBy: ALICE });

      // The run's first page of contents commits; the owner restores before the next one.
      let restored = false;
      const report = await purgeExpired(
        db,
        options({
          onPage: async ({ kind }) => {
            if (kind === "groups" && !restored) {
              restored = true;
              await restore();
            }
          },
        }),
      );

      expect(report).to.deep.include({ complete: true, groupsPurged: [] });
      expect(report.deleted).to.deep.equal({ ...WHOLE, expenses: 2, tombstones: 0, conflicts: 0, groups: 0 });
      const left = await paths();
      expect(left).to.include("groups/gone");
      expect(left.filter((path) => path.startsWith("groups/gone/"))).to.have.length(6);
      expect((await purgedBeforeOf("gone"))?.isEqual(WATERMARK), "what went is behind the watermark: clients resync").to.equal(true);

      // The commits themselves decline a restored group.
      const rest = await group.collection("expenses").listDocuments();
      expect(await purgeGroupContents(db, group, rest, CUTOFFS.expenses, WATERMARK)).to.equal(undefined);
      expect(await purgeGroupDocument(db, group, CUTOFFS.expenses)).to.equal("kept");
      expect(await paths()).to.deep.equal(left);

      // Restored before the run: nothing of it goes.
      await clearFirestore();
      await seed(groupWithContents("gone", deletedGroup(EXPIRED)));
      await restore();
      const untouched = await dump();
      expect((await purgeExpired(db, options())).deleted.groups).to.equal(0);
      expect(await dump()).to.deep.equal(untouched);
    });

    it("keeps the group document until nothing is left under it, also when something was written meanwhile", async () => {
      await seed({ "groups/gone": deletedGroup(EXPIRED), "groups/gone/expenses/late": liveExpense() });
      expect(await purgeGroupDocument(db, db.doc("groups/gone"), CUTOFFS.expenses)).to.equal("not-empty");
      expect(await paths()).to.deep.equal(["groups/gone", "groups/gone/expenses/late"]);
      expect(GROUP_CONTENTS.map(({ collectionId }) => collectionId)).to.have.members(["expenses", "deletedExpenses", "tombstones", "conflicts"]);
    });

    it("a run stopped part-way through a group leaves it findable, and the next run finishes it", async () => {
      await seed({ ...groupWithContents("gone", deletedGroup(EXPIRED)), ...groupWithContents("live", groupDoc()) });
      const before = await dump();
      const injected = new Error("injected crash inside the group");

      await purgeExpired(
        db,
        options({
          runId: "stopped-in-group",
          onPage: ({ kind }) => {
            if (kind === "groups") throw injected;
          },
        }),
      ).then(
        () => expect.fail("the injected failure must end the run"),
        (error: unknown) => expect(error).to.equal(injected),
      );
      const stopped = (await db.collection(PURGE_RUNS_COLLECTION).doc("stopped-in-group").get()).data();
      expect(stopped).to.deep.include({ complete: false, deleted: { ...WHOLE, expenses: 2, tombstones: 0, conflicts: 0, groups: 0 } });
      expect(await paths()).to.include("groups/gone");

      const resumed = await purgeExpired(db, options());
      expect(resumed.deleted).to.deep.equal({ ...WHOLE, expenses: 3 });
      expect(await dump()).to.deep.equal(expectedAfter(before, under(before, "gone"), {}));
    });

    it("overlapping runs without the lease purge each group once and count every document once", async () => {
      await seed({
        ...groupWithContents("gone1", deletedGroup(EXPIRED)),
        ...groupWithContents("gone2", deletedGroup(daysBefore(60))),
        ...groupWithContents("live", groupDoc()),
      });
      const before = await dump();

      const reports = await Promise.all([purgeExpired(db, options({ useLease: false })), purgeExpired(db, options({ useLease: false, batchSize: 3 }))]);

      const sum = (kind: keyof PurgeReport["deleted"]) => reports.reduce((total, r) => total + r.deleted[kind], 0);
      expect({ expenses: sum("expenses"), tombstones: sum("tombstones"), conflicts: sum("conflicts"), groups: sum("groups") }).to.deep.equal({
        expenses: 10,
        tombstones: 4,
        conflicts: 2,
        groups: 2,
      });
      expect(await dump()).to.deep.equal(expectedAfter(before, [...under(before, "gone1"), ...under(before, "gone2")], {}));
    });

    it("through the live triggers: no tombstone, kept copy or activity comes back, and each member's membership record moves", async () => {
      await seed({ ...groupWithContents("gone", deletedGroup(EXPIRED)), ...groupWithContents("live", groupDoc()) });
      const before = await dump();
      await setTriggersEnabled(true);

      const report = await purgeExpired(db, options());
      expect(report.deleted.groups).to.equal(1);
      await drainTriggers(db);

      const after = await dump();
      for (const path of [...after.keys()].filter((path) => path.startsWith("groups/drain-"))) after.delete(path);
      const records = MEMBERS.map((uid) => after.get(`users/${uid}/sync/membership`));
      for (const uid of MEMBERS) after.delete(`users/${uid}/sync/membership`);
      expect(after).to.deep.equal(expectedAfter(before, under(before, "gone"), {}));
      for (const record of records) {
        expect(record?.groupId).to.equal("gone");
        expect(record?.changedAt).to.be.instanceOf(Timestamp);
      }
    });
  });
});
