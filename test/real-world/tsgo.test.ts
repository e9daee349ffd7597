/**
 * A real program nobody built for goheapflame: npm's tsgo (@typescript/native-preview, pinned,
 * stripped, go1.26.4) checking a generated 300-module project in watch mode, dumped with gcore.
 * bench/tsgo/run.sh installs, generates and dumps it once; the core is kept in .fixtures/real/.
 * Its heap is what the fixtures cannot give: structs reached through pointers to their embedded
 * first field, AST nodes allocated in chunks by generic pools, arrays the heap records as shapes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCore, type CoreAnalysis } from '../../src/analysis/analyze-core.js';
import { bytesByType, heapTotals, type TypeLine } from '../../src/analysis/heap-summary.js';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { runCli } from '../support/run-cli.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const work = join(repo, '.fixtures', 'real', 'tsgo-7.0.0-dev.20260707.2-300');
const core = join(work, 'core');
const binary = join(work, 'tsgo');
/** A shape's name with its whole 64-digit hash, as the runtime records hashed shapes. */
const hashedShape = /go\.shape\.[0-9a-f]{64}/;

describe('tsgo --watch on a 300-module project (npm, stripped, go1.26.4)', () => {
  let proc: GoProcess;
  let analysis: CoreAnalysis;
  let types: TypeLine[];

  beforeAll(() => {
    if (!existsSync(core) || !existsSync(binary)) {
      const run = spawnSync('bash', [join(repo, 'bench/tsgo/run.sh')], {
        env: { ...process.env, WORK: work, KEEP: '1', REUSE: '1', REPS: '0', MODULES: '300', TSGO_VERSION: '7.0.0-dev.20260707.2' },
        encoding: 'utf8',
        timeout: 600_000,
      });
      if (run.status !== 0) throw new Error(`bench/tsgo/run.sh failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
    }
    proc = GoProcess.open(core, binary);
    analysis = analyzeCore(proc);
    types = bytesByType(analysis, (pc) => proc.binary.pclntab.funcForPC(pc)?.name);
  });
  afterAll(() => proc?.close());

  it('is the stripped go1.26.4 build', () => {
    expect(proc.binary.version.raw).toBe('go1.26.4');
    expect(proc.dwarf).toBeUndefined();
  });

  it('knows the type of at least 99% of reachable bytes', () => {
    const totals = heapTotals(analysis);
    expect(totals.typedBytes / totals.reachableBytes).toBeGreaterThanOrEqual(0.99);
  });

  it('shows the generic arrays by the types their holders declare, not by shape', () => {
    // Half of this heap is recorded as shapes; what stays is small maps and closures of generic code
    // that nothing declares a concrete type for.
    const reachable = heapTotals(analysis).reachableBytes;
    const underShapes = types.filter((t) => t.type.includes('go.shape.')).reduce((total, t) => total + t.bytes, 0);
    expect(underShapes / reachable).toBeLessThan(0.001);
    expect(types.filter((t) => t.type.includes('ast.Node'))).not.toEqual([]);
  });

  it('names no shape by its whole hash in top or in the flame graph', () => {
    expect(types.filter((t) => hashedShape.test(t.type))).toEqual([]);
    const out = join(work, 'ref.folded');
    const run = runCli([core, binary, '--format', 'folded', '-q', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines.filter((line) => hashedShape.test(line))).toEqual([]);
  });
});
