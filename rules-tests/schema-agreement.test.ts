// Rules and zod schemas agree. For every client-writable document kind: valid documents pass both
// the zod schema (functions/src/schemas.ts) and the rules; every mutation derived from the schema
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
import { LIMITS, expenseSchema, groupSchema, syncConfigSchema, userSchema } from "../core/schemas";
import { type RulesRequest, actorClients, perform } from "./support/cases";
import { rulesTestEnv } from "./support/emulator";
import {
  ADMIN,
  type Actor,
  G1,
  MEMBER,
  OTHER_MEMBER,
  OWNER,
  STORED_E1,
  STORED_G1,
  STRANGER,
  type SeedDoc,
  clientClock,
  expenseEdit,
  groupEdit,
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
  /** Violations of the schema's cross-field refinements, which a per-field walk cannot derive. */
  refinements: Mutation[];
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
      ["base", { actor: ADMIN, path: "config/sync", data: { realtimeSyncEnabled: true, rolloutPercent: 25, allowlistUserIds: [OWNER, MEMBER] } }],
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
const RULES_ONLY: { name: string; kind: string; actor?: Actor; change: DocumentData }[] = [
  { name: "createdAt from the client clock (must equal request.time)", kind: "group create", change: { createdAt: clientClock() } },
  { name: "owned by someone other than the caller", kind: "group create", change: { ownerId: MEMBER, memberIds: [MEMBER, OWNER] } },
  { name: "server-owned lastActivityAt written by a client", kind: "group create", change: { lastActivityAt: serverTimestamp() } },
  { name: "updatedBy someone other than the caller", kind: "group edit", change: { updatedBy: MEMBER } },
  { name: "a non-owner soft-deleting the group", kind: "group edit", actor: MEMBER, change: { updatedBy: MEMBER, deletedAt: serverTimestamp(), deletedBy: MEMBER } },
  { name: "paidBy a non-member (expenseMembershipIssues, not the schema)", kind: "expense create", change: { paidBy: STRANGER } },
  { name: "a split for a non-member", kind: "expense create", change: { splits: { [OWNER]: 1, [STRANGER]: 2 } } },
  { name: "version 2 on create (must be 1, baseVersion 0)", kind: "expense create", change: { version: 2, baseVersion: 1 } },
  { name: "baseVersion above the stored version", kind: "expense edit", change: { baseVersion: 7, version: 8 } },
  { name: "createdBy rewritten (immutable)", kind: "expense edit", change: { createdBy: OWNER } },
  { name: "updatedAt from the client clock", kind: "profile create", change: { updatedAt: clientClock() } },
  { name: "written by a user without the admin claim", kind: "sync config", actor: OWNER, change: {} },
];

function kindNamed(name: string): WriteKind {
  const kind = KINDS.find((candidate) => candidate.name === name);
  if (!kind) throw new Error(`no write kind ${name}`);
  return kind;
}

describe("rules and zod schemas agree", () => {
  let env: RulesTestEnvironment;
  const clientFor = actorClients(() => env);

  const attempt = async (write: AgreementWrite): Promise<unknown> => {
    if (write.stored) await seed(env, [{ path: write.path, data: write.stored }]);
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
          await assertSucceeds(attempt(write));
        });
      }

      for (const mutation of mutations) {
        it(`${mutation.name}: zod rejects, rules deny`, async () => {
          const data = mutation.apply(base);
          expect(zodAccepts(kind.schema, data), "zod accepted the mutation").to.equal(false);
          await assertFails(attempt({ ...kind.target, data }));
        });
      }
    });
  }

  describe("rules-only checks (documented exceptions)", () => {
    for (const { name, kind: kindName, actor, change } of RULES_ONLY) {
      it(`${kindName}, ${name}: zod accepts, rules deny`, async () => {
        const kind = kindNamed(kindName);
        const data = { ...kind.valid[0][1].data, ...change };
        expect(kind.schema.safeParse(asStored(data)).error?.issues ?? []).to.deep.equal([]);
        await assertFails(attempt({ ...kind.target, actor: actor ?? kind.target.actor, data }));
      });
    }
  });
});
