// The purge's run records: what the purge writes after every run (purge.ts) and what the daily
// sync-health rollup reads back (syncHealth.ts). Shared here so neither module depends on the other.

export const PURGE_RUNS_COLLECTION = "ops/purge/runs";

export const PURGED_KINDS = ["expenses", "tombstones", "conflicts", "notifications"] as const;
export type PurgedKind = (typeof PURGED_KINDS)[number];
export type PurgeCounts = Record<PurgedKind, number>;

export const zeroPurgeCounts = (): PurgeCounts => ({ expenses: 0, tombstones: 0, conflicts: 0, notifications: 0 });
