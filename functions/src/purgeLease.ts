// A single-holder lease on the purge, so an overlapping run (Cloud Scheduler delivers at least
// once; an admin may start one by hand) steps aside instead of repeating the same work. The lease
// is an optimisation, not the safety net: every purge commit re-reads what it deletes and only
// raises watermarks, so two runs that do overlap (an expired lease) still end in the right state.
import { Firestore, Timestamp } from "firebase-admin/firestore";

export const PURGE_LEASE_PATH = "ops/purgeLease";

export interface PurgeLease {
  holder: string;
  acquiredAt: Timestamp;
  expiresAt: Timestamp;
}

export type LeaseAttempt = { acquired: true } | { acquired: false; heldBy: string; expiresAt: Date };

/** Whether `holder` may take the lease now: nobody holds it, it has expired, or it is already theirs. */
export function leaseIsAvailable(current: Partial<PurgeLease> | undefined, holder: string, nowMs: number): boolean {
  if (current?.holder === undefined || current.holder === holder) return true;
  return !(current.expiresAt instanceof Timestamp) || current.expiresAt.toMillis() <= nowMs;
}

/** Takes the lease for `ttlMs` of wall-clock time, atomically with the check that it is free. */
export async function acquirePurgeLease(db: Firestore, holder: string, ttlMs: number): Promise<LeaseAttempt> {
  const leaseRef = db.doc(PURGE_LEASE_PATH);
  return db.runTransaction(async (tx): Promise<LeaseAttempt> => {
    const current = (await tx.get(leaseRef)).data() as Partial<PurgeLease> | undefined;
    const nowMs = Date.now();
    if (!leaseIsAvailable(current, holder, nowMs)) {
      return { acquired: false, heldBy: String(current?.holder), expiresAt: (current?.expiresAt as Timestamp).toDate() };
    }
    const lease: PurgeLease = {
      holder,
      acquiredAt: Timestamp.fromMillis(nowMs),
      expiresAt: Timestamp.fromMillis(nowMs + ttlMs),
    };
    tx.set(leaseRef, lease);
    return { acquired: true };
  });
}

/** Gives the lease back, unless it has meanwhile expired and passed to another run. */
export async function releasePurgeLease(db: Firestore, holder: string): Promise<void> {
  const leaseRef = db.doc(PURGE_LEASE_PATH);
  await db.runTransaction(async (tx) => {
    const current = await tx.get(leaseRef);
    if (current.get("holder") === holder) tx.delete(leaseRef);
  });
}
