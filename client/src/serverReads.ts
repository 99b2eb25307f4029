// Reads that must come from the server (deltas, resyncs, checks). The SDK fails such a read at once
// with `unavailable` while it takes itself for offline, which also happens for a moment while it
// reconnects a dropped stream (and on the emulator after a corrupt frame, firebase-tools#8654). A
// few retries a moment apart ride that out; a device that really is offline still fails, a second
// later, and the caller decides as before.
import { DocumentReference, DocumentSnapshot, FirestoreError, Query, QuerySnapshot, getDocFromServer, getDocsFromServer } from "firebase/firestore";

const RETRY_DELAYS_MS = [250, 750];

async function fromServer<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if ((error as Partial<FirestoreError>).code !== "unavailable" || attempt >= RETRY_DELAYS_MS.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}

export function docsFromServer(query: Query): Promise<QuerySnapshot> {
  return fromServer(() => getDocsFromServer(query));
}

export function docFromServer(ref: DocumentReference): Promise<DocumentSnapshot> {
  return fromServer(() => getDocFromServer(ref));
}
