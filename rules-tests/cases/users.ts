// users/{uid}: a user's own profile (userSchema).
import { type DocumentData, serverTimestamp } from "firebase/firestore";
import { type CaseTable, type RulesCase, type RulesRequest, hardDelete, onPrivateCopy, read, variations, write } from "../support/cases";
import { MEMBER, OTHER_MEMBER, OWNER, STRANGER, T0, clientClock, storedProfile, without } from "../support/world";

function newProfile(change: DocumentData = {}): DocumentData {
  return { displayName: "Carol", createdAt: serverTimestamp(), updatedAt: serverTimestamp(), ...change };
}

/** carol has no profile yet: a create whose one change is `change`. */
function carolCreates(change: DocumentData): RulesRequest {
  return write(`users/${OTHER_MEMBER}`, newProfile(change));
}

function aliceRewrites(change: DocumentData): RulesRequest {
  return write(`users/${OWNER}`, { ...storedProfile("Alice"), updatedAt: serverTimestamp(), ...change });
}

const allowed: RulesCase[] = [
  { name: "user reads its profile", actor: OWNER, request: read(`users/${OWNER}`) },
  { name: "user creates its profile", actor: STRANGER, request: write(`users/${STRANGER}`, newProfile({ displayName: "D".repeat(100) })) },
  onPrivateCopy("user renames itself", MEMBER, `users/${MEMBER}`, storedProfile("Bob"), (profile) => ({
    ...profile,
    displayName: "Robert",
    updatedAt: serverTimestamp(),
  })),
];

const denied: RulesCase[] = [
  { name: "member reads another user's profile", actor: MEMBER, request: read(`users/${OWNER}`) },
  { name: "signed-out user reads a profile", actor: "signedOut", request: read(`users/${OWNER}`) },
  { name: "user lists every profile", actor: OWNER, request: { op: "list", path: "users" } },
  { name: "member writes another user's profile", actor: MEMBER, request: aliceRewrites({ displayName: "Hacked" }) },
  { name: "signed-out user creates a profile", actor: "signedOut", request: carolCreates({}) },
  { name: "user deletes its profile", actor: OWNER, request: hardDelete(`users/${OWNER}`) },
  ...variations(OTHER_MEMBER, [
    ["profile create with a client-clock createdAt", carolCreates({ createdAt: clientClock() })],
    ["profile create with a client-clock updatedAt", carolCreates({ updatedAt: clientClock() })],
    ["profile create without displayName", write(`users/${OTHER_MEMBER}`, without(newProfile(), "displayName"))],
    ["profile create without createdAt", write(`users/${OTHER_MEMBER}`, without(newProfile(), "createdAt"))],
    ["profile create with an unknown key", carolCreates({ email: "carol@example.com" })],
    ["profile create with an empty name", carolCreates({ displayName: "" })],
    ["profile create with a 101-char name", carolCreates({ displayName: "C".repeat(101) })],
    ["profile create with a numeric name", carolCreates({ displayName: 3 })],
  ]),
  ...variations(OWNER, [
    ["profile edit rewriting createdAt", aliceRewrites({ createdAt: serverTimestamp() })],
    ["profile edit with a client-clock updatedAt", aliceRewrites({ updatedAt: clientClock() })],
    ["profile edit keeping the stored updatedAt", aliceRewrites({ updatedAt: T0 })],
    ["profile edit with an unknown key", aliceRewrites({ avatar: "a.png" })],
  ]),
];

export const userCases: CaseTable = { area: "users", allowed, denied };
