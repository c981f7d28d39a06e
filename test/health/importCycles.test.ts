// No import circles in src/ (issue 19 item 5): every relative import, type-only ones included (a type-only circle is
// still two files that cannot be read one without the other), forms a graph without cycles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const IMPORT = /^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** file → the src files it imports (static and dynamic). */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC)].map((m) => normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as the list of files around it. */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g) && graph.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

test('the cycle finder finds a circle of two files and of three', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['a', 'c']],
    ['c', ['d']],
    ['d', ['e']],
    ['e', ['c']],
  ]);
  assert.deepEqual(cycles(g), [
    ['a', 'b', 'a'],
    ['c', 'd', 'e', 'c'],
  ]);
});

test('src/ has no import circles', () => {
  const graph = importGraph('src');
  assert.ok(graph.size > 100, `read ${graph.size} files`);
  assert.ok((graph.get(join('src', 'cli.ts')) ?? []).length > 0, 'imports are parsed');
  assert.deepEqual(
    cycles(graph).map((c) => c.join(' -> ')),
    [],
  );
});
