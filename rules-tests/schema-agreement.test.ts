// Rules and zod schemas agree. For every client-writable document kind, and for the writes of app
// builds before 2.1 (v1): valid documents pass both the zod schema (core/schemas.ts) and the
// rules; every mutation derived from the schema
// (zod-mutations.ts) fails both. The rules check more than a lone schema can see (request.time,
// the caller, membership, immutability, who may write at all): those exceptions are listed in
// RULES_ONLY below, each shown to pass zod and fail the rules, and in docs/rules.md.
//
// One difference the other way cannot be shown from here: zod accepts an integral double (2.0
// arrives in the Admin SDK as the number 2), the rules' `is int` does not. The JS SDK always sends
// integral numbers as integers, so only a non-JS client could send one; the rules are stricter.
import { type RulesTestEnvironment, assertFails, assertSucceeds } from "@firebase/rules-unit-testing";
import { expect } from "chai";
import { type DocumentData, FieldValue, Timestamp, serverTimestamp } from "firebase/firestore";
import type { z } from "zod";
import {
  LIMITS,
  expenseSchema,
  groupSchema,
  legacyExpenseWriteSchema,
  legacyGroupWriteSchema,
  syncConfigSchema,
  userSchema,
} from "../core/schemas";
import { type RulesRequest, actorClients, perform } from "./support/cases";
import { rulesTestEnv } from "./support/emulator";
import {
  ADMIN,
  type Actor,
  G1,
  LEGACY_WRITES_OFF,
  LEGACY_WRITES_ON,
  MEMBER,
  OTHER_MEMBER,
  OWNER,
  STORED_DELETED_EXPENSE,
  STORED_DELETED_GROUP,
  STORED_E1,
  STORED_G1,
  STRANGER,
  type SeedDoc,
  clientClock,
  deviceClock,
  expenseEdit,
  groupEdit,
  legacyExpense,
  legacyExpenseEdit,
  legacyGroup,
  legacyGroupEdit,
  newExpense,
  newGroup,
  seed,
  storedProfile,
  uids,
} from "./support/world";
import { type Mutation, type MutationContext, schemaMutations } from "./support/zod-mutations";

interface AgreementWrite {
  actor: Actor;
  path: string;
  data: DocumentData;
  /** The stored document an edit starts from, written just before the request. */
  stored?: DocumentData;
}

interface WriteKind {
  name: string;
  schema: z.ZodType;
  /** Valid writes; the first one's document is the base every mutation starts from. */
  valid: [name: string, write: AgreementWrite][];
  /** Where mutations are written (never succeeds, so it can be shared). */
  target: Omit<AgreementWrite, "data">;
  context: MutationContext;
  /**
   * What a per-field walk cannot derive: violations of the schema's cross-field refinements, and
   * for the v1 kinds the v2 and server-owned fields they must not carry.
   */
  refinements: Mutation[];
  /** Written before every attempt of this kind (config/sync, for the v1 kinds). */
  seed?: SeedDoc[];
}

/**
 * What would be stored: a server timestamp becomes some Timestamp (its value is request.time,
 * which zod does not care about). The schemas take the web SDK's Timestamps as they are.
 */
function asStored(value: unknown): unknown {
  if (value instanceof FieldValue) return Timestamp.now();
  if (Array.isArray(value)) return value.map(asStored);
  if (value !== null && typeof value === "object" && !(value instanceof Timestamp)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asStored(inner)]));
  }
  return value;
}

function zodAccepts(schema: z.ZodType, data: DocumentData): boolean {
  return schema.safeParse(asStored(data)).success;
}

function freshUids(prefix: string): MutationContext["freshElements"] {
  return (_path, count) => uids(count, prefix);
}

const NO_HIDDEN_LIMITS: MutationContext["maxEntries"] = () => undefined;
const EXPENSE_CONTEXT: MutationContext = {
  freshElements: freshUids("fresh"),
  // splits' size limit is a .refine(), invisible to the walk.
  maxEntries: (path) => (path.join(".") === "splits" ? LIMITS.splitsMax : undefined),
};

function refinement(name: string, change: DocumentData): Mutation {
  return { name, apply: (doc) => ({ ...doc, ...change }) };
}

const GROUP_EDIT_BASE = groupEdit(STORED_G1, OWNER, { displayName: "Edited" });
const EXPENSE_EDIT_BASE = expenseEdit(STORED_E1, MEMBER, { description: "Edited" });
const THREE_DAYS_AGO = deviceClock(-3);

/** A field v1 builds never send: the set would carry what the server owns or v2 added. */
const carrying = (key: string, value: unknown) => refinement(`carrying ${key}`, { [key]: value });

const KINDS: WriteKind[] = [
  {
    name: "group create",
    schema: groupSchema,
    valid: [
      ["base", { actor: OWNER, path: "groups/agree-valid-base", data: newGroup(OWNER) }],
      ["alone", { actor: OWNER, path: "groups/agree-valid-alone", data: newGroup(OWNER, { memberIds: [OWNER] }) }],
      [
        "at the limits",
        {
          actor: OWNER,
          path: "groups/agree-valid-limits",
          data: newGroup(OWNER, {
            displayName: "g".repeat(LIMITS.displayNameMax),
            memberIds: [OWNER, "😀".repeat(LIMITS.uidMax / 2), ...uids(LIMITS.membersMax - 2, "friend")],
          }),
        },
      ],
    ],
    target: { actor: OWNER, path: "groups/agree-mutated" },
    context: { freshElements: freshUids("fresh"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [
      refinement("memberIds repeating a uid", { memberIds: [OWNER, MEMBER, MEMBER] }),
      refinement("memberIds without the owner", { memberIds: [MEMBER] }),
      refinement("deletedAt without deletedBy", { deletedAt: serverTimestamp() }),
    ],
  },
  {
    name: "group edit",
    schema: groupSchema,
    valid: [
      ["base", { actor: OWNER, path: "groups/agree-edit-base", data: GROUP_EDIT_BASE, stored: STORED_G1 }],
      [
        "at the limits",
        {
          actor: OWNER,
          path: "groups/agree-edit-limits",
          data: groupEdit(STORED_G1, OWNER, { memberIds: [...STORED_G1.memberIds, ...uids(LIMITS.membersMax - 3, "friend")] }),
          stored: STORED_G1,
        },
      ],
    ],
    target: { actor: OWNER, path: "groups/agree-edit-mutated", stored: STORED_G1 },
    context: { freshElements: freshUids("fresh"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [
      refinement("memberIds repeating a uid", { memberIds: [...STORED_G1.memberIds, MEMBER] }),
      refinement("deletedBy without deletedAt", { deletedBy: OWNER }),
      refinement("handedOverAt without handedOverBy (a hand-over)", { ownerId: MEMBER, handedOverAt: serverTimestamp() }),
      refinement("handedOverBy without handedOverAt (a hand-over)", { ownerId: MEMBER, handedOverBy: OWNER }),
    ],
  },
  {
    name: "expense create",
    schema: expenseSchema,
    valid: [
      ["base", { actor: MEMBER, path: `${G1}/expenses/agree-valid-base`, data: newExpense(MEMBER) }],
      [
        "at the limits",
        {
          actor: MEMBER,
          path: `${G1}/expenses/agree-valid-limits`,
          data: newExpense(MEMBER, {
            description: "d".repeat(LIMITS.descriptionMax),
            category: "c".repeat(LIMITS.categoryMax),
            amountMinor: LIMITS.amountMinorMax,
            splits: { [OWNER]: LIMITS.amountMinorMax, [MEMBER]: 0 },
          }),
        },
      ],
      ["smallest", { actor: MEMBER, path: `${G1}/expenses/agree-valid-small`, data: newExpense(MEMBER, { amountMinor: 1, splits: {}, category: "" }) }],
    ],
    target: { actor: MEMBER, path: `${G1}/expenses/agree-mutated` },
    context: EXPENSE_CONTEXT,
    refinements: [
      refinement("version not baseVersion + 1", { version: 3 }),
      refinement("deletedAt without deletedBy", { deletedAt: serverTimestamp() }),
    ],
  },
  {
    name: "expense edit",
    schema: expenseSchema,
    valid: [
      ["base", { actor: MEMBER, path: `${G1}/expenses/agree-edit-base`, data: EXPENSE_EDIT_BASE, stored: STORED_E1 }],
      [
        "soft delete",
        {
          actor: MEMBER,
          path: `${G1}/expenses/agree-edit-delete`,
          data: expenseEdit(STORED_E1, MEMBER, { deletedAt: serverTimestamp(), deletedBy: MEMBER }),
          stored: STORED_E1,
        },
      ],
    ],
    target: { actor: MEMBER, path: `${G1}/expenses/agree-edit-mutated`, stored: STORED_E1 },
    context: EXPENSE_CONTEXT,
    refinements: [
      refinement("version not baseVersion + 1", { baseVersion: 3, version: 5 }),
      refinement("deletedBy without deletedAt", { deletedBy: MEMBER }),
    ],
  },
  {
    name: "v1 expense create",
    schema: legacyExpenseWriteSchema,
    valid: [
      ["base", { actor: MEMBER, path: `${G1}/expenses/agree-v1-base`, data: legacyExpense(MEMBER) }],
      [
        "at the limits, device clock 3 days old",
        {
          actor: MEMBER,
          path: `${G1}/expenses/agree-v1-limits`,
          data: legacyExpense(MEMBER, {
            description: "d".repeat(LIMITS.descriptionMax),
            category: "c".repeat(LIMITS.categoryMax),
            amountMinor: LIMITS.amountMinorMax,
            splits: { [OWNER]: LIMITS.amountMinorMax, [MEMBER]: 0 },
            createdAt: THREE_DAYS_AGO,
            updatedAt: THREE_DAYS_AGO,
          }),
        },
      ],
      ["smallest", { actor: MEMBER, path: `${G1}/expenses/agree-v1-small`, data: legacyExpense(MEMBER, { amountMinor: 1, splits: {}, category: "" }) }],
    ],
    target: { actor: MEMBER, path: `${G1}/expenses/agree-v1-mutated` },
    context: EXPENSE_CONTEXT,
    refinements: [carrying("version", 1), carrying("baseVersion", 0), carrying("deletedAt", null), carrying("deletedBy", null)],
    seed: [LEGACY_WRITES_ON],
  },
  {
    name: "v1 expense edit",
    schema: legacyExpenseWriteSchema,
    valid: [
      ["base", { actor: MEMBER, path: `${G1}/expenses/agree-v1-edit-base`, data: legacyExpenseEdit(STORED_E1, MEMBER, { description: "Edited" }), stored: STORED_E1 }],
      [
        "over a soft delete",
        {
          actor: MEMBER,
          path: `${G1}/expenses/agree-v1-edit-deleted`,
          data: legacyExpenseEdit(STORED_DELETED_EXPENSE, MEMBER, { updatedAt: THREE_DAYS_AGO }),
          stored: STORED_DELETED_EXPENSE,
        },
      ],
    ],
    target: { actor: MEMBER, path: `${G1}/expenses/agree-v1-edit-mutated`, stored: STORED_E1 },
    context: EXPENSE_CONTEXT,
    refinements: [carrying("version", STORED_E1.version), carrying("baseVersion", STORED_E1.baseVersion), carrying("deletedAt", null), carrying("deletedBy", null)],
    seed: [LEGACY_WRITES_ON],
  },
  {
    name: "v1 group create",
    schema: legacyGroupWriteSchema,
    valid: [
      ["base", { actor: OWNER, path: "groups/agree-v1-base", data: legacyGroup(OWNER) }],
      [
        "at the limits, device clock 3 days old",
        {
          actor: OWNER,
          path: "groups/agree-v1-limits",
          data: legacyGroup(OWNER, {
            displayName: "g".repeat(LIMITS.displayNameMax),
            memberIds: [OWNER, "😀".repeat(LIMITS.uidMax / 2), ...uids(LIMITS.membersMax - 2, "friend")],
            createdAt: THREE_DAYS_AGO,
            updatedAt: THREE_DAYS_AGO,
          }),
        },
      ],
    ],
    target: { actor: OWNER, path: "groups/agree-v1-mutated" },
    context: { freshElements: freshUids("fresh"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [
      refinement("memberIds repeating a uid", { memberIds: [OWNER, MEMBER, MEMBER] }),
      refinement("memberIds without the owner", { memberIds: [MEMBER] }),
      carrying("deletedAt", null),
      carrying("deletedBy", null),
      carrying("lastActivityAt", THREE_DAYS_AGO),
      carrying("purgedBefore", THREE_DAYS_AGO),
      carrying("memberNames", { [OWNER]: "Alice" }),
    ],
    seed: [LEGACY_WRITES_ON],
  },
  {
    name: "v1 group edit",
    schema: legacyGroupWriteSchema,
    valid: [
      ["base", { actor: OWNER, path: "groups/agree-v1-edit-base", data: legacyGroupEdit(STORED_G1, OWNER, { displayName: "Edited" }), stored: STORED_G1 }],
      [
        "over a soft-deleted group",
        { actor: OWNER, path: "groups/agree-v1-edit-deleted", data: legacyGroupEdit(STORED_DELETED_GROUP, OWNER), stored: STORED_DELETED_GROUP },
      ],
    ],
    target: { actor: OWNER, path: "groups/agree-v1-edit-mutated", stored: STORED_G1 },
    context: { freshElements: freshUids("fresh"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [
      refinement("memberIds repeating a uid", { memberIds: [...STORED_G1.memberIds, MEMBER] }),
      carrying("deletedAt", null),
      carrying("deletedBy", null),
      carrying("lastActivityAt", STORED_G1.lastActivityAt),
      carrying("purgedBefore", THREE_DAYS_AGO),
      carrying("memberNames", STORED_G1.memberNames),
    ],
    seed: [LEGACY_WRITES_ON],
  },
  {
    name: "profile create",
    schema: userSchema,
    valid: [
      [
        "base",
        { actor: STRANGER, path: `users/${STRANGER}`, data: { displayName: "Dave", createdAt: serverTimestamp(), updatedAt: serverTimestamp() } },
      ],
    ],
    target: { actor: OTHER_MEMBER, path: `users/${OTHER_MEMBER}` },
    context: { freshElements: freshUids("fresh"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [],
  },
  {
    name: "profile edit",
    schema: userSchema,
    valid: [
      [
        "base",
        { actor: OWNER, path: `users/${OWNER}`, data: { ...storedProfile("Alice"), displayName: "A".repeat(100), updatedAt: serverTimestamp() }, stored: storedProfile("Alice") },
      ],
    ],
    target: { actor: MEMBER, path: `users/${MEMBER}`, stored: storedProfile("Bob") },
    context: { freshElements: freshUids("fresh"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [],
  },
  {
    name: "sync config",
    schema: syncConfigSchema,
    valid: [
      ["base", { actor: ADMIN, path: "config/sync", data: { realtimeSyncEnabled: true, rolloutPercent: 25, allowlistUserIds: [OWNER, MEMBER], legacyWrites: true } }],
      ["without legacyWrites (on)", { actor: ADMIN, path: "config/sync", data: { realtimeSyncEnabled: true, rolloutPercent: 25, allowlistUserIds: [OWNER] } }],
      ["v1 writes off", { actor: ADMIN, path: "config/sync", data: { realtimeSyncEnabled: true, rolloutPercent: 100, allowlistUserIds: [], legacyWrites: false } }],
      ["empty allowlist", { actor: ADMIN, path: "config/sync", data: { realtimeSyncEnabled: false, rolloutPercent: 0, allowlistUserIds: [] } }],
      [
        "at the limits",
        { actor: ADMIN, path: "config/sync", data: { realtimeSyncEnabled: true, rolloutPercent: 100, allowlistUserIds: uids(LIMITS.allowlistMax, "beta") } },
      ],
    ],
    target: { actor: ADMIN, path: "config/sync" },
    context: { freshElements: freshUids("beta"), maxEntries: NO_HIDDEN_LIMITS },
    refinements: [],
  },
];

/** Checks only the rules make: zod accepts each of these documents, the rules deny the write. */
const RULES_ONLY: { name: string; kind: string; actor?: Actor; change: DocumentData; seed?: SeedDoc[] }[] = [
  { name: "createdAt from the client clock (must equal request.time)", kind: "group create", change: { createdAt: clientClock() } },
  { name: "owned by someone other than the caller", kind: "group create", change: { ownerId: MEMBER, memberIds: [MEMBER, OWNER] } },
  { name: "server-owned lastActivityAt written by a client", kind: "group create", change: { lastActivityAt: serverTimestamp() } },
  { name: "server-owned memberNames written by a client", kind: "group create", change: { memberNames: { [OWNER]: "Alice" } } },
  { name: "a valid name in memberNames changed by a client", kind: "group edit", change: { memberNames: { ...STORED_G1.memberNames, [MEMBER]: "Robert" } } },
  { name: "no members (only the last member's leave empties a group)", kind: "group create", change: { memberIds: [] } },
  { name: "updatedBy someone other than the caller", kind: "group edit", change: { updatedBy: MEMBER } },
  { name: "the owner emptying the group while others are in it", kind: "group edit", change: { memberIds: [] } },
  { name: "a hand-over audit pair without a hand-over", kind: "group edit", change: { handedOverAt: serverTimestamp(), handedOverBy: OWNER } },
  { name: "a hand-over dated by the client clock", kind: "group edit", change: { ownerId: MEMBER, handedOverAt: clientClock(), handedOverBy: OWNER } },
  { name: "a non-owner soft-deleting the group", kind: "group edit", actor: MEMBER, change: { updatedBy: MEMBER, deletedAt: serverTimestamp(), deletedBy: MEMBER } },
  { name: "paidBy a non-member (expenseMembershipIssues, not the schema)", kind: "expense create", change: { paidBy: STRANGER } },
  { name: "a split for a non-member", kind: "expense create", change: { splits: { [OWNER]: 1, [STRANGER]: 2 } } },
  { name: "version 2 on create (must be 1, baseVersion 0)", kind: "expense create", change: { version: 2, baseVersion: 1 } },
  { name: "baseVersion above the stored version", kind: "expense edit", change: { baseVersion: 7, version: 8 } },
  { name: "createdBy rewritten (immutable)", kind: "expense edit", change: { createdBy: OWNER } },
  { name: "updatedAt from the client clock", kind: "profile create", change: { updatedAt: clientClock() } },
  { name: "written by a user without the admin claim", kind: "sync config", actor: OWNER, change: {} },
  { name: "createdBy someone other than the caller", kind: "v1 expense create", change: { createdBy: OWNER } },
  { name: "paidBy a non-member", kind: "v1 expense create", change: { paidBy: STRANGER } },
  { name: "updatedBy someone other than the caller", kind: "v1 expense edit", change: { updatedBy: OWNER } },
  { name: "written by a non-member", kind: "v1 expense edit", actor: STRANGER, change: { updatedBy: STRANGER } },
  { name: "owned by someone other than the caller", kind: "v1 group create", change: { ownerId: MEMBER, memberIds: [MEMBER, OWNER] } },
  { name: "ownerId changed (immutable)", kind: "v1 group edit", change: { ownerId: MEMBER } },
  { name: "a non-owner removing another member", kind: "v1 group edit", actor: MEMBER, change: { updatedBy: MEMBER, memberIds: [OWNER, MEMBER] } },
  ...["v1 expense create", "v1 expense edit", "v1 group create", "v1 group edit"].map((kind) => ({
    name: "written while legacyWrites is off",
    kind,
    change: {},
    seed: [LEGACY_WRITES_OFF],
  })),
];

function kindNamed(name: string): WriteKind {
  const kind = KINDS.find((candidate) => candidate.name === name);
  if (!kind) throw new Error(`no write kind ${name}`);
  return kind;
}

describe("rules and zod schemas agree", () => {
  let env: RulesTestEnvironment;
  const clientFor = actorClients(() => env);

  const attempt = async (write: AgreementWrite, setup: SeedDoc[] = []): Promise<unknown> => {
    await seed(env, [...setup, ...(write.stored ? [{ path: write.path, data: write.stored }] : [])]);
    const request: RulesRequest = { op: "set", path: write.path, data: write.data };
    return perform(clientFor(write.actor), request);
  };

  before(async () => {
    env = await rulesTestEnv();
    await env.clearFirestore();
    const targets: SeedDoc[] = KINDS.flatMap(({ target }) => (target.stored ? [{ path: target.path, data: target.stored }] : []));
    await seed(env, [{ path: G1, data: STORED_G1 }, ...targets]);
  });

  for (const kind of KINDS) {
    describe(kind.name, () => {
      const base = kind.valid[0][1].data;
      const mutations = [...schemaMutations(kind.schema, base, kind.context), ...kind.refinements];

      it("derives mutations from the schema", () => {
        expect(mutations.length).to.be.greaterThan(Object.keys(base).length);
      });

      for (const [name, write] of kind.valid) {
        it(`valid (${name}): zod accepts, rules allow`, async () => {
          expect(kind.schema.safeParse(asStored(write.data)).error?.issues ?? []).to.deep.equal([]);
          await assertSucceeds(attempt(write, kind.seed));
        });
      }

      for (const mutation of mutations) {
        it(`${mutation.name}: zod rejects, rules deny`, async () => {
          const data = mutation.apply(base);
          expect(zodAccepts(kind.schema, data), "zod accepted the mutation").to.equal(false);
          await assertFails(attempt({ ...kind.target, data }, kind.seed));
        });
      }
    });
  }

  describe("rules-only checks (documented exceptions)", () => {
    for (const { name, kind: kindName, actor, change, seed: setup } of RULES_ONLY) {
      it(`${kindName}, ${name}: zod accepts, rules deny`, async () => {
        const kind = kindNamed(kindName);
        const data = { ...kind.valid[0][1].data, ...change };
        expect(kind.schema.safeParse(asStored(data)).error?.issues ?? []).to.deep.equal([]);
        await assertFails(attempt({ ...kind.target, actor: actor ?? kind.target.actor, data }, setup ?? kind.seed));
      });
    }
  });
});
