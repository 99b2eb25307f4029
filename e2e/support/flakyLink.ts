// A TCP relay between one device and the Firestore emulator that can fail like a mobile network:
// cut (every connection reset, new ones refused) or lose replies (requests still reach the server,
// nothing comes back) — what disableNetwork() cannot show, since the SDK then knows it is offline.
import { Server, Socket, createServer, connect } from "node:net";
import type { HostAndPort } from "../../tools/emulator";

type LinkState = "up" | "cut" | "losing-replies";

export class FlakyLink {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private state: LinkState = "up";
  /** Connections the device opened while the link was cut: its reconnect attempts. */
  refusedConnections = 0;
  /** Bytes the server sent that were dropped while losing replies. */
  droppedReplyBytes = 0;

  private constructor(
    private readonly target: HostAndPort,
    server: Server,
  ) {
    this.server = server;
  }

  /** Starts relaying `127.0.0.1:<port>` to `target`. */
  static async open(target: HostAndPort): Promise<FlakyLink> {
    const server = createServer();
    const link = new FlakyLink(target, server);
    server.on("connection", (device) => link.relay(device));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return link;
  }

  /** Where the device connects instead of the Firestore emulator. */
  get hostPort(): HostAndPort {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("link is not listening");
    return { host: "127.0.0.1", port: address.port };
  }

  private relay(device: Socket): void {
    if (this.state === "cut") {
      this.refusedConnections += 1;
      device.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [device, upstream];
    this.pairs.add(pair);
    device.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      if (this.state === "losing-replies") this.droppedReplyBytes += chunk.length;
      else device.write(chunk);
    });
    const close = (): void => {
      this.pairs.delete(pair);
      device.destroy();
      upstream.destroy();
    };
    device.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  }

  /** Network gone: open connections reset, new ones refused until restore(). */
  cut(): void {
    this.state = "cut";
    for (const [device, upstream] of this.pairs) {
      device.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Requests still reach the server; its replies are dropped (a dead downlink). */
  loseReplies(): void {
    this.state = "losing-replies";
  }

  restore(): void {
    this.state = "up";
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
