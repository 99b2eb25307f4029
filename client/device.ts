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

export interface Credentials {
  email: string;
  password: string;
}

export interface HostAndPort {
  /** Without brackets, an IPv6 address too. */
  host: string;
  port: number;
}

/** Where the emulators listen: the caller knows (the client has no environment of its own). */
export interface EmulatorHosts {
  firestore: HostAndPort;
  auth: HostAndPort;
}

/** The host as a URL carries it: an IPv6 address in brackets. */
function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export interface DeviceOptions {
  /** Shown in errors and used in the app instance's name. */
  label: string;
  credentials: Credentials;
  /** Create the account (first device of a user) instead of signing in to it. */
  signUp?: boolean;
  /** The (demo-) project the emulators serve. */
  projectId: string;
  hosts: EmulatorHosts;
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
    const app = initializeApp({ apiKey: "demo-key", projectId: options.projectId }, `${options.label}-${randomUUID()}`);
    try {
      const auth = getAuth(app);
      const { auth: authAt, firestore: firestoreAt } = options.hosts;
      connectAuthEmulator(auth, `http://${urlHost(authAt.host)}:${authAt.port}`, { disableWarnings: true });
      // memoryLocalCache is Node's default; named here because the offline queue lives in it.
      const db = initializeFirestore(app, { localCache: memoryLocalCache() });
      connectFirestoreEmulator(db, urlHost(firestoreAt.host), firestoreAt.port);
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
