// What the code under test wrote, seen without an emulator: its structured log entries, and the
// documents it set through a Firestore handle.
import { FieldValue, Firestore } from "firebase-admin/firestore";

export type LogEntry = Record<string, unknown>;

/** Runs `body` and returns the structured log entries it wrote (firebase-functions' logger writes JSON lines). */
export async function capturedLogs(body: () => Promise<unknown> | void): Promise<LogEntry[]> {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream) => {
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof stream.write;
  });
  try {
    await body();
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]));
  }
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return [];
    }
  });
}

export interface RecordedWrite {
  path: string;
  data: Record<string, Record<string, FieldValue> | FieldValue>;
  options: unknown;
}

/** Just enough of a Firestore to see what a code path writes (and that it writes nothing). */
export function recordingDb(): { db: Firestore; writes: RecordedWrite[] } {
  const writes: RecordedWrite[] = [];
  const db = {
    doc: (path: string) => ({
      set: async (data: RecordedWrite["data"], options: unknown) => {
        writes.push({ path, data, options });
      },
    }),
  };
  return { db: db as unknown as Firestore, writes };
}
