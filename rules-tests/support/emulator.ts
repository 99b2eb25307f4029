// One rules test environment for every rules spec: creating one per case would reload the rules and
// reconnect each time. Its own project id keeps the Cloud Functions triggers registered for
// demo-expense-sync from firing on these writes, and keeps its rule coverage report separate.
import { initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { setLogLevel } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { emulatorAddress, emulatorUrl } from "../../tools/emulator";

export const RULES_PROJECT_ID = "demo-expense-sync-rules";
export const RULES_PATH = join(__dirname, "..", "..", "firestore.rules");

/** Base URL of the Firestore emulator's REST endpoints. */
export function emulatorBaseUrl(): string {
  return emulatorUrl(emulatorAddress("FIRESTORE_EMULATOR_HOST"), "");
}

let environment: Promise<RulesTestEnvironment> | undefined;

// Every denied write makes the SDK log a stream warning; the assertions already say what matters.
setLogLevel("error");

export function rulesTestEnv(): Promise<RulesTestEnvironment> {
  environment ??= initializeTestEnvironment({
    projectId: RULES_PROJECT_ID,
    firestore: { ...emulatorAddress("FIRESTORE_EMULATOR_HOST"), rules: readFileSync(RULES_PATH, "utf8") },
  });
  return environment;
}

// Root-level hook: runs once after every spec file, whichever of them created the environment.
after(async () => {
  if (environment) await (await environment).cleanup();
});
