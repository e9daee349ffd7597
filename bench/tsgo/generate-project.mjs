// A TypeScript project for tsgo to check: N modules, each importing two others, plus an index that
// imports them all. Each module gives the checker real work: a string-literal union and a table checked
// against it (`as const satisfies Record<…>`), a mapped type with template-literal keys over that
// union, a generic interface and a generic class instantiated by the modules that import it, a
// discriminated union narrowed in a switch, and calls into its imports. Sized so that 2,000 modules give
// tsgo a heap of ~600 MiB. Deterministic for a given N, so every run gives tsgo the same work (and its
// heap the same shape).
// Usage: node bench/tsgo/generate-project.mjs DIR [N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, count = '300'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/tsgo/generate-project.mjs DIR [N]');
  process.exit(2);
}
const n = Number(count);
const src = join(dir, 'src');
mkdirSync(src, { recursive: true });

const range = (k) => Array.from({ length: k }, (_, i) => i);
const KEYS = 4; // keys per table: each becomes a literal type, a mapped property, a getter name
const EVENTS = 3; // members of each discriminated union
for (const i of range(n)) {
  const deps = [...new Set([(i * 7 + 1) % n, (i * 13 + 5) % n])].filter((d) => d !== i);
  const imports = deps
    .map((d) => `import { Store${d}, type Entity${d}, type Key${d}, table${d}, f${d}, describe${d} } from './m${d}.js';`)
    .join('\n');
  const keys = range(KEYS).map((k) => `"m${i}_k${k}"`);
  const table = range(KEYS).map((k) => `  m${i}_k${k}: { label: "module ${i} entry ${k}", weight: ${(i * 31 + k) % 97}, tags: ["t${k % 5}", "u${(i + k) % 7}"] },`);
  const cases = range(EVENTS).map((k) => `    case "e${k}": return ev.payload${k}.length + ${k};`);
  const events = range(EVENTS).map((k) => `  | { readonly kind: "e${k}"; readonly payload${k}: readonly string[]; readonly at: number }`);
  const depFields = deps.map((d) => `  dep${d}?: Entity${d}<Key${d}>;`).join('\n');
  const depCalls = deps.map((d) => `f${d}(y) + describe${d}(new Store${d}<Entity${d}<Key${d}>>().add({ id: y, key: "m${d}_k${(i + d) % KEYS}", value: "${i}" })).length + table${d}.m${d}_k0.weight`).join(' + ') || '0';
  writeFileSync(join(src, `m${i}.ts`), `${imports}

export type Key${i} = ${keys.join(' | ')};

export interface Row${i} { readonly label: string; readonly weight: number; readonly tags: readonly string[] }

export const table${i} = {
${table.join('\n')}
} as const satisfies Record<Key${i}, Row${i}>;

export type Table${i} = typeof table${i};
export type Getters${i} = { [K in Key${i} as \`get\${Capitalize<K>}\`]: () => Table${i}[K] };

export interface Entity${i}<K extends string = Key${i}> {
  readonly id: number;
  readonly key: K;
  value: string;
${depFields}
}

export type Event${i} =
${events.join('\n')};

export function handle${i}(ev: Event${i}): number {
  switch (ev.kind) {
${cases.join('\n')}
  }
}

export class Store${i}<T extends Entity${i}<string>> {
  private readonly items = new Map<number, T>();
  add(item: T): this { this.items.set(item.id, item); return this; }
  get(id: number): T | undefined { return this.items.get(id); }
  map<U>(fn: (item: T, index: number) => U): U[] { return [...this.items.values()].map(fn); }
}

export function getters${i}(): Getters${i} {
  const out: Partial<Record<string, () => Row${i}>> = {};
  for (const key of Object.keys(table${i}) as Key${i}[]) {
    out[\`get\${key.charAt(0).toUpperCase()}\${key.slice(1)}\`] = () => table${i}[key];
  }
  return out as unknown as Getters${i};
}

export function describe${i}<T extends Entity${i}<string>>(store: Store${i}<T>): string[] {
  return store.map((item, index) => \`\${index}:\${item.key}=\${item.value}\`);
}

export function f${i}(y: number): number {
  const g = getters${i}();
  const ev: Event${i} = { kind: "e${i % EVENTS}", payload${i % EVENTS}: ["m${i}_k${i % KEYS}"], at: y } as Event${i};
  return handle${i}(ev) + g.getM${i}_k0().weight + y;
}

export function use${i}(y: number): number {
  return ${depCalls};
}
`);
}
writeFileSync(
  join(src, 'index.ts'),
  `${range(n).map((i) => `import { use${i} } from './m${i}.js';`).join('\n')}

export const total: number = [${range(n).map((i) => `use${i}(${i})`).join(', ')}].reduce((a, b) => a + b, 0);
`,
);
writeFileSync(
  join(dir, 'tsconfig.json'),
  `${JSON.stringify(
    {
      compilerOptions: {
        target: 'es2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['src'],
    },
    null,
    2,
  )}\n`,
);
