// tools/emulator.ts without emulators: addresses from the environment, and the background-trigger
// switch against a local stand-in for the emulator hub that fails the way a real one can.
import { expect } from "chai";
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import { AddressInfo, Socket } from "node:net";
import {
  HostAndPort,
  emulatorAddress,
  emulatorUrl,
  eventually,
  parseHostAndPort,
  setTriggersEnabled,
  withoutTriggers,
} from "../../emulator";

/** What the stand-in hub does with each request, in turn: drop the connection, answer a status, or never answer. */
type HubBehaviour = "drop" | "silent" | number;

interface HubRequest {
  method: string;
  path: string;
  /** Which TCP connection carried it, counted from 1. */
  connection: number;
}

class StandInHub {
  readonly requests: HubRequest[] = [];
  private readonly sockets = new Map<Socket, number>();
  private constructor(
    private readonly server: Server,
    private readonly behaviours: HubBehaviour[],
    private readonly afterwards: HubBehaviour,
  ) {}

  static async start(behaviours: HubBehaviour[], afterwards: HubBehaviour = 200): Promise<StandInHub> {
    const server = createServer();
    const hub = new StandInHub(server, behaviours, afterwards);
    server.on("connection", (socket) => hub.sockets.set(socket, hub.sockets.size + 1));
    server.on("request", (request, response) => hub.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return hub;
  }

  get address(): HostAndPort {
    return { host: "127.0.0.1", port: (this.server.address() as AddressInfo).port };
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests.push({ method: request.method ?? "", path: request.url ?? "", connection: this.sockets.get(request.socket) ?? 0 });
    const behaviour = this.behaviours.shift() ?? this.afterwards;
    if (behaviour === "drop") request.socket.destroy();
    else if (behaviour !== "silent") response.writeHead(behaviour).end(behaviour === 200 ? '{"enabled":true}' : "functions emulator busy");
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe("emulator addresses", () => {
  it("parses host:port and [ipv6]:port, brackets removed", () => {
    expect(parseHostAndPort("127.0.0.1:8080")).to.deep.equal({ host: "127.0.0.1", port: 8080 });
    expect(parseHostAndPort("localhost:10080")).to.deep.equal({ host: "localhost", port: 10080 });
    expect(parseHostAndPort("[::1]:9099")).to.deep.equal({ host: "::1", port: 9099 });
    expect(parseHostAndPort("[fe80::1%lo]:4400")).to.deep.equal({ host: "fe80::1%lo", port: 4400 });
  });

  for (const text of ["8080", "127.0.0.1", "::1:8080", "[::1]", "host:0", "host:65536", "host:80x", "http://host:80"]) {
    it(`refuses ${JSON.stringify(text)}`, () => expect(parseHostAndPort(text)).to.equal(undefined));
  }

  it("puts an IPv6 host back in brackets in a URL", () => {
    expect(emulatorUrl({ host: "::1", port: 8080 }, "/emulator/v1")).to.equal("http://[::1]:8080/emulator/v1");
    expect(emulatorUrl({ host: "127.0.0.1", port: 6000 }, "/x")).to.equal("http://127.0.0.1:6000/x");
  });

  describe("from the environment", () => {
    const saved = process.env.FIREBASE_EMULATOR_HUB;
    afterEach(() => {
      if (saved === undefined) delete process.env.FIREBASE_EMULATOR_HUB;
      else process.env.FIREBASE_EMULATOR_HUB = saved;
    });

    it("reads the variable the emulator suite sets", () => {
      process.env.FIREBASE_EMULATOR_HUB = "[::1]:5400";
      expect(emulatorAddress("FIREBASE_EMULATOR_HUB")).to.deep.equal({ host: "::1", port: 5400 });
    });

    it("says which variable is missing, or malformed", () => {
      delete process.env.FIREBASE_EMULATOR_HUB;
      expect(() => emulatorAddress("FIREBASE_EMULATOR_HUB")).to.throw(/^FIREBASE_EMULATOR_HUB is not set: run this inside the emulator suite/);
      process.env.FIREBASE_EMULATOR_HUB = "5400";
      expect(() => emulatorAddress("FIREBASE_EMULATOR_HUB")).to.throw('FIREBASE_EMULATOR_HUB must be host:port or [ipv6]:port, got "5400"');
    });
  });
});

describe("the background-trigger switch", function () {
  this.timeout(10_000);
  let hub: StandInHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error("expected the trigger switch to fail, it succeeded");
  }

  it("retries a dropped connection and a 503, each on a fresh connection, and succeeds", async () => {
    hub = await StandInHub.start(["drop", 503, 200]);
    await setTriggersEnabled(true, { hub: hub.address, timeoutMs: 5_000 });
    expect(hub.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(Array(3).fill("PUT /functions/enableBackgroundTriggers"));
    expect(hub.requests.map((r) => r.connection)).to.deep.equal([1, 2, 3]);
  });

  it("opens a new connection for every call, so none rides on a socket the hub has closed", async () => {
    hub = await StandInHub.start([200, 200]);
    await setTriggersEnabled(false, { hub: hub.address });
    await setTriggersEnabled(true, { hub: hub.address });
    expect(hub.requests.map((r) => `${r.path} #${r.connection}`)).to.deep.equal([
      "/functions/disableBackgroundTriggers #1",
      "/functions/enableBackgroundTriggers #2",
    ]);
  });

  it("gives up at its deadline with one sentence naming the hub, the attempts and the last answer", async () => {
    hub = await StandInHub.start([], 503);
    const started = Date.now();
    const error = await failure(setTriggersEnabled(true, { hub: hub.address, timeoutMs: 1_000 }));
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.at.least(700).and.below(3_000);
    expect(error.message).to.match(
      new RegExp(
        `^could not enable the Cloud Functions background triggers through the emulator hub at http://127\\.0\\.0\\.1:${hub.address.port} ` +
          "\\((\\d+) attempts in 1 s, last: HTTP 503 functions emulator busy\\)$",
      ),
    );
    expect(hub.requests.length).to.be.greaterThan(1);
  });

  it("gives up at its deadline when the hub never answers", async () => {
    hub = await StandInHub.start([], "silent");
    const started = Date.now();
    const error = await failure(setTriggersEnabled(false, { hub: hub.address, timeoutMs: 800 }));
    expect(Date.now() - started).to.be.below(3_000);
    expect(error.message).to.match(/^could not disable .* \(1 attempt in 0\.8 s, last: no answer within \d+ ms\)$/);
  });

  it("does not retry the hub's own refusal (a 4xx)", async () => {
    hub = await StandInHub.start([400]);
    const error = await failure(setTriggersEnabled(true, { hub: hub.address, timeoutMs: 5_000 }));
    expect(error.message).to.contain("(1 attempt in 5 s, last: HTTP 400 functions emulator busy)");
    expect(hub.requests).to.have.length(1);
  });

  describe("withoutTriggers", () => {
    it("switches off, runs the body, switches back on, and returns the body's value", async () => {
      hub = await StandInHub.start([200, 200]);
      const seen = hub.requests;
      const value = await withoutTriggers(async () => `ran after ${seen.length} request(s)`, { hub: hub.address });
      expect(value).to.equal("ran after 1 request(s)");
      expect(hub.requests.map((r) => r.path)).to.deep.equal(["/functions/disableBackgroundTriggers", "/functions/enableBackgroundTriggers"]);
    });

    it("switches back on when the body fails, and passes the body's error on", async () => {
      hub = await StandInHub.start([200, 200]);
      const error = await failure(withoutTriggers(() => Promise.reject(new Error("batch rejected")), { hub: hub.address }));
      expect(error.message).to.equal("batch rejected");
      expect(hub.requests.map((r) => r.path)).to.deep.equal(["/functions/disableBackgroundTriggers", "/functions/enableBackgroundTriggers"]);
    });

    it("fails loudly when the triggers cannot be switched back on, naming the body's error too", async () => {
      hub = await StandInHub.start([200], 503);
      const error = await failure(withoutTriggers(() => Promise.reject(new Error("batch rejected")), { hub: hub.address, timeoutMs: 600 }));
      expect(error.message).to.match(/^could not enable the Cloud Functions background triggers .*, after: batch rejected$/);
    });

    it("does not run the body when the triggers cannot be switched off", async () => {
      hub = await StandInHub.start([], 503);
      let ran = false;
      const error = await failure(withoutTriggers(async () => (ran = true), { hub: hub.address, timeoutMs: 600 }));
      expect(error.message).to.match(/^could not disable/);
      expect(ran).to.equal(false);
    });
  });
});

describe("eventually", () => {
  it("returns the probe's first defined value, ignoring errors until then", async () => {
    let calls = 0;
    const value = await eventually("the third call", async () => {
      calls += 1;
      if (calls === 1) throw new Error("not yet");
      return calls === 3 ? "done" : undefined;
    });
    expect(value).to.equal("done");
    expect(calls).to.equal(3);
  });

  it("times out naming what it waited for and the last error", async () => {
    const error = await eventually("a group that never appears", () => Promise.reject(new Error("no such group")), 200).catch((e: Error) => e);
    expect((error as Error).message).to.equal("Timed out after 200 ms waiting for a group that never appears: Error: no such group");
  });
});
