// The common path of every Firestore-triggered function: drop events too old to be worth
// retrying, run the handler, then log and count what it did. Handlers are idempotent, so the
// triggers run with retry on; the age cut-off keeps a poison event from being retried for days.
import { Firestore, Timestamp } from "firebase-admin/firestore";
import * as logger from "firebase-functions/logger";
import { TriggerOutcome } from "./outcomes";
import { recordTriggerMetrics } from "./syncHealth";

export interface DeliveredEvent {
  id: string;
  time: string;
}

export interface HandlerResult {
  outcome: TriggerOutcome | "not-activity";
  activityAt?: Timestamp;
}

/** Seconds between the event's commit and `now`. */
export function eventAgeSeconds(event: DeliveredEvent, now: Date): number {
  return (now.getTime() - Date.parse(event.time)) / 1000;
}

export async function deliver<R extends HandlerResult>(
  db: Firestore,
  trigger: string,
  event: DeliveredEvent & { path: string },
  maxAgeSeconds: number,
  handle: () => Promise<R>,
): Promise<R | undefined> {
  const ageSeconds = eventAgeSeconds(event, new Date());
  if (ageSeconds > maxAgeSeconds) {
    logger.error("Dropping an event older than the retry cut-off", { trigger, eventId: event.id, path: event.path, ageSeconds, maxAgeSeconds });
    return undefined;
  }
  const result = await handle();
  const finishedAt = new Date();
  // Lag from the client's commit to the server's reaction: what a Tier-1 listener waits.
  const lagMs = result.activityAt ? finishedAt.getTime() - result.activityAt.toMillis() : undefined;
  const fields = { trigger, eventId: event.id, path: event.path, lagMs, ...result, activityAt: result.activityAt?.toDate().toISOString() };
  if (result.outcome === "duplicate-skipped") logger.info("Skipped a duplicate delivery", fields);
  else logger.info("Trigger applied", fields);
  if (result.outcome !== "not-activity") {
    await recordTriggerMetrics(db, { outcome: result.outcome, lagMs: lagMs ?? 0, at: finishedAt });
  }
  return result;
}
