// Finds what the emulator suite needs on this machine and how to start it offline.
// firebase-tools normally downloads the Firestore emulator jar and the Emulator UI; on a machine
// without internet we use the jar from the Debian/gcloud package instead, through a generated
// launcher jar (the packaged jar has no Main-Class, so `java -jar` cannot run it directly).
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { crc32 } from "node:zlib";
import { region } from "../functions/src/config";
import { PROJECT_ID } from "../tools/emulator";

// The operator commands take the emulators' project id from here, with the rest of the setup.
export { PROJECT_ID };
export const ROOT = resolve(__dirname, "..");
const WORK_DIR = join(ROOT, ".emulators");
const FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";
const SDK_ROOTS = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk"];
const FIREBASE_CACHE = join(homedir(), ".cache", "firebase", "emulators");

export class EmulatorSetupError extends Error {}

export interface EmulatorPlan {
  env: Record<string, string>;
  /** EMULATOR_PORT_OFFSET, as the ports below are moved by it. */
  portOffset: number;
  /** Every emulator's port (see emulatorPorts). */
  ports: Record<string, number>;
  /** The region the functions run in, as the Functions emulator names them (`REGION-name`). */
  functionsRegion: string;
  /** Emulators to start, in `--only` form. */
  only: string[];
  notes: string[];
  /** Path of the firebase.json to use (a generated copy when the UI must be off or ports move). */
  configPath: string;
  uiEnabled: boolean;
}

function javaMajorVersion(): number {
  const out = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (out.error) {
    throw new EmulatorSetupError(
      "Java is missing: the Firestore emulator needs a Java runtime (11 or newer) on PATH — install it with `apt-get install openjdk-17-jre-headless` or from https://adoptium.net.",
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out.stderr);
  if (!match) return 0;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

function sdkRoots(): string[] {
  const roots = process.env.CLOUDSDK_ROOT_DIR ? [process.env.CLOUDSDK_ROOT_DIR, ...SDK_ROOTS] : SDK_ROOTS;
  return roots.filter((root) => existsSync(root));
}

function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((candidate) => existsSync(candidate));
}

function systemFirestoreJar(): string | undefined {
  return firstExisting(
    sdkRoots().map((root) => join(root, "platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar")),
  );
}

function systemPubsubBinary(): string | undefined {
  return firstExisting(sdkRoots().map((root) => join(root, "platform", "pubsub-emulator", "bin", "cloud-pubsub-emulator")));
}

function firebaseToolsVersions(): Record<string, { version: string }> {
  const infoPath = join(ROOT, "node_modules", "firebase-tools", "lib", "emulator", "downloadableEmulatorInfo.json");
  return JSON.parse(readFileSync(infoPath, "utf8"));
}

/** A zip archive holding one stored (uncompressed) file: all a manifest-only jar needs. */
function singleFileZip(name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, content, central, nameBytes, end]);
}

/** Writes `.emulators/firestore-launcher.jar`, whose manifest runs the system jar's main class. */
export function writeFirestoreLauncher(systemJar: string): string {
  mkdirSync(WORK_DIR, { recursive: true });
  const launcher = join(WORK_DIR, "firestore-launcher.jar");
  const manifest = [
    "Manifest-Version: 1.0",
    `Main-Class: ${FIRESTORE_MAIN_CLASS}`,
    `Class-Path: ${new URL(`file://${systemJar}`).href}`,
    "",
    "",
  ].join("\r\n");
  writeFileSync(launcher, singleFileZip("META-INF/MANIFEST.MF", Buffer.from(manifest, "utf8")));
  return launcher;
}

function firebaseCli(args: string[], timeoutMs: number): boolean {
  const result = spawnSync(process.execPath, [firebaseBin(), ...args], {
    cwd: ROOT,
    stdio: "ignore",
    timeout: timeoutMs,
  });
  return result.status === 0;
}

function resolveFirestore(env: Record<string, string>, notes: string[]): void {
  if (process.env.FIRESTORE_EMULATOR_BINARY_PATH) {
    notes.push(`Firestore emulator: ${process.env.FIRESTORE_EMULATOR_BINARY_PATH} (from FIRESTORE_EMULATOR_BINARY_PATH)`);
    return;
  }
  const systemJar = systemFirestoreJar();
  if (systemJar) {
    env.FIRESTORE_EMULATOR_BINARY_PATH = writeFirestoreLauncher(systemJar);
    notes.push(`Firestore emulator: system jar ${systemJar} through ${env.FIRESTORE_EMULATOR_BINARY_PATH}`);
    return;
  }
  const cached = join(FIREBASE_CACHE, `cloud-firestore-emulator-v${firebaseToolsVersions().firestore.version}.jar`);
  if (existsSync(cached) || firebaseCli(["setup:emulators:firestore"], 180_000)) {
    notes.push("Firestore emulator: firebase-tools' own download");
    return;
  }
  throw new EmulatorSetupError(
    "The Firestore emulator jar is missing and could not be downloaded: install the Debian package `google-cloud-cli-firestore-emulator` (or `gcloud components install cloud-firestore-emulator`), or run `npx firebase setup:emulators:firestore` once with internet access.",
  );
}

function resolvePubsub(env: Record<string, string>): boolean {
  if (process.env.PUBSUB_EMULATOR_BINARY_PATH) return true;
  const system = systemPubsubBinary();
  if (system) {
    env.PUBSUB_EMULATOR_BINARY_PATH = system;
    return true;
  }
  return existsSync(join(FIREBASE_CACHE, "pubsub-emulator-" + firebaseToolsVersions().pubsub.version));
}

function uiAvailable(): boolean {
  const uiVersion = (firebaseToolsVersions() as unknown as { ui: { main: { version: string } } }).ui.main.version;
  return existsSync(join(FIREBASE_CACHE, `ui-v${uiVersion}`)) || firebaseCli(["setup:emulators:ui"], 60_000);
}

type EmulatorConfig = Record<string, { port?: number; websocketPort?: number; enabled?: boolean }>;

/** Ports the Fetch standard blocks (Node's fetch refuses them), among those a shift can reach. */
const FETCH_BLOCKED_PORTS = new Set([4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080]);

/**
 * How far a port offset moves the ports: to the n-th block of 1000 in which no port is one fetch
 * refuses. Below 100 the offset is n, so suites given offsets 1, 2, 3 each get a block of their
 * own; from 100 on, n counts started hundreds (100 is the first block, as 1 is). The default ports
 * differ from each other modulo 1000, so blocks never collide.
 */
export function portShift(portOffset: number, basePorts: number[] = Object.values(emulatorPorts(0))): number {
  const block = portOffset < 100 ? portOffset : Math.ceil(portOffset / 100);
  let shift = 0;
  for (let usable = 0; usable < block; ) {
    shift += 1000;
    if (!basePorts.some((port) => FETCH_BLOCKED_PORTS.has(port + shift))) usable += 1;
  }
  if (Math.max(...basePorts) + shift > 65_535) {
    throw new EmulatorSetupError(`EMULATOR_PORT_OFFSET=${portOffset} moves the emulator ports past 65535: use a smaller one.`);
  }
  return shift;
}

/**
 * The firebase.json to start with: the project's own, or a generated copy beside it (so its
 * relative paths still hold) with the UI off and/or every port moved by `portOffset`, which lets
 * several suites run side by side on one machine.
 */
function emulatorConfig(uiEnabled: boolean, portOffset: number): string {
  const projectConfig = join(ROOT, "firebase.json");
  if (uiEnabled && portOffset === 0) return projectConfig;
  const config = JSON.parse(readFileSync(projectConfig, "utf8")) as { emulators: EmulatorConfig };
  const shift = portShift(portOffset);
  for (const emulator of Object.values(config.emulators)) {
    if (typeof emulator !== "object") continue;
    if (emulator.port) emulator.port += shift;
    if (emulator.websocketPort) emulator.websocketPort += shift;
  }
  config.emulators.ui.enabled = uiEnabled;
  const path = join(ROOT, `.firebase.generated-${portOffset}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2) + "\n");
  return path;
}

/**
 * EMULATOR_PORT_OFFSET (0 when unset): every command that starts emulators reads it here, so a
 * suite, a benchmark and `npm start` given the same offset all land on the same ports.
 */
export function emulatorPortOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.EMULATOR_PORT_OFFSET ?? "0";
  if (!/^\d+$/.test(raw)) throw new EmulatorSetupError(`EMULATOR_PORT_OFFSET must be a whole number, got ${JSON.stringify(raw)}.`);
  return Number(raw);
}

/**
 * The region the functions run in on the emulators: SYNC_REGION as the Functions emulator reads
 * it (the functions' dotenv files for this project, through firebase-tools' own loader), else the
 * parameter's default in functions/src/config.ts.
 */
export function functionsRegion(functionsDir = join(ROOT, "functions")): string {
  // Loaded here, not on import: firebase-tools takes most of a second to load, and the operator
  // commands that take PROJECT_ID from this module never start emulators.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadUserEnvs } = require("firebase-tools/lib/functions/env") as typeof import("firebase-tools/lib/functions/env");
  const fromDotenv = loadUserEnvs({ functionsSource: functionsDir, projectId: PROJECT_ID, isEmulator: true })[region.name];
  // The default is a literal string in config.ts, not an expression.
  return fromDotenv ?? (region.options.default as string);
}

/**
 * Works out environment, emulator list, ports and config. `interactive` adds the Pub/Sub emulator
 * (so the scheduled functions load) and the Emulator UI where either can be had.
 */
export function planEmulators(options: { interactive: boolean; portOffset?: number }): EmulatorPlan {
  const portOffset = options.portOffset ?? emulatorPortOffset();
  const notes: string[] = [];
  const env: Record<string, string> = {};
  const java = javaMajorVersion();
  if (java > 0 && java < 11) {
    throw new EmulatorSetupError(`Java ${java} is too old: the Firestore emulator needs Java 11 or newer on PATH.`);
  }
  resolveFirestore(env, notes);
  const only = ["auth", "firestore", "functions"];
  let uiEnabled = false;
  if (options.interactive) {
    if (resolvePubsub(env)) only.push("pubsub");
    else notes.push("Pub/Sub emulator not found: scheduled functions (purge, rollup) will not load; run them with `npm run purge`.");
    // emulators:start treats a failed UI download as fatal, so start without it where it cannot be had.
    uiEnabled = uiAvailable();
    if (!uiEnabled) notes.push("Emulator UI unavailable offline: starting without it (run `npx firebase setup:emulators:ui` once online to get it).");
  }
  return {
    env,
    portOffset,
    ports: emulatorPorts(portOffset),
    functionsRegion: functionsRegion(),
    only,
    notes,
    uiEnabled,
    configPath: emulatorConfig(uiEnabled, portOffset),
  };
}

export function firebaseBin(): string {
  return join(ROOT, "node_modules", "firebase-tools", "lib", "bin", "firebase.js");
}

/** Emulator ports of the project's firebase.json (the websocket port included), moved by an offset. */
export function emulatorPorts(portOffset = 0): Record<string, number> {
  const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as { emulators: EmulatorConfig };
  const shift = portOffset === 0 ? 0 : portShift(portOffset);
  const ports: Record<string, number> = {};
  for (const [name, emulator] of Object.entries(config.emulators)) {
    if (typeof emulator !== "object") continue;
    if (emulator.port) ports[name] = emulator.port + shift;
    if (emulator.websocketPort) ports[`${name}Websocket`] = emulator.websocketPort + shift;
  }
  return ports;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface ExecResult {
  status: number;
  plan: EmulatorPlan;
  /** Every line the emulators and the command printed, when `onLine` was given. */
  lines: string[];
}

export interface ExecOptions {
  portOffset?: number;
  /** A demo- project other than PROJECT_ID (the emulators load the functions for it). */
  projectId?: string;
  /** Emulators to start instead of Auth, Firestore and Functions. */
  only?: string[];
  /**
   * Aborting stops the CLI with SIGTERM, on which it shuts its emulators down; the result comes
   * once they are down (status 1), so that nothing is left running.
   */
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/**
 * Runs `argv` inside `firebase emulators:exec` on a demo project (PROJECT_ID unless `projectId`;
 * Auth, Firestore and Functions unless `only`), so it can reach nothing in production, on ports
 * moved by `portOffset` (else by EMULATOR_PORT_OFFSET). With `onLine`, output is captured line by
 * line (the benchmarks read the Functions emulator's structured logs from it) instead of passed
 * through.
 */
export function execInEmulators(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const projectId = options.projectId ?? PROJECT_ID;
  if (!projectId.startsWith("demo-")) throw new EmulatorSetupError(`${projectId} is not a demo- project: the emulators could reach production with it.`);
  const plan = planEmulators({ interactive: false, portOffset: options.portOffset });
  const only = options.only ?? plan.only;
  const child = spawn(
    process.execPath,
    [firebaseBin(), "emulators:exec", "--config", plan.configPath, "--project", projectId, "--only", only.join(","), argv.map(shellQuote).join(" ")],
    { cwd: ROOT, stdio: ["ignore", options.onLine ? "pipe" : "inherit", "inherit"], env: { ...process.env, ...plan.env }, signal: options.signal },
  );
  const lines: string[] = [];
  if (options.onLine && child.stdout) {
    const onLine = options.onLine;
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      onLine(line);
    });
  }
  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      if (error.name !== "AbortError") reject(error);
    });
    child.on("close", (code) => resolve({ status: code ?? 1, plan, lines }));
  });
}
