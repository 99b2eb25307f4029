// The document shapes of the sync contract, as schemas.ts encodes them: every valid shape
// accepted, and every violation rejected at the field that is wrong.
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import {
  LIMITS,
  conflictSchema,
  currencySchema,
  documentSchemas,
  expenseMembershipIssues,
  expenseSchema,
  groupSchema,
  kindOfPath,
  legacyExpenseWriteSchema,
  legacyGroupWriteSchema,
  notificationSchema,
  syncConfigSchema,
  tombstoneSchema,
  keptDeletionSchema,
  uidSchema,
  userSchema,
} from "../schemas";

type Doc = Record<string, unknown>;

const createdAt = Timestamp.fromDate(new Date("2025-09-01T10:00:00.000Z"));
const updatedAt = Timestamp.fromDate(new Date("2025-09-02T11:30:00.250Z"));
const deletedAt = Timestamp.fromDate(new Date("2025-09-03T08:15:00.000Z"));

function validGroup(): Doc {
  return {
    displayName: "Flat 3B",
    ownerId: "erin",
    memberIds: ["erin", "bob", "carol"],
    settings: { defaultCurrency: "GBP", simplifyDebts: true },
    createdAt,
    updatedAt,
    updatedBy: "bob",
    deletedAt: null,
    deletedBy: null,
  };
}

function validExpense(): Doc {
  return {
    description: "Tesco — shared basics",
    amountMinor: 2_499,
    currency: "GBP",
    paidBy: "bob",
    splits: { erin: 833, bob: 833, carol: 833 },
    spentAt: Timestamp.fromDate(new Date("2025-08-31T18:00:00.000Z")),
    category: "groceries",
    createdAt,
    createdBy: "bob",
    updatedAt,
    updatedBy: "carol",
    version: 2,
    baseVersion: 1,
    deletedAt: null,
    deletedBy: null,
  };
}

/** A copy of `doc` without `keys`. */
function withoutKeys(doc: Doc, ...keys: string[]): Doc {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !keys.includes(key)));
}

const V2_EXPENSE_KEYS = ["version", "baseVersion", "deletedAt", "deletedBy"];
const V2_GROUP_KEYS = ["deletedAt", "deletedBy", "handedOverAt", "handedOverBy"];
const SERVER_GROUP_KEYS = ["lastActivityAt", "purgedBefore", "memberNames"];
/** A device clock 3 days behind: a v1 write queued offline. */
const deviceClock = Timestamp.fromDate(new Date("2025-08-30T07:00:00.000Z"));

/** What a v1 build sends for an expense: the device clock, no versions, no deletion pair. */
function validLegacyExpense(): Doc {
  return { ...withoutKeys(validExpense(), ...V2_EXPENSE_KEYS), createdAt: deviceClock, updatedAt: deviceClock };
}

function validLegacyGroup(): Doc {
  return { ...withoutKeys(validGroup(), ...V2_GROUP_KEYS), createdAt: deviceClock, updatedAt: deviceClock };
}

function validTombstone(): Doc {
  return { collection: "expenses", docId: "e1", deletedAt, deletedBy: "carol" };
}

function validConflict(): Doc {
  const overwrittenData = { ...validExpense(), amountMinor: 2_600, splits: { erin: 867, bob: 867, carol: 866 } };
  return {
    expenseId: "e1",
    detectedAt: deletedAt,
    resolution: "last-writer-wins",
    winner: { version: 2, baseVersion: 1, updatedBy: "carol", updatedAt, data: validExpense() },
    overwritten: { version: 2, updatedBy: "bob", updatedAt: createdAt, data: overwrittenData },
  };
}

function validNotification(): Doc {
  return { type: "conflict", groupId: "g1", expenseId: "e1", conflictId: "c1", createdAt, readAt: null };
}

function validSyncConfig(): Doc {
  return { realtimeSyncEnabled: true, rolloutPercent: 10, allowlistUserIds: ["alice"] };
}

function validUser(): Doc {
  return { displayName: "Alice Martin", createdAt, updatedAt };
}

/** `count` distinct uids, the first one `first`. */
function uids(count: number, first = "erin"): string[] {
  return [first, ...Array.from({ length: count - 1 }, (_, i) => `member-${i}`)];
}

function equalSplits(memberIds: string[]): Record<string, number> {
  return Object.fromEntries(memberIds.map((uid) => [uid, 1]));
}

/** A copy of `doc` with the dotted field replaced (or removed when `value` is `undefined`). */
function withField(doc: Doc, field: string, value: unknown): Doc {
  const copy = copyDoc(doc);
  const keys = field.split(".");
  const leaf = keys.pop() as string;
  let holder = copy;
  for (const key of keys) holder = holder[key] as Doc;
  if (value === undefined) delete holder[leaf];
  else holder[leaf] = value;
  return copy;
}

/** A deep copy that keeps Timestamps (structuredClone would turn them into plain objects). */
function copyDoc(doc: Doc): Doc {
  return Object.fromEntries(
    Object.entries(doc).map(([key, value]) => [
      key,
      value !== null && typeof value === "object" && !(value instanceof Timestamp)
        ? Array.isArray(value)
          ? [...value]
          : copyDoc(value as Doc)
        : value,
    ]),
  );
}

function expectAccepted(schema: z.ZodType, doc: unknown): void {
  const result = schema.safeParse(doc);
  expect(result.success, result.success ? "" : JSON.stringify(result.error.issues)).to.equal(true);
}

/**
 * Asserts the schema rejects `doc` with an issue at `field` (dotted; "" for the document itself;
 * an unknown key counts as an issue at that key), whose message contains `message` if given.
 */
function expectRejected(schema: z.ZodType, doc: unknown, field: string, message?: string): void {
  const result = schema.safeParse(doc);
  expect(result.success, `expected a rejection at "${field}"`).to.equal(false);
  const issues = result.error?.issues ?? [];
  const at = issues.filter((issue) => {
    const path = issue.path.map(String);
    if (path.join(".") === field) return true;
    return issue.code === "unrecognized_keys" && issue.keys.some((key) => [...path, key].join(".") === field);
  });
  expect(at.length, `issues: ${JSON.stringify(issues)}`).to.be.greaterThan(0);
  if (message !== undefined) expect(at.map((issue) => issue.message).join(" | ")).to.contain(message);
}

function requiredKeysTests(schema: z.ZodType, valid: () => Doc, optional: string[] = []): void {
  for (const key of Object.keys(valid()).filter((k) => !optional.includes(k))) {
    it(`rejects a document without ${key}`, () => expectRejected(schema, withField(valid(), key, undefined), key));
  }
  it("rejects an unknown field", () => expectRejected(schema, { ...valid(), color: "red" }, "color", "color"));
}

/** The expiry the server writes for the TTL policies: a Timestamp, or absent (documents from before TTL). */
function expiryTests(schema: z.ZodType, valid: () => Doc): void {
  const expireAt = Timestamp.fromDate(new Date("2025-12-02T08:15:00.000Z"));
  it("accepts the server's expireAt, and a document without one", () => {
    expectAccepted(schema, { ...valid(), expireAt });
    expectAccepted(schema, valid());
  });
  it("rejects an expireAt that is not a Timestamp, null included", () => {
    expectRejected(schema, { ...valid(), expireAt: "2025-12-02" }, "expireAt", "Firestore Timestamp");
    expectRejected(schema, { ...valid(), expireAt: null }, "expireAt");
  });
}

function softDeletePairTests(schema: z.ZodType, valid: () => Doc): void {
  const cases: Array<{ name: string; deletedAt: unknown; deletedBy: unknown; ok: boolean }> = [
    { name: "live (both null)", deletedAt: null, deletedBy: null, ok: true },
    { name: "deleted (both set)", deletedAt, deletedBy: "carol", ok: true },
    { name: "deletedAt without deletedBy", deletedAt, deletedBy: null, ok: false },
    { name: "deletedBy without deletedAt", deletedAt: null, deletedBy: "carol", ok: false },
  ];
  for (const c of cases) {
    it(`soft-delete pair: ${c.name} is ${c.ok ? "accepted" : "rejected"}`, () => {
      const doc = { ...valid(), deletedAt: c.deletedAt, deletedBy: c.deletedBy };
      if (c.ok) expectAccepted(schema, doc);
      else expectRejected(schema, doc, "deletedBy", "set together");
    });
  }
}

/** Exactly `max` characters is accepted, one more is rejected (and so is an empty string when min is 1). */
function stringLimitTests(schema: z.ZodType, valid: () => Doc, field: string, max: number, min: 0 | 1): void {
  it(`${field}: ${max} characters accepted, ${max + 1} rejected`, () => {
    expectAccepted(schema, withField(valid(), field, "x".repeat(max)));
    expectRejected(schema, withField(valid(), field, "x".repeat(max + 1)), field);
  });
  it(`${field}: an empty string is ${min === 0 ? "accepted" : "rejected"}`, () => {
    const doc = withField(valid(), field, "");
    if (min === 0) expectAccepted(schema, doc);
    else expectRejected(schema, doc, field);
  });
}

describe("schemas: shared field types", () => {
  describe("uidSchema", () => {
    it(`accepts 1..${LIMITS.uidMax} characters`, () => {
      expectAccepted(uidSchema, "a");
      expectAccepted(uidSchema, "u".repeat(LIMITS.uidMax));
    });
    for (const [name, value] of [
      ["empty", ""],
      [`${LIMITS.uidMax + 1} characters`, "u".repeat(LIMITS.uidMax + 1)],
      ["a slash (it is a document id)", "users/alice"],
      ["a number", 42],
    ] as const) {
      it(`rejects ${name}`, () => expectRejected(uidSchema, value, ""));
    }
  });

  describe("currencySchema", () => {
    for (const code of ["EUR", "USD", "GBP", "JPY"]) it(`accepts ${code}`, () => expectAccepted(currencySchema, code));
    for (const [name, value] of [
      ["lower case", "eur"],
      ["mixed case", "Eur"],
      ["2 letters", "EU"],
      ["4 letters", "EURO"],
      ["a digit", "EU1"],
      ["a symbol", "€"],
      ["surrounding space", " EUR"],
      ["empty", ""],
      ["the numeric code", 978],
    ] as const) {
      it(`rejects ${name} (${JSON.stringify(value)})`, () => expectRejected(currencySchema, value, "", typeof value === "string" ? "ISO 4217" : undefined));
    }
  });
});

describe("schemas: groups/{groupId}", () => {
  it("accepts a new group (no server fields yet)", () => expectAccepted(groupSchema, validGroup()));
  it("accepts the server fields lastActivityAt and purgedBefore", () =>
    expectAccepted(groupSchema, { ...validGroup(), lastActivityAt: updatedAt, purgedBefore: createdAt }));
  for (const field of ["lastActivityAt", "purgedBefore"]) {
    it(`rejects ${field}: null (absent until the server sets it, never null)`, () =>
      expectRejected(groupSchema, { ...validGroup(), [field]: null }, field));
  }
  requiredKeysTests(groupSchema, validGroup);
  stringLimitTests(groupSchema, validGroup, "displayName", LIMITS.displayNameMax, 1);

  describe("memberIds", () => {
    it(`accepts exactly ${LIMITS.membersMax} members`, () =>
      expectAccepted(groupSchema, { ...validGroup(), memberIds: uids(LIMITS.membersMax) }));
    it(`rejects ${LIMITS.membersMax + 1} members`, () =>
      expectRejected(groupSchema, { ...validGroup(), memberIds: uids(LIMITS.membersMax + 1) }, "memberIds"));
    it("accepts the owner alone", () => expectAccepted(groupSchema, { ...validGroup(), memberIds: ["erin"] }));
    it("accepts an empty list (the last member left)", () => expectAccepted(groupSchema, { ...validGroup(), memberIds: [] }));
    it("rejects a list without the owner", () =>
      expectRejected(groupSchema, { ...validGroup(), memberIds: ["bob", "carol"] }, "memberIds", "contain ownerId"));
    it("rejects a repeated uid", () =>
      expectRejected(groupSchema, { ...validGroup(), memberIds: ["erin", "bob", "bob"] }, "memberIds", "must not repeat"));
    it("rejects a member id that is not a uid", () =>
      expectRejected(groupSchema, { ...validGroup(), memberIds: ["erin", "a/b"] }, "memberIds.1"));
  });

  describe("settings", () => {
    it("rejects a lower-case default currency", () =>
      expectRejected(groupSchema, withField(validGroup(), "settings.defaultCurrency", "gbp"), "settings.defaultCurrency"));
    it("rejects simplifyDebts that is not a boolean", () =>
      expectRejected(groupSchema, withField(validGroup(), "settings.simplifyDebts", "yes"), "settings.simplifyDebts"));
    for (const key of ["defaultCurrency", "simplifyDebts"]) {
      it(`rejects settings without ${key}`, () =>
        expectRejected(groupSchema, withField(validGroup(), `settings.${key}`, undefined), `settings.${key}`));
    }
    it("rejects an unknown key in settings", () =>
      expectRejected(groupSchema, withField(validGroup(), "settings.theme", "dark"), "settings.theme"));
  });

  softDeletePairTests(groupSchema, validGroup);

  describe("memberNames (server-owned)", () => {
    it("accepts names and null (a member without a profile)", () =>
      expectAccepted(groupSchema, { ...validGroup(), memberNames: { erin: "Erin", bob: null } }));
    it("accepts an empty map (the last member left)", () => expectAccepted(groupSchema, { ...validGroup(), memberNames: {} }));
    it("rejects an empty name", () => expectRejected(groupSchema, { ...validGroup(), memberNames: { erin: "" } }, "memberNames.erin"));
    it(`rejects a ${LIMITS.displayNameMax + 1}-char name`, () =>
      expectRejected(groupSchema, { ...validGroup(), memberNames: { erin: "n".repeat(LIMITS.displayNameMax + 1) } }, "memberNames.erin"));
    it("rejects a key that is not a uid", () => expectRejected(groupSchema, { ...validGroup(), memberNames: { "a/b": "X" } }, "memberNames.a/b"));
  });

  describe("ownership hand-over (handedOverAt / handedOverBy)", () => {
    it("accepts both set", () => expectAccepted(groupSchema, { ...validGroup(), handedOverAt: updatedAt, handedOverBy: "bob" }));
    it("rejects handedOverAt alone", () => expectRejected(groupSchema, { ...validGroup(), handedOverAt: updatedAt }, "handedOverBy", "set together"));
    it("rejects handedOverBy alone", () => expectRejected(groupSchema, { ...validGroup(), handedOverBy: "bob" }, "handedOverBy", "set together"));
    it("rejects handedOverBy that is not a uid", () =>
      expectRejected(groupSchema, { ...validGroup(), handedOverAt: updatedAt, handedOverBy: "a/b" }, "handedOverBy"));
    it("rejects handedOverAt: null (absent until the first hand-over)", () =>
      expectRejected(groupSchema, { ...validGroup(), handedOverAt: null, handedOverBy: "bob" }, "handedOverAt"));
  });

  for (const [name, value] of [
    ["an ISO string", "2025-09-01T10:00:00.000Z"],
    ["a JS Date", new Date("2025-09-01T10:00:00.000Z")],
    ["epoch millis", 1_756_720_800_000],
    ["a {seconds, nanoseconds} lookalike", { seconds: 1_756_720_800, nanoseconds: 0 }],
  ] as const) {
    it(`rejects createdAt as ${name} (only a Firestore Timestamp)`, () =>
      expectRejected(groupSchema, { ...validGroup(), createdAt: value }, "createdAt", "Firestore Timestamp"));
  }
});

describe("schemas: groups/{groupId}/expenses/{expenseId}", () => {
  it("accepts a valid expense", () => expectAccepted(expenseSchema, validExpense()));
  it("accepts an expense without a category (optional)", () =>
    expectAccepted(expenseSchema, withField(validExpense(), "category", undefined)));
  requiredKeysTests(expenseSchema, validExpense, ["category"]);
  stringLimitTests(expenseSchema, validExpense, "description", LIMITS.descriptionMax, 1);
  stringLimitTests(expenseSchema, validExpense, "category", LIMITS.categoryMax, 0);

  describe("money is integer minor units", () => {
    const amounts: Array<{ value: unknown; ok: boolean; message?: string }> = [
      { value: 1, ok: true },
      { value: 2_499, ok: true },
      { value: LIMITS.amountMinorMax, ok: true },
      { value: 0, ok: false },
      { value: -500, ok: false },
      { value: 24.99, ok: false, message: "integer minor units" },
      { value: 0.5, ok: false, message: "integer minor units" },
      { value: LIMITS.amountMinorMax + 1, ok: false },
      { value: Number.MAX_SAFE_INTEGER + 2, ok: false },
      { value: Number.NaN, ok: false },
      { value: Number.POSITIVE_INFINITY, ok: false },
      { value: "2499", ok: false },
      { value: null, ok: false },
    ];
    for (const { value, ok, message } of amounts) {
      it(`amountMinor ${String(value)} is ${ok ? "accepted" : "rejected"}`, () => {
        const doc = { ...validExpense(), amountMinor: value };
        if (ok) expectAccepted(expenseSchema, doc);
        else expectRejected(expenseSchema, doc, "amountMinor", message);
      });
    }
    const shares: Array<{ value: unknown; ok: boolean }> = [
      { value: 0, ok: true },
      { value: LIMITS.amountMinorMax, ok: true },
      { value: -1, ok: false },
      { value: 8.33, ok: false },
      { value: LIMITS.amountMinorMax + 1, ok: false },
      { value: "833", ok: false },
    ];
    for (const { value, ok } of shares) {
      it(`a split share of ${String(value)} is ${ok ? "accepted" : "rejected"}`, () => {
        const doc = withField(validExpense(), "splits.carol", value);
        if (ok) expectAccepted(expenseSchema, doc);
        else expectRejected(expenseSchema, doc, "splits.carol");
      });
    }
  });

  describe("currency", () => {
    for (const code of ["gbp", "Gbp", "GB", "GBPX", "£"]) {
      it(`rejects ${JSON.stringify(code)}`, () => expectRejected(expenseSchema, { ...validExpense(), currency: code }, "currency", "ISO 4217"));
    }
  });

  describe("splits", () => {
    it(`accepts exactly ${LIMITS.splitsMax} entries`, () =>
      expectAccepted(expenseSchema, { ...validExpense(), splits: equalSplits(uids(LIMITS.splitsMax)) }));
    it(`rejects ${LIMITS.splitsMax + 1} entries`, () =>
      expectRejected(expenseSchema, { ...validExpense(), splits: equalSplits(uids(LIMITS.splitsMax + 1)) }, "splits", `at most ${LIMITS.splitsMax}`));
    it("rejects a key that is not a uid", () =>
      expectRejected(expenseSchema, { ...validExpense(), splits: { "a/b": 2_499 } }, "splits.a/b", "Invalid key"));
    it(`rejects a key of ${LIMITS.uidMax + 1} characters, accepts ${LIMITS.uidMax}`, () => {
      const longest = "u".repeat(LIMITS.uidMax);
      expectAccepted(expenseSchema, { ...validExpense(), splits: { [longest]: 2_499 } });
      expectRejected(expenseSchema, { ...validExpense(), splits: { [`${longest}u`]: 2_499 } }, `splits.${longest}u`, "Invalid key");
    });
    it("rejects a list instead of a map", () => expectRejected(expenseSchema, { ...validExpense(), splits: [833, 833, 833] }, "splits"));
  });

  describe("version == baseVersion + 1", () => {
    const pairs: Array<{ version: unknown; baseVersion: unknown; ok: boolean; field: string }> = [
      { version: 1, baseVersion: 0, ok: true, field: "" },
      { version: 7, baseVersion: 6, ok: true, field: "" },
      { version: 2, baseVersion: 0, ok: false, field: "version" },
      { version: 1, baseVersion: 1, ok: false, field: "version" },
      { version: 3, baseVersion: 3, ok: false, field: "version" },
      { version: 0, baseVersion: -1, ok: false, field: "version" },
      { version: 1.5, baseVersion: 0.5, ok: false, field: "version" },
      { version: "2", baseVersion: 1, ok: false, field: "version" },
      { version: 2, baseVersion: "1", ok: false, field: "baseVersion" },
    ];
    for (const { version, baseVersion, ok, field } of pairs) {
      it(`version ${JSON.stringify(version)} from baseVersion ${JSON.stringify(baseVersion)} is ${ok ? "accepted" : "rejected"}`, () => {
        const doc = { ...validExpense(), version, baseVersion };
        if (ok) expectAccepted(expenseSchema, doc);
        else expectRejected(expenseSchema, doc, field);
      });
    }
  });

  it("rejects a paidBy that is not a uid", () => expectRejected(expenseSchema, { ...validExpense(), paidBy: "" }, "paidBy"));
  it("rejects spentAt as an ISO string (a business date is still a Timestamp)", () =>
    expectRejected(expenseSchema, { ...validExpense(), spentAt: "2025-08-31" }, "spentAt", "Firestore Timestamp"));
  softDeletePairTests(expenseSchema, validExpense);
});

describe("schemas: groups/{groupId}/tombstones/{expenseId}", () => {
  it("accepts a tombstone", () => expectAccepted(tombstoneSchema, validTombstone()));
  it("accepts deletedBy: null (no user known, e.g. a console delete)", () =>
    expectAccepted(tombstoneSchema, { ...validTombstone(), deletedBy: null }));
  requiredKeysTests(tombstoneSchema, validTombstone);
  it('rejects a collection other than "expenses"', () =>
    expectRejected(tombstoneSchema, { ...validTombstone(), collection: "groups" }, "collection"));
  it("rejects an empty docId", () => expectRejected(tombstoneSchema, { ...validTombstone(), docId: "" }, "docId"));
  it("rejects deletedAt: null (a tombstone is always dated)", () =>
    expectRejected(tombstoneSchema, { ...validTombstone(), deletedAt: null }, "deletedAt"));
  expiryTests(tombstoneSchema, validTombstone);
});

describe("schemas: groups/{groupId}/deletedExpenses/{expenseId}", () => {
  const validKept = (): Doc => ({ expenseId: "e1", deletedAt, deletedBy: "bob", data: validExpense() });
  it("accepts a kept deletion holding the expense as it was", () => expectAccepted(keptDeletionSchema, validKept()));
  it("accepts deletedBy: null (no user known) and a v1 document in data", () =>
    expectAccepted(keptDeletionSchema, { ...validKept(), deletedBy: null, data: { description: "v1", createdAt } }));
  requiredKeysTests(keptDeletionSchema, validKept);
  it("rejects an empty expenseId", () => expectRejected(keptDeletionSchema, { ...validKept(), expenseId: "" }, "expenseId"));
  it("rejects deletedAt: null (a kept deletion is always dated)", () =>
    expectRejected(keptDeletionSchema, { ...validKept(), deletedAt: null }, "deletedAt"));
  it("rejects data that is not a map", () => expectRejected(keptDeletionSchema, { ...validKept(), data: "gone" }, "data"));
});

describe("schemas: groups/{groupId}/conflicts/{conflictId}", () => {
  it("accepts a conflict holding both full documents", () => expectAccepted(conflictSchema, validConflict()));
  requiredKeysTests(conflictSchema, validConflict);
  it('rejects a resolution other than "last-writer-wins"', () =>
    expectRejected(conflictSchema, { ...validConflict(), resolution: "merge" }, "resolution"));
  for (const key of ["version", "baseVersion", "updatedBy", "updatedAt", "data"]) {
    it(`rejects a winner without ${key}`, () => expectRejected(conflictSchema, withField(validConflict(), `winner.${key}`, undefined), `winner.${key}`));
  }
  for (const key of ["version", "updatedBy", "updatedAt", "data"]) {
    it(`rejects an overwritten side without ${key}`, () =>
      expectRejected(conflictSchema, withField(validConflict(), `overwritten.${key}`, undefined), `overwritten.${key}`));
  }
  it("rejects baseVersion on the overwritten side (only the winner has one)", () =>
    expectRejected(conflictSchema, withField(validConflict(), "overwritten.baseVersion", 1), "overwritten.baseVersion"));
  it("rejects data that is not a map", () => {
    expectRejected(conflictSchema, withField(validConflict(), "overwritten.data", "lost"), "overwritten.data");
    expectRejected(conflictSchema, withField(validConflict(), "winner.data", null), "winner.data");
  });
  it("rejects a fractional version", () => expectRejected(conflictSchema, withField(validConflict(), "winner.version", 2.5), "winner.version"));
  expiryTests(conflictSchema, validConflict);
});

describe("schemas: users/{uid}/notifications/{notificationId}", () => {
  it("accepts an unread notification", () => expectAccepted(notificationSchema, validNotification()));
  it("accepts a read one", () => expectAccepted(notificationSchema, { ...validNotification(), readAt: updatedAt }));
  requiredKeysTests(notificationSchema, validNotification);
  it('rejects a type other than "conflict"', () =>
    expectRejected(notificationSchema, { ...validNotification(), type: "comment" }, "type"));
  it("rejects readAt as a boolean", () => expectRejected(notificationSchema, { ...validNotification(), readAt: true }, "readAt"));
  expiryTests(notificationSchema, () => ({ ...validNotification(), readAt: updatedAt }));
});

describe("schemas: config/sync", () => {
  it("accepts the rollout config", () => expectAccepted(syncConfigSchema, validSyncConfig()));
  requiredKeysTests(syncConfigSchema, validSyncConfig);
  const percents: Array<{ value: unknown; ok: boolean }> = [
    { value: 0, ok: true },
    { value: 100, ok: true },
    { value: -1, ok: false },
    { value: 101, ok: false },
    { value: 12.5, ok: false },
    { value: "10", ok: false },
  ];
  for (const { value, ok } of percents) {
    it(`rolloutPercent ${JSON.stringify(value)} is ${ok ? "accepted" : "rejected"}`, () => {
      const doc = { ...validSyncConfig(), rolloutPercent: value };
      if (ok) expectAccepted(syncConfigSchema, doc);
      else expectRejected(syncConfigSchema, doc, "rolloutPercent");
    });
  }
  it(`allowlistUserIds: ${LIMITS.allowlistMax} accepted, ${LIMITS.allowlistMax + 1} rejected`, () => {
    expectAccepted(syncConfigSchema, { ...validSyncConfig(), allowlistUserIds: uids(LIMITS.allowlistMax) });
    expectRejected(syncConfigSchema, { ...validSyncConfig(), allowlistUserIds: uids(LIMITS.allowlistMax + 1) }, "allowlistUserIds");
  });
  it("accepts an empty allowlist", () => expectAccepted(syncConfigSchema, { ...validSyncConfig(), allowlistUserIds: [] }));
  it("rejects an allowlist entry that is not a uid", () =>
    expectRejected(syncConfigSchema, { ...validSyncConfig(), allowlistUserIds: ["alice", ""] }, "allowlistUserIds.1"));
  it('rejects realtimeSyncEnabled as the string "true"', () =>
    expectRejected(syncConfigSchema, { ...validSyncConfig(), realtimeSyncEnabled: "true" }, "realtimeSyncEnabled"));
});

describe("schemas: config/sync legacyWrites", () => {
  for (const value of [true, false]) {
    it(`accepts legacyWrites: ${value}`, () => expectAccepted(syncConfigSchema, { ...validSyncConfig(), legacyWrites: value }));
  }
  it("accepts a config without legacyWrites (absent means on)", () => {
    expect(validSyncConfig()).to.not.have.property("legacyWrites");
    expectAccepted(syncConfigSchema, validSyncConfig());
  });
  for (const value of ["false", null, 0]) {
    it(`rejects legacyWrites: ${JSON.stringify(value)}`, () =>
      expectRejected(syncConfigSchema, { ...validSyncConfig(), legacyWrites: value }, "legacyWrites"));
  }
});

describe("schemas: v1 expense writes (legacyExpenseWriteSchema)", () => {
  it("accepts a v1 write with a device clock", () => expectAccepted(legacyExpenseWriteSchema, validLegacyExpense()));
  it("accepts one without a category", () => expectAccepted(legacyExpenseWriteSchema, withField(validLegacyExpense(), "category", undefined)));
  requiredKeysTests(legacyExpenseWriteSchema, validLegacyExpense, ["category"]);
  for (const key of V2_EXPENSE_KEYS) {
    it(`rejects ${key}, which a v1 build never sends`, () =>
      expectRejected(legacyExpenseWriteSchema, { ...validLegacyExpense(), [key]: validExpense()[key] }, key));
  }
  it("rejects a v2 document (all four v2 fields)", () => {
    const result = legacyExpenseWriteSchema.safeParse(validExpense());
    expect(result.error?.issues.flatMap((issue) => (issue.code === "unrecognized_keys" ? issue.keys : []))).to.have.members(V2_EXPENSE_KEYS);
  });
  it("is what expenseSchema checks, minus the v2 fields (the same field schemas, not copies)", () => {
    expect(Object.keys(legacyExpenseWriteSchema.shape)).to.have.members(Object.keys(withoutKeys(expenseSchema.shape, ...V2_EXPENSE_KEYS)));
    for (const [key, field] of Object.entries(legacyExpenseWriteSchema.shape)) {
      expect(field, key).to.equal(expenseSchema.shape[key as keyof typeof expenseSchema.shape]);
    }
  });
  stringLimitTests(legacyExpenseWriteSchema, validLegacyExpense, "description", LIMITS.descriptionMax, 1);
  stringLimitTests(legacyExpenseWriteSchema, validLegacyExpense, "category", LIMITS.categoryMax, 0);
  const badBusinessFields: Array<[string, string, unknown]> = [
    ["float money", "amountMinor", 24.99],
    ["zero money", "amountMinor", 0],
    ["money above the limit", "amountMinor", LIMITS.amountMinorMax + 1],
    ["a lower-case currency", "currency", "gbp"],
    ["an empty paidBy", "paidBy", ""],
    ["a float split share", "splits.carol", 8.33],
    ["a negative split share", "splits.carol", -1],
    ["spentAt as an ISO string", "spentAt", "2025-08-31"],
    ["createdAt as epoch millis", "createdAt", 1_756_720_800_000],
    ["updatedBy that is not a uid", "updatedBy", "a/b"],
    ["createdBy that is not a uid", "createdBy", 42],
  ];
  for (const [name, field, value] of badBusinessFields) {
    it(`rejects ${name}`, () => expectRejected(legacyExpenseWriteSchema, withField(validLegacyExpense(), field, value), field));
  }
  it(`rejects ${LIMITS.splitsMax + 1} splits`, () =>
    expectRejected(legacyExpenseWriteSchema, { ...validLegacyExpense(), splits: equalSplits(uids(LIMITS.splitsMax + 1)) }, "splits"));
});

describe("schemas: v1 group writes (legacyGroupWriteSchema)", () => {
  it("accepts a v1 write with a device clock", () => expectAccepted(legacyGroupWriteSchema, validLegacyGroup()));
  requiredKeysTests(legacyGroupWriteSchema, validLegacyGroup);
  for (const key of [...V2_GROUP_KEYS, ...SERVER_GROUP_KEYS]) {
    it(`rejects ${key}, which a v1 build never sends`, () =>
      expectRejected(legacyGroupWriteSchema, { ...validLegacyGroup(), [key]: key.endsWith("By") ? "erin" : deviceClock }, key));
  }
  it("is what groupSchema checks, minus the deletion pair and server fields (the same field schemas)", () => {
    const v2Only = [...V2_GROUP_KEYS, ...SERVER_GROUP_KEYS];
    expect(Object.keys(legacyGroupWriteSchema.shape)).to.have.members(Object.keys(withoutKeys(groupSchema.shape, ...v2Only)));
    for (const [key, field] of Object.entries(withoutKeys(legacyGroupWriteSchema.shape, "memberIds"))) {
      expect(field, key).to.equal(groupSchema.shape[key as keyof typeof groupSchema.shape]);
    }
  });
  it("rejects an empty member list (only a v2 leave of the last member empties a group)", () =>
    expectRejected(legacyGroupWriteSchema, { ...validLegacyGroup(), memberIds: [] }, "memberIds"));
  stringLimitTests(legacyGroupWriteSchema, validLegacyGroup, "displayName", LIMITS.displayNameMax, 1);
  it("rejects a member list without the owner", () =>
    expectRejected(legacyGroupWriteSchema, { ...validLegacyGroup(), memberIds: ["bob", "carol"] }, "memberIds", "contain ownerId"));
  it("rejects a repeated member", () =>
    expectRejected(legacyGroupWriteSchema, { ...validLegacyGroup(), memberIds: ["erin", "bob", "bob"] }, "memberIds", "must not repeat"));
  it(`rejects ${LIMITS.membersMax + 1} members`, () =>
    expectRejected(legacyGroupWriteSchema, { ...validLegacyGroup(), memberIds: uids(LIMITS.membersMax + 1) }, "memberIds"));
  it("rejects a lower-case default currency", () =>
    expectRejected(legacyGroupWriteSchema, withField(validLegacyGroup(), "settings.defaultCurrency", "gbp"), "settings.defaultCurrency"));
  it("rejects updatedAt as an ISO string", () =>
    expectRejected(legacyGroupWriteSchema, { ...validLegacyGroup(), updatedAt: "2025-09-02T11:30:00Z" }, "updatedAt", "Firestore Timestamp"));
});

describe("schemas: users/{uid}", () => {
  it("accepts a profile", () => expectAccepted(userSchema, validUser()));
  requiredKeysTests(userSchema, validUser);
  stringLimitTests(userSchema, validUser, "displayName", LIMITS.displayNameMax, 1);
});

describe("schemas: kindOfPath and documentSchemas", () => {
  const governed: Array<[string, keyof typeof documentSchemas]> = [
    ["groups/g1", "groups/{groupId}"],
    ["groups/g1/expenses/e1", "groups/{groupId}/expenses/{expenseId}"],
    ["groups/g1/tombstones/e1", "groups/{groupId}/tombstones/{expenseId}"],
    ["groups/g1/deletedExpenses/e1", "groups/{groupId}/deletedExpenses/{expenseId}"],
    ["groups/g1/conflicts/c1", "groups/{groupId}/conflicts/{conflictId}"],
    ["users/alice", "users/{uid}"],
    ["users/alice/notifications/n1", "users/{uid}/notifications/{notificationId}"],
    ["users/alice/sync/membership", "users/{uid}/sync/membership"],
    ["config/sync", "config/sync"],
  ];
  for (const [path, kind] of governed) it(`${path} → ${kind}`, () => expect(kindOfPath(path)).to.equal(kind));

  it("names every kind in documentSchemas (the table above is complete)", () =>
    expect(governed.map(([, kind]) => kind)).to.have.members(Object.keys(documentSchemas)));

  const ungoverned = [
    "",
    "groups",
    "groups/g1/expenses",
    "groups/g1/members/m1",
    "groups/g1/expenses/e1/comments/c1",
    "users/alice/notifications",
    "users/alice/settings/s1",
    "users/alice/sync/other",
    "config/other",
    "config",
    "expenses/e1",
    "/groups/g1",
  ];
  for (const path of ungoverned) it(`${JSON.stringify(path)} → undefined`, () => expect(kindOfPath(path)).to.equal(undefined));

  it("maps each kind to its schema", () => {
    expect(documentSchemas["groups/{groupId}"]).to.equal(groupSchema);
    expect(documentSchemas["groups/{groupId}/expenses/{expenseId}"]).to.equal(expenseSchema);
    expect(documentSchemas["groups/{groupId}/tombstones/{expenseId}"]).to.equal(tombstoneSchema);
    expect(documentSchemas["groups/{groupId}/conflicts/{conflictId}"]).to.equal(conflictSchema);
    expect(documentSchemas["users/{uid}"]).to.equal(userSchema);
    expect(documentSchemas["users/{uid}/notifications/{notificationId}"]).to.equal(notificationSchema);
    expect(documentSchemas["config/sync"]).to.equal(syncConfigSchema);
  });
});

describe("schemas: expenseMembershipIssues", () => {
  const members = ["erin", "bob", "carol"];
  it("finds nothing when payer and every split are members", () =>
    expect(expenseMembershipIssues({ paidBy: "bob", splits: { erin: 1, bob: 1, carol: 1 } }, members)).to.deep.equal([]));
  it("allows a payer who is not in the splits (they lent the whole amount)", () =>
    expect(expenseMembershipIssues({ paidBy: "bob", splits: { carol: 2 } }, members)).to.deep.equal([]));
  it("names a payer who is not a member", () =>
    expect(expenseMembershipIssues({ paidBy: "mallory", splits: { erin: 1 } }, members)).to.deep.equal(["paidBy mallory is not a member"]));
  it("names every split key that is not a member", () =>
    expect(expenseMembershipIssues({ paidBy: "erin", splits: { erin: 1, mallory: 1, trent: 1 } }, members)).to.deep.equal([
      "splits key mallory is not a member",
      "splits key trent is not a member",
    ]));
  it("reports payer and splits together", () =>
    expect(expenseMembershipIssues({ paidBy: "mallory", splits: { mallory: 3 } }, members)).to.have.length(2));
  it("treats an empty member list as nobody", () =>
    expect(expenseMembershipIssues({ paidBy: "erin", splits: { erin: 1 } }, [])).to.have.length(2));
});
