// Members' display names for their co-members. users/{uid} is private to its owner, so the server
// copies each member's displayName into the group document (memberNames), which every member
// already reads through Tier 1: showing "paid by Alice" costs no extra listener and no read
// (docs/data-model.md, "Names"). The group trigger keeps the map's keys equal to memberIds (a
// member who leaves drops out of it); the profile trigger carries a rename into every group.
import { DocumentData, FieldPath, Firestore, Transaction } from "firebase-admin/firestore";
import { userSchema } from "../../core/schemas";
import { isLegacyGroup } from "./legacy";
import { readMembershipRecords, recordMembershipChanges } from "./membershipRecord";
import { logNamesCopied } from "./logs";
import { HandlerResult } from "./eventDelivery";

export type MemberNames = Record<string, string | null>;

/** A group document's members as uids; none when the field is missing or malformed (a v1 write not yet validated). */
export const memberIdsOf = (group: DocumentData | undefined): string[] =>
  Array.isArray(group?.memberIds) ? group.memberIds.filter((id): id is string => typeof id === "string") : [];

/** Whether memberNames has exactly the members as keys; a document without members needs none. */
export function namesMatchMembers(group: DocumentData | undefined): boolean {
  const members: unknown = group?.memberIds;
  if (!Array.isArray(members)) return true;
  const names: unknown = group?.memberNames;
  if (names === null || typeof names !== "object") return false;
  const keys = Object.keys(names);
  return keys.length === members.length && members.every((uid) => keys.includes(uid));
}

/** The name a profile shows co-members: its displayName, or null without a valid one. */
export function profileName(profile: DocumentData | undefined): string | null {
  const parsed = userSchema.shape.displayName.safeParse(profile?.displayName);
  return parsed.success ? parsed.data : null;
}

/** Reads the members' profiles in `tx`: the memberNames map for exactly these members. */
export async function readMemberNames(db: Firestore, tx: Transaction, memberIds: string[]): Promise<MemberNames> {
  if (memberIds.length === 0) return {};
  const profiles = await tx.getAll(...memberIds.map((uid) => db.doc(`users/${uid}`)));
  return Object.fromEntries(memberIds.map((uid, i) => [uid, profileName(profiles[i].data())]));
}

export interface ProfileWriteEvent {
  id: string;
  uid: string;
  before?: DocumentData;
  after?: DocumentData;
}

export interface ProfileWriteResult extends HandlerResult {
  outcome: "not-activity";
  /** Groups whose copy of the name this run changed. */
  groupsUpdated: number;
  /** Membership records moved: each member of those groups, once per rename. */
  membershipRecorded: number;
}

/**
 * A profile write: when the name co-members see changed, copy it into every group the user is in.
 * Each group's transaction reads the profile as it is then, so runs in any order, and redeliveries,
 * leave the latest name everywhere. A group not yet normalized after a v1 write is left to the
 * group trigger, which copies every name once it is.
 */
export async function handleProfileWrite(db: Firestore, event: ProfileWriteEvent): Promise<ProfileWriteResult> {
  if (profileName(event.before) === profileName(event.after)) return { outcome: "not-activity", groupsUpdated: 0, membershipRecorded: 0 };
  const profileRef = db.doc(`users/${event.uid}`);
  const namePath = new FieldPath("memberNames", event.uid);
  const groups = await db.collection("groups").where("memberIds", "array-contains", event.uid).select().get();
  let groupsUpdated = 0;
  let membershipRecorded = 0;
  let attempts = 0;
  for (const { ref } of groups.docs) {
    const updated = await db.runTransaction(async (tx) => {
      attempts += 1;
      const [group, profile] = await tx.getAll(ref, profileRef);
      const current = group.data();
      const members = memberIdsOf(current);
      const name = profileName(profile.data());
      const copied: unknown = current?.memberNames?.[event.uid];
      if (!members.includes(event.uid) || isLegacyGroup(current) || copied === name) return false;
      // Read only for a copy that changes (a transaction reads before it writes).
      const records = await readMembershipRecords(tx, db, members);
      tx.update(ref, namePath, name);
      // A rename is not activity: a device attaching Tier 1 since its mark would not see it in a
      // quiet group. The members' records send each device's next start to a full Tier-1 read.
      membershipRecorded += recordMembershipChanges(tx, records, { id: event.id, groupId: ref.id });
      return true;
    });
    if (updated) groupsUpdated += 1;
  }
  if (groupsUpdated > 0) logNamesCopied({ eventId: event.id, path: profileRef.path, groups: groupsUpdated, attempts });
  return { outcome: "not-activity", groupsUpdated, membershipRecorded, attempts };
}
