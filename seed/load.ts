// Loads the committed seed (seed/data) into the emulators: `npm run seed` against running
// emulators, or loadSeed() from scripts and tests. Every document is checked against the schema
// for its path before anything is written, and the loader refuses to run outside the emulators or
// on a project that is not a demo- one.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { Auth, getAuth } from "firebase-admin/auth";
import { Firestore, Timestamp, getFirestore } from "firebase-admin/firestore";
import { z } from "zod";
import { DocumentKind, documentSchemas, expenseMembershipIssues, kindOfPath, uidSchema } from "../core/schemas";
import { UsageError, parseCommandLine, runCommand } from "../tools/cli";
import { PROJECT_ID, TriggerSwitchOptions, withoutTriggers } from "../tools/emulator";

export const DEFAULT_SEED_DIR = join(__dirname, "data");
const ACCOUNTS_FILE = "accounts.json";
const DOCUMENTS_DIR = "firestore";
/** Firestore's limit of writes per batch. */
const BATCH_LIMIT = 500;

export interface LoadSeedOptions {
  /** A demo- project; the emulators' own when absent. */
  projectId?: string;
  /** Directory holding accounts.json and firestore/**\/*.json; seed/data when absent. */
  dir?: string;
  /** How to reach the emulator hub to switch the triggers off and on again. */
  triggerSwitch?: TriggerSwitchOptions;
}

export interface SeedDocument {
  /** The file it came from, relative to the seed directory. */
  file: string;
  path: string;
  kind: DocumentKind;
  /** Ready to write: timestamps are Firestore Timestamps. */
  data: Record<string, unknown>;
}

const accountSchema = z.strictObject({
  uid: uidSchema,
  email: z.email(),
  // The Auth emulator, like Auth itself, rejects passwords shorter than 6 characters.
  password: z.string().min(6),
  displayName: z.string().min(1),
});
export type SeedAccount = z.infer<typeof accountSchema>;

export interface Seed {
  documents: SeedDocument[];
  accounts: SeedAccount[];
}

interface SeedProblem {
  file: string;
  /** The document path, or what else the problem is about. */
  subject: string;
  messages: string[];
}

/** A seed that must not be loaded; the message lists every problem found. */
export class SeedValidationError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: SeedProblem[],
  ) {
    const lines = problems.flatMap((p) => [`- ${p.file} › ${p.subject}`, ...p.messages.map((m) => `    ${m}`)]);
    super(`Seed in ${dir} is invalid, nothing was written (${problems.length} problem(s)):\n${lines.join("\n")}`);
    this.name = "SeedValidationError";
  }
}

// Which fields hold timestamps (the JSON carries them as ISO-8601 strings), per document kind.
// Typed by DocumentKind so a new kind in schemas.ts cannot be forgotten here.
const EXPENSE_TIMESTAMPS = ["spentAt", "createdAt", "updatedAt", "deletedAt"];
const TIMESTAMP_FIELDS: Record<DocumentKind, readonly string[]> = {
  "groups/{groupId}": ["createdAt", "updatedAt", "deletedAt", "lastActivityAt", "purgedBefore"],
  "groups/{groupId}/expenses/{expenseId}": EXPENSE_TIMESTAMPS,
  "groups/{groupId}/tombstones/{expenseId}": ["deletedAt"],
  "groups/{groupId}/deletedExpenses/{expenseId}": ["deletedAt", ...EXPENSE_TIMESTAMPS.map((f) => `data.${f}`)],
  // A conflict keeps both full expense documents, timestamps included.
  "groups/{groupId}/conflicts/{conflictId}": [
    "detectedAt",
    ...["winner", "overwritten"].flatMap((side) => [`${side}.updatedAt`, ...EXPENSE_TIMESTAMPS.map((f) => `${side}.data.${f}`)]),
  ],
  "users/{uid}": ["createdAt", "updatedAt"],
  "users/{uid}/notifications/{notificationId}": ["createdAt", "readAt"],
  "users/{uid}/sync/membership": ["changedAt"],
  "config/sync": [],
};

const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 string (with a zone) as a Timestamp, to the nanosecond; undefined if it is not one. */
export function timestampFromIso(value: string): Timestamp | undefined {
  const match = ISO_TIMESTAMP.exec(value);
  if (!match) return undefined;
  const wholeSeconds = Date.parse(`${match[1]}${match[3]}`);
  if (!Number.isFinite(wholeSeconds)) return undefined;
  return new Timestamp(wholeSeconds / 1000, Number((match[2] ?? "").padEnd(9, "0")));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Replaces the ISO strings at the kind's timestamp fields, in place; returns what could not be. */
function convertTimestamps(kind: DocumentKind, data: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of TIMESTAMP_FIELDS[kind]) {
    const keys = field.split(".");
    const leaf = keys.pop() as string;
    let holder: unknown = data;
    for (const key of keys) holder = isPlainObject(holder) ? holder[key] : undefined;
    // Absent or null values are the schema's business (optional / nullable / required).
    if (!isPlainObject(holder) || holder[leaf] === undefined || holder[leaf] === null) continue;
    const value = holder[leaf];
    const timestamp = typeof value === "string" ? timestampFromIso(value) : undefined;
    if (timestamp) holder[leaf] = timestamp;
    else problems.push(`${field}: expected an ISO-8601 timestamp with a time zone (e.g. 2025-06-01T12:00:00.000Z), got ${JSON.stringify(value)}`);
  }
  return problems;
}

function zodMessages(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    // A bad map key's own reason sits one level down ("Invalid key in record" alone says little).
    const reasons = issue.code === "invalid_key" ? ` (${issue.issues.map((inner) => inner.message).join("; ")})` : "";
    return `${issue.path.map(String).join(".") || "(document)"}: ${issue.message}${reasons}`;
  });
}

function listJsonFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function readJson(path: string, file: string, problems: SeedProblem[]): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push({ file, subject: "(file)", messages: [`not readable JSON: ${(error as Error).message}`] });
    return undefined;
  }
}

/** The valid documents, and every path the files declare (valid or not). */
function readDocuments(dir: string, problems: SeedProblem[]): { documents: SeedDocument[]; declared: Set<string> } {
  const documents: SeedDocument[] = [];
  const firstFileOf = new Map<string, string>();
  for (const absolute of listJsonFiles(join(dir, DOCUMENTS_DIR))) {
    const file = relative(dir, absolute);
    const content = readJson(absolute, file, problems);
    if (content === undefined) continue;
    if (!isPlainObject(content)) {
      problems.push({ file, subject: "(file)", messages: ["must be an object mapping document paths to documents"] });
      continue;
    }
    for (const [path, value] of Object.entries(content)) {
      const report = (...messages: string[]) => problems.push({ file, subject: path, messages });
      const kind = kindOfPath(path);
      if (kind === undefined) {
        report(`no schema governs this path; seed documents must match one of: ${Object.keys(documentSchemas).join(", ")}`);
        continue;
      }
      const earlier = firstFileOf.get(path);
      if (earlier !== undefined) {
        report(`defined twice (also in ${earlier})`);
        continue;
      }
      firstFileOf.set(path, file);
      if (!isPlainObject(value)) {
        report("a document must be a JSON object");
        continue;
      }
      const conversionProblems = convertTimestamps(kind, value);
      const parsed = documentSchemas[kind].safeParse(value);
      const messages = [...conversionProblems, ...(parsed.success ? [] : zodMessages(parsed.error))];
      if (messages.length > 0) report(...messages);
      else documents.push({ file, path, kind, data: value });
    }
  }
  return { documents, declared: new Set(firstFileOf.keys()) };
}

/**
 * What no lone schema can see: parents present, and expenses only between group members. A parent
 * that is declared but invalid has its own problem already, so its children are not checked.
 */
function checkAcrossDocuments(documents: SeedDocument[], declared: Set<string>, problems: SeedProblem[]): void {
  const byPath = new Map(documents.map((d) => [d.path, d]));
  for (const doc of documents) {
    const segments = doc.path.split("/");
    if (segments.length > 2) {
      const parent = segments.slice(0, -2).join("/");
      if (!declared.has(parent)) {
        problems.push({ file: doc.file, subject: doc.path, messages: [`its parent document ${parent} is not in the seed`] });
      }
    }
    const group = byPath.get(segments.slice(0, 2).join("/"));
    if (doc.kind !== "groups/{groupId}/expenses/{expenseId}" || group === undefined) continue;
    const issues = expenseMembershipIssues(
      doc.data as Parameters<typeof expenseMembershipIssues>[0],
      group.data.memberIds as string[],
    );
    if (issues.length > 0) problems.push({ file: doc.file, subject: doc.path, messages: issues.map((i) => `${i} of ${group.path}`) });
  }
}

function readAccounts(dir: string, problems: SeedProblem[]): SeedAccount[] {
  const path = join(dir, ACCOUNTS_FILE);
  if (!existsSync(path)) {
    problems.push({ file: ACCOUNTS_FILE, subject: "(file)", messages: ["missing: the seed's Auth accounts belong here"] });
    return [];
  }
  const parsed = z.array(accountSchema).safeParse(readJson(path, ACCOUNTS_FILE, problems));
  if (!parsed.success) {
    problems.push({ file: ACCOUNTS_FILE, subject: "accounts", messages: zodMessages(parsed.error) });
    return [];
  }
  for (const key of ["uid", "email"] as const) {
    const seen = new Set<string>();
    for (const account of parsed.data) {
      if (seen.has(account[key])) problems.push({ file: ACCOUNTS_FILE, subject: account.uid, messages: [`${key} ${account[key]} is used twice`] });
      seen.add(account[key]);
    }
  }
  return parsed.data;
}

/** Reads and validates a whole seed directory; throws SeedValidationError listing every problem. */
export function readSeed(dir: string = DEFAULT_SEED_DIR): Seed {
  if (!existsSync(join(dir, DOCUMENTS_DIR))) {
    throw new SeedValidationError(dir, [{ file: DOCUMENTS_DIR, subject: "(directory)", messages: ["missing: no seed documents here"] }]);
  }
  const problems: SeedProblem[] = [];
  const { documents, declared } = readDocuments(dir, problems);
  checkAcrossDocuments(documents, declared, problems);
  const accounts = readAccounts(dir, problems);
  if (problems.length > 0) throw new SeedValidationError(dir, problems);
  return { documents, accounts };
}

/** The project to write to: a demo- one, on the emulators, or a UsageError saying why not. */
function seedTarget(projectId = PROJECT_ID): string {
  const variables = ["FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_EMULATOR_HUB"];
  const missing = variables.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new UsageError(
      `${missing.join(" and ")} not set: the seed loader only ever writes to the emulators, never to a real project ` +
        "(`npm start` starts them and seeds them; for running ones set FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 " +
        "FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:9099 FIREBASE_EMULATOR_HUB=127.0.0.1:4400)",
    );
  }
  if (!projectId.startsWith("demo-")) {
    throw new UsageError(`${projectId} is not a demo- project: the seed loader only writes to demo- projects on the emulators`);
  }
  return projectId;
}

async function writeDocuments(db: Firestore, documents: SeedDocument[]): Promise<void> {
  for (let start = 0; start < documents.length; start += BATCH_LIMIT) {
    const batch = db.batch();
    for (const doc of documents.slice(start, start + BATCH_LIMIT)) batch.set(db.doc(doc.path), doc.data);
    await batch.commit();
  }
}

/** Creates each account, or brings an existing one (same uid) back to the seed's values. */
async function upsertAccounts(auth: Auth, accounts: SeedAccount[]): Promise<void> {
  for (const { uid, ...properties } of accounts) {
    try {
      await auth.createUser({ uid, ...properties, emailVerified: true });
    } catch (error) {
      if ((error as { code?: string }).code !== "auth/uid-already-exists") {
        throw new Error(`Could not create the Auth account ${uid} <${properties.email}>: ${(error as Error).message}`, { cause: error });
      }
      await auth.updateUser(uid, { ...properties, emailVerified: true });
    }
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function summarize(seed: Seed): string {
  const count = (kind: DocumentKind) => seed.documents.filter((d) => d.kind === kind).length;
  return [
    plural(count("users/{uid}"), "user"),
    plural(count("groups/{groupId}"), "group"),
    plural(count("groups/{groupId}/expenses/{expenseId}"), "expense"),
    plural(count("groups/{groupId}/tombstones/{expenseId}"), "tombstone"),
    plural(count("groups/{groupId}/conflicts/{conflictId}"), "conflict"),
    plural(count("users/{uid}/notifications/{notificationId}"), "notification"),
    plural(seed.accounts.length, "Auth account"),
  ].join(", ");
}

/**
 * Validates the whole seed, then writes it to the emulators with the background triggers off (so
 * it lands exactly as written) and creates its Auth accounts. Fails, having written nothing, if
 * the triggers cannot be switched off, and fails loudly if they cannot be switched back on. Safe
 * to re-run: documents are overwritten and existing accounts updated. Returns a one-line summary.
 */
export async function loadSeed(options: LoadSeedOptions = {}): Promise<string> {
  const projectId = seedTarget(options.projectId);
  const seed = readSeed(options.dir ?? DEFAULT_SEED_DIR);
  const app = initializeApp({ projectId }, "seed");
  try {
    await withoutTriggers(async () => {
      await writeDocuments(getFirestore(app), seed.documents);
      await upsertAccounts(getAuth(app), seed.accounts);
    }, options.triggerSwitch);
  } finally {
    await deleteApp(app);
  }
  return summarize(seed);
}

const USAGE = `Usage: npm run seed [-- --project ID]

Loads seed/data (users, groups, expenses, Auth accounts) into running emulators, with the Cloud
Functions background triggers off while it writes. Reads FIRESTORE_EMULATOR_HOST,
FIREBASE_AUTH_EMULATOR_HOST and FIREBASE_EMULATOR_HUB; \`npm start\` starts the emulators and
seeds them itself.

  --project ID   a demo- project on the emulators (default ${PROJECT_ID})
  -h, --help     this text
`;

async function main(): Promise<number> {
  const { values, help } = parseCommandLine(process.argv.slice(2), { project: { type: "string" } });
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const summary = await loadSeed({ projectId: values.project });
  process.stdout.write(`Seeded ${values.project ?? PROJECT_ID}: ${summary}\n`);
  return 0;
}

if (require.main === module) runCommand(main);
