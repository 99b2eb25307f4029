// The one source of truth for document shapes (see docs/data-model.md), shared by the functions,
// the tools and the reference client. firestore.rules mirrors these limits;
// rules-tests/schema-agreement.test.ts proves the two agree.
import { z } from "zod";
import { isTimestamp, TimestampLike, WithTimestamps } from "./timestamps";

export const LIMITS = {
  uidMax: 128,
  displayNameMax: 100,
  membersMax: 100,
  descriptionMax: 200,
  categoryMax: 40,
  amountMinorMax: 1_000_000_000_000,
  splitsMax: 100,
  allowlistMax: 1000,
} as const;

/** A Firebase Auth uid: 1..128 characters, no `/` (it is used as a document id). */
export const uidSchema = z
  .string()
  .min(1)
  .max(LIMITS.uidMax)
  .regex(/^[^/]+$/, "must not contain '/'");

/** An ISO 4217 currency code. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, "must be three upper-case letters (ISO 4217)");

/** A Firestore timestamp, as either SDK reads it. */
export const timestampSchema = z.custom<TimestampLike>(isTimestamp, { message: "must be a Firestore Timestamp" });

const minorUnits = z.number().int("money is integer minor units, never a float");

/** Soft-delete pair: both set (deleted) or both null (live). */
function softDeletePairIsConsistent(doc: { deletedAt: unknown; deletedBy: unknown }): boolean {
  return (doc.deletedAt === null) === (doc.deletedBy === null);
}
const softDeleteIssue = { message: "deletedAt and deletedBy are set together or both null", path: ["deletedBy"] };

export const groupSettingsSchema = z.strictObject({
  defaultCurrency: currencySchema,
  simplifyDebts: z.boolean(),
});

/** A group's member list names its owner and no uid twice. */
const ownerIsMember = (g: { ownerId: string; memberIds: string[] }) => g.memberIds.includes(g.ownerId);
const ownerIsMemberIssue = { message: "memberIds must contain ownerId", path: ["memberIds"] };
/** At rest a group may also have no members at all: its last member (the owner) left. */
const ownerIsMemberOrNobodyIs = (g: { ownerId: string; memberIds: string[] }) => g.memberIds.length === 0 || ownerIsMember(g);
/** The audit pair of the latest ownership hand-over: both set, or both absent (never handed over). */
const handOverPairIsConsistent = (g: { handedOverAt?: unknown; handedOverBy?: unknown }) =>
  (g.handedOverAt === undefined) === (g.handedOverBy === undefined);
const handOverIssue = { message: "handedOverAt and handedOverBy are set together or both absent", path: ["handedOverBy"] };
const membersAreDistinct = (g: { memberIds: string[] }) => new Set(g.memberIds).size === g.memberIds.length;
const membersAreDistinctIssue = { message: "memberIds must not repeat a uid", path: ["memberIds"] };

/** A group's members at rest: empty once the last member has left (the server then soft-deletes it). */
const memberIdsAtRest = z.array(uidSchema).max(LIMITS.membersMax);

const displayNameSchema = z.string().min(1).max(LIMITS.displayNameMax);

/** The group fields every app build writes, v1 included; no write but the last member's leave empties memberIds. */
const groupWrittenFields = {
  displayName: displayNameSchema,
  ownerId: uidSchema,
  memberIds: memberIdsAtRest.min(1),
  settings: groupSettingsSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  updatedBy: uidSchema,
};

export const groupSchema = z
  .strictObject({
    ...groupWrittenFields,
    memberIds: memberIdsAtRest,
    deletedAt: timestampSchema.nullable(),
    deletedBy: uidSchema.nullable(),
    // The latest hand-over: when (request.time) and by whom (the owner before it).
    handedOverAt: timestampSchema.optional(),
    handedOverBy: uidSchema.optional(),
    // Server-owned: absent until the first trigger / purge sets them.
    lastActivityAt: timestampSchema.optional(),
    purgedBefore: timestampSchema.optional(),
    // Server-owned: each member's profile displayName (null without a profile), for co-members to
    // read; absent until the group trigger first sets it (docs/data-model.md, "Names").
    memberNames: z.record(uidSchema, displayNameSchema.nullable()).optional(),
  })
  .refine(ownerIsMemberOrNobodyIs, ownerIsMemberIssue)
  .refine(membersAreDistinct, membersAreDistinctIssue)
  .refine(softDeletePairIsConsistent, softDeleteIssue)
  .refine(handOverPairIsConsistent, handOverIssue);

/** What a user types into an expense: the same fields and limits for every app build. */
const expenseBusinessFields = {
  description: z.string().min(1).max(LIMITS.descriptionMax),
  amountMinor: minorUnits.min(1).max(LIMITS.amountMinorMax),
  currency: currencySchema,
  paidBy: uidSchema,
  splits: z
    .record(uidSchema, minorUnits.min(0).max(LIMITS.amountMinorMax))
    .refine((s) => Object.keys(s).length <= LIMITS.splitsMax, `at most ${LIMITS.splitsMax} splits`),
  spentAt: timestampSchema,
  category: z.string().max(LIMITS.categoryMax).optional(),
};

/** Who wrote an expense and when, as every app build writes them. */
const expenseAuthorshipFields = {
  createdAt: timestampSchema,
  createdBy: uidSchema,
  updatedAt: timestampSchema,
  updatedBy: uidSchema,
};

export const expenseSchema = z
  .strictObject({
    ...expenseBusinessFields,
    ...expenseAuthorshipFields,
    version: z.number().int().min(1),
    baseVersion: z.number().int().min(0),
    deletedAt: timestampSchema.nullable(),
    deletedBy: uidSchema.nullable(),
  })
  .refine((e) => e.version === e.baseVersion + 1, { message: "version must equal baseVersion + 1", path: ["version"] })
  .refine(softDeletePairIsConsistent, softDeleteIssue);

// What an app build from before 2.1 ("v1") sends: a full set of the document with the device
// clock in its timestamps, and none of the fields v2 added (a set over a document that has them
// removes them). The server normalizes each into the v2 shape above (docs/rules.md, "Legacy (v1)
// writes"), so these describe writes, never a document at rest.

/** A v1 expense create or edit: no version, baseVersion, deletedAt or deletedBy. */
export const legacyExpenseWriteSchema = z.strictObject({
  ...expenseBusinessFields,
  ...expenseAuthorshipFields,
});

/** A v1 group create or edit: no deletion pair and none of the server-owned fields. */
export const legacyGroupWriteSchema = z
  .strictObject(groupWrittenFields)
  .refine(ownerIsMember, ownerIsMemberIssue)
  .refine(membersAreDistinct, membersAreDistinctIssue);

/**
 * Server-written on tombstones, conflicts and read notifications: when a TTL policy may delete the
 * document (docs/purge.md, "TTL policies"). Optional: unread notifications, the tombstones of hard
 * deletes and documents written before TTL have none.
 */
const recordExpirySchema = timestampSchema.optional();

export const tombstoneSchema = z.strictObject({
  collection: z.literal("expenses"),
  docId: z.string().min(1),
  deletedAt: timestampSchema,
  // null when no user is known (an Admin SDK or console delete).
  deletedBy: uidSchema.nullable(),
  expireAt: recordExpirySchema,
});

/**
 * `groups/{groupId}/deletedExpenses/{expenseId}`: a hard-deleted expense (a v1 build's delete, or
 * a console or admin delete), kept so a v2 client can restore it until the purge removes it.
 */
export const keptDeletionSchema = z.strictObject({
  expenseId: z.string().min(1),
  deletedAt: timestampSchema,
  // null when no user is known (the platform names no end user for the delete).
  deletedBy: uidSchema.nullable(),
  /** The expense as it was, whatever build wrote it. */
  data: z.record(z.string(), z.unknown()),
});

const conflictSideFields = {
  version: z.number().int().min(0),
  updatedBy: uidSchema,
  updatedAt: timestampSchema,
  data: z.record(z.string(), z.unknown()),
};

export const conflictSchema = z.strictObject({
  expenseId: z.string().min(1),
  detectedAt: timestampSchema,
  resolution: z.literal("last-writer-wins"),
  winner: z.strictObject({ ...conflictSideFields, baseVersion: z.number().int().min(0) }),
  overwritten: z.strictObject(conflictSideFields),
  expireAt: recordExpirySchema,
});

export const notificationSchema = z.strictObject({
  type: z.literal("conflict"),
  groupId: z.string().min(1),
  expenseId: z.string().min(1),
  conflictId: z.string().min(1),
  createdAt: timestampSchema,
  readAt: timestampSchema.nullable(),
  // Set by the server once readAt is; an unread notification never expires.
  expireAt: recordExpirySchema,
});

export const syncConfigSchema = z.strictObject({
  realtimeSyncEnabled: z.boolean(),
  rolloutPercent: z.number().int().min(0).max(100),
  allowlistUserIds: z.array(uidSchema).max(LIMITS.allowlistMax),
  // Whether v1 writes are accepted. Absent means on: old builds work from the first deploy,
  // before anyone writes the flag; operations set it to false at the end of the window.
  legacyWrites: z.boolean().optional(),
});

/**
 * `users/{uid}/sync/membership`: server-written when the user left or lost a group, or one of
 * their groups was deleted or restored, none of which a Tier-1 query since the device's mark can
 * show. A device that finds `changedAt` other than it last saw reads Tier 1 in full.
 */
export const membershipRecordSchema = z.strictObject({
  changedAt: timestampSchema,
  /** The group of the latest change, and the trigger event that recorded it. */
  groupId: z.string().min(1),
  eventId: z.string().min(1),
});

/** `users/{uid}`: a user's own profile (not in the contract; see docs/data-model.md). */
export const userSchema = z.strictObject({
  displayName: displayNameSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});

// Each document type takes the SDK's Timestamp class: `Expense<Timestamp>` with the web SDK's is
// what a client reads; the default is what both SDKs have in common.
export type Group<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof groupSchema>, T>;
export type GroupSettings = z.infer<typeof groupSettingsSchema>;
export type Expense<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof expenseSchema>, T>;
export type Tombstone<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof tombstoneSchema>, T>;
export type KeptDeletion<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof keptDeletionSchema>, T>;
export type Conflict<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof conflictSchema>, T>;
export type Notification<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof notificationSchema>, T>;
export type SyncConfig = z.infer<typeof syncConfigSchema>;
export type LegacyExpenseWrite<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof legacyExpenseWriteSchema>, T>;
export type LegacyGroupWrite<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof legacyGroupWriteSchema>, T>;
export type UserProfile<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof userSchema>, T>;
export type MembershipRecord<T extends TimestampLike = TimestampLike> = WithTimestamps<z.infer<typeof membershipRecordSchema>, T>;

/** Every document kind, keyed by a collection pattern, for loaders and validators. */
export const documentSchemas = {
  "groups/{groupId}": groupSchema,
  "groups/{groupId}/expenses/{expenseId}": expenseSchema,
  "groups/{groupId}/tombstones/{expenseId}": tombstoneSchema,
  "groups/{groupId}/deletedExpenses/{expenseId}": keptDeletionSchema,
  "groups/{groupId}/conflicts/{conflictId}": conflictSchema,
  "users/{uid}": userSchema,
  "users/{uid}/notifications/{notificationId}": notificationSchema,
  "users/{uid}/sync/membership": membershipRecordSchema,
  "config/sync": syncConfigSchema,
} as const;

export type DocumentKind = keyof typeof documentSchemas;

/** Which schema governs a document path, or undefined when the contract has none. */
export function kindOfPath(path: string): DocumentKind | undefined {
  const segments = path.split("/");
  return (Object.keys(documentSchemas) as DocumentKind[]).find((pattern) => {
    const parts = pattern.split("/");
    return parts.length === segments.length && parts.every((part, i) => part.startsWith("{") || part === segments[i]);
  });
}

/** Members may only be paid by / split to members: the part of an expense a lone schema cannot see. */
export function expenseMembershipIssues(expense: Pick<Expense, "paidBy" | "splits">, memberIds: string[]): string[] {
  const members = new Set(memberIds);
  const issues: string[] = [];
  if (!members.has(expense.paidBy)) issues.push(`paidBy ${expense.paidBy} is not a member`);
  for (const uid of Object.keys(expense.splits)) {
    if (!members.has(uid)) issues.push(`splits key ${uid} is not a member`);
  }
  return issues;
}
