// A group's lastActivityAt: the latest commit time of any client activity in it. Raised, never
// lowered, and only written when it actually moves (a no-op write would still cost a write on
// the hottest document in the group and wake every Tier-1 listener).
import { DocumentReference, DocumentSnapshot, Timestamp, Transaction } from "firebase-admin/firestore";
import { compareTimestamps, TimestampLike } from "../../core/timestamps";
import { HandledOutcome } from "./outcomes";

/** True when `candidate` is later than the group's current lastActivityAt (or it has none yet). */
export function raisesLastActivity(current: unknown, candidate: TimestampLike): boolean {
  return !(current instanceof Timestamp) || compareTimestamps(candidate, current) > 0;
}

/** Queues the raise in `tx` when it moves the group forward; says whether it did. */
export function raiseLastActivity(tx: Transaction, group: DocumentSnapshot, at: TimestampLike): boolean {
  if (!raisesLastActivity(group.get("lastActivityAt"), at)) return false;
  tx.update(group.ref as DocumentReference, { lastActivityAt: at });
  return true;
}

/** Names what an invocation did, for logs and metrics; the first that applies wins. */
export function classifyOutcome(facts: {
  conflictRecorded: boolean;
  activityRaised: boolean;
  /** The conflict record, or this very activity time, was already there: a redelivery. */
  alreadyApplied: boolean;
  /**
   * The document does not match its schema. Only a raise is renamed for it: a skip stays what it
   * was, so a redelivery is not counted as applied (the invalidity is counted on its own).
   */
  invalidDocument?: boolean;
}): HandledOutcome {
  if (facts.conflictRecorded) return "conflict-recorded";
  if (facts.activityRaised) return facts.invalidDocument ? "invalid-document" : "activity-raised";
  return facts.alreadyApplied ? "duplicate-skipped" : "stale-skipped";
}
