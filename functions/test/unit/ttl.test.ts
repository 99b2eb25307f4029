// The expiry the server writes for the TTL policies, as plain functions: when a record falls due,
// and that TTL and the purge agree on it.
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import { compareTimestamps } from "../../../core/timestamps";
import { notificationExpiry } from "../../src/notificationRead";
import { computeCutoffs, expiryAfter, hasExpiry, isExpired } from "../../src/purge";

const DAY_SECONDS = 86_400;
const NOW = new Date("2026-03-01T04:00:00.000Z");
const RETENTION = { expenses: 30, records: 90, readNotifications: 30 };
const at = (seconds: number, nanos = 0) => new Timestamp(1_764_000_000 + seconds, nanos);

describe("TTL: expiry", () => {
  it("is the retention in whole days after its start, to the nanosecond", () => {
    const expireAt = expiryAfter(at(5, 123_456_789), 90);
    expect(expireAt.seconds).to.equal(at(5).seconds + 90 * DAY_SECONDS);
    expect(expireAt.nanoseconds).to.equal(123_456_789);
  });

  it("falls before the run's clock exactly when the purge would delete the record at that run", () => {
    const cutoffs = computeCutoffs(NOW, RETENTION);
    const now = Timestamp.fromDate(NOW);
    for (const [kind, days] of [["records", RETENTION.records], ["notifications", RETENTION.readNotifications]] as const) {
      const cutoff = cutoffs[kind];
      const around = [Timestamp.fromMillis(cutoff.toMillis() - 1), cutoff, new Timestamp(cutoff.seconds, cutoff.nanoseconds + 1)];
      for (const from of around) {
        const dueForTtl = compareTimestamps(expiryAfter(from, days), now) < 0;
        expect(dueForTtl, `${kind} from ${from.toDate().toISOString()}`).to.equal(isExpired(from, cutoff));
      }
    }
  });
});

describe("TTL: a stored expiry", () => {
  const expireAt = at(100);

  it("matches the same instant, or its absence when none is wanted", () => {
    expect(hasExpiry({ expireAt: at(100) }, expireAt)).to.equal(true);
    expect(hasExpiry({ readAt: null }, undefined)).to.equal(true);
    expect(hasExpiry(undefined, undefined)).to.equal(true);
  });

  it("does not match another instant, a missing one, one that should not be there, or a non-Timestamp", () => {
    expect(hasExpiry({ expireAt: at(100, 1) }, expireAt)).to.equal(false);
    expect(hasExpiry({}, expireAt)).to.equal(false);
    expect(hasExpiry({ expireAt }, undefined)).to.equal(false);
    expect(hasExpiry({ expireAt: expireAt.toDate().toISOString() }, expireAt)).to.equal(false);
  });
});

describe("TTL: a notification's expiry", () => {
  const retention = { readNotificationRetentionDays: 30 };
  const notification = { type: "conflict", groupId: "g1", expenseId: "e1", conflictId: "c1", createdAt: at(0) };

  it("is readAt plus the read-notification retention once it is read", () => {
    expect(notificationExpiry({ ...notification, readAt: at(10, 5) }, retention)?.isEqual(expiryAfter(at(10, 5), 30))).to.equal(true);
  });

  it("is none while it is unread, whatever else it holds, and none for a notification that is gone", () => {
    expect(notificationExpiry({ ...notification, readAt: null }, retention)).to.equal(undefined);
    expect(notificationExpiry({ ...notification, readAt: null, expireAt: at(99) }, retention)).to.equal(undefined);
    expect(notificationExpiry({ ...notification, readAt: "yesterday" }, retention)).to.equal(undefined);
    expect(notificationExpiry(undefined, retention)).to.equal(undefined);
  });
});
