// The decisions the triggers make, as plain functions: fast, no emulator needed.
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import { compareTimestamps } from "../../../core/timestamps";
import { classifyOutcome, raisesLastActivity } from "../../src/activity";
import { eventAgeSeconds } from "../../src/eventDelivery";
import {
  activityTime,
  conflictIdFor,
  isConcurrentEdit,
  isPurgeDelete,
  syncFields,
  tombstoneFor,
} from "../../src/expenseActivity";
import { groupActivityTime, isAbandoned, lastMemberOf, membershipChangesOf } from "../../src/groupActivity";

const at = (seconds: number, nanos = 0) => new Timestamp(1_764_000_000 + seconds, nanos);
const iso = (ts: Timestamp) => ts.toDate().toISOString();
const versioned = (version: number, baseVersion: number, by = "alice", time = at(1)) =>
  syncFields({ version, baseVersion, updatedBy: by, updatedAt: time, deletedAt: null, deletedBy: null });

describe("activity ordering", () => {
  it("orders timestamps to the nanosecond, where milliseconds would tie", () => {
    expect(compareTimestamps(at(5, 1_000), at(5, 2_000))).to.be.lessThan(0);
    expect(compareTimestamps(at(6), at(5, 999_999_999))).to.be.greaterThan(0);
    expect(compareTimestamps(at(5, 7), at(5, 7))).to.equal(0);
  });

  it("raises lastActivityAt only forward, and from nothing", () => {
    expect(raisesLastActivity(undefined, at(1))).to.equal(true);
    expect(raisesLastActivity(at(1), at(1, 1))).to.equal(true);
    expect(raisesLastActivity(at(2), at(1))).to.equal(false);
    expect(raisesLastActivity(at(2), at(2))).to.equal(false);
  });

  it("names an invocation by the first thing it did", () => {
    expect(classifyOutcome({ conflictRecorded: true, activityRaised: true, alreadyApplied: false })).to.equal("conflict-recorded");
    expect(classifyOutcome({ conflictRecorded: false, activityRaised: true, alreadyApplied: false })).to.equal("activity-raised");
    expect(classifyOutcome({ conflictRecorded: false, activityRaised: false, alreadyApplied: true })).to.equal("duplicate-skipped");
    expect(classifyOutcome({ conflictRecorded: false, activityRaised: false, alreadyApplied: false })).to.equal("stale-skipped");
  });

  it("names a raise from an invalid document invalid-document, and leaves every other outcome of one as it is", () => {
    const invalid = { invalidDocument: true };
    expect(classifyOutcome({ ...invalid, conflictRecorded: false, activityRaised: true, alreadyApplied: false })).to.equal("invalid-document");
    expect(classifyOutcome({ ...invalid, conflictRecorded: true, activityRaised: true, alreadyApplied: false })).to.equal("conflict-recorded");
    expect(classifyOutcome({ ...invalid, conflictRecorded: false, activityRaised: false, alreadyApplied: true })).to.equal("duplicate-skipped");
    expect(classifyOutcome({ ...invalid, conflictRecorded: false, activityRaised: false, alreadyApplied: false })).to.equal("stale-skipped");
  });
});

describe("conflict detection", () => {
  it("is a conflict when the write's baseVersion is not the version it replaced", () => {
    expect(isConcurrentEdit(versioned(2, 1), versioned(2, 1, "bob"))).to.equal(true);
    // A stale write may even lower the version: still a conflict.
    expect(isConcurrentEdit(versioned(5, 4), versioned(3, 2, "bob"))).to.equal(true);
  });

  it("is no conflict for an in-order edit, a create, a delete, or a document without version fields", () => {
    expect(isConcurrentEdit(versioned(1, 0), versioned(2, 1))).to.equal(false);
    expect(isConcurrentEdit(undefined, versioned(1, 0))).to.equal(false);
    expect(isConcurrentEdit(versioned(1, 0), undefined)).to.equal(false);
    expect(isConcurrentEdit(syncFields({ description: "console edit" }), versioned(2, 0))).to.equal(false);
    expect(isConcurrentEdit(versioned(2, 1), syncFields({ version: "3", baseVersion: 1 }))).to.equal(false);
  });

  it("derives the conflict id from the expense and the winning write's commit time, sortably", () => {
    const first = conflictIdFor("e1", { updatedAt: at(9, 5) });
    expect(first).to.equal(conflictIdFor("e1", { updatedAt: at(9, 5) }));
    expect(first).to.not.equal(conflictIdFor("e1", { updatedAt: at(9, 6) }));
    expect(first < conflictIdFor("e1", { updatedAt: at(10) })).to.equal(true);
    expect(first).to.match(/^e1_\d+$/);
  });
});

describe("activity time", () => {
  it("is the write's updatedAt, or the event time when the write has none (a hard delete)", () => {
    expect(activityTime({ time: iso(at(50)) }, versioned(1, 0, "alice", at(7))).isEqual(at(7))).to.equal(true);
    expect(activityTime({ time: iso(at(50)) }, undefined).isEqual(at(50))).to.equal(true);
    expect(activityTime({ time: iso(at(50)) }, syncFields({ updatedAt: "yesterday" })).isEqual(at(50))).to.equal(true);
  });
});

describe("purge recognition", () => {
  const softDeleted = syncFields({ deletedAt: at(10), deletedBy: "bob" });
  const live = syncFields({ deletedAt: null, deletedBy: null });
  const watermarked = (purgedBefore: unknown, deletedAt: unknown = null) => ({ purgedBefore, deletedAt });
  it("treats the hard delete of an expense soft-deleted at or before purgedBefore as the purge", () => {
    expect(isPurgeDelete(softDeleted, undefined, watermarked(at(10)))).to.equal(true);
    expect(isPurgeDelete(softDeleted, undefined, watermarked(at(11)))).to.equal(true);
  });
  it("treats the hard delete of any expense of a group deleted at or before purgedBefore as the purge (the group's own purge)", () => {
    expect(isPurgeDelete(live, undefined, watermarked(at(11), at(11)))).to.equal(true);
    expect(isPurgeDelete(live, undefined, watermarked(at(11), at(5)))).to.equal(true);
    expect(isPurgeDelete(softDeleted, undefined, watermarked(at(9), at(5)))).to.equal(true);
  });
  it("treats anything else as activity", () => {
    expect(isPurgeDelete(softDeleted, undefined, watermarked(at(9)))).to.equal(false);
    expect(isPurgeDelete(softDeleted, undefined, watermarked(undefined))).to.equal(false);
    expect(isPurgeDelete(softDeleted, undefined, undefined)).to.equal(false);
    expect(isPurgeDelete(live, undefined, watermarked(at(11)))).to.equal(false);
    expect(isPurgeDelete(softDeleted, softDeleted, watermarked(at(11)))).to.equal(false);
    // A group deleted after its watermark (not yet due), or a live one: a v1 build's or an admin's delete.
    expect(isPurgeDelete(live, undefined, watermarked(at(11), at(12)))).to.equal(false);
    expect(isPurgeDelete(live, undefined, watermarked(at(11), undefined))).to.equal(false);
    expect(isPurgeDelete(live, live, watermarked(at(11), at(5)))).to.equal(false);
  });
});

describe("tombstone target", () => {
  const live = syncFields({ deletedAt: null, deletedBy: null });
  const deleted = syncFields({ deletedAt: at(20), deletedBy: "bob" });

  it("follows the current document: deleted → its deletedAt and deletedBy, and TTL may remove it; live → none", () => {
    expect(tombstoneFor(deleted, live, deleted)).to.deep.equal({ deletedAt: at(20), deletedBy: "bob", expires: true });
    expect(tombstoneFor(live, live, deleted)).to.equal(null);
  });

  it("for a hard delete: keeps the soft delete's time, or takes its own commit time with no known user; never TTL", () => {
    expect(tombstoneFor(undefined, deleted, undefined)).to.deep.equal({ deletedAt: at(20), deletedBy: "bob", expires: false });
    expect(tombstoneFor(undefined, live, undefined)).to.deep.equal({ deletedAt: "commit-time", deletedBy: null, expires: false });
  });

  it("leaves the tombstone alone when an older event arrives after the hard delete", () => {
    expect(tombstoneFor(undefined, undefined, live)).to.equal(undefined);
  });
});

describe("group activity", () => {
  const group = { displayName: "Flat", memberIds: ["a", "b"], settings: { defaultCurrency: "EUR", simplifyDebts: true }, updatedAt: at(5) };
  const event = (before: object | undefined, after: object | undefined) => ({ id: "e", time: iso(at(99)), groupId: "g", before, after });

  it("counts a new group and a change to displayName, memberIds, settings or the owner, at the write's updatedAt", () => {
    expect(groupActivityTime(event(undefined, group))?.isEqual(at(5))).to.equal(true);
    for (const change of [
      { displayName: "Flat 2" },
      { memberIds: ["a"] },
      { settings: { defaultCurrency: "EUR", simplifyDebts: false } },
      { ownerId: "b", handedOverAt: at(6), handedOverBy: "a" },
    ]) {
      expect(groupActivityTime(event(group, { ...group, ...change, updatedAt: at(6) }))?.isEqual(at(6)), JSON.stringify(change)).to.equal(true);
    }
  });

  it("ignores the server's own fields (no loop), a deletion of the group document, and other fields", () => {
    expect(groupActivityTime(event(group, { ...group, lastActivityAt: at(7) }))).to.equal(undefined);
    expect(groupActivityTime(event(group, { ...group, purgedBefore: at(7) }))).to.equal(undefined);
    expect(groupActivityTime(event(group, undefined))).to.equal(undefined);
    expect(groupActivityTime(event(group, { ...group, deletedAt: at(8), deletedBy: "a", updatedAt: at(8) }))).to.equal(undefined);
  });

  it("takes a live group without members for abandoned, and nothing else", () => {
    expect(isAbandoned({ ...group, memberIds: [], deletedAt: null })).to.equal(true);
    expect(isAbandoned({ ...group, memberIds: [], deletedAt: at(9) })).to.equal(false);
    expect(isAbandoned({ ...group, memberIds: ["a"], deletedAt: null })).to.equal(false);
    // A v1 write not yet normalized has no deletion pair: the normalization's own event decides.
    expect(isAbandoned({ ...group, memberIds: [] })).to.equal(false);
    expect(isAbandoned(undefined)).to.equal(false);
  });

  it("names the member who left last only when updatedBy is a uid", () => {
    expect(lastMemberOf({ updatedBy: "a" })).to.equal("a");
    for (const updatedBy of [undefined, "", "a/b", 7]) expect(lastMemberOf({ updatedBy }), String(updatedBy)).to.equal(null);
  });
});

describe("membership changes a Tier-1 query since a mark cannot show", () => {
  const group = { displayName: "Flat", memberIds: ["a", "b", "c"], deletedAt: null };
  const deleted = { ...group, deletedAt: at(8), deletedBy: "a" };
  const cases: Array<[string, object | undefined, object | undefined, string[]]> = [
    ["a new group", undefined, group, []],
    ["a rename", group, { ...group, displayName: "Flat 2" }, []],
    ["a member added", group, { ...group, memberIds: ["a", "b", "c", "d"] }, []],
    ["a member removed", group, { ...group, memberIds: ["a", "c"] }, ["b"]],
    ["two removed, one added", group, { ...group, memberIds: ["a", "d"] }, ["b", "c"]],
    ["a soft delete", group, deleted, ["a", "b", "c"]],
    ["a restore", deleted, group, ["a", "b", "c"]],
    ["a soft delete that also removes a member", group, { ...deleted, memberIds: ["a", "c"] }, ["b", "a", "c"]],
    ["the group document deleted", group, undefined, ["a", "b", "c"]],
    ["a deleted group's rename", deleted, { ...deleted, displayName: "Old flat" }, []],
    ["memberIds that is not a list", { ...group, memberIds: "a" }, group, []],
  ];
  for (const [what, before, after, expected] of cases) {
    it(`${what}: ${expected.length ? expected.join(", ") : "nobody"}`, () => {
      expect(membershipChangesOf({ before, after })).to.have.members(expected);
      expect(membershipChangesOf({ before, after })).to.have.length(expected.length);
    });
  }
});

describe("event age", () => {
  it("measures seconds since the event's commit", () => {
    expect(eventAgeSeconds({ id: "x", time: "2026-11-25T10:00:00Z" }, new Date("2026-11-25T11:00:30Z"))).to.equal(3630);
  });
});
