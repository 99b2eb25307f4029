// `npm start`: the emulator suite with the project's rules and built functions, seeded, ready
// for a client. Works offline (system Firestore jar, no Emulator UI) and online alike.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { startDemoServer } from "../demo/server";
import { loadSeed } from "../seed/load";
import { PROJECT_ID } from "../tools/emulator";
import { EmulatorSetupError, ROOT, firebaseBin, planEmulators, portShift } from "./emulators";

// The last line of the CLI's ready banner: seed and print the summary after it, not inside it.
const READY_LINE = /Issues\? Report them at/;

/** The demo app's port, moved like the emulators' by EMULATOR_PORT_OFFSET. */
const DEMO_PORT = 5173;

function connectionGuide(ports: Record<string, number>, uiEnabled: boolean, seeded: string, demoUrl: string): string {
  const host = "127.0.0.1";
  return [
    "",
    "Expense sync backend is running (project " + PROJECT_ID + ", nothing here reaches production).",
    `  Firestore  ${host}:${ports.firestore}   rules: firestore.rules`,
    `  Auth       ${host}:${ports.auth}`,
    `  Functions  ${host}:${ports.functions}   triggers from functions/lib`,
    `  Hub        ${host}:${ports.hub}`,
    uiEnabled ? `  UI         http://${host}:${ports.ui}` : "  UI         not available offline",
    "",
    `Seed: ${seeded}`,
    "",
    `Demo app: ${demoUrl}   sign in as alice@example.com / password123 (any seeded user)`,
    "",
    "Connect a client (Firebase JS SDK, modular):",
    `  const app = initializeApp({ projectId: "${PROJECT_ID}", apiKey: "demo-key" });`,
    `  connectAuthEmulator(getAuth(app), "http://${host}:${ports.auth}");`,
    `  connectFirestoreEmulator(getFirestore(app), "${host}", ${ports.firestore});`,
    "  Flutter: FirebaseFirestore.instance.useFirestoreEmulator(host, port) and",
    "           FirebaseAuth.instance.useAuthEmulator(host, port); use your machine's LAN address from a device.",
    "Sign in with a seeded user (see seed/README.md). Ctrl-C stops everything.",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  let plan;
  try {
    plan = planEmulators({ interactive: true });
  } catch (error) {
    if (error instanceof EmulatorSetupError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  for (const note of plan.notes) process.stdout.write(`${note}\n`);
  const { ports } = plan;
  const child = spawn(
    process.execPath,
    [firebaseBin(), "emulators:start", "--config", plan.configPath, "--project", PROJECT_ID, "--only", plan.only.join(",")],
    { cwd: ROOT, stdio: ["inherit", "pipe", "inherit"], env: { ...process.env, ...plan.env } },
  );
  let failed = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(failed ? 1 : (code ?? 0)));

  const lines = createInterface({ input: child.stdout });
  let seeded = false;
  for await (const line of lines) {
    process.stdout.write(`${line}\n`);
    if (seeded || !READY_LINE.test(line)) continue;
    seeded = true;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${ports.firestore}`;
    process.env.FIREBASE_AUTH_EMULATOR_HOST = `127.0.0.1:${ports.auth}`;
    process.env.FIREBASE_EMULATOR_HUB = `127.0.0.1:${ports.hub}`;
    try {
      const summary = await loadSeed({ projectId: PROJECT_ID });
      const demo = await startDemoServer(
        { projectId: PROJECT_ID, hosts: { firestore: { host: "127.0.0.1", port: ports.firestore }, auth: { host: "127.0.0.1", port: ports.auth } } },
        DEMO_PORT + portShift(plan.portOffset),
      );
      process.stdout.write(connectionGuide(ports, plan.uiEnabled, summary, demo.url));
    } catch (error) {
      // A backend left with its triggers off would look ready and silently do nothing: stop it.
      failed = true;
      process.stderr.write(`npm start failed, stopping the emulators: ${(error as Error).message}\n`);
      child.kill("SIGINT");
    }
  }
}

void main();
