import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as config from "../../functions/src/config";
import { DEFAULTS_FILE, defaultsFileProblems, projectValueProblems, type ParamSpec } from "../functionsParams";

const PARAMS: ParamSpec[] = [
  { name: "SYNC_REGION", type: "string", default: "us-central1" },
  { name: "PURGE_BATCH_SIZE", type: "int", default: 300 },
];

describe("functions params", () => {
  it("functions/.env holds exactly the default of every param functions/src/config.ts declares", () => {
    const params = Object.values(config).map(({ name, options }) => ({ name, default: options.default }));
    expect(params.map((param) => param.name)).to.include("MAX_INSTANCES");
    expect(defaultsFileProblems(params, readFileSync(DEFAULTS_FILE, "utf8"))).to.deep.equal([]);
  });

  it("names a default that differs, one missing, a param without a default, and a key no param declares", () => {
    const dotenv = "# defaults\nSYNC_REGION=europe-west1\nRETENTION=3\n";
    expect(defaultsFileProblems([...PARAMS, { name: "LABEL", type: "string" }], dotenv)).to.deep.equal([
      'SYNC_REGION is "europe-west1" but its default is "us-central1"',
      'PURGE_BATCH_SIZE is missing (its default is "300")',
      "LABEL has no default in its definition",
      "RETENTION is no declared param",
    ]);
  });

  it("names a project value that is unset or not of its param's type", () => {
    expect(projectValueProblems(PARAMS, { SYNC_REGION: "us-east1", PURGE_BATCH_SIZE: "300" })).to.deep.equal([]);
    expect(projectValueProblems(PARAMS, { PURGE_BATCH_SIZE: "3e2" })).to.deep.equal([
      "SYNC_REGION has no value (a deploy would prompt for it, an emulator without a terminal would hang)",
      "PURGE_BATCH_SIZE=3e2 is not a whole number",
    ]);
  });
});
