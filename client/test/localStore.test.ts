// The local database across restarts: Firestore values as JSON, a LocalStore's snapshot, and the
// saver that keeps the snapshot current. No emulator: this is the client's own state.
import { expect } from "chai";
import { Timestamp } from "firebase/firestore";
import { ExpenseRecord, GroupRecord, LocalStore, STORE_SNAPSHOT_FORMAT, StoreSnapshot, StoreStorage, fromStored, keepStoreSaved, memoryStorage, sameFieldValue, toStored } from "../src";

const at = (seconds: number, nanoseconds = 0) => new Timestamp(seconds, nanoseconds);

const expense = (version: number, updatedAt: Timestamp, deletedAt: Timestamp | null = null): ExpenseRecord => ({
  description: "Dinner",
  amountMinor: 4_200,
  currency: "EUR",
  paidBy: "alice",
  splits: { alice: 2_100, bob: 2_100 },
  spentAt: at(1_700_000_000),
  createdAt: at(1_700_000_000),
  createdBy: "alice",
  updatedAt,
  updatedBy: "alice",
  version,
  baseVersion: version - 1,
  deletedAt,
  deletedBy: deletedAt ? "alice" : null,
});

const group = (lastActivityAt: Timestamp, names: Record<string, string | null> = {}): GroupRecord =>
  ({
    displayName: "Lisbon",
    ownerId: "alice",
    memberIds: ["alice", "bob"],
    memberNames: names,
    settings: { defaultCurrency: "EUR", simplifyDebts: true },
    createdAt: at(1_600_000_000),
    updatedAt: at(1_600_000_000),
    updatedBy: "alice",
    lastActivityAt,
    deletedAt: null,
    deletedBy: null,
  }) as GroupRecord;

/** What a restart sees: the snapshot through JSON, as any storage keeps it. */
const throughJson = (snapshot: StoreSnapshot): StoreSnapshot => JSON.parse(JSON.stringify(snapshot)) as StoreSnapshot;

describe("client: stored values", () => {
  it("keeps timestamps to the nanosecond through JSON, inside maps and arrays", () => {
    const value = { when: at(1_700_000_000, 123_456_789), nested: { list: [at(1, 2), "x", 3, true, null] } };
    const restored = fromStored(JSON.parse(JSON.stringify(toStored(value)))) as typeof value;
    expect(restored.when).to.be.instanceOf(Timestamp);
    expect(restored.when.isEqual(value.when)).to.equal(true);
    expect((restored.nested.list[0] as Timestamp).isEqual(at(1, 2))).to.equal(true);
    expect(restored.nested.list.slice(1)).to.deep.equal(["x", 3, true, null]);
  });

  it("leaves out undefined fields, as Firestore does", () => {
    expect(toStored({ a: 1, b: undefined })).to.deep.equal({ a: 1 });
  });

  for (const [name, value] of [
    ["a Date", new Date(0)],
    ["a Map", new Map()],
    ["a function", () => 1],
    ["undefined", undefined],
  ] as const) {
    it(`refuses ${name}, naming it`, () => {
      expect(() => toStored(value)).to.throw(/cannot store a \[object \w+\]/);
    });
  }
});

describe("client: LocalStore snapshots", () => {
  function populated(): LocalStore {
    const store = new LocalStore();
    store.noteGroup("g1", group(at(200), { alice: "Alice", bob: null }));
    store.noteGroup("g2", group(at(300), { carol: "Carol" }));
    const replica = store.replica("g1");
    replica.apply("e1", expense(2, at(150)));
    replica.apply("e2", expense(3, at(180), at(180)));
    replica.advanceCursor(at(180, 5));
    replica.noteSyncedThrough(at(200));
    store.noteMembershipSeen(at(250, 7));
    return store;
  }

  it("brings back groups, names, marks, replicas and cursors", () => {
    const restored = LocalStore.fromSnapshot(throughJson(populated().toSnapshot()));
    expect([...restored.groups.keys()]).to.deep.equal(["g1", "g2"]);
    expect(restored.groups.get("g2")?.lastActivityAt?.isEqual(at(300))).to.equal(true);
    expect(restored.tier1Mark?.isEqual(at(300))).to.equal(true);
    expect(restored.membershipSeen?.isEqual(at(250, 7))).to.equal(true);
    expect(restored.nameOf("alice")).to.equal("Alice");
    expect(restored.nameOf("carol")).to.equal("Carol");
    expect(restored.nameOf("bob"), "a member without a profile has no name").to.equal(undefined);
    const replica = restored.replica("g1");
    expect(replica.cursor?.isEqual(at(180, 5))).to.equal(true);
    expect(replica.syncedActivityAt?.isEqual(at(200))).to.equal(true);
    expect(sameFieldValue(replica.expenses.get("e2"), expense(3, at(180), at(180)))).to.equal(true);
    expect(replica.visible().map(([id]) => id)).to.deep.equal(["e1"]);
    expect(restored.has("g2"), "no replica was made for a group never synced").to.equal(false);
  });

  it("tells a membership record never read from one read and absent", () => {
    const never = new LocalStore();
    expect(LocalStore.fromSnapshot(throughJson(never.toSnapshot())).membershipSeen).to.equal(undefined);
    const absent = new LocalStore();
    absent.noteMembershipSeen(null);
    expect(LocalStore.fromSnapshot(throughJson(absent.toSnapshot())).membershipSeen).to.equal(null);
  });

  it("starts empty from a snapshot of another format, or none", () => {
    const snapshot = { ...populated().toSnapshot(), format: STORE_SNAPSHOT_FORMAT + 1 };
    for (const restored of [LocalStore.fromSnapshot(snapshot), LocalStore.fromSnapshot(undefined)]) {
      expect(restored.groups.size).to.equal(0);
      expect(restored.groupIds()).to.deep.equal([]);
      expect(restored.tier1Mark).to.equal(null);
    }
  });

  it("signals every change a restart must not lose: cursor, sync mark, membership", () => {
    const store = new LocalStore();
    const replica = store.replica("g1");
    let changes = 0;
    store.changed.subscribe(() => (changes += 1));
    replica.advanceCursor(at(10));
    replica.advanceCursor(at(5));
    replica.noteSyncedThrough(at(10));
    replica.noteSyncedThrough(at(10));
    store.noteMembershipSeen(null);
    expect(changes, "a cursor moved, a mark moved, a record read; moves backwards or in place are not changes").to.equal(3);
  });
});

describe("client: keepStoreSaved", () => {
  /** A storage that records what it was given and can be made to fail. */
  function recordingStorage(): StoreStorage & { saved: StoreSnapshot[]; failNext: boolean } {
    const recording = {
      saved: [] as StoreSnapshot[],
      failNext: false,
      load: async () => recording.saved.at(-1),
      save: async (snapshot: StoreSnapshot) => {
        if (recording.failNext) {
          recording.failNext = false;
          throw new Error("quota exceeded");
        }
        recording.saved.push(throughJson(snapshot));
      },
    };
    return recording;
  }

  it("saves a burst of changes once, with the last state", async () => {
    const store = new LocalStore();
    const storage = recordingStorage();
    const saver = keepStoreSaved(store, storage, { delayMs: 60_000 });
    store.noteGroup("g1", group(at(100)));
    store.changed.notify();
    store.noteGroup("g2", group(at(200)));
    store.changed.notify();
    await saver.flush();
    expect(storage.saved).to.have.length(1);
    expect(Object.keys(storage.saved[0].groups)).to.deep.equal(["g1", "g2"]);
    await saver.flush();
    expect(storage.saved, "nothing changed since: no second save").to.have.length(1);
    await saver.stop();
  });

  it("stops watching after stop(), saving what was waiting first", async () => {
    const store = new LocalStore();
    const storage = recordingStorage();
    const saver = keepStoreSaved(store, storage, { delayMs: 60_000 });
    store.noteMembershipSeen(null);
    await saver.stop();
    expect(storage.saved).to.have.length(1);
    store.noteMembershipSeen(at(1));
    await saver.flush();
    expect(storage.saved).to.have.length(1);
  });

  it("reports a failed save and saves again at the next change", async () => {
    const store = new LocalStore();
    const storage = recordingStorage();
    const errors: unknown[] = [];
    const saver = keepStoreSaved(store, storage, { delayMs: 60_000, onError: (error) => errors.push(error) });
    storage.failNext = true;
    store.noteMembershipSeen(null);
    await saver.flush();
    expect(errors.map(String)).to.deep.equal(["Error: quota exceeded"]);
    store.noteMembershipSeen(at(2));
    await saver.flush();
    expect(storage.saved).to.have.length(1);
    expect(LocalStore.fromSnapshot(storage.saved[0]).membershipSeen?.isEqual(at(2))).to.equal(true);
    await saver.stop();
  });

  it("memoryStorage hands back a copy, not the saved object", async () => {
    const storage = memoryStorage();
    expect(await storage.load()).to.equal(undefined);
    const snapshot = new LocalStore().toSnapshot();
    await storage.save(snapshot);
    const loaded = await storage.load();
    expect(loaded).to.deep.equal(snapshot);
    expect(loaded).to.not.equal(snapshot);
  });
});

describe("client: sameFieldValue", () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ["equal maps in another key order", { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    ["a map with one more key", { a: 1 }, { a: 1, b: 2 }, false],
    ["arrays of another order", [1, 2], [2, 1], false],
    ["arrays of another length", [1], [1, 1], false],
    ["timestamps to the nanosecond", at(1, 5), at(1, 5), true],
    ["timestamps a nanosecond apart", at(1, 5), at(1, 6), false],
    ["null and an empty map", null, {}, false],
    ["NaN and NaN", Number.NaN, Number.NaN, true],
  ];
  for (const [name, a, b, same] of cases) {
    it(`${name}: ${same ? "same" : "different"}`, () => expect(sameFieldValue(a, b)).to.equal(same));
  }
});
