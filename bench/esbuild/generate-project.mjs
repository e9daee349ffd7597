// A JavaScript project for esbuild to bundle: N modules, each importing two others and exporting a
// string table, a class and a function, plus an index that imports them all. Deterministic for a given
// N, so every run gives esbuild the same work (and its heap the same shape).
// Usage: node bench/esbuild/generate-project.mjs DIR [N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, count = '400'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/esbuild/generate-project.mjs DIR [N]');
  process.exit(2);
}
const n = Number(count);
const src = join(dir, 'src');
mkdirSync(src, { recursive: true });

const range = (k) => Array.from({ length: k }, (_, i) => i);
for (const i of range(n)) {
  const deps = [...new Set([(i * 7 + 1) % n, (i * 13 + 5) % n])].filter((d) => d !== i);
  const imports = deps.map((d) => `import { f${d} } from './m${d}.js';`).join('\n');
  const table = range(30).map((k) => `k${k}: "module ${i} entry ${k} ${'x'.repeat(k)}"`).join(', ');
  const calls = deps.map((d) => `f${d}(y)`).join(' + ') || '0';
  writeFileSync(join(src, `m${i}.js`), `${imports}
export const table${i} = { ${table} };
export class C${i} {
  constructor(x) { this.x = x; this.items = [${range(20).join(', ')}]; }
  method${i}(y) { return this.x + y + ${calls}; }
}
export function f${i}(n) { return n * ${i} + table${i}.k1.length; }
`);
}
writeFileSync(
  join(src, 'index.js'),
  `${range(n).map((i) => `import { C${i} } from './m${i}.js';`).join('\n')}
console.log([${range(n).map((i) => `new C${i}(${i})`).join(', ')}].length);
`,
);
