// Where a LocalStore lives between app restarts. A browser keeps it in IndexedDB (the same
// database engine the Firestore SDK's persistent cache uses); keepStoreSaved writes it after
// changes, a moment later, so a burst of changes costs one write.
import { LocalStore, StoreSnapshot } from "./replica";

export interface StoreStorage {
  /** The saved snapshot, or undefined when nothing was saved yet. */
  load(): Promise<StoreSnapshot | undefined>;
  save(snapshot: StoreSnapshot): Promise<void>;
}

/** Keeps snapshots in memory: for tests, and for a runtime without IndexedDB. */
export function memoryStorage(): StoreStorage {
  let saved: StoreSnapshot | undefined;
  return {
    load: async () => (saved === undefined ? undefined : structuredClone(saved)),
    save: async (snapshot) => void (saved = structuredClone(snapshot)),
  };
}

const OBJECT_STORE = "localStore";
const SNAPSHOT_KEY = "snapshot";

function settled<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** One IndexedDB database per signed-in user and device label (`databaseName`), with one record: the snapshot. */
export function indexedDbStorage(databaseName: string, factory: IDBFactory = globalThis.indexedDB): StoreStorage {
  if (!factory) throw new Error("indexedDbStorage needs IndexedDB (a browser); use memoryStorage elsewhere");
  let opened: Promise<IDBDatabase> | undefined;
  const database = (): Promise<IDBDatabase> => {
    opened ??= (() => {
      const request = factory.open(databaseName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE);
      return settled(request);
    })();
    return opened;
  };
  return {
    async load() {
      const db = await database();
      return (await settled(db.transaction(OBJECT_STORE).objectStore(OBJECT_STORE).get(SNAPSHOT_KEY))) as StoreSnapshot | undefined;
    },
    async save(snapshot) {
      const db = await database();
      const transaction = db.transaction(OBJECT_STORE, "readwrite");
      transaction.objectStore(OBJECT_STORE).put(snapshot, SNAPSHOT_KEY);
      await new Promise<void>((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    },
  };
}

export interface StoreSaver {
  /** Saves now if a change is waiting; resolves when every save so far has finished. */
  flush(): Promise<void>;
  /** Flushes, then stops watching the store. */
  stop(): Promise<void>;
}

/**
 * Saves `store` to `storage` `delayMs` after a change (later changes ride along). Saves run one
 * at a time, so an older snapshot never overwrites a newer one. `onError` gets a failed save; the
 * next change tries again.
 */
export interface StoreSaverOptions {
  /** How long after a change the save runs; default 250 ms. */
  delayMs?: number;
  onError?: (error: unknown) => void;
}

export function keepStoreSaved(store: LocalStore, storage: StoreStorage, { delayMs = 250, onError = () => undefined }: StoreSaverOptions = {}): StoreSaver {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saving = Promise.resolve();
  const save = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    saving = saving.then(() => storage.save(store.toSnapshot())).catch(onError);
    return saving;
  };
  const unsubscribe = store.changed.subscribe(() => {
    timer ??= setTimeout(() => void save(), delayMs);
  });
  const flush = (): Promise<void> => (timer === undefined ? saving : save());
  return {
    flush,
    async stop() {
      unsubscribe();
      await flush();
    },
  };
}
