// One "device": its own Firebase app instance (so its own auth session, Firestore client, local
// cache and write queue), signed in as one user, talking to the emulator suite.
import { FirebaseApp, deleteApp, initializeApp } from "firebase/app";
import { Auth, connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  Firestore,
  connectFirestoreEmulator,
  disableNetwork,
  enableNetwork,
  initializeFirestore,
  memoryLocalCache,
  terminate,
  waitForPendingWrites,
} from "firebase/firestore";
import { randomUUID } from "node:crypto";
import { PROJECT_ID } from "./model";

export interface Credentials {
  email: string;
  password: string;
}

/** Where the emulators listen, as `host:port`. */
export interface EmulatorHosts {
  firestore: string;
  auth: string;
}

export function emulatorHostsFromEnv(): EmulatorHosts {
  const firestore = process.env.FIRESTORE_EMULATOR_HOST;
  const auth = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  if (!firestore || !auth) {
    throw new Error("FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST must be set: run inside the emulator suite (scripts/test.ts).");
  }
  return { firestore, auth };
}

function splitHost(hostPort: string): { host: string; port: number } {
  const at = hostPort.lastIndexOf(":");
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`"${hostPort}" is not host:port`);
  return { host: hostPort.slice(0, at), port };
}

export interface DeviceOptions {
  /** Shown in errors and used in the app instance's name. */
  label: string;
  credentials: Credentials;
  /** Create the account (first device of a user) instead of signing in to it. */
  signUp?: boolean;
  hosts?: EmulatorHosts;
}

export class Device {
  private closed = false;
  /** False between goOffline() and goOnline(). */
  online = true;

  private constructor(
    readonly label: string,
    readonly app: FirebaseApp,
    readonly auth: Auth,
    readonly db: Firestore,
    readonly uid: string,
  ) {}

  static async open(options: DeviceOptions): Promise<Device> {
    const hosts = options.hosts ?? emulatorHostsFromEnv();
    const app = initializeApp({ apiKey: "demo-key", projectId: PROJECT_ID }, `${options.label}-${randomUUID()}`);
    try {
      const auth = getAuth(app);
      connectAuthEmulator(auth, `http://${hosts.auth}`, { disableWarnings: true });
      // memoryLocalCache is Node's default; named here because the offline queue lives in it.
      const db = initializeFirestore(app, { localCache: memoryLocalCache() });
      const { host, port } = splitHost(hosts.firestore);
      connectFirestoreEmulator(db, host, port);
      const { email, password } = options.credentials;
      const credential = options.signUp
        ? await createUserWithEmailAndPassword(auth, email, password)
        : await signInWithEmailAndPassword(auth, email, password);
      return new Device(options.label, app, auth, db, credential.user.uid);
    } catch (error) {
      await deleteApp(app);
      throw error;
    }
  }

  /** Airplane mode: reads come from the cache, writes queue locally. */
  async goOffline(): Promise<void> {
    await disableNetwork(this.db);
    this.online = false;
  }

  /** Back online: the SDK flushes the queued writes in order. */
  async goOnline(): Promise<void> {
    await enableNetwork(this.db);
    this.online = true;
  }

  /** Resolves once every write made so far has been acknowledged by the server. */
  flushed(): Promise<void> {
    return waitForPendingWrites(this.db);
  }

  /** Shuts the device down for good (listeners must be detached first). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await terminate(this.db);
    await deleteApp(this.app);
  }
}
