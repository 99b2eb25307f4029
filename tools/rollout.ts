// `npm run rollout -- status | set --percent N | allow UID | disallow UID | enable | disable`
// The admin command for config/sync (docs/rollout.md). Parsing and the rules live in
// functions/src/rolloutCommand.ts, the transaction in functions/src/rolloutStore.ts; this file
// only picks the project and the actor and prints.
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { defaultSyncConfig } from "../core/rollout";
import {
  parseRolloutArgs,
  resolveRolloutActor,
  resolveRolloutTarget,
  ROLLOUT_USAGE,
  RolloutInputError,
  RolloutTarget,
} from "./rolloutCommand";
import { changeSyncConfig, readSyncConfigStatus, StoredSyncConfigError, SYNC_CONFIG_PATH } from "./rolloutStore";
import { SyncConfig } from "../core/schemas";
import { PROJECT_ID as EMULATOR_PROJECT_ID } from "../scripts/emulators";

const EXIT_BAD_INPUT = 2;

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** The client_email of a service-account key named by GOOGLE_APPLICATION_CREDENTIALS, if any. */
function serviceAccountEmail(): string | undefined {
  const path = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!path) return undefined;
  try {
    const key = JSON.parse(readFileSync(path, "utf8")) as { type?: unknown; client_email?: unknown };
    return key.type === "service_account" && typeof key.client_email === "string" ? key.client_email : undefined;
  } catch {
    return undefined;
  }
}

function describeTarget(target: RolloutTarget): string {
  return target.emulatorHost
    ? `Project ${target.projectId} on the Firestore emulator at ${target.emulatorHost}`
    : `Project ${target.projectId} (real Firestore, Application Default Credentials)`;
}

function formatConfig(config: SyncConfig): string {
  const covered = config.rolloutPercent === 0 ? "no bucket" : `buckets 0..${config.rolloutPercent - 1}`;
  return [
    `${SYNC_CONFIG_PATH}:`,
    `  realtimeSyncEnabled: ${config.realtimeSyncEnabled}${config.realtimeSyncEnabled ? "" : "  (kill switch: nobody gets realtime sync)"}`,
    `  rolloutPercent:      ${config.rolloutPercent}  (${covered})`,
    `  allowlistUserIds:    ${config.allowlistUserIds.length}`,
    ...config.allowlistUserIds.map((uid) => `    ${uid}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let invocation;
  let target: RolloutTarget;
  try {
    invocation = parseRolloutArgs(argv);
    if (invocation.command.kind === "help") {
      process.stdout.write(ROLLOUT_USAGE);
      return 0;
    }
    target = resolveRolloutTarget(invocation.project, process.env.FIRESTORE_EMULATOR_HOST, EMULATOR_PROJECT_ID);
  } catch (error) {
    if (!(error instanceof RolloutInputError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${ROLLOUT_USAGE}`);
    return EXIT_BAD_INPUT;
  }
  const command = invocation.command;
  print(describeTarget(target));
  const app = initializeApp({ projectId: target.projectId }, "rollout-cli");
  try {
    const db = getFirestore(app);
    if (command.kind === "status") {
      const status = await readSyncConfigStatus(db);
      if (status.config === null) print(`${SYNC_CONFIG_PATH} does not exist: clients use the default (realtime sync off for everyone).`);
      print(formatConfig(status.config ?? defaultSyncConfig()));
      print(status.recentChanges.length === 0 ? "No recorded changes." : "Recent changes (newest first):");
      for (const entry of status.recentChanges) {
        print(`  ${entry.at?.toDate().toISOString() ?? "(time pending)"}  ${entry.actor}  ${entry.command}`);
      }
      return 0;
    }
    const actor = resolveRolloutActor(invocation.actor, { serviceAccountEmail: serviceAccountEmail(), osUser: userInfo().username, hostname: hostname() });
    const result = await changeSyncConfig(db, command, actor);
    print(result.summary);
    print(
      result.historyId
        ? `Audit entry ${SYNC_CONFIG_PATH}/history/${result.historyId} by ${actor.actor} (${actor.source})`
        : "Nothing written, no audit entry.",
    );
    print(formatConfig(result.after));
    return 0;
  } catch (error) {
    if (error instanceof RolloutInputError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (error instanceof StoredSyncConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await deleteApp(app);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
