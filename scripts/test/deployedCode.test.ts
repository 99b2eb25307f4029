// functions/src is what `firebase deploy` ships: every file in it must be reached from the wiring
// (index.ts), so nothing undeployed hides there and nothing deployed lives elsewhere unnoticed.
import { expect } from "chai";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { importGraph, repositoryTypeScript } from "../importCycles";

const ROOT = join(__dirname, "..", "..");
const SOURCE = join(ROOT, "functions", "src");

function reachedFrom(entry: string): Set<string> {
  const graph = importGraph(ROOT, repositoryTypeScript(ROOT));
  const reached = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const target of graph.get(file) ?? []) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return reached;
}

describe("deployed code", () => {
  const reached = reachedFrom(join(SOURCE, "index.ts"));

  it("holds in functions/src exactly what index.ts reaches", () => {
    const sources = readdirSync(SOURCE, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => join(SOURCE, file));
    expect(sources.filter((file) => !reached.has(file)).map((file) => relative(ROOT, file))).to.deep.equal([]);
  });

  it("reaches outside functions/src only into the shared core", () => {
    const outside = [...reached].map((file) => relative(ROOT, file)).filter((file) => !file.startsWith("functions/src/"));
    expect(outside.filter((file) => !file.startsWith("core/"))).to.deep.equal([]);
    expect(outside).to.include("core/schemas.ts");
  });
});
