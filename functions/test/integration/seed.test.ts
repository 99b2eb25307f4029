// The seed (seed/data) and its loader (seed/load.ts) against the emulators: the committed data is
// consistent and exactly what the generator produces, it lands in Firestore as written and valid,
// its accounts sign in, re-loading is harmless, and a broken seed writes nothing.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { App, deleteApp, initializeApp } from "firebase-admin/app";
import { DocumentData, Firestore, Timestamp, getFirestore } from "firebase-admin/firestore";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSeedFiles } from "../../../seed/generate";
import { DEFAULT_SEED_DIR, Seed, SeedDocument, SeedValidationError, loadSeed, readSeed } from "../../../seed/load";
import { UsageError } from "../../../tools/cli";
import { PROJECT_ID, adminDb, clearFirestore, emulatorAddress, emulatorRequest, eventually } from "../../../tools/emulator";
import { expenseFixture } from "../support/fixtures";
import { DocumentKind, Expense, Group, SyncConfig, documentSchemas, expenseMembershipIssues, kindOfPath } from "../../../core/schemas";

const ROOT = join(__dirname, "..", "..", "..");

async function clearEmulators(): Promise<void> {
  await clearFirestore();
  const path = `/emulator/v1/projects/${PROJECT_ID}/accounts`;
  const response = await emulatorRequest("DELETE", emulatorAddress("FIREBASE_AUTH_EMULATOR_HOST"), path);
  expect(response.status, `DELETE ${path}: ${response.body}`).to.equal(200);
}

/** Signs in through the Auth emulator's REST API; the uid it signed in as. */
async function signIn(email: string, password: string): Promise<string> {
  const path = "/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key";
  const response = await emulatorRequest("POST", emulatorAddress("FIREBASE_AUTH_EMULATOR_HOST"), path, { json: { email, password, returnSecureToken: true } });
  const body = JSON.parse(response.body) as { localId?: string; error?: { message: string } };
  if (response.status !== 200 || !body.localId) throw new Error(`sign-in of ${email} failed: ${body.error?.message ?? response.status}`);
  return body.localId;
}

async function authAccountCount(): Promise<number> {
  const path = `/identitytoolkit.googleapis.com/v1/projects/${PROJECT_ID}/accounts:query`;
  const response = await emulatorRequest("POST", emulatorAddress("FIREBASE_AUTH_EMULATOR_HOST"), path, {
    json: { returnUserInfo: false },
    headers: { authorization: "Bearer owner" },
  });
  expect(response.status, `accounts:query: ${response.body}`).to.equal(200);
  return Number((JSON.parse(response.body) as { recordsCount?: string }).recordsCount ?? 0);
}

/** Every document in the seed's collections, by path. */
async function loadedDocuments(db: Firestore): Promise<Map<string, DocumentData>> {
  const snapshots = await Promise.all([
    db.collection("groups").get(),
    db.collection("users").get(),
    db.collection("config").get(),
    ...["expenses", "tombstones", "conflicts", "notifications"].map((id) => db.collectionGroup(id).get()),
  ]);
  return new Map(snapshots.flatMap((s) => s.docs.map((d) => [d.ref.path, d.data()] as const)));
}

/** Comparable form: Timestamps to the nanosecond, everything else as is. */
function comparable(value: unknown): unknown {
  if (value instanceof Timestamp) return `Timestamp(${value.seconds}, ${value.nanoseconds})`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

/** A local port nothing listens on (just released by the OS). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function loadError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected loadSeed to fail, it succeeded");
}

function ofKind<T>(seed: Seed, kind: DocumentKind): Array<SeedDocument & { data: T }> {
  return seed.documents.filter((d) => d.kind === kind) as Array<SeedDocument & { data: T }>;
}

function idOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function groupIdOf(path: string): string {
  return path.split("/")[1];
}

function maxTimestamp(timestamps: Timestamp[]): Timestamp {
  return timestamps.reduce((a, b) => (b.toMillis() > a.toMillis() ? b : a));
}

describe("seed data (files)", () => {
  let seed: Seed;
  let groups: Array<SeedDocument & { data: Group<Timestamp> }>;
  let expenses: Array<SeedDocument & { data: Expense<Timestamp> }>;
  let tombstones: Array<SeedDocument & { data: DocumentData }>;
  let conflicts: Array<SeedDocument & { data: DocumentData }>;
  let notifications: Array<SeedDocument & { data: DocumentData }>;
  let expenseByPath: Map<string, Expense>;

  before(() => {
    // Throws, listing every problem, if any committed document breaks its schema.
    seed = readSeed();
    groups = ofKind<Group<Timestamp>>(seed, "groups/{groupId}");
    expenses = ofKind<Expense<Timestamp>>(seed, "groups/{groupId}/expenses/{expenseId}");
    tombstones = ofKind<DocumentData>(seed, "groups/{groupId}/tombstones/{expenseId}");
    conflicts = ofKind<DocumentData>(seed, "groups/{groupId}/conflicts/{conflictId}");
    notifications = ofKind<DocumentData>(seed, "users/{uid}/notifications/{notificationId}");
    expenseByPath = new Map(expenses.map((e) => [e.path, e.data]));
  });

  it("is exactly what seed/generate.ts produces (no hand edits, reproducible)", () => {
    for (const [file, content] of Object.entries(buildSeedFiles())) {
      expect(JSON.parse(readFileSync(join(DEFAULT_SEED_DIR, file), "utf8")), file).to.deep.equal(content);
    }
  });

  it("has ≥ 3 users with accounts and profiles, 4 groups of 2, 3, 5 and 8 members, ≥ 200 expenses", () => {
    expect(seed.accounts.length).to.be.at.least(3);
    expect(ofKind(seed, "users/{uid}").map((u) => idOf(u.path))).to.have.members(seed.accounts.map((a) => a.uid));
    expect(groups.map((g) => g.data.memberIds.length).sort((a, b) => a - b)).to.deep.equal([2, 3, 5, 8]);
    expect(expenses.length).to.be.at.least(200);
  });

  it("spends in EUR, USD, GBP and JPY, with splits that add up to the amount", () => {
    expect(new Set(expenses.map((e) => e.data.currency))).to.include.all.keys("EUR", "USD", "GBP", "JPY");
    const unbalanced = expenses.filter((e) => Object.values(e.data.splits).reduce((a, b) => a + b, 0) !== e.data.amountMinor);
    expect(unbalanced.map((e) => e.path)).to.deep.equal([]);
  });

  it("has edited, soft-deleted and restored expenses", () => {
    expect(expenses.filter((e) => e.data.version > 1 && e.data.deletedAt === null).length, "edited").to.be.at.least(10);
    expect(expenses.filter((e) => e.data.deletedAt !== null).length, "soft-deleted").to.be.at.least(3);
    // A restore is two writes (delete, undo) that leave the expense live.
    expect(expenses.some((e) => e.data.deletedAt === null && e.data.version >= 3), "restored").to.equal(true);
  });

  it("has one tombstone per soft-deleted expense, carrying its deletedAt and deletedBy", () => {
    const deleted = expenses.filter((e) => e.data.deletedAt !== null);
    expect(tombstones.map((t) => t.path).sort()).to.deep.equal(deleted.map((e) => e.path.replace("/expenses/", "/tombstones/")).sort());
    for (const tombstone of tombstones) {
      const expense = expenseByPath.get(tombstone.path.replace("/tombstones/", "/expenses/")) as Expense<Timestamp>;
      expect(tombstone.data.docId).to.equal(idOf(tombstone.path));
      expect(comparable(tombstone.data.deletedAt)).to.equal(comparable(expense.deletedAt));
      expect(tombstone.data.deletedBy).to.equal(expense.deletedBy);
      // A soft delete is a write: it stamps updatedAt with the same commit time.
      expect(comparable(expense.updatedAt)).to.equal(comparable(expense.deletedAt));
    }
  });

  it("sets each group's lastActivityAt to the latest client write in it (its expenses or its own changes)", () => {
    for (const group of groups) {
      const own = expenses.filter((e) => groupIdOf(e.path) === idOf(group.path)).map((e) => e.data.updatedAt);
      const expected = maxTimestamp([group.data.updatedAt, ...own]);
      expect(comparable(group.data.lastActivityAt), group.path).to.equal(comparable(expected));
    }
  });

  it("shows every member's name on each group: memberNames is exactly the members, each with their profile's displayName", () => {
    const profiles = new Map(ofKind<DocumentData>(seed, "users/{uid}").map((u) => [idOf(u.path), u.data.displayName as string]));
    for (const group of groups) {
      expect(group.data.memberNames, group.path).to.deep.equal(Object.fromEntries(group.data.memberIds.map((uid) => [uid, profiles.get(uid)])));
    }
  });

  it("keeps every soft delete newer than its group's purge watermark", () => {
    const watermarked = groups.filter((g) => g.data.purgedBefore !== undefined);
    expect(watermarked.length, "groups demonstrating purgedBefore").to.be.greaterThan(0);
    for (const group of watermarked) {
      for (const e of expenses.filter((x) => groupIdOf(x.path) === idOf(group.path) && x.data.deletedAt !== null)) {
        expect((e.data.deletedAt as Timestamp).toMillis(), e.path).to.be.greaterThan((group.data.purgedBefore as Timestamp).toMillis());
      }
    }
  });

  it("records one conflict: the winner is the stored expense, the overwritten side a full valid expense, its author notified", () => {
    expect(conflicts).to.have.length(1);
    const [conflict] = conflicts;
    const { winner, overwritten, expenseId } = conflict.data as {
      expenseId: string;
      winner: { version: number; baseVersion: number; updatedBy: string; updatedAt: Timestamp; data: DocumentData };
      overwritten: { version: number; updatedBy: string; updatedAt: Timestamp; data: DocumentData };
    };
    const groupId = groupIdOf(conflict.path);
    const stored = expenseByPath.get(`groups/${groupId}/expenses/${expenseId}`);
    expect(comparable(winner.data)).to.deep.equal(comparable(stored));
    expect(winner.baseVersion).to.not.equal(overwritten.version); // what makes it a concurrent edit
    expect(winner.updatedAt.toMillis()).to.be.greaterThan(overwritten.updatedAt.toMillis());
    expect(documentSchemas["groups/{groupId}/expenses/{expenseId}"].safeParse(overwritten.data).success).to.equal(true);
    expect(comparable(overwritten.data)).to.not.deep.equal(comparable(winner.data));
    expect(overwritten.updatedBy).to.not.equal(winner.updatedBy);

    expect(notifications).to.have.length(1);
    const [notification] = notifications;
    expect(notification.path.split("/")[1]).to.equal(overwritten.updatedBy);
    expect(notification.data).to.include({ type: "conflict", groupId, expenseId, conflictId: idOf(conflict.path), readAt: null });
  });

  it("configures the rollout: realtime on, 10 %, one allowlisted seeded user", () => {
    const config = seed.documents.find((d) => d.path === "config/sync")?.data as SyncConfig;
    expect(config.allowlistUserIds).to.have.length(1);
    expect(config).to.deep.equal({ realtimeSyncEnabled: true, rolloutPercent: 10, allowlistUserIds: config.allowlistUserIds });
    expect(seed.accounts.map((a) => a.uid)).to.include(config.allowlistUserIds[0]);
  });
});

describe("seed loader (emulators)", function () {
  // Re-enabling the background triggers reloads the functions: allow for it.
  this.timeout(120_000);
  let app: App;
  let db: Firestore;
  let seed: Seed;
  let seedPaths: string[];

  before(() => {
    seed = readSeed();
    seedPaths = seed.documents.map((d) => d.path).sort();
    app = initializeApp({ projectId: PROJECT_ID }, "seed-test");
    db = getFirestore(app);
  });
  after(async () => {
    await clearEmulators();
    await deleteApp(app);
  });

  // One load (about 7 s: re-enabling the triggers reloads the functions) shared by the checks of
  // its result; the last test loads a second time over it.
  describe("after a load into empty emulators", () => {
    let summary: string;
    before(async () => {
      await clearEmulators();
      summary = await loadSeed({ projectId: PROJECT_ID });
    });

    it("holds exactly the files' documents, as written (no trigger touched them)", async () => {
      const loaded = await loadedDocuments(db);
      expect([...loaded.keys()].sort()).to.deep.equal(seedPaths);
      // Every field, timestamps to the nanosecond, as in the files.
      for (const doc of seed.documents) expect(comparable(loaded.get(doc.path)), doc.path).to.deep.equal(comparable(doc.data));
    });

    it("has the counts the files have: ≥ 3 users, 4 groups, ≥ 200 expenses, a tombstone per soft delete, 1 conflict, 1 notification", async () => {
      const loaded = await loadedDocuments(db);
      const count = (kind: DocumentKind) => [...loaded.keys()].filter((path) => kindOfPath(path) === kind).length;
      expect(count("users/{uid}")).to.be.at.least(3);
      expect(count("groups/{groupId}")).to.equal(4);
      expect(count("groups/{groupId}/expenses/{expenseId}")).to.be.at.least(200);
      const softDeleted = [...loaded].filter(([path, data]) => kindOfPath(path) === "groups/{groupId}/expenses/{expenseId}" && data.deletedAt !== null);
      expect(count("groups/{groupId}/tombstones/{expenseId}")).to.equal(softDeleted.length).and.to.be.greaterThan(0);
      expect(count("groups/{groupId}/conflicts/{conflictId}")).to.equal(1);
      expect(count("users/{uid}/notifications/{notificationId}")).to.equal(1);
      expect(loaded.get("config/sync")).to.deep.equal({ realtimeSyncEnabled: true, rolloutPercent: 10, allowlistUserIds: ["alice"] });
      expect(summary).to.equal(
        `${count("users/{uid}")} users, 4 groups, ${count("groups/{groupId}/expenses/{expenseId}")} expenses, ` +
          `${softDeleted.length} tombstones, 1 conflict, 1 notification, ${seed.accounts.length} Auth accounts`,
      );
    });

    it("every loaded document re-validates against the schema for its path, expenses only between members", async () => {
      const loaded = await loadedDocuments(db);
      const problems: string[] = [];
      for (const [path, data] of loaded) {
        const kind = kindOfPath(path);
        if (kind === undefined) {
          problems.push(`${path}: no schema`);
          continue;
        }
        const parsed = documentSchemas[kind].safeParse(data);
        if (!parsed.success) problems.push(`${path}: ${parsed.error.message}`);
        if (kind === "groups/{groupId}/expenses/{expenseId}") {
          const group = loaded.get(`groups/${groupIdOf(path)}`) as Group;
          problems.push(...expenseMembershipIssues(data as Expense, group.memberIds).map((issue) => `${path}: ${issue}`));
        }
      }
      expect(problems).to.deep.equal([]);
      expect(loaded.size).to.equal(seedPaths.length);
    });

    it("creates the Auth accounts: each signs in with its seeded password", async () => {
      expect(await authAccountCount()).to.equal(seed.accounts.length);
      for (const account of seed.accounts) expect(await signIn(account.email, account.password)).to.equal(account.uid);
      expect(seed.accounts.find((a) => a.email === "alice@example.com")?.password).to.equal("password123");
    });

    it("can be re-run: a second load succeeds and leaves the same documents and accounts", async () => {
      expect(await loadSeed({ projectId: PROJECT_ID })).to.equal(summary);
      const loaded = await loadedDocuments(db);
      expect([...loaded.keys()].sort()).to.deep.equal(seedPaths);
      for (const doc of seed.documents) expect(comparable(loaded.get(doc.path)), doc.path).to.deep.equal(comparable(doc.data));
      expect(await authAccountCount()).to.equal(seed.accounts.length);
      for (const account of seed.accounts) expect(await signIn(account.email, account.password)).to.equal(account.uid);
    });
  });

  describe("from empty emulators", () => {
    beforeEach(clearEmulators);

    it("leaves the Cloud Functions triggers on: an expense written after the load raises its group's lastActivityAt", async function () {
      // The emulator runs one function's events in order: earlier suites' backlog comes first.
      this.timeout(200_000);
      await loadSeed();
      const group = db.doc("groups/tokyo-trip");
      const expense = group.collection("expenses").doc("after-seed");
      await expense.set(expenseFixture("alice", (await group.get()).get("memberIds") as string[]));
      const writtenAt = (await expense.get()).get("updatedAt") as Timestamp;
      await eventually("the expense trigger to raise lastActivityAt", async () =>
        ((await group.get()).get("lastActivityAt") as Timestamp).isEqual(writtenAt) ? true : undefined,
        180_000,
      );
    });

    it("fails in one sentence naming the hub, within its deadline, and writes nothing when no emulator hub answers", async () => {
      const hub = { host: "127.0.0.1", port: await unusedPort() };
      const started = Date.now();
      const error = await loadError(loadSeed({ triggerSwitch: { hub, timeoutMs: 1_500 } }));
      expect(Date.now() - started).to.be.below(10_000);
      expect(error.message).to.match(new RegExp(`^could not disable the Cloud Functions background triggers through the emulator hub at http://127\\.0\\.0\\.1:${hub.port} \\(\\d+ attempts in 1\\.5 s, last: .*ECONNREFUSED.*\\)$`));
      expect((await loadedDocuments(db)).size).to.equal(0);
      expect(await authAccountCount()).to.equal(0);
    });

    it("refuses a project that is not a demo- one, writing nothing", async () => {
      const error = await loadError(loadSeed({ projectId: "expense-sync-prod" }));
      expect(error).to.be.instanceOf(UsageError);
      expect(error.message).to.equal("expense-sync-prod is not a demo- project: the seed loader only writes to demo- projects on the emulators");
      expect((await loadedDocuments(db)).size).to.equal(0);
      expect(await authAccountCount()).to.equal(0);
    });

    for (const variable of ["FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_EMULATOR_HUB"] as const) {
      it(`refuses to run without ${variable} (it never writes to a real project)`, async () => {
        const host = process.env[variable];
        delete process.env[variable];
        try {
          const error = await loadError(loadSeed({ projectId: PROJECT_ID }));
          expect(error).to.be.instanceOf(UsageError);
          expect(error.message).to.contain(`${variable} not set`).and.to.contain("only ever writes to the emulators");
        } finally {
          if (host !== undefined) process.env[variable] = host;
        }
        expect((await loadedDocuments(db)).size).to.equal(0);
        expect(await authAccountCount()).to.equal(0);
      });
    }
  });

  describe("a broken seed fails naming the file, the document and the reason, and writes nothing", () => {
    let dir: string;
    beforeEach(async () => {
      await clearEmulators();
      dir = mkdtempSync(join(tmpdir(), "seed-broken-"));
      cpSync(DEFAULT_SEED_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Edits one JSON file of the temp seed copy; returns the path of the document it broke. */
    function breakDocument(file: string, edit: (docs: Record<string, DocumentData>) => string): string {
      const path = join(dir, file);
      const docs = JSON.parse(readFileSync(path, "utf8")) as Record<string, DocumentData>;
      const broken = edit(docs);
      writeFileSync(path, JSON.stringify(docs, null, 2));
      return broken;
    }

    function lastPathMatching(docs: Record<string, DocumentData>, pattern: RegExp): string {
      const path = Object.keys(docs).filter((p) => pattern.test(p)).pop();
      if (path === undefined) throw new Error(`no document matches ${pattern}`);
      return path;
    }

    const cases: Array<{ name: string; file: string; edit: (docs: Record<string, DocumentData>) => string; reason: string }> = [
      {
        name: "an amount in major units (a float)",
        file: "firestore/groups/climbing-crew.json",
        edit: (docs) => {
          const path = lastPathMatching(docs, /\/expenses\//);
          docs[path].amountMinor = 12.5;
          return path;
        },
        reason: "amountMinor: money is integer minor units, never a float",
      },
      {
        name: "a split to someone outside the group",
        file: "firestore/groups/flat-camden.json",
        edit: (docs) => {
          const path = lastPathMatching(docs, /\/expenses\//);
          docs[path].splits = { mallory: docs[path].amountMinor };
          return path;
        },
        reason: "splits key mallory is not a member of groups/flat-camden",
      },
      {
        name: "a lower-case currency",
        file: "firestore/groups/tokyo-trip.json",
        edit: (docs) => {
          docs["groups/tokyo-trip"].settings.defaultCurrency = "jpy";
          return "groups/tokyo-trip";
        },
        reason: "settings.defaultCurrency: must be three upper-case letters (ISO 4217)",
      },
      {
        name: "an unknown field",
        file: "firestore/users.json",
        edit: (docs) => {
          docs["users/alice"].email = "alice@example.com";
          return "users/alice";
        },
        reason: 'Unrecognized key: "email"',
      },
      {
        name: "a timestamp that is not ISO-8601",
        file: "firestore/groups/home-alice-bob.json",
        edit: (docs) => {
          const path = lastPathMatching(docs, /\/expenses\//);
          docs[path].spentAt = "last Tuesday";
          return path;
        },
        reason: 'spentAt: expected an ISO-8601 timestamp with a time zone (e.g. 2025-06-01T12:00:00.000Z), got "last Tuesday"',
      },
      {
        name: "a tombstone without its soft-delete partner field",
        file: "firestore/groups/flat-camden.json",
        edit: (docs) => {
          const path = lastPathMatching(docs, /\/tombstones\//);
          delete docs[path].deletedBy;
          return path;
        },
        reason: "deletedBy:",
      },
      {
        name: "an expense whose group is not in the seed",
        file: "firestore/groups/home-alice-bob.json",
        edit: (docs) => {
          const orphan = "groups/ghost-group/expenses/orphan1";
          docs[orphan] = docs[lastPathMatching(docs, /\/expenses\//)];
          return orphan;
        },
        reason: "its parent document groups/ghost-group is not in the seed",
      },
      {
        name: "a path no schema governs",
        file: "firestore/groups/home-alice-bob.json",
        edit: (docs) => {
          docs["groups/home-alice-bob/comments/c1"] = { text: "hi" };
          return "groups/home-alice-bob/comments/c1";
        },
        reason: "no schema governs this path",
      },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        const brokenPath = breakDocument(c.file, c.edit);
        const error = await loadError(loadSeed({ projectId: PROJECT_ID, dir }));
        expect(error).to.be.instanceOf(SeedValidationError);
        expect(error.message).to.contain(`${c.file} › ${brokenPath}`);
        expect(error.message).to.contain(idOf(brokenPath));
        expect(error.message).to.contain(c.reason);
        expect(error.message).to.contain("nothing was written");
        expect((await loadedDocuments(db)).size, "documents written").to.equal(0);
        expect(await authAccountCount(), "accounts created").to.equal(0);
      });
    }
  });
});

describe("npm run seed (the command)", function () {
  this.timeout(60_000);

  function seedCommand(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync("npx", ["tsx", "seed/load.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  }

  it("prints its usage with --help", () => {
    const { status, stdout } = seedCommand("--help");
    expect(status).to.equal(0);
    expect(stdout).to.contain("Usage: npm run seed").and.to.contain("--project ID");
  });

  for (const [args, reason] of [
    [["--projekt", "demo-x"], "unknown option '--projekt'"],
    [["--project", "expense-sync-prod"], "expense-sync-prod is not a demo- project"],
  ] as const) {
    it(`exits 2 with one sentence for ${args.join(" ")}, writing nothing`, async () => {
      await clearFirestore();
      const { status, stderr } = seedCommand(...args);
      expect(status).to.equal(2);
      expect(stderr.trim().split("\n")).to.have.length(1);
      expect(stderr).to.contain(reason);
      expect((await loadedDocuments(adminDb())).size).to.equal(0);
    });
  }
});
