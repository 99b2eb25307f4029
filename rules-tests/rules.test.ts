// Every rule both ways: the case tables in rules-tests/cases, run against the fixture world.
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { expenseCases } from "./cases/expenses";
import { groupCases } from "./cases/groups";
import { legacyCases } from "./cases/legacy";
import { readCases } from "./cases/reads";
import { serverOwnedCases } from "./cases/server-owned";
import { userCases } from "./cases/users";
import { defineCases } from "./support/cases";
import { rulesTestEnv } from "./support/emulator";
import { WORLD, seed } from "./support/world";

export const CASE_TABLES = [readCases, groupCases, expenseCases, serverOwnedCases, userCases, legacyCases];

describe("firestore.rules cases", () => {
  let env: RulesTestEnvironment;

  before(async () => {
    env = await rulesTestEnv();
    await env.clearFirestore();
    await seed(env, WORLD);
  });

  defineCases(CASE_TABLES, () => env);
});
