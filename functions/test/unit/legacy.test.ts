import { expect } from "chai";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import {
  authorUid,
  isLegacyExpense,
  isLegacyGroup,
  normalizesOnThisEvent,
  storedVersion,
  legacyConflictId,
  normalizedExpenseFields,
  normalizedGroupFields,
} from "../../src/legacy";

const at = (seconds: number) => new Timestamp(seconds, 0);
const COMMIT = FieldValue.serverTimestamp();
const business = { description: "Taxi", amountMinor: 1200, currency: "EUR", paidBy: "alice", splits: { alice: 600, bob: 600 }, spentAt: at(50) };
const v1Write = { ...business, createdAt: at(10), createdBy: "bob", updatedAt: at(20), updatedBy: "bob" };
const v2Stored = {
  ...business,
  createdAt: at(100),
  createdBy: "alice",
  updatedAt: at(200),
  updatedBy: "alice",
  version: 4,
  baseVersion: 3,
  deletedAt: null,
  deletedBy: null,
};

describe("legacy (v1) writes", () => {
  it("recognises a v1 expense by its missing version, and a v1 group by its missing deletion pair", () => {
    expect(isLegacyExpense(v1Write)).to.equal(true);
    expect(isLegacyExpense(v2Stored)).to.equal(false);
    expect(isLegacyExpense(undefined)).to.equal(false);
    const group = { displayName: "Flat", ownerId: "alice", memberIds: ["alice"], settings: {}, createdAt: at(1), updatedAt: at(2), updatedBy: "alice" };
    expect(isLegacyGroup(group)).to.equal(true);
    expect(isLegacyGroup({ ...group, deletedAt: null, deletedBy: null })).to.equal(false);
    expect(isLegacyGroup(undefined)).to.equal(false);
  });

  it("normalizes on the event whose v1 write replaced a v2 document (or created one), while the document is unnormalized", () => {
    expect(normalizesOnThisEvent(v2Stored, v1Write, isLegacyExpense)).to.equal(true);
    expect(normalizesOnThisEvent(undefined, v1Write, isLegacyExpense)).to.equal(true);
    // A second v1 write landed first: the earlier event, which knows the v2 document, normalizes what is there now.
    expect(normalizesOnThisEvent(v2Stored, { ...v1Write, description: "second" }, isLegacyExpense)).to.equal(true);
    // The second write's own event leaves it to that one.
    expect(normalizesOnThisEvent(v1Write, { ...v1Write, description: "second" }, isLegacyExpense)).to.equal(false);
    // Already normalized (a redelivery), replaced by a v2 write, or gone.
    expect(normalizesOnThisEvent(v2Stored, { ...v1Write, version: 5 }, isLegacyExpense)).to.equal(false);
    expect(normalizesOnThisEvent(v2Stored, undefined, isLegacyExpense)).to.equal(false);
    expect([storedVersion(v2Stored), storedVersion(v1Write), storedVersion(undefined)]).to.deep.equal([4, 0, 0]);
  });

  it("continues the replaced document's history, keeps its creation, and leaves the expense live", () => {
    expect(normalizedExpenseFields(v1Write, v2Stored, COMMIT)).to.deep.equal({
      createdAt: at(100),
      createdBy: "alice",
      updatedAt: COMMIT,
      version: 5,
      baseVersion: 4,
      deletedAt: null,
      deletedBy: null,
    });
  });

  it("starts a created expense at version 1 with the server's time and the writer as creator", () => {
    expect(normalizedExpenseFields(v1Write, undefined, COMMIT)).to.deep.equal({
      createdAt: COMMIT,
      createdBy: "bob",
      updatedAt: COMMIT,
      version: 1,
      baseVersion: 0,
      deletedAt: null,
      deletedBy: null,
    });
  });

  it("restarts at version 1 over an unnormalized v1 write, whose version was never stored", () => {
    const fields = normalizedExpenseFields(v1Write, { ...v1Write, updatedAt: at(15) }, COMMIT);
    expect([fields.version, fields.baseVersion, fields.createdAt]).to.deep.equal([1, 0, at(10)]);
  });

  it("brings back a group's server-owned fields and its soft delete, with the later purge watermark", () => {
    const replaced = { createdAt: at(1), deletedAt: at(5), deletedBy: "alice", purgedBefore: at(30) };
    expect(normalizedGroupFields(replaced, { purgedBefore: at(40) }, COMMIT)).to.deep.equal({
      createdAt: at(1),
      updatedAt: COMMIT,
      deletedAt: at(5),
      deletedBy: "alice",
      lastActivityAt: COMMIT,
      purgedBefore: at(40),
    });
    expect(normalizedGroupFields({ createdAt: at(1), purgedBefore: at(30) }, {}, COMMIT).purgedBefore).to.deep.equal(at(30));
    expect(normalizedGroupFields(undefined, {}, COMMIT)).to.deep.equal({
      createdAt: COMMIT,
      updatedAt: COMMIT,
      deletedAt: null,
      deletedBy: null,
      lastActivityAt: COMMIT,
    });
  });

  it("brings back the audit of the latest hand-over, and adds none to a group never handed over", () => {
    const replaced = { createdAt: at(1), handedOverAt: at(3), handedOverBy: "alice" };
    expect(normalizedGroupFields(replaced, {}, COMMIT)).to.deep.include({ handedOverAt: at(3), handedOverBy: "alice" });
    expect(normalizedGroupFields({ createdAt: at(1) }, {}, COMMIT)).to.not.have.any.keys("handedOverAt", "handedOverBy");
  });

  it("names the deleter only when the platform reports a Firebase Auth user", () => {
    expect(authorUid({ authType: "app_user", authId: "bob" })).to.equal("bob");
    for (const author of [
      { authType: "unknown", authId: "fake-emulator-id" },
      { authType: "service_account", authId: "svc@project.iam.gserviceaccount.com" },
      { authType: "admin", authId: "x" },
      { authType: "system" },
      { authType: "unauthenticated" },
      { authType: "app_user" },
      { authType: "app_user", authId: "a/b" },
      {},
    ]) {
      expect(authorUid(author), JSON.stringify(author)).to.equal(null);
    }
  });

  it("derives a v1 conflict's id from the delivery, so a redelivery names the same record", () => {
    expect(legacyConflictId("e1", "abc/12:3")).to.equal("e1_v1_abc-12-3");
    expect(legacyConflictId("e1", "abc/12:3")).to.equal(legacyConflictId("e1", "abc/12:3"));
  });
});
