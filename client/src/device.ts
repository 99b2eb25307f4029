// One "device": its own Firebase app instance (so its own auth session, Firestore client, local
// cache and write queue), signed in as one user, talking to the emulator suite. In a browser the
// cache can be persistent (IndexedDB), so the write queue survives a closed tab.
import { FirebaseApp, deleteApp, initializeApp } from "firebase/app";
import { Auth, connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  Firestore,
  connectFirestoreEmulator,
  disableNetwork,
  enableNetwork,
  initializeFirestore,
  memoryLocalCache,
  persistentLocalCache,
  persistentMultipleTabManager,
  terminate,
  waitForPendingWrites,
} from "firebase/firestore";

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
  /**
   * "memory" (default; Node has nothing else): the cache and the write queue end with the device.
   * "persistent" (browsers): both live in IndexedDB under the label, so a device opened again with
   * the same label and project finds the writes it had queued, and the signed-in session.
   */
  cache?: "memory" | "persistent";
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
    const persistent = options.cache === "persistent";
    // The persistent cache is keyed by the app's name: it must be the same after a restart.
    const name = persistent ? options.label : `${options.label}-${globalThis.crypto.randomUUID()}`;
    const app = initializeApp({ apiKey: "demo-key", projectId: options.projectId }, name);
    try {
      const auth = getAuth(app);
      const { auth: authAt, firestore: firestoreAt } = options.hosts;
      connectAuthEmulator(auth, `http://${urlHost(authAt.host)}:${authAt.port}`, { disableWarnings: true });
      const localCache = persistent ? persistentLocalCache({ tabManager: persistentMultipleTabManager() }) : memoryLocalCache();
      const db = initializeFirestore(app, { localCache });
      connectFirestoreEmulator(db, urlHost(firestoreAt.host), firestoreAt.port);
      const { email, password } = options.credentials;
      // A restored session needs no network: a device reopened offline still starts.
      await auth.authStateReady();
      if (!options.signUp && auth.currentUser?.email === email.toLowerCase()) return new Device(options.label, app, auth, db, auth.currentUser.uid);
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
