// The import graph of the repository's own sources: TypeScript, AssemblyScript
// and scripts, with relative imports and `@tessera/...` package paths resolved
// to files, and its cycles (the strongly connected components of more than
// one file). Type-only imports count: a layer that names a type of the layer
// above it points the wrong way too.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The directories whose sources the graph covers. */
export const SOURCE_DIRS = ["packages", "targets", "examples", "fuzz", "scripts", "benchmarks", "test/helpers"];

/** Directories never walked: build output, dependencies, tests' own fixtures and spec files. */
const SKIPPED = new Set(["node_modules", "dist", "build", ".git", "__tests__", "fixtures", "api", "corpus"]);

const SOURCE = /\.(ts|mts|mjs|cjs)$/;
const FROM = /(?:^|\n)\s*(?:import|export)\s[^;]*?\bfrom\s+["']([^"']+)["']/g;
const BARE = /(?:^|\n)\s*import\s+["']([^"']+)["']/g;

/** Every source file (by default TypeScript and JavaScript) under `dirs` of `root`, as absolute paths. */
export function sourceFiles(root: string, dirs: string[] = SOURCE_DIRS, kinds: RegExp = SOURCE): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(e.name)) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (kinds.test(e.name) && !e.name.endsWith(".d.ts")) files.push(path);
    }
  };
  for (const d of dirs) if (existsSync(join(root, d))) walk(join(root, d));
  return files.sort();
}

/** The workspace packages by name (`@tessera/net` → its directory). */
function workspacePackages(root: string): Map<string, string> {
  const packages = new Map<string, string>();
  for (const top of ["packages", "targets", "examples"])
    for (const d of existsSync(join(root, top)) ? readdirSync(join(root, top)) : []) {
      const manifest = join(root, top, d, "package.json");
      if (existsSync(manifest)) packages.set(JSON.parse(readFileSync(manifest, "utf8")).name, join(root, top, d));
    }
  return packages;
}

/** The file `spec` imported from `from` names, or null if it is not one of ours (a dependency, node:*). */
function resolveImport(from: string, spec: string, packages: Map<string, string>): string | null {
  let base: string;
  if (spec.startsWith(".")) base = resolve(dirname(from), spec);
  else {
    const name = [...packages.keys()].find((n) => spec.startsWith(n + "/"));
    if (name === undefined) return null;
    base = join(packages.get(name)!, spec.slice(name.length));
  }
  for (const candidate of [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

/** Each file's imports of our own files. */
export function importGraph(root: string, files: string[]): Map<string, string[]> {
  const packages = workspacePackages(root);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const deps = new Set<string>();
    for (const re of [FROM, BARE])
      for (const m of text.matchAll(re)) {
        const target = resolveImport(file, m[1], packages);
        if (target !== null && target !== file) deps.add(target);
      }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** The import cycles: each a set of files that import each other, directly or through one another. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components, iteratively (no recursion limit on deep chains).
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const edges = (graph.get(top.node) ?? []).filter((d) => graph.has(d));
      if (top.edge < edges.length) {
        const dep = edges[top.edge++];
        if (!index.has(dep)) {
          index.set(dep, next);
          low.set(dep, next++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ node: dep, edge: 0 });
        } else if (onStack.has(dep)) low.set(top.node, Math.min(low.get(top.node)!, index.get(dep)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== top.node);
        if (component.length > 1) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}
