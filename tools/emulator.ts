// How every script, test and benchmark reaches the local emulator suite: its project id, the
// emulators' addresses from the variables `firebase emulators:exec` sets, REST calls to them,
// clearing Firestore, the Cloud Functions background-trigger switch, and polling for a state.
// REST calls go through node:http, not fetch: fetch refuses every port on the WHATWG "bad ports"
// list (6000, 6665-6669, 10080, ...), and shifted emulator ports can land on one of those.
import { getApps, initializeApp } from "firebase-admin/app";
import { Firestore, getFirestore } from "firebase-admin/firestore";
import { request } from "node:http";

/** The emulators' project: a demo- project, so nothing written to it can reach production. */
export const PROJECT_ID = "demo-expense-sync";

export type EmulatorVariable = "FIRESTORE_EMULATOR_HOST" | "FIREBASE_AUTH_EMULATOR_HOST" | "FIREBASE_EMULATOR_HUB";

export interface HostAndPort {
  /** Without brackets, an IPv6 address too (as node:net and the SDKs take it). */
  host: string;
  port: number;
}

const HOST_AND_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/** `host:port` or `[ipv6]:port`; undefined for anything else. */
export function parseHostAndPort(text: string): HostAndPort | undefined {
  const match = HOST_AND_PORT.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  return port >= 1 && port <= 65_535 ? { host: match[1] ?? match[2], port } : undefined;
}

/** Where an emulator listens, from the variable the emulator suite sets for it. */
export function emulatorAddress(variable: EmulatorVariable): HostAndPort {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set: run this inside the emulator suite (npm test, npm start or scripts/test.ts)`);
  const address = parseHostAndPort(value);
  if (!address) throw new Error(`${variable} must be host:port or [ipv6]:port, got ${JSON.stringify(value)}`);
  return address;
}

/** Where a client connects: the Firestore and Auth emulators. */
export function emulatorHostsFromEnv(): { firestore: HostAndPort; auth: HostAndPort } {
  return { firestore: emulatorAddress("FIRESTORE_EMULATOR_HOST"), auth: emulatorAddress("FIREBASE_AUTH_EMULATOR_HOST") };
}

/** `http://host:port/path`, brackets restored for an IPv6 host. */
export function emulatorUrl({ host, port }: HostAndPort, path: string): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

export interface EmulatorResponse {
  status: number;
  body: string;
}

export interface EmulatorRequestOptions {
  json?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * One REST call to an emulator, on a connection of its own: a kept-alive socket that the emulator
 * has meanwhile closed makes the next call fail with "socket hang up".
 */
export function emulatorRequest(
  method: "GET" | "POST" | "PUT" | "DELETE",
  address: HostAndPort,
  path: string,
  options: EmulatorRequestOptions = {},
): Promise<EmulatorResponse> {
  const url = emulatorUrl(address, path);
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

/** The Admin SDK on the emulators' project (it finds the emulators through the same variables). */
export function adminDb(): Firestore {
  const app = getApps().find((candidate) => candidate.name === "[DEFAULT]") ?? initializeApp({ projectId: PROJECT_ID });
  return getFirestore(app);
}

export interface TriggerSwitchOptions {
  /** The emulator hub; $FIREBASE_EMULATOR_HUB when absent. */
  hub?: HostAndPort;
  /** How long to keep trying in all. Re-enabling reloads every function, which takes seconds. */
  timeoutMs?: number;
}

const TRIGGER_SWITCH_TIMEOUT_MS = 60_000;
const TRIGGER_SWITCH_PAUSE_MS = 250;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Turns the Cloud Functions background (Firestore) triggers on or off. Both calls are idempotent,
 * so a dropped connection or a 5xx is retried, each time on a fresh connection, until the
 * deadline; then, or at once on a 4xx (the hub's own refusal), it throws one sentence saying why.
 */
export async function setTriggersEnabled(enabled: boolean, options: TriggerSwitchOptions = {}): Promise<void> {
  const hub = options.hub ?? emulatorAddress("FIREBASE_EMULATOR_HUB");
  const timeoutMs = options.timeoutMs ?? TRIGGER_SWITCH_TIMEOUT_MS;
  const path = `/functions/${enabled ? "enable" : "disable"}BackgroundTriggers`;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastProblem: string;
  for (;;) {
    attempts += 1;
    try {
      const response = await emulatorRequest("PUT", hub, path, { timeoutMs: Math.max(1, deadline - Date.now()) });
      if (response.status >= 200 && response.status < 300) return;
      lastProblem = `HTTP ${response.status} ${response.body.trim()}`.trim();
      if (response.status < 500) break;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (Date.now() + TRIGGER_SWITCH_PAUSE_MS >= deadline) break;
    await pause(TRIGGER_SWITCH_PAUSE_MS);
  }
  throw new Error(
    `could not ${enabled ? "enable" : "disable"} the Cloud Functions background triggers through the emulator hub at ` +
      `${emulatorUrl(hub, "")} (${attempts} attempt${attempts === 1 ? "" : "s"} in ${timeoutMs / 1000} s, last: ${lastProblem})`,
  );
}

/**
 * Runs `body` with the triggers off, to write data exactly as given, and turns them back on
 * whatever happens. If that fails too, the error says so: triggers left off make the backend do
 * nothing, silently.
 */
export async function withoutTriggers<T>(body: () => Promise<T>, options: TriggerSwitchOptions = {}): Promise<T> {
  await setTriggersEnabled(false, options);
  let result: T;
  try {
    result = await body();
  } catch (bodyError) {
    await setTriggersEnabled(true, options).catch((enableError: Error) => {
      throw new Error(`${enableError.message}, after: ${(bodyError as Error).message}`, { cause: bodyError });
    });
    throw bodyError;
  }
  await setTriggersEnabled(true, options);
  return result;
}

/**
 * Deletes every document of the emulators' project. The triggers are off meanwhile: clearing a
 * large data set would otherwise queue a delete event per document for whatever runs next.
 */
export async function clearFirestore(): Promise<void> {
  const firestore = emulatorAddress("FIRESTORE_EMULATOR_HOST");
  const path = `/emulator/v1/projects/${PROJECT_ID}/databases/(default)/documents`;
  await withoutTriggers(async () => {
    const response = await emulatorRequest("DELETE", firestore, path);
    if (response.status !== 200) throw new Error(`clearing Firestore failed: HTTP ${response.status} ${response.body.trim()}`);
  });
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails naming `what` after the
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
    await pause(50);
  }
}
