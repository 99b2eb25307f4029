// Test support for the end-to-end suites: users, their devices and sync clients (all closed after
// each test), groups created the way a client creates them, and comparison with the server.
import { onLog } from "firebase/app";
import { Timestamp as ClientTimestamp, disableNetwork, enableNetwork } from "firebase/firestore";
import { Auth, getAuth } from "firebase-admin/auth";
import { DocumentData } from "firebase-admin/firestore";
import { randomUUID } from "node:crypto";
import { rolloutBucket } from "../../core/rollout";
import { PROJECT_ID, adminDb, emulatorHostsFromEnv, eventually } from "../../tools/emulator";
import {
  Credentials,
  Device,
  DeviceOptions,
  EmulatorHosts,
  ExpenseFields,
  GroupReplica,
  LocalStore,
  SyncClient,
  SyncOptions,
  createExpense,
  createGroup,
  newExpenseId,
  newGroupId,
} from "@expense-sync/client";
import { LegacyDevice, LegacyDeviceOptions } from "./legacyDevice";

/** Every device open in this process, whichever fleet opened it. */
const openDevices = new Set<Device>();
let reconnecting = false;

/**
 * Emulator workaround (firebase-tools#8654, open): now and then the Firestore emulator sends a
 * corrupt frame on a listen stream. The SDK reads it as RESOURCE_EXHAUSTED, takes it for an
 * overloaded backend and waits its maximum backoff (about a minute) before it connects again, so
 * the device's listeners and server reads fail for that long. The log line does not name the
 * device: every online device drops its streams and opens them again, which resets the backoff.
 * A device a test put offline stays offline.
 */
onLog(
  ({ message }) => {
    if (reconnecting || !message.includes("RESOURCE_EXHAUSTED")) return;
    reconnecting = true;
    const online = [...openDevices].filter((device) => device.online);
    // A device closed meanwhile refuses; nothing is left to reconnect on it.
    void Promise.all(online.map((device) => disableNetwork(device.db).then(() => enableNetwork(device.db)).catch(() => undefined))).finally(() => {
      reconnecting = false;
    });
  },
  { level: "error" },
);

export interface User {
  name: string;
  credentials: Credentials;
  uid: string;
}

/** Every device and sync client a test opens, so afterEach can close them all. */
export class Fleet {
  private readonly devices: Device[] = [];
  private readonly clients: SyncClient[] = [];
  private readonly legacyDevices: LegacyDevice[] = [];

  /** A new account, signed in on its first device. */
  async newUser(name: string, hosts?: EmulatorHosts): Promise<{ user: User; device: Device }> {
    const credentials = { email: `${name}-${randomUUID()}@e2e.test`, password: `pw-${randomUUID()}` };
    const device = await this.open({ label: `${name}-1`, credentials, signUp: true }, hosts);
    return { user: { name, credentials, uid: device.uid }, device };
  }

  /** Another device (or an app restart) of an existing user. */
  device(user: User, label: string, hosts?: EmulatorHosts): Promise<Device> {
    return this.open({ label: `${user.name}-${label}`, credentials: user.credentials }, hosts);
  }

  /** A device on the emulators the suite runs on, unless `hosts` says otherwise. */
  private async open(options: Omit<DeviceOptions, "projectId" | "hosts">, hosts = emulatorHostsFromEnv()): Promise<Device> {
    const device = await Device.open({ ...options, projectId: PROJECT_ID, hosts });
    this.devices.push(device);
    openDevices.add(device);
    return device;
  }

  /**
   * A new account whose rollout bucket (core/rollout.ts) is in [from, to), so a test knows from
   * which rolloutPercent on the user gets realtime sync. The uid is chosen, so the Admin SDK makes it.
   */
  async newUserInBuckets(name: string, from: number, to: number): Promise<{ user: User; device: Device }> {
    let uid: string;
    do uid = `${name}-${randomUUID()}`;
    while (rolloutBucket(uid) < from || rolloutBucket(uid) >= to);
    const credentials = { email: `${uid}@e2e.test`, password: `pw-${randomUUID()}` };
    await adminAuth().createUser({ uid, ...credentials });
    const device = await this.open({ label: `${name}-1`, credentials });
    return { user: { name, credentials, uid }, device };
  }

  /** `device` running an app build from before 2.1 (legacyDevice.ts); its polling stops with the rest. */
  legacy(device: Device, options: LegacyDeviceOptions): LegacyDevice {
    const legacy = new LegacyDevice(device, options);
    this.legacyDevices.push(legacy);
    return legacy;
  }

  client(device: Device, store = new LocalStore(), options: SyncOptions = {}): SyncClient {
    const client = new SyncClient(device, store, options);
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    for (const client of this.clients.splice(0)) client.stop();
    await Promise.all(this.legacyDevices.splice(0).map((legacy) => legacy.stop()));
    await Promise.all(
      this.devices.splice(0).map((device) => {
        openDevices.delete(device);
        return device.close();
      }),
    );
  }
}

/** The Admin SDK's Auth on the emulators, in the app adminDb() sets up. */
function adminAuth(): Auth {
  adminDb();
  return getAuth();
}

export const dinner = (payer: string, memberIds: string[], overrides: Partial<ExpenseFields> = {}): ExpenseFields => ({
  description: "Dinner",
  amountMinor: 1500 * memberIds.length,
  currency: "EUR",
  paidBy: payer,
  splits: Object.fromEntries(memberIds.map((uid) => [uid, 1500])),
  spentAt: ClientTimestamp.fromDate(new Date("2026-11-20T19:30:00Z")),
  category: "food",
  ...overrides,
});

/** Waits until the server has given the group its lastActivityAt, which lists it in Tier 1. */
export async function groupListed(groupId: string): Promise<void> {
  await eventually(`group ${groupId} to get its lastActivityAt`, async () =>
    (await adminDb().doc(`groups/${groupId}`).get()).get("lastActivityAt") ? true : undefined,
  );
}

/** A group created by `owner`'s device with everyone in it, listed in Tier 1 once this resolves. */
export async function groupOf(owner: Device, memberIds: string[], displayName = "Trip to Lisbon"): Promise<string> {
  const groupId = newGroupId(owner);
  await createGroup(owner, groupId, { displayName, memberIds, settings: { defaultCurrency: "EUR", simplifyDebts: true } }).acknowledged;
  await groupListed(groupId);
  return groupId;
}

/** `count` expenses written by `author` online, acknowledged; returns their ids. */
export async function expensesBy(author: Device, groupId: string, memberIds: string[], count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => newExpenseId(author, groupId));
  await Promise.all(ids.map((id, i) => createExpense(author, groupId, id, dinner(author.uid, memberIds, { description: `Expense ${i + 1}` })).acknowledged));
  return ids;
}

/** A Firestore value with timestamps (Admin or client SDK) as comparable strings, maps with sorted keys. */
export function canonical(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const maybeTime = value as { seconds?: unknown; nanoseconds?: unknown; toMillis?: unknown };
  if (typeof maybeTime.seconds === "number" && typeof maybeTime.nanoseconds === "number" && typeof maybeTime.toMillis === "function") {
    return `time:${maybeTime.seconds}.${String(maybeTime.nanoseconds).padStart(9, "0")}`;
  }
  if (Array.isArray(value)) return value.map(canonical);
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

/** The server's expenses of a group, read with the Admin SDK. */
export async function serverExpenses(groupId: string): Promise<Map<string, DocumentData>> {
  const snapshot = await adminDb().collection(`groups/${groupId}/expenses`).get();
  return new Map(snapshot.docs.map((doc) => [doc.id, doc.data()]));
}

/** The replica and the server, in comparable form: what an exact sync must make equal. */
export async function replicaAndServer(replica: GroupReplica): Promise<{ replica: unknown; server: unknown }> {
  const server = await serverExpenses(replica.groupId);
  return {
    replica: canonical(Object.fromEntries(replica.expenses)),
    server: canonical(Object.fromEntries(server)),
  };
}
