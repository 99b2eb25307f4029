// What the server does when a group document is written: a new group, or a client change to
// what members see (name, members, settings, owner), is activity. A group its last member left is
// soft-deleted. memberNames is kept to the members (people.ts). The server's own writes to the
// group (lastActivityAt, purgedBefore, the deletion pair, memberNames, a v1 write's normalization)
// change none of the activity fields and leave the names matching, so they never feed back. A
// change Tier 1 cannot show to a device that reads only groups changed since its mark (a member
// removed, the group deleted or restored) is recorded for each user it concerns, in the same commit.
import { DocumentData, FieldValue, Firestore, Timestamp } from "firebase-admin/firestore";
import { isDeepStrictEqual } from "node:util";
import { uidSchema } from "../../core/schemas";
import { classifyOutcome, raisesLastActivity } from "./activity";
import { isLegacyGroup, normalizedGroupFields, normalizesOnThisEvent } from "./legacy";
import { logGroupAbandoned } from "./logs";
import { HandledOutcome } from "./outcomes";
import { readMembershipRecords, recordMembershipChanges } from "./membershipRecord";
import { memberIdsOf, namesMatchMembers, readMemberNames } from "./people";

export interface GroupWriteEvent {
  id: string;
  time: string;
  groupId: string;
  before?: DocumentData;
  after?: DocumentData;
}

export interface GroupWriteResult {
  outcome: HandledOutcome | "not-activity";
  /** Users whose membership record this run wrote (a redelivery finds them written). */
  membershipRecorded?: number;
  activityAt?: Timestamp;
  /** Transaction attempts: above 1 means contention on the group. */
  attempts: number;
  /** The write came from an app build before 2.1; `normalized` says whether this run rewrote it. */
  legacy?: { normalized: boolean };
  /** This run soft-deleted the group because its last member left. */
  abandoned?: boolean;
}

const ACTIVITY_FIELDS = ["displayName", "memberIds", "settings", "ownerId"] as const;

/**
 * A live group without members: its last member (the owner) left. Nobody can read or write it
 * any more, so the server soft-deletes it (an admin can still give it back: docs/operations.md).
 */
export function isAbandoned(group: DocumentData | undefined): boolean {
  return Array.isArray(group?.memberIds) && group.memberIds.length === 0 && group.deletedAt === null;
}

/** Who left last: the leave's writer (the rules make it the caller), or null when that is no uid. */
export function lastMemberOf(group: DocumentData): string | null {
  return uidSchema.safeParse(group.updatedBy).success ? (group.updatedBy as string) : null;
}

/** The commit time to raise lastActivityAt to, or undefined when the write is not activity. */
export function groupActivityTime(event: GroupWriteEvent): Timestamp | undefined {
  const { before, after } = event;
  if (after === undefined) return undefined;
  const changed = before === undefined || ACTIVITY_FIELDS.some((field) => !isDeepStrictEqual(before[field], after[field]));
  if (!changed) return undefined;
  return after.updatedAt instanceof Timestamp ? after.updatedAt : Timestamp.fromDate(new Date(event.time));
}

const isDeleted = (doc: DocumentData | undefined): boolean => doc?.deletedAt instanceof Timestamp;

/**
 * The users a group write concerns in a way a Tier-1 query since a mark cannot show: those no
 * longer in memberIds (all of them when the group is gone), and every member when the group was
 * soft-deleted or restored (not activity, so lastActivityAt does not move for it).
 */
export function membershipChangesOf(event: Pick<GroupWriteEvent, "before" | "after">): string[] {
  const { before, after } = event;
  if (before === undefined) return [];
  const remaining = new Set(memberIdsOf(after));
  const left = memberIdsOf(before).filter((uid) => !remaining.has(uid));
  const toggled = after !== undefined && isDeleted(before) !== isDeleted(after) ? memberIdsOf(after) : [];
  return [...new Set([...left, ...toggled])];
}

/** Applies one group write event. Safe to call any number of times, in any order. */
export async function handleGroupWrite(db: Firestore, event: GroupWriteEvent): Promise<GroupWriteResult> {
  const concerned = membershipChangesOf(event);
  if (isLegacyGroup(event.after)) return normalizeLegacyGroup(db, event, concerned);
  const at = groupActivityTime(event);
  if (at === undefined && concerned.length === 0 && !isAbandoned(event.after) && namesMatchMembers(event.after)) {
    return { outcome: "not-activity", attempts: 0 };
  }
  const groupRef = db.doc(`groups/${event.groupId}`);
  let attempts = 0;
  const result = await db.runTransaction(async (tx): Promise<GroupWriteResult> => {
    attempts += 1;
    const group = await tx.get(groupRef);
    const membershipRecords = await readMembershipRecords(tx, db, concerned);
    const current = group.data();
    // One update for all, so a leave's activity, names and deletion land in one commit. A group a
    // v1 write left unnormalized gets its names from the normalization's own event.
    const update: DocumentData = {};
    if (current !== undefined && !isLegacyGroup(current) && !namesMatchMembers(current)) update.memberNames = await readMemberNames(db, tx, memberIdsOf(current));
    const membershipRecorded = recordMembershipChanges(tx, membershipRecords, event);
    if (current === undefined) return { outcome: at === undefined ? "not-activity" : "stale-skipped", activityAt: at, attempts, membershipRecorded };
    if (at !== undefined && raisesLastActivity(current.lastActivityAt, at)) update.lastActivityAt = at;
    const abandoned = isAbandoned(current);
    if (abandoned) Object.assign(update, { deletedAt: FieldValue.serverTimestamp(), deletedBy: lastMemberOf(current) });
    if (Object.keys(update).length > 0) tx.update(groupRef, update);
    const activityRaised = "lastActivityAt" in update;
    const alreadyApplied = at !== undefined && current.lastActivityAt?.isEqual(at) === true;
    // Names, membership records and a deletion alone are not activity.
    const outcome = at === undefined ? "not-activity" : classifyOutcome({ conflictRecorded: false, activityRaised, alreadyApplied });
    return { outcome, activityAt: at, attempts, abandoned, membershipRecorded };
  });
  if (result.abandoned) logGroupAbandoned({ eventId: event.id, path: groupRef.path, attempts: result.attempts });
  return result;
}

/**
 * A group written by an app build from before 2.1: its full set removed the server-owned fields
 * and the deletion pair, and stamped the device clock. One transaction puts them back (legacy.ts)
 * and raises lastActivityAt to this commit's time, which no delta cursor can have passed.
 */
async function normalizeLegacyGroup(db: Firestore, event: GroupWriteEvent, concerned: string[]): Promise<GroupWriteResult> {
  const groupRef = db.doc(`groups/${event.groupId}`);
  // The client's own commit: what the lag is measured from (its updatedAt is the device clock).
  const at = Timestamp.fromDate(new Date(event.time));
  let attempts = 0;
  return db.runTransaction(async (tx): Promise<GroupWriteResult> => {
    attempts += 1;
    const group = await tx.get(groupRef);
    const membershipRecorded = recordMembershipChanges(tx, await readMembershipRecords(tx, db, concerned), event);
    const current = group.data();
    if (current === undefined || !normalizesOnThisEvent(event.before, current, isLegacyGroup)) {
      return { outcome: "stale-skipped", activityAt: at, attempts, legacy: { normalized: false }, membershipRecorded };
    }
    tx.update(groupRef, normalizedGroupFields(event.before, current, FieldValue.serverTimestamp()));
    return { outcome: "activity-raised", activityAt: at, attempts, legacy: { normalized: true }, membershipRecorded };
  });
}
