// Who gets the new realtime sync. Every client platform must reach the same answer for the same
// user, so the decision is a pure function of `config/sync` and the uid, specified byte for byte
// in docs/rollout.md and pinned by the test vectors in docs/rollout-buckets.json.
// Pure-JS SHA-256: synchronous on every platform (Web Crypto's digest is async, node:crypto is Node only).
import { sha256 } from "@noble/hashes/sha2";
import { SyncConfig } from "./schemas";

/** Hashed before the uid, so rollout buckets are independent of any other uid hash we use. */
export const ROLLOUT_HASH_PREFIX = "expense-sync-rollout-v1:";

export const ROLLOUT_BUCKET_COUNT = 100;

/**
 * What `config/sync` means while the document does not exist (and what the rollout command
 * creates it from): sync off for everyone. A fresh object each call, so no caller can alter it.
 */
export function defaultSyncConfig(): SyncConfig {
  return { realtimeSyncEnabled: false, rolloutPercent: 0, allowlistUserIds: [] };
}

/** SHA-256 of the UTF-8 bytes of prefix + uid; its first 4 bytes as a big-endian unsigned int. */
export function rolloutHash32(uid: string): number {
  const digest = sha256(new TextEncoder().encode(ROLLOUT_HASH_PREFIX + uid));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

/** The uid's stable bucket, 0..99. */
export function rolloutBucket(uid: string): number {
  return rolloutHash32(uid) % ROLLOUT_BUCKET_COUNT;
}

/**
 * Whether `uid` gets realtime sync: nobody while the kill switch is off; otherwise an allowlisted
 * uid always, and anyone else whose bucket is below rolloutPercent. Raising the percentage only
 * ever adds users, since a bucket never moves.
 */
export function isInRollout(config: SyncConfig, uid: string): boolean {
  if (!config.realtimeSyncEnabled) return false;
  if (config.allowlistUserIds.includes(uid)) return true;
  return rolloutBucket(uid) < config.rolloutPercent;
}
