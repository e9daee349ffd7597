import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering DESIGN.md promises, checked on the source itself: folders in pipeline order, imports
 * pointing down only (type-only imports included), and one home for each shared fact.
 */
const srcRoot = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = sourceFiles(srcRoot);
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
/** Relative imports of each file (static, dynamic and type-only), as source paths. */
const imports = new Map(
  files.map((f) => {
    const specs = [...text.get(f)!.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
    return [f, [...new Set(specs.map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts')))]];
  }),
);
const name = (f: string) => relative(srcRoot, f);

/** Folders in pipeline order: a folder may import only from folders before it (and itself). */
const layers = [
  ['errors.ts', 'util'],
  ['elf', 'x86'],
  ['dwarf', 'core'],
  // The release decides every layout: the version is read first, from the build info.
  ['goruntime/arch.ts', 'goruntime/binary/version.ts', 'goruntime/binary/buildinfo.ts'],
  ['goruntime/layout'],
  ['goruntime/binary'],
  ['goruntime/code', 'goruntime/process'],
  ['goruntime/heap'],
  ['goruntime/roots'],
  ['goruntime/typing'],
  ['graph'],
  ['analysis'],
  ['flame', 'export'],
  ['cli'],
];
function layerOf(f: string): number {
  const path = name(f);
  const layer = layers.findIndex((names) => names.some((n) => path === n || path.startsWith(`${n}/`)));
  if (layer < 0) throw new Error(`${path} is in no layer of the architecture test`);
  return layer;
}

describe('source layout', () => {
  it('imports from src/cli only inside src/cli', () => {
    const outside = files.filter((f) => !name(f).startsWith('cli/') && imports.get(f)!.some((i) => name(i).startsWith('cli/')));
    expect(outside.map(name)).toEqual([]);
  });

  it('imports only from its own layer or the layers below it', () => {
    const upward = files.flatMap((f) => imports.get(f)!.filter((i) => layerOf(i) > layerOf(f)).map((i) => `${name(f)} → ${name(i)}`));
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const stack: string[] = [];
    // Iterative depth-first search: each frame is a file and the index of its next import.
    for (const start of files) {
      if (state.has(start)) continue;
      const work: Array<[string, number]> = [[start, 0]];
      state.set(start, 'open');
      stack.push(start);
      while (work.length) {
        const top = work[work.length - 1]!;
        const next = imports.get(top[0])![top[1]++];
        if (next === undefined) {
          work.pop();
          stack.pop();
          state.set(top[0], 'done');
        } else if (state.get(next) === 'open') {
          cycles.push([...stack.slice(stack.indexOf(next)), next].map(name).join(' → '));
        } else if (!state.has(next) && imports.has(next)) {
          state.set(next, 'open');
          stack.push(next);
          work.push([next, 0]);
        }
      }
    }
    expect(cycles).toEqual([]);
  });

  it('defines the pointer size, the page size and uvarint decoding once', () => {
    const definitions = (pattern: RegExp) => files.filter((f) => pattern.test(text.get(f)!)).map(name);
    expect(definitions(/\bconst (?:ptrSize|pointerSize|PtrSize)\s*=/)).toEqual(['goruntime/arch.ts']);
    expect(definitions(/\bconst (?:pageSize|PageSize)\s*=/)).toEqual(['goruntime/arch.ts']);
    // A LEB128 decoding loop takes the low seven bits of each byte.
    expect(definitions(/& 0x7f\)/)).toEqual(['util/bytes.ts']);
  });
});
