// Generates the committed seed in seed/data (`npm run seed:generate`). Everything comes from one
// seeded PRNG and a fixed "now", so re-running it reproduces the files byte for byte and a diff
// of seed/data only ever shows a deliberate change to this script.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseCommandLine, runCommand } from "../tools/cli";
import { DEFAULT_SEED_DIR } from "./load";

const PRNG_SEED = 20251120;
/** The moment the seed is a snapshot of. */
const NOW = new Date("2025-11-20T18:00:00.000Z");
/**
 * The cutoff of the last nightly purge (run 2025-11-19 03:17 UTC, its schedule, with the default 30-day retention).
 * Every soft delete still present is newer than this, in every group; the home group is the one
 * where that purge actually removed old deletions, so it carries the watermark.
 */
const PURGE_CUTOFF = new Date("2025-10-20T03:17:00.000Z");
const PASSWORD = "password123";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Currency = "EUR" | "USD" | "GBP" | "JPY";
/** Digits after the decimal point (ISO 4217 minor units). */
const MINOR_DIGITS: Record<Currency, number> = { EUR: 2, USD: 2, GBP: 2, JPY: 0 };

/** mulberry32: a tiny, well-distributed 32-bit generator; plenty for sample data. */
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  /** `count` distinct items in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    for (let i = 0; i < count; i++) {
      const j = this.int(i, pool.length - 1);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, count);
  }
  /** A uniformly random instant in [from, to]. */
  between(from: Date, to: Date): Date {
    return new Date(from.getTime() + Math.floor(this.next() * (to.getTime() - from.getTime())));
  }
  /** An id shaped like a Firestore auto-id (20 alphanumerics), as clients create them. */
  autoId(): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let id = "";
    for (let i = 0; i < 20; i++) id += alphabet[this.int(0, alphabet.length - 1)];
    return id;
  }
  /** A server commit time: the client's moment plus sub-second upload latency, to the millisecond. */
  commitTime(clientTime: Date): Date {
    return new Date(clientTime.getTime() + this.int(150, 2500));
  }
}

// Reset by buildSeedFiles, so every build (CLI or test) draws the same sequence.
let rng = new Random(PRNG_SEED);

function later(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}
/**
 * The commit time of a client write made a random [minDelay, maxDelay] after `from`, kept before
 * `until` whenever `from` leaves room for it.
 */
function nextWrite(from: Date, minDelay: number, maxDelay: number, until: Date): Date {
  const room = until.getTime() - from.getTime();
  return rng.commitTime(later(from, rng.int(minDelay, Math.max(minDelay, Math.min(maxDelay, room)))));
}
function maxDate(...dates: Date[]): Date {
  return new Date(Math.max(...dates.map((d) => d.getTime())));
}
function minDate(...dates: Date[]): Date {
  return new Date(Math.min(...dates.map((d) => d.getTime())));
}
/** A business date as a user picks it: a day and a plausible local time, to the minute. */
function atLocalTime(day: Date, hourFrom: number, hourTo: number): Date {
  const d = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  return later(d, rng.int(hourFrom * 60, hourTo * 60 - 1) * MINUTE);
}
function monthName(date: Date): string {
  return date.toLocaleString("en-GB", { month: "long", timeZone: "UTC" });
}

/** An amount in minor units drawn from a range in major units (yen to the nearest 10). */
function randomAmount(range: readonly [number, number], currency: Currency): number {
  const factor = 10 ** MINOR_DIGITS[currency];
  const minor = rng.int(Math.round(range[0] * factor), Math.round(range[1] * factor));
  return currency === "JPY" ? Math.max(10, Math.round(minor / 10) * 10) : minor;
}

/**
 * Splits an amount by weights so the shares are whole minor units that add up exactly: each gets
 * its floor, then the leftover units go to the largest remainders (ties: listed order).
 */
function splitByWeights(amountMinor: number, weights: ReadonlyArray<readonly [string, number]>): Record<string, number> {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const shares = weights.map(([uid, w]) => {
    const exact = (amountMinor * w) / total;
    return { uid, share: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let leftover = amountMinor - shares.reduce((sum, s) => sum + s.share, 0);
  const byRemainder = [...shares].sort((a, b) => b.remainder - a.remainder);
  for (const entry of byRemainder) {
    if (leftover === 0) break;
    entry.share += 1;
    leftover -= 1;
  }
  return Object.fromEntries(shares.map((s) => [s.uid, s.share]));
}

function equalWeights(uids: readonly string[]): Array<[string, number]> {
  return uids.map((uid) => [uid, 1]);
}

// ---------------------------------------------------------------- users

interface UserPlan {
  uid: string;
  displayName: string;
  createdAt: Date;
  /** A later profile edit, if any. */
  renamedAt?: Date;
}

const USERS: UserPlan[] = [
  { uid: "alice", displayName: "Alice Martin", createdAt: new Date("2025-05-02T08:14:09.412Z") },
  { uid: "bob", displayName: "Bob Nakamura", createdAt: new Date("2025-05-03T19:40:51.006Z"), renamedAt: new Date("2025-08-01T07:12:33.918Z") },
  { uid: "carol", displayName: "Carol Okafor", createdAt: new Date("2025-05-04T12:02:17.230Z") },
  { uid: "dave", displayName: "Dave Schneider", createdAt: new Date("2025-05-06T21:55:40.771Z") },
  { uid: "erin", displayName: "Erin Walsh", createdAt: new Date("2025-05-07T10:31:02.145Z") },
  { uid: "frank", displayName: "Frank Dubois", createdAt: new Date("2025-05-08T16:47:58.390Z") },
  { uid: "grace", displayName: "Grace Lindqvist", createdAt: new Date("2025-05-09T09:09:09.909Z"), renamedAt: new Date("2025-09-30T18:21:45.503Z") },
  { uid: "heidi", displayName: "Heidi Sato", createdAt: new Date("2025-05-10T13:26:14.087Z") },
];

// ---------------------------------------------------------------- groups

/** A kind of everyday expense the group has many of. */
interface ExpenseTemplate {
  descriptions: readonly string[];
  category: string;
  /** Major units; per person when `perHead`. */
  amount: readonly [number, number];
  currency?: Currency;
  weight: number;
  /** How many members share it; everyone when absent. */
  sharedBy?: readonly [number, number];
  perHead?: boolean;
  hours?: readonly [number, number];
}

/** A monthly bill, on a fixed day, always paid by the same member. */
interface RecurringBill {
  description: (month: string) => string;
  category: string;
  amount: readonly [number, number];
  dayOfMonth: number;
  paidBy: string;
  /** Billed after the month it covers (metered utilities), not for the current one. */
  inArrears?: boolean;
  /** Share weights; equal among members when absent. Members missing here get weight 1. */
  weights?: Record<string, number>;
}

/** A single notable expense at a known date. */
interface OneOff {
  description: string;
  category: string;
  amountMinor: number;
  currency?: Currency;
  spentAt: Date;
  paidBy: string;
  /** Exact shares, or (when absent) an equal split among `sharedBy`. */
  splits?: Record<string, number>;
  sharedBy?: readonly string[];
}

interface GroupPlan {
  id: string;
  displayName: string;
  ownerId: string;
  createdAt: Date;
  initialMemberIds: readonly string[];
  joins?: ReadonlyArray<{ uid: string; at: Date; addedBy: string }>;
  /** A rename after the group's last expense write (its own change is then the latest activity). */
  rename?: { displayName: string; at: Date; by: string };
  defaultCurrency: Currency;
  simplifyDebts: boolean;
  /** spentAt range of the everyday expenses. */
  activeFrom: Date;
  activeUntil: Date;
  everydayCount: number;
  templates: readonly ExpenseTemplate[];
  recurring?: readonly RecurringBill[];
  oneOffs?: readonly OneOff[];
  /** Soft-delete a share of the recent expenses (and keep one restored). */
  softDeletes: boolean;
  /** Expenses deleted and then restored (undo). */
  restores: number;
  purgedBefore?: Date;
}

const GROUPS: GroupPlan[] = [
  {
    id: "home-alice-bob",
    displayName: "Alice & Bob · Home",
    ownerId: "alice",
    createdAt: new Date("2025-06-02T18:22:41.513Z"),
    initialMemberIds: ["alice", "bob"],
    defaultCurrency: "EUR",
    simplifyDebts: false,
    activeFrom: new Date("2025-06-02T00:00:00Z"),
    activeUntil: new Date("2025-11-19T00:00:00Z"),
    everydayCount: 34,
    templates: [
      { descriptions: ["Rewe — weekly shop", "Lidl", "Edeka", "Aldi Süd", "Farmers' market"], category: "groceries", amount: [18, 140], weight: 10, hours: [9, 20] },
      { descriptions: ["Dinner at Trattoria Da Enzo", "Sushi takeaway", "Brunch at Café Frieda", "Thai curry night (delivery)", "Biergarten"], category: "dining", amount: [28, 96], weight: 5, hours: [12, 22] },
      { descriptions: ["dm — toiletries", "Rossmann — cleaning stuff", "Hardware store — drill bits & screws"], category: "household", amount: [9, 48], weight: 3, hours: [10, 19] },
      { descriptions: ["IKEA — shelves & lamps", "New bedsheets", "Kitchen knives"], category: "household", amount: [35, 260], weight: 1, hours: [11, 18] },
      { descriptions: ["Cinema tickets", "Concert: Kraftklub", "Museum Island day pass"], category: "entertainment", amount: [22, 118], weight: 2, hours: [15, 21] },
      { descriptions: ["Vet visit (Mochi)", "Cat food & litter"], category: "pets", amount: [19, 140], weight: 2, hours: [9, 18] },
    ],
    recurring: [
      { description: (m) => `Rent — ${m}`, category: "rent", amount: [1450, 1450], dayOfMonth: 1, paidBy: "alice", weights: { alice: 60, bob: 40 } },
      { description: (m) => `Electricity (Vattenfall) — ${m}`, category: "utilities", amount: [74, 98], dayOfMonth: 12, paidBy: "bob", inArrears: true },
      { description: (m) => `Internet (Vodafone) — ${m}`, category: "utilities", amount: [39.99, 39.99], dayOfMonth: 5, paidBy: "bob" },
    ],
    oneOffs: [
      // The payer lends the whole amount: a split that leaves the payer out.
      { description: "Bob's train ticket to Munich", category: "transport", amountMinor: 8990, spentAt: new Date("2025-07-18T06:40:00Z"), paidBy: "alice", splits: { bob: 8990 } },
    ],
    softDeletes: true,
    restores: 1,
    purgedBefore: PURGE_CUTOFF,
  },
  {
    id: "tokyo-trip",
    displayName: "Tokyo trip 🇯🇵",
    ownerId: "carol",
    createdAt: new Date("2025-06-28T20:03:12.337Z"),
    initialMemberIds: ["carol", "alice", "dave"],
    rename: { displayName: "Tokyo 2025 (settled)", at: new Date("2025-10-05T09:14:27.602Z"), by: "carol" },
    defaultCurrency: "JPY",
    simplifyDebts: true,
    activeFrom: new Date("2025-09-12T00:00:00Z"),
    activeUntil: new Date("2025-09-24T00:00:00Z"),
    everydayCount: 33,
    templates: [
      { descriptions: ["Ramen at Ichiran", "Ramen in Shinjuku", "Udon lunch", "Tonkatsu lunch"], category: "dining", amount: [2400, 4800], weight: 6, hours: [11, 22] },
      { descriptions: ["Konbini snacks", "7-Eleven breakfast", "FamilyMart drinks"], category: "groceries", amount: [700, 2600], weight: 5, hours: [7, 23] },
      { descriptions: ["Izakaya in Shinjuku", "Yakitori in Omoide Yokocho", "Sushi at Tsukiji outer market", "Okonomiyaki in Osaka"], category: "dining", amount: [7500, 21000], weight: 4, hours: [18, 23] },
      { descriptions: ["Suica top-up", "Taxi back to the hotel", "Tokyo Metro day passes"], category: "transport", amount: [1500, 5800], weight: 4, hours: [8, 23] },
      { descriptions: ["teamLab Planets", "Senso-ji omamori & incense", "Karaoke (2 h)", "Shibuya Sky"], category: "entertainment", amount: [1500, 4200], weight: 2, perHead: true, hours: [10, 22] },
    ],
    oneOffs: [
      { description: "Flights SFO ⇄ HND (3 tickets)", category: "travel", amountMinor: 355_380, currency: "USD", spentAt: new Date("2025-07-03T17:25:00Z"), paidBy: "carol" },
      { description: "eSIMs (Airalo)", category: "travel", amountMinor: 3_900, currency: "USD", spentAt: new Date("2025-09-10T22:05:00Z"), paidBy: "alice" },
      { description: "Hotel Gracery Shinjuku (10 nights)", category: "accommodation", amountMinor: 412_000, spentAt: new Date("2025-07-20T09:30:00Z"), paidBy: "carol" },
      { description: "Ryokan in Hakone (2 nights)", category: "accommodation", amountMinor: 168_000, spentAt: new Date("2025-07-21T14:10:00Z"), paidBy: "dave" },
      { description: "Shinkansen to Kyoto (3 × ¥14,170)", category: "transport", amountMinor: 42_510, spentAt: new Date("2025-09-19T07:48:00Z"), paidBy: "dave" },
      // Dave skipped the onsen day: a split that leaves a member out of one expense.
      { description: "Hakone onsen day passes", category: "entertainment", amountMinor: 5_000, spentAt: new Date("2025-09-21T13:02:00Z"), paidBy: "alice", sharedBy: ["alice", "carol"] },
      { description: "Airport limousine bus", category: "transport", amountMinor: 9_600, spentAt: new Date("2025-09-24T08:15:00Z"), paidBy: "carol" },
    ],
    softDeletes: false,
    restores: 1,
  },
  {
    id: "flat-camden",
    displayName: "Flat 3B, Camden Road",
    ownerId: "erin",
    createdAt: new Date("2025-06-01T11:05:37.804Z"),
    initialMemberIds: ["erin", "bob", "carol", "frank"],
    joins: [{ uid: "grace", at: new Date("2025-08-30T16:42:08.115Z"), addedBy: "frank" }],
    defaultCurrency: "GBP",
    simplifyDebts: true,
    activeFrom: new Date("2025-06-01T00:00:00Z"),
    activeUntil: new Date("2025-11-19T00:00:00Z"),
    everydayCount: 24,
    templates: [
      { descriptions: ["Tesco — shared basics", "Sainsbury's — milk, bread, coffee", "Co-op top-up"], category: "groceries", amount: [12, 48], weight: 6, hours: [8, 21] },
      { descriptions: ["Cleaning supplies", "Toilet roll & bin bags", "Washing-up liquid & sponges"], category: "household", amount: [6, 24], weight: 4, hours: [9, 20] },
      { descriptions: ["Friday takeaway (Dishoom)", "Pizza night", "Sunday roast at The Lock Tavern"], category: "dining", amount: [45, 110], weight: 4, sharedBy: [3, 5], hours: [18, 22] },
      { descriptions: ["Pub quiz round", "Camden Market street food"], category: "entertainment", amount: [18, 42], weight: 2, sharedBy: [2, 4], hours: [19, 23] },
      { descriptions: ["New kettle", "House plant for the hallway", "Replacement shower head"], category: "household", amount: [14, 39.99], weight: 1, hours: [10, 18] },
    ],
    recurring: [
      { description: (m) => `Rent — ${m}`, category: "rent", amount: [3250, 3250], dayOfMonth: 1, paidBy: "erin", weights: { carol: 1.2, frank: 0.8 } },
      { description: (m) => `Council tax — ${m}`, category: "utilities", amount: [212.4, 212.4], dayOfMonth: 3, paidBy: "carol" },
      { description: (m) => `Thames Water — ${m}`, category: "utilities", amount: [48.2, 48.2], dayOfMonth: 8, paidBy: "bob", inArrears: true },
      { description: (m) => `Broadband (Hyperoptic) — ${m}`, category: "utilities", amount: [35, 35], dayOfMonth: 15, paidBy: "erin" },
    ],
    softDeletes: true,
    restores: 0,
  },
  {
    id: "climbing-crew",
    displayName: "Thursday Climbing Crew",
    ownerId: "heidi",
    createdAt: new Date("2025-05-15T20:48:19.226Z"),
    initialMemberIds: ["heidi", "alice", "bob", "carol", "dave", "erin", "frank", "grace"],
    defaultCurrency: "EUR",
    simplifyDebts: true,
    activeFrom: new Date("2025-05-15T00:00:00Z"),
    activeUntil: new Date("2025-11-19T00:00:00Z"),
    everydayCount: 64,
    templates: [
      { descriptions: ["Boulderhalle day passes", "Climbing gym entry", "Ostbloc evening passes"], category: "sports", amount: [11.5, 14.5], perHead: true, sharedBy: [3, 7], weight: 10, hours: [17, 20] },
      { descriptions: ["Pizza after climbing", "Döner run", "Beers at the gym bar"], category: "dining", amount: [32, 120], sharedBy: [3, 8], weight: 6, hours: [20, 23] },
      { descriptions: ["Chalk & tape restock", "Brushes & finger tape", "First-aid kit refill"], category: "gear", amount: [14, 46], weight: 3, hours: [12, 19] },
      { descriptions: ["Fuel to Frankenjura", "Car share to Elbsandstein", "Train to Saxon Switzerland"], category: "transport", amount: [38, 115], sharedBy: [3, 5], weight: 3, hours: [6, 10] },
      { descriptions: ["Stanage — parking & pints", "Peak District café stop"], category: "dining", amount: [24, 64], currency: "GBP", sharedBy: [3, 5], weight: 1, hours: [12, 19] },
    ],
    oneOffs: [
      { description: "New 70 m rope (shared)", category: "gear", amountMinor: 18_995, spentAt: new Date("2025-06-04T16:20:00Z"), paidBy: "heidi" },
      { description: "Crash pad (shared)", category: "gear", amountMinor: 24_900, spentAt: new Date("2025-06-19T13:05:00Z"), paidBy: "dave" },
      { description: "Fontainebleau weekend — gîte", category: "accommodation", amountMinor: 64_000, spentAt: new Date("2025-07-11T15:00:00Z"), paidBy: "grace", sharedBy: ["grace", "heidi", "alice", "bob", "dave", "frank"] },
      { description: "Fontainebleau — groceries", category: "groceries", amountMinor: 11_873, spentAt: new Date("2025-07-12T10:40:00Z"), paidBy: "bob", sharedBy: ["grace", "heidi", "alice", "bob", "dave", "frank"] },
      { description: "Peak District weekend — bunkhouse", category: "accommodation", amountMinor: 28_500, currency: "GBP", spentAt: new Date("2025-09-05T18:30:00Z"), paidBy: "erin", sharedBy: ["erin", "frank", "carol", "heidi", "bob"] },
      { description: "Rock and Ice guidebook (US order)", category: "gear", amountMinor: 3_495, currency: "USD", spentAt: new Date("2025-10-02T21:12:00Z"), paidBy: "alice" },
      { description: "Yosemite trip — campsite deposit", category: "accommodation", amountMinor: 21_000, currency: "USD", spentAt: new Date("2025-11-06T19:45:00Z"), paidBy: "carol", sharedBy: ["carol", "alice", "dave", "heidi"] },
    ],
    softDeletes: true,
    restores: 0,
  },
];

/** The one recorded conflict: Grace's amount correction was overwritten by Frank's offline edit. */
const CONFLICT = {
  groupId: "flat-camden",
  description: "Octopus Energy — October",
  category: "utilities",
  amountMinor: 16_420,
  correctedAmountMinor: 17_135,
  winnerDescription: "Octopus Energy — October (paid by direct debit)",
  spentAt: new Date("2025-11-03T09:00:00Z"),
  paidBy: "frank",
  createdAt: new Date("2025-11-03T09:04:51.220Z"),
  overwrittenAt: new Date("2025-11-11T20:17:03.491Z"), // Grace's correction
  winnerAt: new Date("2025-11-12T07:58:44.036Z"), // Frank's edit from version 1, made offline
} as const;

// ---------------------------------------------------------------- simulation

interface ExpenseDoc {
  description: string;
  amountMinor: number;
  currency: Currency;
  paidBy: string;
  splits: Record<string, number>;
  spentAt: Date;
  category: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  version: number;
  baseVersion: number;
  deletedAt: Date | null;
  deletedBy: string | null;
}

interface ExpenseEntry {
  id: string;
  doc: ExpenseDoc;
  /** Excluded from random edits and deletes (the conflict's expense). */
  scripted?: boolean;
}

type Operation = { kind: "edit" | "delete" | "restore"; at: Date; by: string };

/** Applies one client write to the document, as the rules demand: version = baseVersion + 1. */
function apply(doc: ExpenseDoc, op: Operation): void {
  doc.baseVersion = doc.version;
  doc.version += 1;
  doc.updatedAt = op.at;
  doc.updatedBy = op.by;
  if (op.kind === "delete") {
    doc.deletedAt = op.at;
    doc.deletedBy = op.by;
  } else if (op.kind === "restore") {
    doc.deletedAt = null;
    doc.deletedBy = null;
  }
}

function membersAt(plan: GroupPlan, at: Date): string[] {
  const joined = (plan.joins ?? []).filter((j) => j.at.getTime() <= at.getTime()).map((j) => j.uid);
  return [...plan.initialMemberIds, ...joined];
}

function finalMemberIds(plan: GroupPlan): string[] {
  return [...plan.initialMemberIds, ...(plan.joins ?? []).map((j) => j.uid)];
}

/** When the group's expenses stop changing: before a later rename of the group, else now. */
function lastExpenseWrite(plan: GroupPlan): Date {
  return plan.rename ? later(plan.rename.at, -HOUR) : later(NOW, -MINUTE);
}

/** A new expense as its author uploads it (version 1, from nothing). */
function newExpense(plan: GroupPlan, fields: Omit<ExpenseDoc, "createdAt" | "createdBy" | "updatedAt" | "updatedBy" | "version" | "baseVersion" | "deletedAt" | "deletedBy">): ExpenseEntry {
  // Usually entered by the payer within hours; sometimes days later (offline, or a backlog).
  const delay = rng.chance(0.1) ? rng.int(1, 3) * DAY + rng.int(0, 12 * HOUR) : rng.int(2 * MINUTE, 6 * HOUR);
  const createdAt = rng.commitTime(
    minDate(maxDate(later(fields.spentAt, delay), later(plan.createdAt, rng.int(5, 60) * MINUTE)), lastExpenseWrite(plan)),
  );
  const eligible = membersAt(plan, createdAt);
  const createdBy = rng.chance(0.75) && eligible.includes(fields.paidBy) ? fields.paidBy : rng.pick(eligible);
  return {
    id: rng.autoId(),
    doc: { ...fields, createdAt, createdBy, updatedAt: createdAt, updatedBy: createdBy, version: 1, baseVersion: 0, deletedAt: null, deletedBy: null },
  };
}

function sharesFor(plan: GroupPlan, spentAt: Date, amountMinor: number, uids: readonly string[], weights?: Record<string, number>): Record<string, number> {
  const members = membersAt(plan, spentAt);
  const sharing = uids.filter((uid) => members.includes(uid));
  return splitByWeights(amountMinor, sharing.map((uid) => [uid, weights?.[uid] ?? 1]));
}

function everydayExpenses(plan: GroupPlan): ExpenseEntry[] {
  const totalWeight = plan.templates.reduce((sum, t) => sum + t.weight, 0);
  const entries: ExpenseEntry[] = [];
  for (let i = 0; i < plan.everydayCount; i++) {
    let roll = rng.next() * totalWeight;
    const template = plan.templates.find((t) => (roll -= t.weight) < 0) ?? plan.templates[0];
    const [hourFrom, hourTo] = template.hours ?? [9, 21];
    const spentAt = atLocalTime(rng.between(plan.activeFrom, plan.activeUntil), hourFrom, hourTo);
    const members = membersAt(plan, spentAt);
    const [fewest, most] = template.sharedBy ?? [members.length, members.length];
    const sharedBy = rng.sample(members, Math.min(members.length, rng.int(fewest, most)));
    const currency = template.currency ?? plan.defaultCurrency;
    const amountMinor = template.perHead
      ? randomAmount(template.amount, currency) * sharedBy.length
      : randomAmount(template.amount, currency);
    entries.push(
      newExpense(plan, {
        description: rng.pick(template.descriptions),
        amountMinor,
        currency,
        paidBy: rng.pick(sharedBy),
        splits: splitByWeights(amountMinor, equalWeights(sharedBy)),
        spentAt,
        category: template.category,
      }),
    );
  }
  return entries;
}

function recurringExpenses(plan: GroupPlan): ExpenseEntry[] {
  const entries: ExpenseEntry[] = [];
  for (const bill of plan.recurring ?? []) {
    const first = new Date(Date.UTC(plan.activeFrom.getUTCFullYear(), plan.activeFrom.getUTCMonth(), bill.dayOfMonth));
    for (let month = first; month.getTime() <= plan.activeUntil.getTime(); month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, bill.dayOfMonth))) {
      const spentAt = atLocalTime(month, 8, 12);
      const amountMinor = randomAmount(bill.amount, plan.defaultCurrency);
      const covered = bill.inArrears ? new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - 1, 1)) : month;
      entries.push(
        newExpense(plan, {
          description: bill.description(monthName(covered)),
          amountMinor,
          currency: plan.defaultCurrency,
          paidBy: bill.paidBy,
          splits: sharesFor(plan, spentAt, amountMinor, membersAt(plan, spentAt), bill.weights),
          spentAt,
          category: bill.category,
        }),
      );
    }
  }
  return entries;
}

function oneOffExpenses(plan: GroupPlan): ExpenseEntry[] {
  return (plan.oneOffs ?? []).map((o) =>
    newExpense(plan, {
      description: o.description,
      amountMinor: o.amountMinor,
      currency: o.currency ?? plan.defaultCurrency,
      paidBy: o.paidBy,
      splits: o.splits ?? sharesFor(plan, o.spentAt, o.amountMinor, o.sharedBy ?? membersAt(plan, o.spentAt)),
      spentAt: o.spentAt,
      category: o.category,
    }),
  );
}

/** Someone who was a member at `at` and could plausibly touch this expense. */
function editorOf(plan: GroupPlan, doc: ExpenseDoc, at: Date): string {
  const members = membersAt(plan, at);
  const involved = [doc.paidBy, doc.createdBy, ...Object.keys(doc.splits)].filter((uid) => members.includes(uid));
  return rng.pick(involved.length > 0 ? involved : members);
}

/** Edits (typo fixes, amount corrections), soft deletes and restores, in time order per expense. */
function simulateHistory(plan: GroupPlan, entries: ExpenseEntry[]): void {
  const until = lastExpenseWrite(plan);
  const free = entries.filter((e) => !e.scripted);
  for (const { doc } of free) {
    if (!rng.chance(0.12)) continue;
    for (let n = rng.int(1, 3); n > 0; n--) {
      const at = nextWrite(doc.updatedAt, 10 * MINUTE, 5 * DAY, until);
      apply(doc, { kind: "edit", at, by: editorOf(plan, doc, at) });
    }
  }
  // A soft delete must be newer than the last purge cutoff, or the purge would have removed it.
  const recent = free.filter((e) => e.doc.updatedAt.getTime() > PURGE_CUTOFF.getTime());
  const undone = rng.sample(free, plan.restores);
  for (const { doc } of undone) {
    const deletedAt = nextWrite(doc.updatedAt, MINUTE, 2 * DAY, later(until, -HOUR));
    const by = editorOf(plan, doc, deletedAt);
    apply(doc, { kind: "delete", at: deletedAt, by });
    apply(doc, { kind: "restore", at: rng.commitTime(later(deletedAt, rng.int(20_000, 10 * MINUTE))), by });
  }
  if (!plan.softDeletes) return;
  for (const entry of recent) {
    if (undone.includes(entry) || !rng.chance(0.3)) continue;
    const { doc } = entry;
    const at = nextWrite(doc.updatedAt, MINUTE, 4 * DAY, until);
    apply(doc, { kind: "delete", at, by: editorOf(plan, doc, at) });
  }
}

interface ConflictRecord {
  id: string;
  expenseId: string;
  doc: Record<string, unknown>;
  notifiedUid: string;
  notification: Record<string, unknown>;
}

/** The server's conflict id: expense id + the winning write's commit time (seconds, nanoseconds). */
function conflictIdFor(expenseId: string, winnerAt: Date): string {
  const ms = winnerAt.getTime();
  return `${expenseId}_${Math.floor(ms / 1000)}${String((ms % 1000) * 1_000_000).padStart(9, "0")}`;
}

/**
 * Frank entered the October energy bill; Grace corrected its amount from the PDF; Frank, offline
 * on the Tube, reworded it from the version he had (1). His upload replaced Grace's version 2, so
 * the server kept both documents in a conflict record and told Grace.
 */
function scriptedConflict(plan: GroupPlan): { entry: ExpenseEntry; conflict: ConflictRecord } {
  const members = membersAt(plan, CONFLICT.spentAt);
  const created: ExpenseDoc = {
    description: CONFLICT.description,
    amountMinor: CONFLICT.amountMinor,
    currency: plan.defaultCurrency,
    paidBy: CONFLICT.paidBy,
    splits: splitByWeights(CONFLICT.amountMinor, equalWeights(members)),
    spentAt: CONFLICT.spentAt,
    category: CONFLICT.category,
    createdAt: CONFLICT.createdAt,
    createdBy: CONFLICT.paidBy,
    updatedAt: CONFLICT.createdAt,
    updatedBy: CONFLICT.paidBy,
    version: 1,
    baseVersion: 0,
    deletedAt: null,
    deletedBy: null,
  };
  const overwritten: ExpenseDoc = {
    ...created,
    amountMinor: CONFLICT.correctedAmountMinor,
    splits: splitByWeights(CONFLICT.correctedAmountMinor, equalWeights(members)),
  };
  apply(overwritten, { kind: "edit", at: CONFLICT.overwrittenAt, by: "grace" });
  const winner: ExpenseDoc = { ...created, description: CONFLICT.winnerDescription };
  apply(winner, { kind: "edit", at: CONFLICT.winnerAt, by: CONFLICT.paidBy });

  const expenseId = rng.autoId();
  const id = conflictIdFor(expenseId, winner.updatedAt);
  const detectedAt = new Date(winner.updatedAt.getTime() + rng.int(300, 1500));
  return {
    entry: { id: expenseId, doc: winner, scripted: true },
    conflict: {
      id,
      expenseId,
      doc: {
        expenseId,
        detectedAt,
        resolution: "last-writer-wins",
        winner: { version: winner.version, baseVersion: winner.baseVersion, updatedBy: winner.updatedBy, updatedAt: winner.updatedAt, data: { ...winner } },
        overwritten: { version: overwritten.version, updatedBy: overwritten.updatedBy, updatedAt: overwritten.updatedAt, data: { ...overwritten } },
      },
      notifiedUid: overwritten.updatedBy,
      notification: { type: "conflict", groupId: plan.id, expenseId, conflictId: id, createdAt: detectedAt, readAt: null },
    },
  };
}

// ---------------------------------------------------------------- documents

type DocumentMap = Record<string, unknown>;

interface GeneratedGroup {
  file: DocumentMap;
  conflicts: ConflictRecord[];
}

function groupDocument(plan: GroupPlan, expenses: ExpenseEntry[]): Record<string, unknown> {
  const ownChanges = [
    { at: plan.createdAt, by: plan.ownerId },
    ...(plan.joins ?? []).map((j) => ({ at: j.at, by: j.addedBy })),
    ...(plan.rename ? [{ at: plan.rename.at, by: plan.rename.by }] : []),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const lastOwnChange = ownChanges[ownChanges.length - 1];
  // What the activity triggers computed: the latest commit time of any client write in the group.
  const lastActivityAt = maxDate(lastOwnChange.at, ...expenses.map((e) => e.doc.updatedAt));
  return {
    displayName: plan.rename?.displayName ?? plan.displayName,
    ownerId: plan.ownerId,
    memberIds: finalMemberIds(plan),
    settings: { defaultCurrency: plan.defaultCurrency, simplifyDebts: plan.simplifyDebts },
    createdAt: plan.createdAt,
    updatedAt: lastOwnChange.at,
    updatedBy: lastOwnChange.by,
    deletedAt: null,
    deletedBy: null,
    lastActivityAt,
    ...(plan.purgedBefore ? { purgedBefore: plan.purgedBefore } : {}),
    // What the name triggers keep: every member has a profile, so every name is there.
    memberNames: Object.fromEntries(finalMemberIds(plan).map((uid) => [uid, displayNameOf(uid)])),
  };
}

function displayNameOf(uid: string): string {
  const user = USERS.find((candidate) => candidate.uid === uid);
  if (!user) throw new Error(`seed plan names ${uid}, who is not among the users`);
  return user.displayName;
}

function generateGroup(plan: GroupPlan): GeneratedGroup {
  const expenses = [...recurringExpenses(plan), ...oneOffExpenses(plan), ...everydayExpenses(plan)];
  const conflicts: ConflictRecord[] = [];
  if (plan.id === CONFLICT.groupId) {
    const { entry, conflict } = scriptedConflict(plan);
    expenses.push(entry);
    conflicts.push(conflict);
  }
  simulateHistory(plan, expenses);
  expenses.sort((a, b) => a.doc.spentAt.getTime() - b.doc.spentAt.getTime() || a.id.localeCompare(b.id));

  const base = `groups/${plan.id}`;
  const file: DocumentMap = { [base]: groupDocument(plan, expenses) };
  for (const { id, doc } of expenses) file[`${base}/expenses/${id}`] = doc;
  for (const { id, doc } of expenses) {
    if (doc.deletedAt === null) continue;
    file[`${base}/tombstones/${id}`] = { collection: "expenses", docId: id, deletedAt: doc.deletedAt, deletedBy: doc.deletedBy };
  }
  for (const conflict of conflicts) file[`${base}/conflicts/${conflict.id}`] = conflict.doc;
  return { file, conflicts };
}

/** Every seed file, keyed by its path under seed/data, as plain JSON values. */
export function buildSeedFiles(): Record<string, unknown> {
  rng = new Random(PRNG_SEED);
  const files: Record<string, unknown> = {};
  const notifications: DocumentMap = {};
  for (const plan of GROUPS) {
    const { file, conflicts } = generateGroup(plan);
    files[`firestore/groups/${plan.id}.json`] = file;
    for (const c of conflicts) notifications[`users/${c.notifiedUid}/notifications/${c.id}`] = c.notification;
  }
  const users: DocumentMap = {};
  for (const user of USERS) {
    users[`users/${user.uid}`] = { displayName: user.displayName, createdAt: user.createdAt, updatedAt: user.renamedAt ?? user.createdAt };
  }
  files["firestore/users.json"] = { ...users, ...notifications };
  files["firestore/config.json"] = {
    "config/sync": { realtimeSyncEnabled: true, rolloutPercent: 10, allowlistUserIds: ["alice"] },
  };
  files["accounts.json"] = USERS.map((u) => ({ uid: u.uid, email: `${u.uid}@example.com`, password: PASSWORD, displayName: u.displayName }));
  // Through JSON so Dates become ISO-8601 strings, exactly as they are written to disk.
  return JSON.parse(JSON.stringify(files)) as Record<string, unknown>;
}

const USAGE = `Usage: npm run seed:generate

Rewrites seed/data from this generator (deterministic: the same code writes the same files).
Takes no arguments.
`;

async function main(argv: string[]): Promise<number> {
  if (parseCommandLine(argv, {}).help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const files = buildSeedFiles();
  rmSync(DEFAULT_SEED_DIR, { recursive: true, force: true });
  for (const [relativePath, content] of Object.entries(files)) {
    const path = join(DEFAULT_SEED_DIR, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(content, null, 2) + "\n");
  }
  process.stdout.write(`Wrote ${Object.keys(files).length} files to ${DEFAULT_SEED_DIR}\n`);
  return 0;
}

if (require.main === module) runCommand(() => main(process.argv.slice(2)));
