// Duplicate and out-of-order delivery: the handlers called directly against the emulator, with
// the real triggers off so that each event is applied exactly when the test says.
import { expect } from "chai";
import { DocumentData, Firestore, Timestamp } from "firebase-admin/firestore";
import { ExpenseWriteEvent, ExpenseWriteResult, handleExpenseWrite } from "../../src/expenseActivity";
import { handleGroupWrite } from "../../src/groupActivity";
import { adminDb, clearFirestore, setTriggersEnabled } from "../../../tools/emulator";

const ALICE = "alice";
const BOB = "bob";
const t = (second: number) => Timestamp.fromMillis(Date.UTC(2026, 10, 20, 12, 0, second, 250));

function expenseAt(version: number, baseVersion: number, by: string, at: Timestamp, extra: DocumentData = {}): DocumentData {
  return {
    description: `v${version} by ${by}`,
    amountMinor: 2400,
    currency: "EUR",
    paidBy: ALICE,
    splits: { [ALICE]: 1200, [BOB]: 1200 },
    spentAt: t(0),
    createdAt: t(1),
    createdBy: ALICE,
    updatedAt: at,
    updatedBy: by,
    version,
    baseVersion,
    deletedAt: null,
    deletedBy: null,
    ...extra,
  };
}

describe("trigger handlers under duplicate and out-of-order delivery", function () {
  this.timeout(30_000);
  let db: Firestore;
  let groupId: string;
  let n = 0;
  const group = () => db.doc(`groups/${groupId}`);
  const expense = (id: string) => group().collection("expenses").doc(id);

  function event(id: string, before: DocumentData | undefined, after: DocumentData | undefined, time = t(59)): ExpenseWriteEvent {
    return { id, time: time.toDate().toISOString(), groupId, expenseId: "e1", before, after };
  }
  const lastActivity = async () => (await group().get()).get("lastActivityAt") as Timestamp;

  before(async () => {
    db = adminDb();
    await clearFirestore();
    await setTriggersEnabled(false);
  });
  after(() => setTriggersEnabled(true));

  beforeEach(async () => {
    groupId = `idem${++n}`;
    await group().set({
      displayName: "Flat",
      ownerId: ALICE,
      memberIds: [ALICE, BOB],
      settings: { defaultCurrency: "EUR", simplifyDebts: false },
      createdAt: t(0),
      updatedAt: t(0),
      updatedBy: ALICE,
      deletedAt: null,
      deletedBy: null,
      lastActivityAt: t(0),
    });
  });

  it("records one conflict and one notification however often a stale edit is delivered", async () => {
    const aliceV2 = expenseAt(2, 1, ALICE, t(10));
    const bobStale = expenseAt(2, 1, BOB, t(20));
    await expense("e1").set(bobStale);
    const stale = event("ev-stale", aliceV2, bobStale);

    const first = await handleExpenseWrite(db, stale);
    const second = await handleExpenseWrite(db, stale);

    expect(first.outcome).to.equal("conflict-recorded");
    expect(first.conflict?.notified).to.equal(ALICE);
    expect(second.outcome).to.equal("duplicate-skipped");
    expect(second.activityRaised).to.equal(false);
    expect(second.conflict).to.equal(undefined);
    const conflicts = await group().collection("conflicts").get();
    expect(conflicts.size).to.equal(1);
    expect(first.conflict).to.deep.equal({
      conflictId: conflicts.docs[0].id,
      winnerBy: BOB,
      winnerBaseVersion: 1,
      overwrittenBy: ALICE,
      overwrittenVersion: 2,
      notified: ALICE,
    });
    const notifications = await db.collection(`users/${ALICE}/notifications`).where("groupId", "==", groupId).get();
    expect(notifications.size).to.equal(1);
    expect((await lastActivity()).isEqual(t(20))).to.equal(true);
  });

  it("never lowers lastActivityAt when an older edit arrives after a newer one", async () => {
    const v1 = expenseAt(1, 0, ALICE, t(5));
    const v2 = expenseAt(2, 1, BOB, t(10));
    const v3 = expenseAt(3, 2, ALICE, t(15));
    await expense("e1").set(v3);
    const newer = await handleExpenseWrite(db, event("ev-3", v2, v3));
    const older = await handleExpenseWrite(db, event("ev-2", v1, v2));
    expect(newer.outcome).to.equal("activity-raised");
    expect(older.outcome).to.equal("stale-skipped");
    expect((await lastActivity()).isEqual(t(15))).to.equal(true);
  });

  it("ends with the tombstone the expense's current state calls for, whichever order delete and restore arrive", async () => {
    const live = expenseAt(1, 0, ALICE, t(5));
    const deleted = expenseAt(2, 1, BOB, t(10), { deletedAt: t(10), deletedBy: BOB });
    const restored = expenseAt(3, 2, ALICE, t(15));
    const softDelete = event("ev-delete", live, deleted);
    const restore = event("ev-restore", deleted, restored);

    await expense("e1").set(restored);
    await handleExpenseWrite(db, restore);
    await handleExpenseWrite(db, softDelete);
    expect((await group().collection("tombstones").doc("e1").get()).exists).to.equal(false);

    // Now the other way round: the expense ends deleted.
    const deletedAgain = expenseAt(4, 3, BOB, t(20), { deletedAt: t(20), deletedBy: BOB });
    await expense("e1").set(deletedAgain);
    await handleExpenseWrite(db, event("ev-delete-2", restored, deletedAgain));
    await handleExpenseWrite(db, restore);
    await handleExpenseWrite(db, event("ev-delete-2", restored, deletedAgain));
    const stone = (await group().collection("tombstones").doc("e1").get()).data();
    expect(stone).to.deep.equal({ collection: "expenses", docId: "e1", deletedAt: t(20), deletedBy: BOB });
    expect((await lastActivity()).isEqual(t(20))).to.equal(true);
  });

  it("writes one tombstone, at its own commit time, however often a hard delete is redelivered, and after a late older write", async () => {
    const live = expenseAt(1, 0, ALICE, t(5));
    const hardDelete = event("ev-hard", live, undefined, t(30));
    const startedAt = Timestamp.now();
    const first = await handleExpenseWrite(db, hardDelete);
    const stamped = (await group().collection("tombstones").doc("e1").get()).data()!;
    const again = await handleExpenseWrite(db, hardDelete);
    await handleExpenseWrite(db, event("ev-create", undefined, live, t(5)));
    expect(first.tombstone).to.equal("written");
    expect(again.tombstone).to.equal("unchanged");
    expect(stamped).to.deep.include({ collection: "expenses", docId: "e1", deletedBy: null });
    // Stamped when it was written (not at the delete's earlier event time), so no cursor is past it.
    expect((stamped.deletedAt as Timestamp).toMillis()).to.be.at.least(startedAt.toMillis() - 1000);
    expect((await group().collection("tombstones").doc("e1").get()).data()).to.deep.equal(stamped);
    // Raised to the tombstone's time, in the same commit: the group shows the deletion to any
    // cursor the tombstone is news to.
    expect((await lastActivity()).isEqual(stamped.deletedAt)).to.equal(true);
    expect(first).to.deep.include({ outcome: "activity-raised", activityRaised: true });
    expect(again).to.deep.include({ outcome: "duplicate-skipped", activityRaised: false });
  });

  it("raises lastActivityAt past activity that committed after the hard delete but was applied first", async () => {
    const live = expenseAt(1, 0, ALICE, t(5));
    // A later write's run came first: lastActivityAt is already past the delete's event time, as
    // is the cursor of a client that has read it.
    await group().update({ lastActivityAt: t(40) });
    const result = await handleExpenseWrite(db, event("ev-hard-late", live, undefined, t(30)));
    const stamped = (await group().collection("tombstones").doc("e1").get()).data()!;
    expect(result).to.deep.include({ outcome: "activity-raised", tombstone: "written" });
    expect(await lastActivity()).to.deep.equal(stamped.deletedAt);
    expect((stamped.deletedAt as Timestamp).toMillis()).to.be.greaterThan(t(40).toMillis());
  });

  it("replaces a tombstone and kept copy left by an earlier deletion of the same id whose restore has not been applied", async () => {
    const first = expenseAt(1, 0, ALICE, t(5), { description: "first life" });
    const second = expenseAt(1, 0, BOB, t(35), { description: "second life", createdBy: BOB });
    const stale = { collection: "expenses", docId: "e1", deletedAt: t(10), deletedBy: null };
    await group().collection("tombstones").doc("e1").set(stale);
    await group().collection("deletedExpenses").doc("e1").set({ expenseId: "e1", deletedAt: t(10), deletedBy: null, data: first });

    const result = await handleExpenseWrite(db, event("ev-hard-again", second, undefined, t(40)));
    const stone = (await group().collection("tombstones").doc("e1").get()).data()!;
    const kept = (await group().collection("deletedExpenses").doc("e1").get()).data()!;
    expect(result).to.deep.include({ tombstone: "written", keptDeletion: "kept", outcome: "activity-raised" });
    expect((stone.deletedAt as Timestamp).toMillis()).to.be.greaterThan(t(40).toMillis());
    expect(kept.data.description).to.equal("second life");
    expect(kept.deletedAt).to.deep.equal(stone.deletedAt);
  });

  it("takes a write that changed nothing (a client transaction that only read) as no activity and no conflict", async () => {
    const stored = expenseAt(2, 1, BOB, t(20));
    await expense("e1").set(stored);
    const result = await handleExpenseWrite(db, event("ev-read-only", stored, { ...stored }, t(21)));
    expect(result).to.deep.include({ outcome: "not-activity", activityRaised: false, tombstone: "unchanged" });
    expect((await group().collection("conflicts").get()).size).to.equal(0);
    expect((await lastActivity()).isEqual(t(0))).to.equal(true);
  });

  it("treats the hard delete of an expense soft-deleted before the group's purgedBefore as the purge: no activity", async () => {
    const deleted = expenseAt(2, 1, BOB, t(10), { deletedAt: t(10), deletedBy: BOB });
    await group().update({ purgedBefore: t(40) });
    const result = await handleExpenseWrite(db, event("ev-purge", deleted, undefined, t(50)));
    expect(result.outcome).to.equal("purge-skipped");
    expect((await lastActivity()).isEqual(t(0))).to.equal(true);
    expect((await group().collection("tombstones").get()).size).to.equal(0);
  });

  // Regression: any run that met an invalid document used to be named invalid-document, so its
  // redelivery counted as applied (and timed) in the sync-health metrics.
  it("names a redelivered, stale or purged invalid document for what the run did, and still flags the document", async () => {
    const legacy = (version: number, at: Timestamp, extra: DocumentData = {}) =>
      expenseAt(version, version - 1, ALICE, at, { amountMinor: 12.5, legacyField: true, ...extra });
    const created = event("ev-legacy", undefined, legacy(1, t(10)));
    const first = await handleExpenseWrite(db, created);
    const again = await handleExpenseWrite(db, created);
    const edited = await handleExpenseWrite(db, event("ev-legacy-edit", legacy(1, t(10)), legacy(2, t(20))));
    const late = await handleExpenseWrite(db, event("ev-legacy-late", undefined, legacy(1, t(5))));
    await group().update({ purgedBefore: t(40) });
    const deleted = legacy(3, t(30), { deletedAt: t(30), deletedBy: ALICE });
    const purged = await handleExpenseWrite(db, event("ev-legacy-purge", deleted, undefined, t(50)));

    const named = (result: ExpenseWriteResult) => ({ outcome: result.outcome, invalidDocument: result.invalidDocument });
    expect([first, again, edited, late, purged].map(named)).to.deep.equal([
      { outcome: "invalid-document", invalidDocument: true },
      { outcome: "duplicate-skipped", invalidDocument: true },
      { outcome: "invalid-document", invalidDocument: true },
      { outcome: "stale-skipped", invalidDocument: true },
      { outcome: "purge-skipped", invalidDocument: true },
    ]);
    expect(again.activityRaised).to.equal(false);
    expect((await lastActivity()).isEqual(t(20))).to.equal(true);
  });

  it("does not flag a document the schema accepts", async () => {
    const result = await handleExpenseWrite(db, event("ev-valid", undefined, expenseAt(1, 0, ALICE, t(10))));
    expect(result).to.deep.include({ outcome: "activity-raised", invalidDocument: false });
  });

  it("applies a group rename once however often it is delivered, and ignores the server's own field writes", async () => {
    const before = (await group().get()).data()!;
    const renamed = { ...before, displayName: "Flat 2", updatedAt: t(25) };
    const rename = { id: "ev-rename", time: t(25).toDate().toISOString(), groupId, before, after: renamed };
    expect((await handleGroupWrite(db, rename)).outcome).to.equal("activity-raised");
    expect((await handleGroupWrite(db, rename)).outcome).to.equal("duplicate-skipped");
    const serverWrite = { ...rename, id: "ev-server", before: renamed, after: { ...renamed, lastActivityAt: t(25) } };
    expect((await handleGroupWrite(db, serverWrite)).outcome).to.equal("not-activity");
    expect((await lastActivity()).isEqual(t(25))).to.equal(true);
  });
});
