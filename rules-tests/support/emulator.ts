// One rules test environment for every rules spec: creating one per case would reload the rules and
// reconnect each time. Its own project id keeps the Cloud Functions triggers registered for
// demo-expense-sync from firing on these writes, and keeps its rule coverage report separate.
import { initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { setLogLevel } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const RULES_PROJECT_ID = "demo-expense-sync-rules";
export const RULES_PATH = join(__dirname, "..", "..", "firestore.rules");

export interface HostAndPort {
  host: string;
  port: number;
}

/** FIRESTORE_EMULATOR_HOST as set by the emulator harness: `host:port` or `[ipv6]:port`. */
export function firestoreEmulatorHost(): HostAndPort {
  const value = process.env.FIRESTORE_EMULATOR_HOST;
  if (!value) {
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: run the rules tests through `npx tsx scripts/test.ts`.");
  }
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  if (!match) throw new Error(`FIRESTORE_EMULATOR_HOST must be host:port, got "${value}".`);
  return { host: match[1], port: Number(match[2]) };
}

/** Base URL of the emulator's REST endpoints (brackets restored for an IPv6 host). */
export function emulatorBaseUrl(): string {
  const { host, port } = firestoreEmulatorHost();
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

let environment: Promise<RulesTestEnvironment> | undefined;

// Every denied write makes the SDK log a stream warning; the assertions already say what matters.
setLogLevel("error");

export function rulesTestEnv(): Promise<RulesTestEnvironment> {
  environment ??= initializeTestEnvironment({
    projectId: RULES_PROJECT_ID,
    firestore: { ...firestoreEmulatorHost(), rules: readFileSync(RULES_PATH, "utf8") },
  });
  return environment;
}

// Root-level hook: runs once after every spec file, whichever of them created the environment.
after(async () => {
  if (environment) await (await environment).cleanup();
});
