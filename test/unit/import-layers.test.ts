// The code's shape, checked: src/ imports point one way (cli → engine →
// config → modules → facts → transport), and no file reaches itself through
// its imports, type-only imports included. Files at the top of src/ (errors,
// secrets) are shared by every layer and import none of them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const LAYERS = ['cli', 'engine', 'config', 'modules', 'facts', 'transport'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

// Every relative import of a file (import, import type, export … from, import()), as paths relative to src/.
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((f) => f.startsWith('.'))
    .map((f) => relative(SRC, resolve(dirname(file), f)).replace(/\.js$/, '.ts'));
}

function graph(): Map<string, string[]> {
  return new Map(sources(SRC).map((f) => [relative(SRC, f), importsOf(f)]));
}

// Layer index of a file; -1 for the shared files at the top of src/.
const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[0]);

// Each cycle once, as the path that closes it (depth-first search, white/grey/black).
export function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of g.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...g.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

export function layerViolations(g: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [from, tos] of g) {
    for (const to of tos) {
      const [a, b] = [layerOf(from), layerOf(to)];
      if (b === -1 && a !== -1) continue;
      if ((a === -1 && b !== -1) || (a !== -1 && b < a)) out.push(`${from} imports ${to}`);
    }
  }
  return out;
}

describe('src/ imports', () => {
  const g = graph();

  it('reads every source file and its imports', () => {
    expect(g.size).toBeGreaterThan(50);
    expect(g.get('engine/run.ts')).toContain('engine/batches.ts');
    // Type-only imports count.
    expect(g.get('engine/host.ts')).toContain('transport/types.ts');
  });

  it('has no import cycle, type-only imports included', () => {
    expect(cycles(g).map((c) => c.join(' → '))).toEqual([]);
  });

  it('imports only along the layers cli → engine → config → modules → facts → transport', () => {
    expect(layerViolations(g)).toEqual([]);
  });

  it('the checks themselves find a cycle and an import against the layers', () => {
    const bad = new Map([
      ['config/a.ts', ['config/b.ts']],
      ['config/b.ts', ['config/a.ts', 'engine/x.ts']],
      ['engine/x.ts', ['errors.ts']],
      ['errors.ts', ['facts/y.ts']],
    ]);
    expect(cycles(bad)).toEqual([['config/a.ts', 'config/b.ts', 'config/a.ts']]);
    expect(layerViolations(bad)).toEqual(['config/b.ts imports engine/x.ts', 'errors.ts imports facts/y.ts']);
  });
});
