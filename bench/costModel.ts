// The dollar cost model (issue 14): $/month for N users from per-user-per-day usage, at Google's
// list prices, before and after the free tier. Pure: no I/O, no Firebase; `npm run bench` feeds it
// measured figures. Every price and free allowance carries its source and the date it was read;
// the model, its assumptions and what it leaves out are in docs/cost.md.

/** One list price: `usd` buys `per` units of `unit`. */
export interface UnitPrice {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  /** Edition, location and billing tier the price is for. */
  readonly appliesTo: string;
  readonly source: string;
  /** ISO date the source was read. */
  readonly read: string;
  readonly note?: string;
}

/** One free allowance: `amount` of `unit` each `period`. */
export interface FreeAllowance {
  readonly amount: number;
  readonly unit: string;
  readonly period: "day" | "month";
  readonly appliesTo: string;
  readonly source: string;
  readonly read: string;
  readonly note?: string;
}

const READ = "2026-12-06";
const FIRESTORE = "Firestore Standard edition, regional location us-central1 (Iowa)";
const FIRESTORE_PRICES = "https://firebase.google.com/docs/firestore/compare-editions-for-native-mode";
const FIRESTORE_PRICING = "https://cloud.google.com/firestore/pricing";
const RUN = "Cloud Run functions (Cloud Functions for Firebase 2nd gen), us-central1 = Tier 1, request-based billing";
const RUN_PRICING = "https://cloud.google.com/run/pricing";

function freezeTable<T extends Record<string, object>>(table: T): { readonly [K in keyof T]: Readonly<T[K]> } {
  for (const entry of Object.values(table)) Object.freeze(entry);
  return Object.freeze(table);
}

export const PRICES = freezeTable({
  firestoreRead: { usd: 0.03, per: 100_000, unit: "document reads", appliesTo: FIRESTORE, source: FIRESTORE_PRICES, read: READ },
  firestoreWrite: { usd: 0.09, per: 100_000, unit: "document writes", appliesTo: FIRESTORE, source: FIRESTORE_PRICES, read: READ },
  firestoreDelete: { usd: 0.01, per: 100_000, unit: "document deletes", appliesTo: FIRESTORE, source: FIRESTORE_PRICES, read: READ },
  firestoreStorage: {
    usd: 0.15,
    per: 1,
    unit: "GiB-month stored",
    appliesTo: FIRESTORE,
    source: FIRESTORE_PRICING,
    read: READ,
    note: "Not verified: the page's per-location table is filled in by script and was not in the stored text. 0.15 is the us-central1 figure as recalled; a third-party summary of the page's hourly rate agrees. Check it on the live page.",
  },
  functionInvocation: {
    usd: 0.4,
    per: 1_000_000,
    unit: "requests",
    appliesTo: RUN,
    source: RUN_PRICING,
    read: READ,
    note: "Beyond the stored excerpt of the page; the same rate is in firebase-tools 14.27.0 (lib/deploy/functions/pricing.js, V2_RATES).",
  },
  functionCpu: { usd: 0.000024, per: 1, unit: "vCPU-seconds", appliesTo: RUN, source: RUN_PRICING, read: READ },
  functionMemory: {
    usd: 0.0000025,
    per: 1,
    unit: "GiB-seconds",
    appliesTo: RUN,
    source: RUN_PRICING,
    read: READ,
    note: "Beyond the stored excerpt of the page; the same rate is in firebase-tools 14.27.0 (lib/deploy/functions/pricing.js, V2_RATES).",
  },
} satisfies Record<string, UnitPrice>);

export const FREE_TIER = freezeTable({
  firestoreReads: { amount: 50_000, unit: "document reads", period: "day", appliesTo: "the project's one free Firestore database", source: FIRESTORE_PRICING, read: READ },
  firestoreWrites: { amount: 20_000, unit: "document writes", period: "day", appliesTo: "the project's one free Firestore database", source: FIRESTORE_PRICING, read: READ },
  firestoreDeletes: {
    amount: 20_000,
    unit: "document deletes",
    period: "day",
    appliesTo: "the project's one free Firestore database",
    source: FIRESTORE_PRICING,
    read: READ,
    note: "TTL deletes get no free quota.",
  },
  firestoreStorage: { amount: 1, unit: "GiB stored", period: "month", appliesTo: "the project's one free Firestore database", source: FIRESTORE_PRICING, read: READ },
  functionInvocations: { amount: 2_000_000, unit: "requests", period: "month", appliesTo: "per billing account", source: RUN_PRICING, read: READ },
  functionCpu: { amount: 180_000, unit: "vCPU-seconds", period: "month", appliesTo: "per billing account, request-based billing", source: RUN_PRICING, read: READ },
  functionMemory: { amount: 360_000, unit: "GiB-seconds", period: "month", appliesTo: "per billing account, request-based billing", source: RUN_PRICING, read: READ },
} satisfies Record<string, FreeAllowance>);

/** What one user causes in one day, on average. Every field is a finite number, 0 or more. */
export interface UsagePerUserPerDay {
  /** Document reads billed, including the security rules' get()/exists() calls and listener updates. */
  reads: number;
  /** Document writes billed (creates, updates, soft deletes), by clients and by functions. */
  writes: number;
  /** Document deletes issued by clients or functions (the purge). Free quota applies. */
  deletes: number;
  /** Deletes made by Firestore TTL policies: billed as deletes, with no free quota. Default 0. */
  ttlDeletes?: number;
  /** Function invocations (trigger events, scheduled runs) attributable to the user. */
  functionInvocations: number;
  /** Billed wall-clock seconds of those invocations, summed (not per invocation). */
  functionComputeSeconds: number;
  /** Firestore storage per user, in GiB, data plus index and metadata overhead. Default 0. */
  storedGiBPerUser?: number;
}

export interface CostModelInput {
  /** A positive whole number. */
  users: number;
  /** Default 30. */
  daysPerMonth?: number;
  perUserPerDay: UsagePerUserPerDay;
  /** Memory of each function instance in GiB. Default 0.25 (256 MiB, firebase-tools' default). */
  functionMemoryGiB?: number;
  /**
   * vCPUs of each function instance. Default 1: firebase-tools gives a 2nd gen function of 256 MiB
   * one vCPU (memoryToGen2Cpu) unless the function sets `cpu: "gcf_gen1"` (then 0.1666).
   */
  functionVcpu?: number;
}

export interface CostLine {
  item: string;
  /** Monthly quantity, in `unit`. */
  quantity: number;
  unit: string;
  usd: number;
  usdAfterFreeTier: number;
}

export interface MonthlyCost {
  lines: CostLine[];
  totalUsd: number;
  totalUsdAfterFreeTier: number;
}

export const DEFAULT_DAYS_PER_MONTH = 30;
export const DEFAULT_FUNCTION_MEMORY_GIB = 0.25;
export const DEFAULT_FUNCTION_VCPU = 1;

function requireAtLeastZero(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a finite number of 0 or more, not ${String(value)}.`);
  }
  return value;
}

function requirePositive(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${field} must be a finite number greater than 0, not ${String(value)}.`);
  }
  return value;
}

function cost(quantity: number, price: UnitPrice): number {
  return (quantity / price.per) * price.usd;
}

/** A Firestore operation: the free quota is per day, so it comes off each day's total. */
function dailyLine(item: string, perDay: number, days: number, price: UnitPrice, freePerDay: number): CostLine {
  return {
    item,
    quantity: perDay * days,
    unit: price.unit,
    usd: cost(perDay * days, price),
    usdAfterFreeTier: cost(Math.max(0, perDay - freePerDay) * days, price),
  };
}

/** A monthly quantity with a monthly allowance. */
function monthlyLine(item: string, quantity: number, price: UnitPrice, freePerMonth: number): CostLine {
  return { item, quantity, unit: price.unit, usd: cost(quantity, price), usdAfterFreeTier: cost(Math.max(0, quantity - freePerMonth), price) };
}

/** The monthly bill for `input.users` users, line by line, before and after the free tier. */
export function monthlyCost(input: CostModelInput): MonthlyCost {
  if (typeof input !== "object" || input === null) throw new TypeError("The cost model's input must be an object.");
  if (typeof input.users !== "number" || !Number.isInteger(input.users) || input.users <= 0) {
    throw new RangeError(`users must be a positive whole number, not ${String(input.users)}.`);
  }
  const usage = input.perUserPerDay;
  if (typeof usage !== "object" || usage === null) throw new TypeError("perUserPerDay must be an object of per-user daily figures.");
  const users = input.users;
  const days = requirePositive("daysPerMonth", input.daysPerMonth ?? DEFAULT_DAYS_PER_MONTH);
  const memoryGiB = requirePositive("functionMemoryGiB", input.functionMemoryGiB ?? DEFAULT_FUNCTION_MEMORY_GIB);
  const vcpu = requirePositive("functionVcpu", input.functionVcpu ?? DEFAULT_FUNCTION_VCPU);
  const reads = requireAtLeastZero("perUserPerDay.reads", usage.reads);
  const writes = requireAtLeastZero("perUserPerDay.writes", usage.writes);
  const deletes = requireAtLeastZero("perUserPerDay.deletes", usage.deletes);
  const ttlDeletes = requireAtLeastZero("perUserPerDay.ttlDeletes", usage.ttlDeletes ?? 0);
  const invocations = requireAtLeastZero("perUserPerDay.functionInvocations", usage.functionInvocations);
  const computeSeconds = requireAtLeastZero("perUserPerDay.functionComputeSeconds", usage.functionComputeSeconds);
  const storedGiB = requireAtLeastZero("perUserPerDay.storedGiBPerUser", usage.storedGiBPerUser ?? 0);

  const billedSeconds = users * computeSeconds * days;
  const lines = [
    dailyLine("Firestore document reads", users * reads, days, PRICES.firestoreRead, FREE_TIER.firestoreReads.amount),
    dailyLine("Firestore document writes", users * writes, days, PRICES.firestoreWrite, FREE_TIER.firestoreWrites.amount),
    dailyLine("Firestore document deletes", users * deletes, days, PRICES.firestoreDelete, FREE_TIER.firestoreDeletes.amount),
    dailyLine("Firestore TTL deletes", users * ttlDeletes, days, PRICES.firestoreDelete, 0),
    // Stored data is a level, not a flow: the free GiB comes off the average stored, once a month.
    monthlyLine("Firestore stored data", users * storedGiB, PRICES.firestoreStorage, FREE_TIER.firestoreStorage.amount),
    monthlyLine("Function invocations", users * invocations * days, PRICES.functionInvocation, FREE_TIER.functionInvocations.amount),
    monthlyLine("Function CPU", billedSeconds * vcpu, PRICES.functionCpu, FREE_TIER.functionCpu.amount),
    monthlyLine("Function memory", billedSeconds * memoryGiB, PRICES.functionMemory, FREE_TIER.functionMemory.amount),
  ];
  return {
    lines,
    totalUsd: lines.reduce((sum, line) => sum + line.usd, 0),
    totalUsdAfterFreeTier: lines.reduce((sum, line) => sum + line.usdAfterFreeTier, 0),
  };
}

function quantityText(quantity: number): string {
  return quantity.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

/** Rows for bench/harness `table()`: a header, one row a line, then the totals. */
export function costTable(result: MonthlyCost): string[][] {
  return [
    ["item", "quantity / month", "unit", "USD", "USD after free tier"],
    ...result.lines.map((line) => [line.item, quantityText(line.quantity), line.unit, line.usd.toFixed(2), line.usdAfterFreeTier.toFixed(2)]),
    ["total", "", "", result.totalUsd.toFixed(2), result.totalUsdAfterFreeTier.toFixed(2)],
  ];
}
