// Counts the documents the server delivers to a device, by where they came from, and applies
// Firestore's read billing to them:
// - a query, or a listener's first result from the server, costs one read per document, and one
//   read when it returns no document at all;
// - a listener then costs one read per document added to, changed in or removed from its result
//   (counted from each snapshot's docChanges(); snapshots served from the local cache are free);
// - a listener re-attached after more than 30 minutes offline pays its full result again: the
//   meter counts a first result as the full result set, which is what such a re-attach costs.
export type ReadSource =
  | "tier1"
  | "membership"
  | "tier2"
  | "tier3"
  | "tombstones"
  | "resync"
  | "notifications"
  | "groupListener"
  // A v1 build's poll (e2e/support/legacyDevice.ts), for the benchmarks' comparison.
  | "v1Groups"
  | "v1Expenses";

export interface ReadTally {
  /** Documents delivered. */
  documents: number;
  /** Query results and first listener results. */
  results: number;
  /** Of those, how many were empty (billed one read each). */
  emptyResults: number;
}

export class ReadMeter {
  readonly bySource = new Map<ReadSource, ReadTally>();

  private tally(source: ReadSource): ReadTally {
    let tally = this.bySource.get(source);
    if (!tally) {
      tally = { documents: 0, results: 0, emptyResults: 0 };
      this.bySource.set(source, tally);
    }
    return tally;
  }

  /** A query's result, or a listener's first result from the server. */
  result(source: ReadSource, documents: number): void {
    const tally = this.tally(source);
    tally.documents += documents;
    tally.results += 1;
    if (documents === 0) tally.emptyResults += 1;
  }

  /** A listener's later snapshot from the server. */
  changes(source: ReadSource, documents: number): void {
    this.tally(source).documents += documents;
  }

  /** Billed reads for one source, or for all of them. */
  billedReads(source?: ReadSource): number {
    const tallies = source ? [this.bySource.get(source)] : [...this.bySource.values()];
    return tallies.reduce((sum, tally) => sum + (tally ? tally.documents + tally.emptyResults : 0), 0);
  }

  documents(source?: ReadSource): number {
    const tallies = source ? [this.bySource.get(source)] : [...this.bySource.values()];
    return tallies.reduce((sum, tally) => sum + (tally?.documents ?? 0), 0);
  }
}
