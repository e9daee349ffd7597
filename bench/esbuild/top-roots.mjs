// The roots that retain the most bytes in a core (first-reached, breadth-first, as the flame graph
// draws them), with the time each phase of the analysis took. Reads dist/ (npm run build first).
// Usage: node bench/esbuild/top-roots.mjs CORE BINARY [N]
import { analyzeCore } from '../../dist/analysis/analyze-core.js';
import { GoProcess } from '../../dist/goruntime/process/go-process.js';
import { heapTotals } from '../../dist/analysis/heap-summary.js';

const [core, binary, n = '10'] = process.argv.slice(2);
if (!core || !binary) {
  console.error('usage: node bench/esbuild/top-roots.mjs CORE BINARY [N]');
  process.exit(2);
}

/** Each phase with the seconds it took: a phase ends where the next one starts. */
const phases = [];
let current = 'opening (version, pclntab, types, runtime globals)';
let started = performance.now();
const next = (phase) => {
  const now = performance.now();
  phases.push([current, now - started]);
  [current, started] = [phase, now];
};

const proc = GoProcess.open(core, binary);
next('reading goroutines');
const analysis = analyzeCore(proc, (phase) => phase !== 'reading goroutines' && next(phase));
next('done');

const { graph } = analysis.heap;
const { order, parent } = analysis.tree;
const size = analysis.heap.objects.size;
const rootOf = new Int32Array(size.length);
const retained = new Float64Array(graph.roots.length);
for (const obj of order) {
  const p = parent[obj];
  rootOf[obj] = p >= 0 ? rootOf[p] : -1 - p;
  retained[rootOf[obj]] += size[obj];
}
const totals = heapTotals(analysis);
const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;

console.log(`globals found:  ${JSON.stringify(proc.found.foundBy)}`);
for (const cost of proc.strippedCosts()) console.log(`cost:           ${cost}`);
console.log(`heap:           ${mib(totals.bytes)} in ${totals.objects} objects`);
console.log(`reachable:      ${mib(totals.reachableBytes)} in ${totals.reachableObjects} objects`);
console.log(`typed:          ${((100 * totals.typedBytes) / totals.reachableBytes).toFixed(1)}% of reachable bytes`);
console.log(`by root kind:   ${Object.entries(totals.bytesByRootKind).map(([k, b]) => `${k} ${mib(b)}`).join(', ')}`);
console.log(`top ${n} roots by retained bytes:`);
const top = graph.roots.map((root, i) => ({ root, bytes: retained[i] })).sort((a, b) => b.bytes - a.bytes).slice(0, Number(n));
for (const { root, bytes } of top) console.log(`  ${mib(bytes).padStart(11)}  ${root.kind.padEnd(9)} ${root.name}`);
console.log('time:');
for (const [phase, ms] of phases) console.log(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${phase}`);
proc.close();
