// Deny by default (issue 3): for each collection of the contract, and for collections the contract
// does not have, every read and write is denied to whoever no rule names.
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import type { DocumentData } from "firebase/firestore";
import { type CaseTable, type RulesCase, defineCases, hardDelete, read, write } from "./support/cases";
import { rulesTestEnv } from "./support/emulator";
import { ADMIN, type Actor, G1, OWNER, STRANGER, WORLD, seed } from "./support/world";

type Operation = "get" | "list" | "create" | "update" | "delete";
const EVERY_OPERATION: Operation[] = ["get", "list", "create", "update", "delete"];

interface CollectionUnderTest {
  name: string;
  /** A document of the collection that exists in the world. */
  existing: string;
  /** Who no rule allows `operations` here. */
  outsiders: Actor[];
  operations?: Operation[];
}

const CONTRACT_OUTSIDERS: Actor[] = [STRANGER, "signedOut"];
/** Nobody, not even the group owner or an admin, may touch what the contract does not name. */
const EVERYONE: Actor[] = [OWNER, STRANGER, ADMIN, "signedOut"];

const COLLECTIONS: CollectionUnderTest[] = [
  { name: "groups", existing: G1, outsiders: CONTRACT_OUTSIDERS },
  { name: "expenses", existing: `${G1}/expenses/e1`, outsiders: CONTRACT_OUTSIDERS },
  { name: "tombstones", existing: `${G1}/tombstones/eDeleted`, outsiders: CONTRACT_OUTSIDERS },
  { name: "conflicts", existing: `${G1}/conflicts/c1`, outsiders: CONTRACT_OUTSIDERS },
  { name: "kept deletions", existing: `${G1}/deletedExpenses/eGone`, outsiders: CONTRACT_OUTSIDERS },
  { name: "users", existing: `users/${OWNER}`, outsiders: CONTRACT_OUTSIDERS },
  { name: "notifications", existing: `users/${OWNER}/notifications/nUnread`, outsiders: CONTRACT_OUTSIDERS },
  { name: "config", existing: "config/sync", outsiders: ["signedOut"] },
  // Any signed-in user reads config/sync; only its writes are beyond a non-admin.
  { name: "config (non-admin writes)", existing: "config/sync", outsiders: [STRANGER], operations: ["create", "update", "delete"] },
  { name: "config (a document other than sync)", existing: "config/other", outsiders: EVERYONE },
  { name: "unknown top-level collection", existing: "unknown/x", outsiders: EVERYONE },
  { name: "unknown subcollection of a group", existing: `${G1}/unknown/x`, outsiders: EVERYONE },
];

function storedAt(path: string): DocumentData {
  const found = WORLD.find((entry) => entry.path === path)?.data;
  if (!found) throw new Error(`${path} is not in the fixture world`);
  return found;
}

function baselineTable({ name, existing, outsiders, operations = EVERY_OPERATION }: CollectionUnderTest): CaseTable {
  const collectionPath = existing.slice(0, existing.lastIndexOf("/"));
  const stored = storedAt(existing);
  const requests: Record<Operation, RulesCase["request"]> = {
    get: read(existing),
    list: { op: "list", path: collectionPath },
    // The stored document itself, so a denial is about who asks rather than what is written.
    create: write(`${collectionPath}/baseline-new`, stored),
    update: write(existing, stored),
    delete: hardDelete(existing),
  };
  const denied = outsiders.flatMap((actor) =>
    operations.map((operation): RulesCase => ({ name: `${operation} in ${name}`, actor, request: requests[operation] })),
  );
  return { area: `deny by default: ${name}`, allowed: [], denied };
}

describe("firestore.rules deny-by-default baseline", () => {
  let env: RulesTestEnvironment;

  before(async () => {
    env = await rulesTestEnv();
    await env.clearFirestore();
    await seed(env, WORLD);
  });

  defineCases(COLLECTIONS.map(baselineTable), () => env);
});
