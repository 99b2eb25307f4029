// Timestamps as both Firebase SDKs read them. The Admin SDK (server, tools) and the web SDK
// (clients, rules tests) each have their own Timestamp class; the core works on what they have
// in common, so one schema and one ordering serve every side.

/** What the Admin SDK's and the web SDK's Timestamp classes both are. */
export interface TimestampLike {
  readonly seconds: number;
  readonly nanoseconds: number;
  toMillis(): number;
  toDate(): Date;
}

/**
 * A Timestamp of either SDK. Plain `{seconds, nanoseconds}` objects (JSON, a serialized snapshot)
 * are not: only a decoded Firestore value has the methods.
 */
export function isTimestamp(value: unknown): value is TimestampLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Record<keyof TimestampLike, unknown>>;
  return (
    Number.isInteger(candidate.seconds) &&
    Number.isInteger(candidate.nanoseconds) &&
    (candidate.nanoseconds as number) >= 0 &&
    (candidate.nanoseconds as number) < 1_000_000_000 &&
    typeof candidate.toMillis === "function" &&
    typeof candidate.toDate === "function"
  );
}

/** Orders timestamps to the nanosecond (toMillis() would merge distinct commit times). */
export function compareTimestamps(a: TimestampLike, b: TimestampLike): number {
  return a.seconds - b.seconds || a.nanoseconds - b.nanoseconds;
}

/** The later of two optional timestamps, or null when both are absent. */
export function laterOf<T extends TimestampLike>(a: T | null | undefined, b: T | null | undefined): T | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return compareTimestamps(a, b) >= 0 ? a : b;
}

/**
 * A document type with every timestamp read as one SDK's class: the schemas infer `TimestampLike`,
 * and `WithTimestamps<Expense, Timestamp>` is the same shape as the web (or Admin) SDK returns it.
 */
export type WithTimestamps<D, T extends TimestampLike> = D extends TimestampLike
  ? T
  : D extends readonly (infer U)[]
    ? WithTimestamps<U, T>[]
    : D extends object
      ? { [K in keyof D]: WithTimestamps<D[K], T> }
      : D;
