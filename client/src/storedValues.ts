// Firestore values as plain JSON, for a local database that stores no classes (IndexedDB keeps
// an object's fields but not its prototype, so a Timestamp would come back without its methods).
import { Timestamp } from "firebase/firestore";

/** How a Timestamp is stored: `{"$timestamp": [seconds, nanoseconds]}`. */
const TIMESTAMP_KEY = "$timestamp";

export type StoredValue = null | boolean | number | string | StoredValue[] | { [key: string]: StoredValue };

export function toStored(value: unknown): StoredValue {
  if (value instanceof Timestamp) return { [TIMESTAMP_KEY]: [value.seconds, value.nanoseconds] };
  if (Array.isArray(value)) return value.map(toStored);
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, field]) => field !== undefined).map(([key, field]) => [key, toStored(field)]));
  }
  throw new Error(`cannot store a ${Object.prototype.toString.call(value)} in the local database`);
}

export function fromStored(value: StoredValue): unknown {
  if (Array.isArray(value)) return value.map(fromStored);
  if (value === null || typeof value !== "object") return value;
  const time = value[TIMESTAMP_KEY];
  if (Array.isArray(time) && Object.keys(value).length === 1) return new Timestamp(time[0] as number, time[1] as number);
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, fromStored(field)]));
}
