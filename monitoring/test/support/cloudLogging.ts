// Log entries as Cloud Logging stores them, from functions that really ran: the Functions
// emulator's, read from the emulator suite's logging emulator (the feed of the Emulator UI's log
// view, which lists each structured line with the function that printed it), and entries written
// in this process through firebase-functions' logger (functions/test/support/capture.ts).
import { emulatorAddress, emulatorRequest, emulatorUrl, eventually, HostAndPort } from "../../../tools/emulator";
import { LogEntry } from "../../logFilter";
import { FUNCTIONS_RESOURCE_TYPE } from "../../validate";

/**
 * A structured line of firebase-functions' logger, as Cloud Logging stores it for the 2nd-gen
 * function `functionName`: on its Cloud Run service (the function's name in lower case), the
 * severity lifted out of the payload, the other fields (message included) in jsonPayload.
 */
export function asCloudLogEntry(line: Record<string, unknown>, functionName: string): LogEntry {
  const { severity, ...fields } = line;
  // Cloud Logging takes these special fields out of the payload as well.
  const jsonPayload = Object.fromEntries(Object.entries(fields).filter(([key]) => !key.startsWith("logging.googleapis.com/")));
  return {
    resource: { type: FUNCTIONS_RESOURCE_TYPE, labels: { service_name: functionName.toLowerCase() } },
    severity: typeof severity === "string" ? severity : "DEFAULT",
    jsonPayload,
  };
}

/** One message of the logging emulator: a structured line sits in data.user, its function in data.metadata. */
interface LoggingBundle {
  data?: { user?: unknown; metadata?: { function?: { name?: unknown } } };
}

/**
 * The Functions emulator's structured log lines, as they arrive: the logging emulator replays what
 * it has seen on connection, then streams the rest.
 */
export class EmulatorLogs {
  readonly entries: LogEntry[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (message: MessageEvent) => {
      const bundle = JSON.parse(String(message.data)) as LoggingBundle;
      const line = bundle.data?.user;
      const name = bundle.data?.metadata?.function?.name;
      if (typeof line !== "object" || line === null || typeof name !== "string") return;
      // The emulator names a function REGION-name; the region has dashes, a function's name none.
      this.entries.push(asCloudLogEntry(line as Record<string, unknown>, name.slice(name.lastIndexOf("-") + 1)));
    });
  }

  /** Connects to the logging emulator of the suite this process runs in ($FIREBASE_EMULATOR_HUB says where). */
  static async open(): Promise<EmulatorLogs> {
    const running = JSON.parse((await emulatorRequest("GET", emulatorAddress("FIREBASE_EMULATOR_HUB"), "/emulators")).body) as Record<string, HostAndPort>;
    if (running.logging === undefined) throw new Error("the emulator suite runs no logging emulator, so the functions' log lines cannot be read");
    const socket = new WebSocket(emulatorUrl(running.logging, "/").replace(/^http/, "ws"));
    // Listening before the connection opens: the replay may come in the same read as the opening.
    const logs = new EmulatorLogs(socket);
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("error", () => reject(new Error(`could not connect to the logging emulator at ${socket.url}`)), { once: true });
    });
    return logs;
  }

  /** Waits until `pick` finds what it looks for among the entries so far, and returns it. */
  until<T>(what: string, pick: (entries: readonly LogEntry[]) => T | undefined, timeoutMs = 60_000): Promise<T> {
    return eventually(what, async () => pick(this.entries), timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}
