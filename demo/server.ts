// Serves the demo app: the page, its script bundled for the browser (esbuild, from the
// @expense-sync/client package as built), and /config.json telling it where the emulators are.
// `npm start` runs it beside the emulators; the browser tests start their own.
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import type { DemoConfig } from "./state";

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

async function bundleApp(): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, "app.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

/** Listens on 127.0.0.1:`port` (0: any free port). */
export async function startDemoServer(config: DemoConfig, port = 0): Promise<DemoServer> {
  const [page, script] = await Promise.all([readFile(join(__dirname, "index.html"), "utf8"), bundleApp()]);
  const routes: Record<string, [type: string, body: string]> = {
    "/": ["text/html; charset=utf-8", page],
    "/app.js": ["text/javascript; charset=utf-8", script],
    "/config.json": ["application/json", JSON.stringify(config)],
  };
  const server = createServer((request, response) => {
    const route = routes[new URL(request.url ?? "/", "http://localhost").pathname];
    if (!route) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": route[0], "cache-control": "no-store" }).end(route[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
