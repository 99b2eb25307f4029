// Test access to the emulator suite that `npm test` starts (scripts/test.ts): the Admin SDK on
// the demo project, data reset, and switching the Cloud Functions triggers off and on.
import { getApps, initializeApp } from "firebase-admin/app";
import { Firestore, Timestamp, getFirestore } from "firebase-admin/firestore";
import { expenseFixture, groupFixture } from "./fixtures";

export const PROJECT_ID = "demo-expense-sync";

function emulatorHost(variable: "FIRESTORE_EMULATOR_HOST" | "FIREBASE_EMULATOR_HUB"): string {
  const host = process.env[variable];
  if (!host) throw new Error(`${variable} is not set: run the tests through \`npm test\`, which starts the emulators.`);
  return host;
}

export function adminDb(): Firestore {
  const app = getApps().find((candidate) => candidate.name === "[DEFAULT]") ?? initializeApp({ projectId: PROJECT_ID });
  return getFirestore(app);
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`${what} failed: ${response.status} ${await response.text()}`);
}

/**
 * Deletes every document of the demo project. The triggers are off meanwhile: clearing a large
 * data set would otherwise queue a delete event per expense for the suites that follow.
 */
export async function clearFirestore(): Promise<void> {
  const url = `http://${emulatorHost("FIRESTORE_EMULATOR_HOST")}/emulator/v1/projects/${PROJECT_ID}/databases/(default)/documents`;
  await withoutTriggers(async () => expectOk(await fetch(url, { method: "DELETE" }), "clearing Firestore"));
}

/** Turns the background (Firestore) triggers on or off, to write fixtures exactly as given. */
export async function setTriggersEnabled(enabled: boolean): Promise<void> {
  const action = enabled ? "enableBackgroundTriggers" : "disableBackgroundTriggers";
  await expectOk(await fetch(`http://${emulatorHost("FIREBASE_EMULATOR_HUB")}/functions/${action}`, { method: "PUT" }), action);
}

/** Runs `body` with the triggers off, and always turns them back on. */
export async function withoutTriggers<T>(body: () => Promise<T>): Promise<T> {
  await setTriggersEnabled(false);
  try {
    return await body();
  } finally {
    await setTriggersEnabled(true);
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails with `what` after the
 * deadline: the way to wait for a trigger without guessing how long it takes.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
