// `npm run bench:purge [-- --batch-size N] [-- --with-triggers]`: the purge at scale on the
// emulator suite. Seeds 10,000 expired soft-deleted expenses across 100 groups plus 10,000 live
// ones (triggers off while seeding), runs the purge core once, and prints the run time, documents
// per second, pages and commits, then checks that every live expense survived and every expired
// one is gone. Writes artifacts/bench-purge.json. A benchmark, not a test: nothing about time is
// asserted. By default the triggers stay off during the purge too, so the figure is the purge's
// own; --with-triggers turns them on for it (the emulator then runs them on the same cores).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { adminDb, clearFirestore, setTriggersEnabled } from "../functions/test/support/emulator";
import { expenseFixture, groupFixture } from "../functions/test/support/fixtures";
import { MAX_BATCH_SIZE, purgeExpired } from "../functions/src/purge";
import { execInEmulators, ROOT } from "../scripts/emulators";

const GROUPS = 100;
const EXPIRED_PER_GROUP = 100;
const LIVE_PER_GROUP = 100;
const DAY_MS = 86_400_000;
const RETENTION = { expenses: 30, records: 90, readNotifications: 30 };
const RESULT_MARK = "BENCH_RESULT ";
const MEMBERS = ["alice", "bob"];

interface BenchArgs {
  batchSize: number;
  withTriggers: boolean;
}

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { batchSize: 300, withTriggers: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--inner") continue;
    if (argv[i] === "--with-triggers") args.withTriggers = true;
    else if (argv[i] === "--batch-size" && /^\d+$/.test(argv[i + 1] ?? "") && Number(argv[i + 1]) >= 1 && Number(argv[i + 1]) <= MAX_BATCH_SIZE) {
      args.batchSize = Number(argv[++i]);
    } else {
      throw new Error(`unknown or invalid argument "${argv[i]}" (takes --batch-size 1..${MAX_BATCH_SIZE} and --with-triggers)`);
    }
  }
  return args;
}

const groupId = (g: number) => `bench-g${String(g).padStart(3, "0")}`;

/** Seeds the groups, expired and live expenses; returns the paths of the live ones. */
async function seed(now: Date): Promise<Set<string>> {
  const db = adminDb();
  const writer = db.bulkWriter({ throttling: false });
  const at = (daysAgo: number) => Timestamp.fromMillis(now.getTime() - daysAgo * DAY_MS);
  const live = new Set<string>();
  for (let g = 0; g < GROUPS; g++) {
    const group = db.doc(`groups/${groupId(g)}`);
    void writer.set(group, groupFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: at(400), lastActivityAt: at(1) }));
    for (let e = 0; e < EXPIRED_PER_GROUP; e++) {
      // Spread over 31..60 days ago, interleaved across groups, as a real backlog would be.
      const deletedAt = at(31 + ((e * GROUPS + g) % (30 * 24)) / 24);
      void writer.set(group.collection("expenses").doc(`expired-${e}`), expenseFixture("alice", MEMBERS, {
        createdAt: at(400),
        updatedAt: deletedAt,
        version: 2,
        baseVersion: 1,
        deletedAt,
        deletedBy: "bob",
      }));
    }
    for (let e = 0; e < LIVE_PER_GROUP; e++) {
      const ref = group.collection("expenses").doc(`live-${e}`);
      live.add(ref.path);
      void writer.set(ref, expenseFixture("alice", MEMBERS, { createdAt: at(400), updatedAt: at(365) }));
    }
  }
  await writer.close();
  return live;
}

async function inner(args: BenchArgs): Promise<void> {
  const db = adminDb();
  const now = new Date();
  await setTriggersEnabled(false);
  await clearFirestore();
  const seedStart = Date.now();
  const live = await seed(now);
  const seedSeconds = (Date.now() - seedStart) / 1000;
  if (args.withTriggers) await setTriggersEnabled(true);

  const report = await purgeExpired(db, { now, retentionDays: RETENTION, batchSize: args.batchSize, timeBudgetMs: 420_000 });
  const seconds = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000;
  await setTriggersEnabled(true);

  const remaining = (await db.collectionGroup("expenses").select().get()).docs.map((doc) => doc.ref.path);
  const survivors = remaining.filter((path) => live.has(path)).length;
  const groups = await db.collection("groups").get();
  const result = {
    seeded: { groups: GROUPS, expired: GROUPS * EXPIRED_PER_GROUP, live: live.size, seedSeconds },
    batchSize: args.batchSize,
    triggersDuringPurge: args.withTriggers,
    purgeSeconds: seconds,
    deleted: report.deleted.expenses,
    docsPerSecond: Math.round(report.deleted.expenses / seconds),
    pages: report.pages,
    commits: report.commits,
    complete: report.complete,
    groupsTouched: report.groupsTouched,
    liveSurvived: survivors,
    allLiveSurvived: survivors === live.size,
    expiredLeft: remaining.length - survivors,
    allExpiredGone: remaining.length === survivors,
    watermarkOnEveryGroup: groups.docs.every((group) => (group.get("purgedBefore") as Timestamp | undefined)?.isEqual(report.watermark) === true),
  };
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

async function outer(argv: string[]): Promise<void> {
  parseArgs(argv);
  process.stdout.write(`Starting the emulators; seeding ${GROUPS * EXPIRED_PER_GROUP} expired and ${GROUPS * LIVE_PER_GROUP} live expenses in ${GROUPS} groups...\n`);
  const portOffset = Number(process.env.EMULATOR_PORT_OFFSET ?? 0);
  const { status, lines } = await execInEmulators(["npx", "tsx", "bench/purge.ts", "--inner", ...argv], { portOffset, onLine: () => undefined });
  const resultLine = lines.find((line) => line.startsWith(RESULT_MARK));
  if (status !== 0 || !resultLine) {
    process.stderr.write(lines.slice(-40).join("\n") + "\nThe benchmark did not finish.\n");
    process.exitCode = 1;
    return;
  }
  const result = JSON.parse(resultLine.slice(RESULT_MARK.length)) as Record<string, unknown>;
  mkdirSync(join(ROOT, "artifacts"), { recursive: true });
  writeFileSync(join(ROOT, "artifacts", "bench-purge.json"), JSON.stringify(result, null, 2) + "\n");
  process.stdout.write(
    [
      `Purged ${result.deleted} expired expenses in ${result.purgeSeconds} s (${result.docsPerSecond} docs/s), ` +
        `${result.pages} pages of ${result.batchSize}, ${result.commits} commits, ${result.groupsTouched} groups raised.`,
      `Every live expense survived: ${result.allLiveSurvived} (${result.liveSurvived}). Every expired one gone: ${result.allExpiredGone} (${result.expiredLeft} left).`,
      `purgedBefore raised on every group: ${result.watermarkOnEveryGroup}. Run complete: ${result.complete}. Triggers during the purge: ${result.triggersDuringPurge ? "on" : "off"}.`,
      `(seeding took ${(result.seeded as { seedSeconds: number }).seedSeconds} s; details in artifacts/bench-purge.json)`,
      "",
    ].join("\n"),
  );
  if (!result.allLiveSurvived || !result.allExpiredGone) process.exitCode = 1;
}

const argv = process.argv.slice(2);
(argv.includes("--inner") ? inner(parseArgs(argv)) : outer(argv)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
