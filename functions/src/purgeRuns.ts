// The purge's run records: what the purge writes after every run (purge.ts) and what the daily
// sync-health rollup reads back (syncHealth.ts). Shared here so neither module depends on the other.

export const PURGE_RUNS_COLLECTION = "ops/purge/runs";

/** `groups` counts group documents: a soft-deleted group past the expense retention, purged whole. */
export const PURGED_KINDS = ["expenses", "tombstones", "conflicts", "notifications", "groups"] as const;
export type PurgedKind = (typeof PURGED_KINDS)[number];
export type PurgeCounts = Record<PurgedKind, number>;

export const zeroPurgeCounts = (): PurgeCounts => ({ expenses: 0, tombstones: 0, conflicts: 0, notifications: 0, groups: 0 });

/**
 * A run record's `deleted` counts, or undefined when they are not usable. Records written before
 * groups were purged (#16) have no `groups` count: they purged none.
 */
export function purgeCountsOf(deleted: unknown): PurgeCounts | undefined {
  if (typeof deleted !== "object" || deleted === null) return undefined;
  const counts: Partial<Record<PurgedKind, unknown>> = { groups: 0, ...deleted };
  const usable = PURGED_KINDS.every((kind) => Number.isInteger(counts[kind]) && (counts[kind] as number) >= 0);
  return usable ? (counts as PurgeCounts) : undefined;
}
