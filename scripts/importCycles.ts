// Import cycles among the repository's TypeScript files, type-only imports included: dependencies
// must point one way (wiring → domain modules → shared core). `npm run lint` runs it; exit 1 on a cycle.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";

export type ImportGraph = Map<string, Set<string>>;

/** Every relative import, export-from and import() of each file, resolved to a file of the set. */
export function importGraph(root: string, files: readonly string[]): ImportGraph {
  const absolute = new Set(files.map((file) => resolve(root, file)));
  const options: ts.CompilerOptions = { moduleResolution: ts.ModuleResolutionKind.Node10, allowJs: false };
  const graph: ImportGraph = new Map();
  for (const file of absolute) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const resolved = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (resolved && absolute.has(resolved) && resolved !== file) targets.add(resolved);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan), each sorted. */
export function importCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/**
 * The TypeScript files of the working tree that git knows of (tracked, or new and not ignored),
 * declarations excluded; a tracked file deleted in the working tree is gone.
 */
export function repositoryTypeScript(root: string): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mts", "*.cts"], { cwd: root, encoding: "utf8" });
  return [...new Set(listed.split("\n"))].filter(
    (file) => file !== "" && !file.endsWith(".d.ts") && !file.includes("node_modules/") && existsSync(join(root, file)),
  );
}

if (require.main === module) {
  const root = join(__dirname, "..");
  const files = repositoryTypeScript(root);
  const cycles = importCycles(importGraph(root, files));
  for (const cycle of cycles) process.stderr.write(`import cycle: ${cycle.map((file) => file.slice(root.length + 1)).join(" <-> ")}\n`);
  process.stdout.write(`${files.length} TypeScript files, ${cycles.length} import cycle(s)\n`);
  process.exitCode = cycles.length === 0 ? 0 : 1;
}
