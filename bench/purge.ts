// `npm run bench:purge [-- flags]`: the purge at scale on the emulator suite. Seeds (by default)
// 10,000 expired soft-deleted expenses across 100 groups plus 10,000 live ones (triggers off while
// seeding), runs the purge core once, and prints the run time, documents per second, pages and
// commits, then checks that every live expense survived and every expired one is gone. Writes
// artifacts/bench-purge.json. A benchmark, not a test: nothing about time is asserted. By default
// the triggers stay off during the purge too, so the figure is the purge's own; --with-triggers
// turns them on for it (the emulator then runs them on the same cores). --deleted-group-expenses N
// adds one group soft-deleted past the retention with N expenses, tombstones and conflicts, which
// the run purges whole.
import { BulkWriter, Timestamp } from "firebase-admin/firestore";
import { drainTriggers } from "../functions/test/support/emulator";
import { expenseFixture, groupFixture } from "../functions/test/support/fixtures";
import { MAX_BATCH_SIZE, purgeExpired } from "../functions/src/purge";
import { wholeNumber } from "../tools/cli";
import { adminDb, clearFirestore, setTriggersEnabled } from "../tools/emulator";
import { runBenchmark, writeArtifact } from "./harness";

const DAY_MS = 86_400_000;
const RETENTION = { expenses: 30, records: 90, readNotifications: 30 };
const MEMBERS = ["alice", "bob"];

interface PurgeBenchSettings {
  groups: number;
  expiredPerGroup: number;
  livePerGroup: number;
  batchSize: number;
  withTriggers: boolean;
  deletedGroupExpenses: number;
}

const USAGE = `Usage: npm run bench:purge [-- flags]

Seeds expired soft-deleted and live expenses into the emulators, runs the purge once, prints its
run time, documents per second, pages and commits, checks what survived, and writes
artifacts/bench-purge.json. Ports move with EMULATOR_PORT_OFFSET.

  --groups N              groups to seed (default 100)
  --expired-per-group N   expired expenses per group (default 100)
  --live-per-group N      live expenses per group (default 100)
  --batch-size N          purge page size, 1 to ${MAX_BATCH_SIZE} (default 300)
  --with-triggers         keep the Cloud Functions triggers on during the purge
  --deleted-group-expenses N
                          also seed one group soft-deleted 31 days ago with N expenses (one in
                          ten soft-deleted, with its tombstone) and a conflict per 20 (default 0)
  -h, --help              this text
`;

const groupId = (g: number) => `bench-g${String(g).padStart(3, "0")}`;
const DELETED_GROUP = "bench-deleted";

/** Seeds the groups, expired and live expenses; returns the paths of the live ones. */
async function seed(settings: PurgeBenchSettings, now: Date): Promise<Set<string>> {
  const db = adminDb();
  const writer = db.bulkWriter({ throttling: false });
  const at = (daysAgo: number) => Timestamp.fromMillis(now.getTime() - daysAgo * DAY_MS);
  const live = new Set<string>();
  for (let g = 0; g < settings.groups; g++) {
    const group = db.doc(`groups/${groupId(g)}`);
    void writer.set(group, groupFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: at(400), lastActivityAt: at(1) }));
    for (let e = 0; e < settings.expiredPerGroup; e++) {
      // Spread over 31..60 days ago, interleaved across groups, as a real backlog would be.
      const deletedAt = at(31 + ((e * settings.groups + g) % (30 * 24)) / 24);
      void writer.set(group.collection("expenses").doc(`expired-${e}`), expenseFixture("alice", MEMBERS, {
        createdAt: at(400),
        updatedAt: deletedAt,
        version: 2,
        baseVersion: 1,
        deletedAt,
        deletedBy: "bob",
      }));
    }
    for (let e = 0; e < settings.livePerGroup; e++) {
      const ref = group.collection("expenses").doc(`live-${e}`);
      live.add(ref.path);
      void writer.set(ref, expenseFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: at(365) }));
    }
  }
  if (settings.deletedGroupExpenses > 0) seedDeletedGroup(writer, settings.deletedGroupExpenses, at);
  await writer.close();
  return live;
}

/** One group its owner deleted past the retention: live and soft-deleted expenses, tombstones, conflicts. */
function seedDeletedGroup(writer: BulkWriter, expenses: number, at: (daysAgo: number) => Timestamp): void {
  const group = adminDb().doc(`groups/${DELETED_GROUP}`);
  void writer.set(group, groupFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: at(31), lastActivityAt: at(32), deletedAt: at(31), deletedBy: "alice" }));
  for (let e = 0; e < expenses; e++) {
    const id = `e-${e}`;
    if (e % 10 === 0) {
      const deletedAt = at(32 + (e % 7));
      void writer.set(group.collection("expenses").doc(id), expenseFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: deletedAt, version: 2, baseVersion: 1, deletedAt, deletedBy: "bob" }));
      void writer.set(group.collection("tombstones").doc(id), { collection: "expenses", docId: id, deletedAt, deletedBy: "bob" });
    } else {
      void writer.set(group.collection("expenses").doc(id), expenseFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: at(60) }));
    }
    if (e % 20 === 1) {
      void writer.set(group.collection("conflicts").doc(`${id}_c`), {
        expenseId: id,
        detectedAt: at(60),
        resolution: "last-writer-wins",
        winner: { version: 2, baseVersion: 1, updatedBy: "bob", updatedAt: at(60), data: { description: "Dinner" } },
        overwritten: { version: 2, updatedBy: "alice", updatedAt: at(61), data: { description: "Lunch" } },
      });
    }
  }
}

/** What is left of the deleted group after the run: its document and what was under it. */
async function deletedGroupLeft(): Promise<number> {
  const group = adminDb().doc(`groups/${DELETED_GROUP}`);
  const under = await Promise.all(["expenses", "tombstones", "deletedExpenses", "conflicts"].map(async (collection) => (await group.collection(collection).count().get()).data().count));
  return ((await group.get()).exists ? 1 : 0) + under.reduce((a, b) => a + b, 0);
}

async function measure(settings: PurgeBenchSettings) {
  const db = adminDb();
  const now = new Date();
  await setTriggersEnabled(false);
  await clearFirestore();
  const seedStart = Date.now();
  const live = await seed(settings, now);
  const seedSeconds = (Date.now() - seedStart) / 1000;
  if (settings.withTriggers) await setTriggersEnabled(true);

  const report = await purgeExpired(db, { now, retentionDays: RETENTION, batchSize: settings.batchSize, timeBudgetMs: 420_000 });
  const seconds = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000;
  // With the triggers on, what follows counts only once they have handled every delete (none may bring a document back).
  if (settings.withTriggers) await drainTriggers(db);
  await setTriggersEnabled(true);

  // The seeded groups' (not the drain's sentinel).
  const remaining = (await db.collectionGroup("expenses").select().get()).docs.map((doc) => doc.ref.path).filter((path) => path.startsWith("groups/bench-"));
  const survivors = remaining.filter((path) => live.has(path)).length;
  const groups = (await db.collection("groups").get()).docs.filter((group) => group.id.startsWith("bench-g"));
  const documentsDeleted = Object.values(report.deleted).reduce((a, b) => a + b, 0);
  return {
    seeded: { groups: settings.groups, expired: settings.groups * settings.expiredPerGroup, live: live.size, deletedGroupExpenses: settings.deletedGroupExpenses, seedSeconds },
    batchSize: settings.batchSize,
    triggersDuringPurge: settings.withTriggers,
    purgeSeconds: seconds,
    deleted: report.deleted.expenses,
    docsPerSecond: Math.round(report.deleted.expenses / seconds),
    deletedByKind: report.deleted,
    documentsDeleted,
    deletedGroup: settings.deletedGroupExpenses > 0 ? { counts: report.byGroup.get(DELETED_GROUP), purged: report.groupsPurged.includes(DELETED_GROUP), documentsLeft: await deletedGroupLeft() } : undefined,
    pages: report.pages,
    commits: report.commits,
    complete: report.complete,
    groupsTouched: report.groupsTouched,
    liveSurvived: survivors,
    allLiveSurvived: survivors === live.size,
    expiredLeft: remaining.length - survivors,
    allExpiredGone: remaining.length === survivors,
    // Where the run deleted expired expenses: every seeded group when there are any.
    watermarkOnEveryGroup:
      settings.expiredPerGroup === 0 || groups.every((group) => (group.get("purgedBefore") as Timestamp | undefined)?.isEqual(report.watermark) === true),
  };
}

if (require.main === module) {
  runBenchmark({
    script: "bench/purge.ts",
    usage: USAGE,
    flags: {
      groups: { type: "string" },
      "expired-per-group": { type: "string" },
      "live-per-group": { type: "string" },
      "batch-size": { type: "string" },
      "with-triggers": { type: "boolean" },
      "deleted-group-expenses": { type: "string" },
    },
    settings: (values): PurgeBenchSettings => ({
      groups: wholeNumber("--groups", values.groups ?? "100", 1, 1000),
      expiredPerGroup: wholeNumber("--expired-per-group", values["expired-per-group"] ?? "100", 0),
      livePerGroup: wholeNumber("--live-per-group", values["live-per-group"] ?? "100", 0),
      batchSize: wholeNumber("--batch-size", values["batch-size"] ?? "300", 1, MAX_BATCH_SIZE),
      withTriggers: values["with-triggers"] === true,
      deletedGroupExpenses: wholeNumber("--deleted-group-expenses", values["deleted-group-expenses"] ?? "0", 0, 100_000),
    }),
    announce: (settings) =>
      `Starting the emulators; seeding ${settings.groups * settings.expiredPerGroup} expired and ` +
      `${settings.groups * settings.livePerGroup} live expenses in ${settings.groups} groups` +
      (settings.deletedGroupExpenses > 0 ? `, and a deleted group of ${settings.deletedGroupExpenses} expenses...` : "..."),
    measure,
    report: ({ result }) => {
      writeArtifact("bench-purge.json", result);
      process.stdout.write(
        [
          `Purged ${result.deleted} expenses in ${result.purgeSeconds} s (${result.docsPerSecond} docs/s), ` +
            `${result.pages} pages of ${result.batchSize}, ${result.commits} commits, ${result.groupsTouched} groups raised.`,
          `Documents deleted, every kind: ${result.documentsDeleted} (${JSON.stringify(result.deletedByKind)}).`,
          ...(result.deletedGroup
            ? [`Deleted group: purged whole ${result.deletedGroup.purged}, ${JSON.stringify(result.deletedGroup.counts)} under it, ${result.deletedGroup.documentsLeft} documents left.`]
            : []),
          `Every live expense survived: ${result.allLiveSurvived} (${result.liveSurvived}). Every expired one gone: ${result.allExpiredGone} (${result.expiredLeft} left).`,
          `purgedBefore raised on every group with expired expenses: ${result.watermarkOnEveryGroup}. Run complete: ${result.complete}. Triggers during the purge: ${result.triggersDuringPurge ? "on" : "off"}.`,
          `(seeding took ${result.seeded.seedSeconds} s; details in artifacts/bench-purge.json)`,
          "",
        ].join("\n"),
      );
      const deletedGroupGone = result.deletedGroup === undefined || (result.deletedGroup.purged && result.deletedGroup.documentsLeft === 0);
      return result.allLiveSurvived && result.allExpiredGone && deletedGroupGone ? 0 : 1;
    },
  });
}
