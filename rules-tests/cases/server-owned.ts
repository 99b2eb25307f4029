// Server-written documents (tombstones, conflicts, notifications, membership records) and config/sync.
import { type DocumentData, serverTimestamp } from "firebase/firestore";
import { type CaseTable, type RulesCase, type RulesRequest, hardDelete, patch, read, variations, write } from "../support/cases";
import {
  ADMIN,
  G1,
  MEMBER,
  OWNER,
  STORED_MEMBERSHIP_RECORD,
  STORED_NOTIFICATION,
  STORED_SYNC_CONFIG,
  STRANGER,
  T1,
  clientClock,
  uids,
  without,
} from "../support/world";

const TOMBSTONE = `${G1}/tombstones/eDeleted`;
const CONFLICT = `${G1}/conflicts/c1`;
const KEPT = `${G1}/deletedExpenses/eGone`;
const UNREAD = `users/${OWNER}/notifications/nUnread`;
const READ = `users/${OWNER}/notifications/nRead`;
const NOTIFICATIONS = `users/${OWNER}/notifications`;
const MEMBERSHIP = `users/${OWNER}/sync/membership`;

const serverWrites: RulesCase[] = [
  ...variations(MEMBER, [
    ["member writes a tombstone", write(`${G1}/tombstones/e1`, { collection: "expenses", docId: "e1", deletedAt: serverTimestamp(), deletedBy: MEMBER })],
    ["member rewrites a tombstone", patch(TOMBSTONE, { deletedBy: null })],
    ["member deletes a tombstone", hardDelete(TOMBSTONE)],
    ["member writes a conflict", write(`${G1}/conflicts/c2`, { expenseId: "e1", detectedAt: serverTimestamp(), resolution: "last-writer-wins" })],
    ["member rewrites a conflict", patch(CONFLICT, { resolution: "manual" })],
    ["member deletes a conflict", hardDelete(CONFLICT)],
    ["member writes a kept deletion", write(`${G1}/deletedExpenses/e1`, { expenseId: "e1", deletedAt: serverTimestamp(), deletedBy: MEMBER, data: {} })],
    ["member rewrites a kept deletion", patch(KEPT, { deletedBy: MEMBER })],
    ["member deletes a kept deletion", hardDelete(KEPT)],
    ["member raises lastActivityAt alone", patch(G1, { lastActivityAt: serverTimestamp() })],
    ["member writes a notification for another user", write(`users/${OWNER}/notifications/n9`, { ...STORED_NOTIFICATION, createdAt: serverTimestamp() })],
    ["member marks another user's notification read", patch(UNREAD, { readAt: serverTimestamp() })],
    ["member reads another user's notification", read(UNREAD)],
  ]),
  ...variations(OWNER, [
    ["owner writes a tombstone", write(`${G1}/tombstones/e1`, { collection: "expenses", docId: "e1", deletedAt: serverTimestamp(), deletedBy: OWNER })],
    ["owner deletes a conflict", hardDelete(CONFLICT)],
    ["owner deletes a kept deletion", hardDelete(KEPT)],
    ["user writes its own notification", write(`${NOTIFICATIONS}/n9`, { ...STORED_NOTIFICATION, createdAt: serverTimestamp() })],
    ["readAt set twice", patch(READ, { readAt: serverTimestamp() })],
    ["readAt cleared again", patch(READ, { readAt: null })],
    ["readAt from the client clock", patch(UNREAD, { readAt: clientClock() })],
    ["readAt set to a past time", patch(UNREAD, { readAt: T1 })],
    ["readAt set together with another field", patch(UNREAD, { readAt: serverTimestamp(), type: "other" })],
    ["notification edited without readAt", patch(UNREAD, { expenseId: "e2" })],
    ["readAt set with an extra key", patch(UNREAD, { readAt: serverTimestamp(), seen: true })],
    ["readAt set by a full rewrite dropping a key", write(UNREAD, without({ ...STORED_NOTIFICATION, readAt: serverTimestamp() }, "conflictId"))],
    ["notification deleted by its owner", hardDelete(UNREAD)],
  ]),
  { name: "non-member reads another user's notifications", actor: STRANGER, request: { op: "list", path: NOTIFICATIONS } },
  ...variations(OWNER, [
    ["user writes its membership record", write(MEMBERSHIP, { ...STORED_MEMBERSHIP_RECORD, changedAt: serverTimestamp() })],
    ["user moves its membership record's changedAt", patch(MEMBERSHIP, { changedAt: serverTimestamp() })],
    ["user deletes its membership record", hardDelete(MEMBERSHIP)],
    ["user creates a membership record it never had", write(`users/${OWNER}/sync/other`, { ...STORED_MEMBERSHIP_RECORD })],
    ["user reads another document under sync", read(`users/${OWNER}/sync/other`)],
  ]),
  ...variations(MEMBER, [
    ["member reads another user's membership record", read(MEMBERSHIP)],
    ["member writes another user's membership record", patch(MEMBERSHIP, { changedAt: serverTimestamp() })],
  ]),
  { name: "non-member reads another user's membership record", actor: STRANGER, request: read(MEMBERSHIP) },
  { name: "signed-out user reads a membership record", actor: "signedOut", request: read(MEMBERSHIP) },
  { name: "signed-out user reads a notification", actor: "signedOut", request: read(UNREAD) },
  { name: "signed-out user marks a notification read", actor: "signedOut", request: patch(UNREAD, { readAt: serverTimestamp() }) },
];

function configWrite(change: DocumentData): RulesRequest {
  return write("config/sync", { ...STORED_SYNC_CONFIG, ...change });
}

const badConfigs: RulesCase[] = [
  { name: "non-admin writes a valid config", actor: OWNER, request: configWrite({ rolloutPercent: 100 }) },
  { name: "claim admin: \"true\" (a string) writes a valid config", actor: "impostor", request: configWrite({ rolloutPercent: 100 }) },
  { name: "signed-out user writes a valid config", actor: "signedOut", request: configWrite({}) },
  { name: "signed-out user reads the config", actor: "signedOut", request: read("config/sync") },
  ...variations(ADMIN, [
    ["config with an unknown key", configWrite({ killSwitch: true })],
    ["config without rolloutPercent", write("config/sync", without(STORED_SYNC_CONFIG, "rolloutPercent"))],
    ["config without realtimeSyncEnabled", write("config/sync", without(STORED_SYNC_CONFIG, "realtimeSyncEnabled"))],
    ["config without allowlistUserIds", write("config/sync", without(STORED_SYNC_CONFIG, "allowlistUserIds"))],
    ["config with rolloutPercent 101", configWrite({ rolloutPercent: 101 })],
    ["config with rolloutPercent -1", configWrite({ rolloutPercent: -1 })],
    ["config with a float rolloutPercent", configWrite({ rolloutPercent: 50.5 })],
    ["config with rolloutPercent as a string", configWrite({ rolloutPercent: "50" })],
    ["config with a string realtimeSyncEnabled", configWrite({ realtimeSyncEnabled: "yes" })],
    ["config with legacyWrites as a string", configWrite({ legacyWrites: "false" })],
    ["config with a null legacyWrites", configWrite({ legacyWrites: null })],
    ["config allowlisting 1001 users", configWrite({ allowlistUserIds: uids(1001, "beta") })],
    ["config allowlisting a uid with '/'", configWrite({ allowlistUserIds: [OWNER, "a/b"] })],
    ["config allowlisting a number", configWrite({ allowlistUserIds: [OWNER, 7] })],
    ["config allowlisting an empty uid", configWrite({ allowlistUserIds: [""] })],
    ["config with the allowlist as a string", configWrite({ allowlistUserIds: OWNER })],
    ["admin hard-deletes the config", hardDelete("config/sync")],
    ["admin writes another config document", write("config/other", { ...STORED_SYNC_CONFIG })],
  ]),
];

const allowed: RulesCase[] = [
  { name: "user reads its notification", actor: OWNER, request: read(UNREAD) },
  { name: "user lists its notifications", actor: OWNER, request: { op: "list", path: NOTIFICATIONS } },
  { name: "user reads its membership record", actor: OWNER, request: read(MEMBERSHIP) },
  { name: "user reads its membership record before it exists", actor: MEMBER, request: read(`users/${MEMBER}/sync/membership`) },
  {
    name: "user marks a notification read",
    actor: OWNER,
    seed: [{ path: `${NOTIFICATIONS}/nFresh`, data: STORED_NOTIFICATION }],
    request: patch(`${NOTIFICATIONS}/nFresh`, { readAt: serverTimestamp() }),
  },
  { name: "any signed-in user reads the config", actor: STRANGER, request: read("config/sync") },
  { name: "admin reads the config", actor: ADMIN, request: read("config/sync") },
  { name: "admin writes a valid config", actor: ADMIN, request: configWrite({ realtimeSyncEnabled: false, rolloutPercent: 0 }) },
  { name: "admin writes a full rollout with an empty allowlist", actor: ADMIN, request: configWrite({ rolloutPercent: 100, allowlistUserIds: [] }) },
  { name: "admin allowlists 1000 users", actor: ADMIN, request: configWrite({ allowlistUserIds: uids(1000, "beta") }) },
  { name: "admin turns v1 writes off", actor: ADMIN, request: configWrite({ legacyWrites: false }) },
  { name: "admin turns v1 writes back on", actor: ADMIN, request: configWrite({ legacyWrites: true }) },
];

export const serverOwnedCases: CaseTable = { area: "server-owned documents and config", allowed, denied: [...serverWrites, ...badConfigs] };
