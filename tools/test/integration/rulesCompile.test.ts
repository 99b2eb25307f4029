// The rules compile step of `npm run deploy:check` (scripts/rulesCompile.ts) against the Firestore
// emulator the suite runs in: it must pass the project's rules and report a broken file with the
// line and column of each problem.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileRules, formatRulesIssue } from "../../../scripts/rulesCompile";
import { emulatorAddress } from "../../emulator";

const RULES = readFileSync(join(__dirname, "..", "..", "..", "firestore.rules"), "utf8");

describe("rules compile check (emulator)", () => {
  const compile = (source: string) => compileRules(emulatorAddress("FIRESTORE_EMULATOR_HOST"), source);

  it("finds nothing in the project's firestore.rules", async () => {
    expect(await compile(RULES)).to.deep.equal([]);
  });

  it("reports a missing closing brace as an error at the end of the file", async () => {
    const lines = RULES.trimEnd().split("\n");
    expect(lines.at(-1)).to.equal("}");
    const issues = await compile(lines.slice(0, -1).join("\n"));
    expect(issues).to.have.length.above(0);
    expect(issues.every((issue) => issue.severity === "ERROR" && issue.line === lines.length - 1)).to.equal(true, JSON.stringify(issues));
    expect(issues.map((issue) => issue.description).join(" ")).to.contain("missing '}'");
    expect(formatRulesIssue("firestore.rules", issues[0])).to.match(new RegExp(`^firestore\\.rules:${lines.length - 1}:\\d+: error: `));
  });

  it("reports a call to an unknown function with its line and column", async () => {
    const broken = RULES.replace("return request.auth != null;", "return request.auth != null && noSuchFunction();");
    const lines = broken.split("\n");
    const line = lines.findIndex((text) => text.includes("noSuchFunction")) + 1;
    const column = lines[line - 1].indexOf("noSuchFunction") + 1;
    // Only a warning to the compiler, though the call cannot succeed when evaluated: the deploy
    // check fails on warnings too.
    expect(await compile(broken)).to.deep.equal([{ line, column, severity: "WARNING", description: "Invalid function name: noSuchFunction." }]);
  });
});
