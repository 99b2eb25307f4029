// What the trigger suites need beyond tools/emulator.ts: waiting until the Functions emulator has
// worked through every event queued so far.
import { Firestore, Timestamp } from "firebase-admin/firestore";
import { eventually } from "../../../tools/emulator";
import { expenseFixture, groupFixture } from "./fixtures";

/**
 * Waits until both trigger queues have worked through their backlog: the Functions emulator runs
 * one function's events one after another, so a sentinel group (and an expense in it) is handled
 * only after every event queued before it.
 */
export async function drainTriggers(db: Firestore, timeoutMs = 180_000): Promise<void> {
  const sentinel = db.collection("groups").doc(`drain-${Date.now()}`);
  await sentinel.set(groupFixture("drain", ["drain"]));
  const expense = sentinel.collection("expenses").doc("drain");
  await expense.set(expenseFixture("drain", ["drain"]));
  const expenseAt = (await expense.get()).get("updatedAt") as Timestamp;
  await eventually(
    "the trigger queues to drain",
    async () => ((await sentinel.get()).get("lastActivityAt") as Timestamp | undefined)?.isEqual(expenseAt) || undefined,
    timeoutMs,
  );
}
