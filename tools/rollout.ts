// `npm run rollout -- status | set --percent N | allow UID | disallow UID | enable | disable`
// The admin command for config/sync (docs/rollout.md). Parsing and the rules live in
// rolloutCommand.ts, the transaction in rolloutStore.ts; this file only picks the project and
// the actor and prints.
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { defaultSyncConfig } from "../core/rollout";
import { SyncConfig } from "../core/schemas";
import { PROJECT_ID as EMULATOR_PROJECT_ID } from "../scripts/emulators";
import { ProjectTarget, resolveProjectTarget, runCommand } from "./cli";
import { parseRolloutArgs, resolveRolloutActor, ROLLOUT_USAGE } from "./rolloutCommand";
import { changeSyncConfig, readSyncConfigStatus, SYNC_CONFIG_PATH } from "./rolloutStore";

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

function describeTarget(target: ProjectTarget): string {
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
    `  legacyWrites:        ${config.legacyWrites ?? true}${config.legacyWrites === undefined ? "  (not set: on)" : ""}${config.legacyWrites === false ? "  (v1 app builds can no longer write)" : ""}`,
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const invocation = parseRolloutArgs(argv);
  const command = invocation.command;
  if (command.kind === "help") {
    process.stdout.write(ROLLOUT_USAGE);
    return 0;
  }
  const target = resolveProjectTarget(invocation.project, process.env.FIRESTORE_EMULATOR_HOST, EMULATOR_PROJECT_ID);
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
  } finally {
    await deleteApp(app);
  }
}

runCommand(() => main(process.argv.slice(2)));
