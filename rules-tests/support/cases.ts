// Rules cases as data, and the runner that turns each into one mocha test named after it.
import { assertFails, assertSucceeds, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import {
  type DocumentData,
  type Firestore,
  type OrderByDirection,
  type QueryConstraint,
  type WhereFilterOp,
  collection,
  collectionGroup,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  orderBy,
  query,
  setDoc,
  updateDoc,
  where,
  writeBatch,
} from "firebase/firestore";
import { type Actor, CUSTOM_CLAIMS, type SeedDoc, seed } from "./world";

export type RulesRequest =
  | { op: "get"; path: string }
  | {
      op: "list";
      /** A collection path, or with `collectionGroup` a collection id. */
      path: string;
      collectionGroup?: boolean;
      where?: [field: string, op: WhereFilterOp, value: unknown][];
      orderBy?: [field: string, direction: OrderByDirection];
    }
  /** setDoc: a create when the document is absent, otherwise a full rewrite (an update to the rules). */
  | { op: "set"; path: string; data: DocumentData }
  /** updateDoc: a partial update merged into the stored document. */
  | { op: "update"; path: string; data: DocumentData }
  | { op: "delete"; path: string }
  /** One commit of several setDoc writes: the rules see every write with the batch applied. */
  | { op: "batch"; writes: { path: string; data: DocumentData }[] };

export interface RulesCase {
  name: string;
  actor: Actor;
  request: RulesRequest;
  /** Written with rules disabled right before the request: the private target of an allowed write. */
  seed?: SeedDoc[];
}

/** A table of cases for one part of the contract. */
export interface CaseTable {
  area: string;
  allowed: RulesCase[];
  denied: RulesCase[];
}

/** One Firestore client per actor, made on first use and shared by every later request. */
export function actorClients(env: () => RulesTestEnvironment): (actor: Actor) => Firestore {
  const clients = new Map<Actor, Firestore>();
  return (actor) => {
    let db = clients.get(actor);
    if (!db) {
      const context =
        actor === "signedOut"
          ? env().unauthenticatedContext()
          : env().authenticatedContext(actor, CUSTOM_CLAIMS[actor] ?? {});
      db = context.firestore() as unknown as Firestore;
      clients.set(actor, db);
    }
    return db;
  };
}

export function perform(db: Firestore, request: RulesRequest): Promise<unknown> {
  switch (request.op) {
    case "get":
      return getDoc(doc(db, request.path));
    case "list": {
      const constraints: QueryConstraint[] = (request.where ?? []).map(([field, op, value]) => where(field, op, value));
      if (request.orderBy) constraints.push(orderBy(...request.orderBy));
      const source = request.collectionGroup ? collectionGroup(db, request.path) : collection(db, request.path);
      return getDocs(query(source, ...constraints));
    }
    case "set":
      return setDoc(doc(db, request.path), request.data);
    case "update":
      return updateDoc(doc(db, request.path), request.data);
    case "delete":
      return deleteDoc(doc(db, request.path));
    case "batch": {
      const batch = writeBatch(db);
      for (const { path, data } of request.writes) batch.set(doc(db, path), data);
      return batch.commit();
    }
  }
}

function describeRequest(request: RulesRequest): string {
  if (request.op === "batch") return `batch set ${request.writes.map(({ path }) => path).join(" + ")}`;
  if (request.op === "list" && request.collectionGroup) return `list collection group ${request.path}`;
  return `${request.op} ${request.path}`;
}

/** One `it` per case, named "allows|denies actor: name (op path)" inside a describe per table. */
export function defineCases(tables: CaseTable[], env: () => RulesTestEnvironment): void {
  const clientFor = actorClients(env);
  const run = async (rulesCase: RulesCase) => {
    await seed(env(), rulesCase.seed ?? []);
    return perform(clientFor(rulesCase.actor), rulesCase.request);
  };
  for (const table of tables) {
    describe(table.area, () => {
      for (const rulesCase of table.allowed) {
        it(`allows ${rulesCase.actor}: ${rulesCase.name} (${describeRequest(rulesCase.request)})`, async () => {
          await assertSucceeds(run(rulesCase));
        });
      }
      for (const rulesCase of table.denied) {
        it(`denies ${rulesCase.actor}: ${rulesCase.name} (${describeRequest(rulesCase.request)})`, async () => {
          await assertFails(run(rulesCase));
        });
      }
    });
  }
}

// Request builders, so the tables read as data.
export const read = (path: string): RulesRequest => ({ op: "get", path });
export const write = (path: string, data: DocumentData): RulesRequest => ({ op: "set", path, data });
export const patch = (path: string, data: DocumentData): RulesRequest => ({ op: "update", path, data });
export const hardDelete = (path: string): RulesRequest => ({ op: "delete", path });

/**
 * A write to a private copy of `stored` at `path`, seeded just before the request: allowed writes
 * change what they touch, so they never touch the shared world.
 */
export function onPrivateCopy(
  name: string,
  actor: Actor,
  path: string,
  stored: DocumentData,
  edit: (stored: DocumentData) => DocumentData,
): RulesCase {
  return { name, actor, seed: [{ path, data: stored }], request: write(path, edit(stored)) };
}

/** `name` → case, for a table of one-change variations of a valid request. */
export function variations(
  actor: Actor,
  variants: [name: string, request: RulesRequest][],
): RulesCase[] {
  return variants.map(([name, request]) => ({ name, actor, request }));
}
