import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { indexesFileProblems } from "../indexesFile";

const projectFile = readFileSync(join(__dirname, "..", "..", "firestore.indexes.json"), "utf8");

const composite = () => ({
  collectionGroup: "groups",
  queryScope: "COLLECTION",
  fields: [
    { fieldPath: "memberIds", arrayConfig: "CONTAINS" },
    { fieldPath: "lastActivityAt", order: "DESCENDING" },
  ],
});
const override = () => ({ collectionGroup: "expenses", fieldPath: "deletedAt", ttl: false, indexes: [{ order: "ASCENDING", queryScope: "COLLECTION_GROUP" }] });
const file = (changes: { indexes?: unknown[]; fieldOverrides?: unknown[]; [key: string]: unknown } = {}) =>
  JSON.stringify({ indexes: [composite()], fieldOverrides: [override()], ...changes });

describe("indexes file validator", () => {
  it("accepts the project's firestore.indexes.json", () => {
    expect(indexesFileProblems(projectFile)).to.deep.equal([]);
  });

  it("accepts a file without field overrides, and an override that turns indexing off", () => {
    expect(indexesFileProblems(JSON.stringify({ indexes: [composite()] }))).to.deep.equal([]);
    expect(indexesFileProblems(file({ fieldOverrides: [{ ...override(), indexes: [] }] }))).to.deep.equal([]);
  });

  it("names text that is not JSON", () => {
    expect(indexesFileProblems('{ "indexes": [ }')).to.have.length(1).and.to.match(/^not JSON: /);
  });

  it("names an unknown queryScope and the value found", () => {
    expect(indexesFileProblems(file({ indexes: [{ ...composite(), queryScope: "DATABASE" }] }))).to.deep.equal([
      'indexes[0].queryScope: Invalid option: expected one of "COLLECTION"|"COLLECTION_GROUP" (got "DATABASE")',
    ]);
  });

  it("names a missing queryScope on an override's index", () => {
    const problems = indexesFileProblems(file({ fieldOverrides: [{ ...override(), indexes: [{ order: "ASCENDING" }] }] }));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^fieldOverrides\[0\]\.indexes\[0\]\.queryScope: /);
  });

  it("names a field with neither or both of order and arrayConfig", () => {
    const [, lastActivityAt] = composite().fields;
    const indexes = [{ ...composite(), fields: [{ fieldPath: "memberIds" }, { ...lastActivityAt, arrayConfig: "CONTAINS" }] }];
    expect(indexesFileProblems(file({ indexes }))).to.deep.equal([
      "indexes[0].fields[0]: needs exactly one of order and arrayConfig",
      "indexes[0].fields[1]: needs exactly one of order and arrayConfig",
    ]);
    expect(indexesFileProblems(file({ fieldOverrides: [{ ...override(), indexes: [{ queryScope: "COLLECTION" }] }] }))).to.deep.equal([
      "fieldOverrides[0].indexes[0]: needs exactly one of order and arrayConfig",
    ]);
  });

  it("names an unknown order or arrayConfig value", () => {
    const indexes = [{ ...composite(), fields: [{ fieldPath: "memberIds", arrayConfig: "CONTAINS_ANY" }, { fieldPath: "lastActivityAt", order: "DESC" }] }];
    expect(indexesFileProblems(file({ indexes }))).to.deep.equal([
      'indexes[0].fields[0].arrayConfig: Invalid input: expected "CONTAINS" (got "CONTAINS_ANY")',
      'indexes[0].fields[1].order: Invalid option: expected one of "ASCENDING"|"DESCENDING" (got "DESC")',
    ]);
  });

  it("names a composite index of one field, which Firestore refuses", () => {
    expect(indexesFileProblems(file({ indexes: [{ ...composite(), fields: [composite().fields[1]] }] }))).to.deep.equal([
      "indexes[0].fields: a composite index needs at least two fields (index a single field in fieldOverrides)",
    ]);
  });

  it("names a ttl that is not a boolean", () => {
    const problems = indexesFileProblems(file({ fieldOverrides: [{ ...override(), ttl: "yes" }] }));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^fieldOverrides\[0\]\.ttl: .*expected boolean/);
  });

  it("names unknown and misspelt keys at every level, and an empty collectionGroup", () => {
    const { collectionGroup, ...rest } = composite();
    const problems = indexesFileProblems(
      JSON.stringify({
        indexes: [{ ...rest, colectionGroup: collectionGroup }],
        fieldOverrides: [{ ...override(), collectionGroup: "", indexes: [{ order: "ASCENDING", queryScope: "COLLECTION", density: "SPARSE_ALL" }] }],
        extra: true,
      }),
    );
    expect(problems).to.include.members([
      'indexes[0]: Unrecognized key: "colectionGroup"',
      'fieldOverrides[0].indexes[0]: Unrecognized key: "density"',
      'the file: Unrecognized key: "extra"',
    ]);
    expect(problems.some((problem) => problem.startsWith("indexes[0].collectionGroup: "))).to.equal(true);
    expect(problems.some((problem) => problem.startsWith("fieldOverrides[0].collectionGroup: "))).to.equal(true);
  });

  it("names a file without its indexes list", () => {
    expect(indexesFileProblems(JSON.stringify({ fieldOverrides: [] }))).to.deep.equal(["indexes: Invalid input: expected array, received undefined"]);
  });
});
