// config/sync through the Admin SDK: every change is one transaction that writes the new config
// and its audit entry together, so the history can never miss a change or record one that failed.
import { FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { defaultSyncConfig } from "../core/rollout";
import { applyRolloutCommand, formatRolloutCommand, RolloutActor, RolloutChangeCommand } from "./rolloutCommand";
import { SyncConfig, syncConfigSchema } from "../core/schemas";

export const SYNC_CONFIG_PATH = "config/sync";
export const SYNC_CONFIG_HISTORY_PATH = `${SYNC_CONFIG_PATH}/history`;

/** `config/sync/history/{id}`: one per change of config/sync. */
export interface RolloutAuditEntry {
  actor: string;
  actorSource: RolloutActor["source"];
  /** Server time of the change. */
  at: Timestamp;
  /** The command as formatRolloutCommand writes it, e.g. "set --percent 25". */
  command: string;
  /** null when the change created config/sync. */
  before: SyncConfig | null;
  after: SyncConfig;
}

export interface RolloutResult {
  before: SyncConfig | null;
  after: SyncConfig;
  /** Whether config/sync was written (a change, or the document created from the default). */
  written: boolean;
  summary: string;
  /** Id of the audit entry, when one was written. */
  historyId?: string;
}

/** A stored config/sync the schema rejects: the command refuses to overwrite it. */
export class StoredSyncConfigError extends Error {
  constructor(issues: string) {
    super(`${SYNC_CONFIG_PATH} does not match the schema (${issues}); fix it by hand before using the rollout command`);
    this.name = "StoredSyncConfigError";
  }
}

function parseStoredConfig(data: unknown): SyncConfig {
  const parsed = syncConfigSchema.safeParse(data);
  if (!parsed.success) {
    throw new StoredSyncConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".") || "document"}: ${issue.message}`).join("; "));
  }
  return parsed.data;
}

/**
 * Applies a changing command to config/sync (created from the default when missing). A command
 * that changes nothing on an existing document writes nothing: no config write, no audit entry.
 */
export async function changeSyncConfig(db: Firestore, command: RolloutChangeCommand, actor: RolloutActor): Promise<RolloutResult> {
  const configRef = db.doc(SYNC_CONFIG_PATH);
  const historyRef = db.collection(SYNC_CONFIG_HISTORY_PATH).doc();
  return db.runTransaction(async (tx) => {
    const snapshot = await tx.get(configRef);
    const before = snapshot.exists ? parseStoredConfig(snapshot.data()) : null;
    const change = applyRolloutCommand(before ?? defaultSyncConfig(), command);
    const created = before === null;
    if (!change.changed && !created) return { before, after: change.after, written: false, summary: change.summary };
    tx.set(configRef, change.after);
    tx.create(historyRef, {
      actor: actor.actor,
      actorSource: actor.source,
      at: FieldValue.serverTimestamp(),
      command: formatRolloutCommand(command),
      before,
      after: change.after,
    });
    const summary = created ? `created ${SYNC_CONFIG_PATH} from the default; ${change.summary}` : change.summary;
    return { before, after: change.after, written: true, summary, historyId: historyRef.id };
  });
}

export interface SyncConfigStatus {
  /** null while config/sync does not exist (clients then use the default: sync off). */
  config: SyncConfig | null;
  /** Latest audit entries, newest first. */
  recentChanges: RolloutAuditEntry[];
}

/** Reads config/sync and its latest audit entries; writes nothing. */
export async function readSyncConfigStatus(db: Firestore, recentLimit = 5): Promise<SyncConfigStatus> {
  const [snapshot, history] = await Promise.all([
    db.doc(SYNC_CONFIG_PATH).get(),
    db.collection(SYNC_CONFIG_HISTORY_PATH).orderBy("at", "desc").limit(recentLimit).get(),
  ]);
  return {
    config: snapshot.exists ? parseStoredConfig(snapshot.data()) : null,
    recentChanges: history.docs.map((doc) => doc.data() as RolloutAuditEntry),
  };
}
