// firestore.indexes.json must serve every query the contract names (the emulator does not
// enforce indexes, so production would be the first to notice a gap).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXPIRE_AT_FIELD, PURGE_KINDS } from "../../src/purge";

type Scope = "COLLECTION" | "COLLECTION_GROUP";
interface IndexField {
  fieldPath: string;
  order?: "ASCENDING" | "DESCENDING";
  arrayConfig?: "CONTAINS";
}
interface IndexFile {
  indexes: { collectionGroup: string; queryScope: Scope; fields: IndexField[] }[];
  fieldOverrides: {
    collectionGroup: string;
    fieldPath: string;
    ttl?: boolean;
    indexes: ({ queryScope: Scope } & Omit<IndexField, "fieldPath">)[];
  }[];
}

/** A query as the index planner sees it: the fields it filters or orders on, in index order. */
interface ContractQuery {
  name: string;
  collectionGroup: string;
  scope: Scope;
  fields: IndexField[];
}

const CONTRACT_QUERIES: ContractQuery[] = [
  {
    name: "Tier 1: groups where memberIds array-contains uid order by lastActivityAt desc",
    collectionGroup: "groups",
    scope: "COLLECTION",
    fields: [{ fieldPath: "memberIds", arrayConfig: "CONTAINS" }, { fieldPath: "lastActivityAt", order: "DESCENDING" }],
  },
  // The range filter is on the field the query orders by, so the same composite index serves it.
  {
    name: "Tier 1 since a mark: groups where memberIds array-contains uid and lastActivityAt > mark order by lastActivityAt desc",
    collectionGroup: "groups",
    scope: "COLLECTION",
    fields: [{ fieldPath: "memberIds", arrayConfig: "CONTAINS" }, { fieldPath: "lastActivityAt", order: "DESCENDING" }],
  },
  {
    name: "Tier 2/3: expenses where updatedAt > cursor order by updatedAt",
    collectionGroup: "expenses",
    scope: "COLLECTION",
    fields: [{ fieldPath: "updatedAt", order: "ASCENDING" }],
  },
  {
    name: "Tier 3: tombstones where deletedAt > cursor",
    collectionGroup: "tombstones",
    scope: "COLLECTION",
    fields: [{ fieldPath: "deletedAt", order: "ASCENDING" }],
  },
  // The purge's deleted groups: a collection query on one field, which the automatic index serves
  // unless an override on groups.deletedAt took it away.
  {
    name: "Purge: groups where deletedAt < cutoff order by deletedAt",
    collectionGroup: "groups",
    scope: "COLLECTION",
    fields: [{ fieldPath: "deletedAt", order: "ASCENDING" }],
  },
  // The purge: one collection-group query per kind it removes (PURGE_KINDS), field < cutoff.
  ...PURGE_KINDS.map(
    (spec): ContractQuery => ({
      name: `Purge: collection group ${spec.collectionId} where ${spec.field} < cutoff`,
      collectionGroup: spec.collectionId,
      scope: "COLLECTION_GROUP",
      fields: [{ fieldPath: spec.field, order: "ASCENDING" }],
    }),
  ),
];

const sameField = (a: Omit<IndexField, "fieldPath">, b: Omit<IndexField, "fieldPath">) =>
  a.order === b.order && a.arrayConfig === b.arrayConfig;

/** Whether the index file (plus Firestore's automatic single-field indexes) serves `query`. */
function covers(file: IndexFile, query: ContractQuery): boolean {
  if (query.fields.length === 1) {
    const [field] = query.fields;
    const override = file.fieldOverrides.find((o) => o.collectionGroup === query.collectionGroup && o.fieldPath === field.fieldPath);
    // Without an override, Firestore indexes every field ascending and descending in collection scope only.
    if (!override) return query.scope === "COLLECTION" && field.arrayConfig === undefined;
    return override.indexes.some((index) => index.queryScope === query.scope && sameField(index, field));
  }
  return file.indexes.some(
    (index) =>
      index.collectionGroup === query.collectionGroup &&
      index.queryScope === query.scope &&
      index.fields.length === query.fields.length &&
      index.fields.every((field, i) => field.fieldPath === query.fields[i].fieldPath && sameField(field, query.fields[i])),
  );
}

describe("firestore.indexes.json", () => {
  const file = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "firestore.indexes.json"), "utf8")) as IndexFile;

  for (const query of CONTRACT_QUERIES) {
    it(`serves ${query.name}`, () => {
      expect(covers(file, query)).to.equal(true);
    });
  }

  // A TTL policy's field is queried by nobody, so its override drops every index on purpose: an
  // ever-increasing timestamp indexed would only make a write hotspot.
  const isTtlPolicy = (override: IndexFile["fieldOverrides"][number]) => override.fieldPath === EXPIRE_AT_FIELD;

  it("keeps the collection-scope indexes in every other field override (an override replaces the automatic ones)", () => {
    for (const override of file.fieldOverrides.filter((o) => !isTtlPolicy(o))) {
      const scopes = override.indexes.filter((index) => index.queryScope === "COLLECTION");
      expect(scopes.map((index) => index.order ?? index.arrayConfig), `${override.collectionGroup}.${override.fieldPath}`).to.include.members([
        "ASCENDING",
        "DESCENDING",
      ]);
    }
  });

  it("declares an unindexed TTL policy on expireAt for every kind the server dates, and for no other collection group", () => {
    const ttlKinds = PURGE_KINDS.filter((spec) => spec.ttl).map((spec) => spec.collectionId);
    expect(ttlKinds).to.have.members(["tombstones", "conflicts", "notifications"]);
    const policies = file.fieldOverrides.filter(isTtlPolicy);
    expect(policies.map((o) => o.collectionGroup)).to.have.members(ttlKinds);
    for (const policy of policies) {
      expect(policy, policy.collectionGroup).to.deep.equal({ collectionGroup: policy.collectionGroup, fieldPath: EXPIRE_AT_FIELD, ttl: true, indexes: [] });
    }
    // Expenses and kept deletions must go through the purge, which raises purgedBefore as it deletes.
    expect(file.fieldOverrides.filter((o) => o.ttl === true).map((o) => o.collectionGroup)).to.have.members(ttlKinds);
  });

  it("would notice a missing index: the Tier-1 query is not served without its composite", () => {
    expect(covers({ ...file, indexes: [] }, CONTRACT_QUERIES[0])).to.equal(false);
  });
});
