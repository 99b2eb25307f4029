// Plain HTTP calls to the emulators' REST endpoints (hub, Firestore and Auth test APIs). This does
// not use fetch(), because fetch refuses every port on the WHATWG "bad ports" list (for example
// 6000, 6665-6669, 10080), and shifted emulator ports can land on one of those.
import { request } from "node:http";

export interface EmulatorResponse {
  status: number;
  body: string;
}

export function emulatorRequest(
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  options: { json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<EmulatorResponse> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        timeout: timeoutMs,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}
