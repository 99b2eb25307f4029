import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importCycles, importGraph, repositoryTypeScript } from "../importCycles";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "cycles-"));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(root, name), source);
  return root;
}

const cyclesIn = (files: Record<string, string>): string[][] => {
  const root = tree(files);
  return importCycles(importGraph(root, Object.keys(files))).map((cycle) => cycle.map((file) => file.slice(root.length + 1)));
};

describe("import cycle check", () => {
  it("finds a cycle made of a value import and a type-only import", () => {
    expect(cyclesIn({ "a.ts": 'import { b } from "./b";\nexport const a = b;', "b.ts": 'import type { A } from "./a";\nexport const b = 1 as unknown as A;' })).to.deep.equal([
      ["a.ts", "b.ts"],
    ]);
  });

  it("finds a three-file cycle through export-from and a dynamic import", () => {
    const files = {
      "a.ts": 'export { b } from "./b";',
      "b.ts": 'export const b = () => import("./c");',
      "c.ts": 'import "./a";',
    };
    expect(cyclesIn(files)).to.deep.equal([["a.ts", "b.ts", "c.ts"]]);
  });

  it("accepts a graph whose dependencies point one way", () => {
    expect(cyclesIn({ "a.ts": 'import { b } from "./b";\nimport { c } from "./c";', "b.ts": 'import { c } from "./c";\nexport const b = c;', "c.ts": "export const c = 1;" })).to.deep.equal([]);
  });

  it("finds none in this repository", () => {
    const root = join(__dirname, "..", "..");
    expect(importCycles(importGraph(root, repositoryTypeScript(root)))).to.deep.equal([]);
  });
});
