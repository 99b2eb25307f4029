// The decisions behind memberNames, as plain functions.
import { expect } from "chai";
import { namesMatchMembers, profileName } from "../../src/people";

describe("member names", () => {
  it("match when memberNames has exactly the members as keys, null names included", () => {
    expect(namesMatchMembers({ memberIds: ["a", "b"], memberNames: { a: "Ann", b: null } })).to.equal(true);
    expect(namesMatchMembers({ memberIds: [], memberNames: {} })).to.equal(true);
  });

  it("do not match when a member is missing, a former member is left, or the map is absent", () => {
    expect(namesMatchMembers({ memberIds: ["a", "b"], memberNames: { a: "Ann" } })).to.equal(false);
    expect(namesMatchMembers({ memberIds: ["a"], memberNames: { a: "Ann", b: "Bo" } })).to.equal(false);
    expect(namesMatchMembers({ memberIds: ["a"], memberNames: { b: "Bo" } })).to.equal(false);
    expect(namesMatchMembers({ memberIds: ["a"] })).to.equal(false);
    expect(namesMatchMembers({ memberIds: ["a"], memberNames: null })).to.equal(false);
  });

  it("need nothing for a document without members (a deleted group document)", () => {
    expect(namesMatchMembers(undefined)).to.equal(true);
  });

  it("take a profile's displayName, or null without a valid one", () => {
    expect(profileName({ displayName: "Ann" })).to.equal("Ann");
    for (const profile of [undefined, {}, { displayName: "" }, { displayName: 7 }, { displayName: "n".repeat(101) }]) {
      expect(profileName(profile), JSON.stringify(profile)).to.equal(null);
    }
  });
});
