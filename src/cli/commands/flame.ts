import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { encodePprof } from '../../export/pprof.js';
import { stacksToTree } from '../../export/tree-json.js';
import { formatBytes } from '../../flame/units.js';
import { formatFolded } from '../../flame/folded.js';
import { flameGraphChunks } from '../../flame/render.js';
import { type PaletteName, resolveOptions } from '../../flame/options.js';
import type { Stack } from '../../flame/tree.js';
import { foldRetentionTree, type FoldedStack } from '../../graph/fold.js';
import { analyzeCore, type CoreAnalysis } from '../../analysis/analyze-core.js';
import { GoFrameNamer } from '../../analysis/frame-namer.js';
import { rootKinds } from '../../goruntime/roots/heap-root.js';
import { heapTotals } from '../../analysis/heap-summary.js';
import { UserError } from '../../errors.js';
import { flameOptions, renderOptions, type RenderOptionArgs } from '../render-args.js';
import { checkWritable, writeOutput } from '../output.js';
import { type CoreInputArgs, coreInput, openCore } from '../core-args.js';
import { Progress, warn } from '../progress.js';

const formats = ['svg', 'folded', 'pprof', 'json'] as const;
const rootChoices = [...rootKinds, 'unreachable'] as const;

interface FlameArgs extends RenderOptionArgs, CoreInputArgs {
  output?: string;
  weight: 'bytes' | 'objects';
  format: (typeof formats)[number];
  roots?: Array<(typeof rootChoices)[number]>;
  focus?: string;
  collapse: boolean;
  'max-depth'?: number;
  quiet: boolean;
  timings: boolean;
}

/** `goheapflame CORE BINARY -o ref.svg`: the memory reference flame graph of a Go core. */
export const flameCommand: CommandModule<object, FlameArgs> = {
  command: '$0 [core] [binary]',
  describe: 'Memory reference flame graph of a Go core dump: from GC roots (bottom) to what they retain',
  builder: (yargs: Argv<object>) =>
    coreInput(yargs)
        .options({
          output: { alias: 'o', type: 'string', describe: 'Write here (default: standard output)' },
          weight: { choices: ['bytes', 'objects'] as const, default: 'bytes' as const, describe: 'Frame width: bytes retained or objects retained' },
          format: { choices: formats, default: 'svg' as const, describe: 'svg; folded (flamegraph.pl, inferno, speedscope); pprof (go tool pprof); json (the tree)' },
          roots: { type: 'array', choices: rootChoices, describe: 'Only stacks from these kinds of root' },
          focus: { type: 'string', describe: 'Only stacks through a frame matching this regular expression' },
          collapse: { type: 'boolean', default: true, describe: 'Merge chains of objects of one type (lists, trees) into one frame; --no-collapse keeps them' },
          'max-depth': { type: 'number', describe: 'Keep frames above this depth in the frame at this depth' },
          quiet: { alias: 'q', type: 'boolean', default: false, describe: 'No progress and no summary on stderr' },
          timings: { type: 'boolean', default: false, describe: 'Print how long each phase took, and the peak memory, on stderr' },
        })
        .options(renderOptions) as unknown as Argv<FlameArgs>,
  handler: async (args) => {
    const focus = compileFocus(args.focus);
    const maxDepth = args['max-depth'] ?? Infinity;
    if (!(maxDepth >= 1)) throw new UserError('usage', `--max-depth must be at least 1, not ${args['max-depth']}.`);
    // Every option and the output are checked before the core is read, which can take minutes.
    if (args.format === 'svg') resolveOptions(flameOptions(args));
    checkWritable(args.output);
    const progress = new Progress(args.quiet, args.timings);
    const { proc, binary } = await openCore(args, progress.phase);
    const analysis = analyzeCore(proc, progress.phase);
    progress.phase('folding stacks');
    const namer = new GoFrameNamer(analysis.heap, proc.binary.pclntab);
    const stacks = foldRetentionTree(analysis.heap.graph, analysis.tree, namer, { collapse: args.collapse, maxDepth })
      .filter((s) => !args.roots || (args.roots as readonly string[]).includes(s.rootKind))
      .filter((s) => !focus || s.frames.some((f) => focus.test(f)));
    if (stacks.length === 0) {
      if (args.roots || args.focus !== undefined) throw new UserError('badInputData', 'No stacks are left after --roots and --focus; widen them.');
      throw new UserError('badInputData', 'The heap in this core holds no objects, so there is nothing to draw; check the core with `goheapflame info`.');
    }
    const totals = heapTotals(analysis);
    const program = basename(binary);
    const weighted: Stack[] = stacks.map((s) => ({ frames: s.frames, value: args.weight === 'bytes' ? s.bytes : s.objects }));
    progress.phase(`writing ${args.format}`);
    const output = outputOf(args, weighted, stacks, {
      title: args.title ?? `${program} · ${proc.binary.version.raw} · heap ${formatBytes(totals.bytes)}`,
      countname: args.countname ?? args.weight,
    });
    await writeOutput(args.output, output);
    progress.done();
    if (!args.quiet) warn([...proc.warnings, ...analysis.warnings]);
    if (!args.quiet) process.stderr.write(summary(analysis, totals, stacks, args.output));
    proc.close();
  },
};

function compileFocus(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new UserError('usage', `--focus ${JSON.stringify(pattern)} is not a valid regular expression (${(err as Error).message}).`);
  }
}

function outputOf(
  args: FlameArgs,
  weighted: Stack[],
  stacks: FoldedStack[],
  defaults: { title: string; countname: string },
): Iterable<string | Uint8Array> {
  switch (args.format) {
    case 'folded':
      return [formatFolded(weighted)];
    case 'pprof':
      return [encodePprof(stacks, defaults.title)];
    case 'json':
      return [`${JSON.stringify(stacksToTree(stacks), null, 1)}\n`];
    default:
      return flameGraphChunks(weighted, { ...flameOptions(args), title: defaults.title, countName: defaults.countname, colors: (args.colors ?? 'go') as PaletteName });
  }
}

/** The one-paragraph summary on stderr: heap, reachable, typed share, top roots, output. */
function summary(analysis: CoreAnalysis, totals: ReturnType<typeof heapTotals>, stacks: FoldedStack[], output: string | undefined): string {
  const byRoot = new Map<string, number>();
  for (const s of stacks) byRoot.set(s.frames[0]!, (byRoot.get(s.frames[0]!) ?? 0) + s.bytes);
  const top = [...byRoot].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, bytes]) => `${name} (${formatBytes(bytes)})`);
  const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%');
  return (
    `Heap ${formatBytes(totals.bytes)} in ${totals.objects} objects; reachable ${formatBytes(totals.reachableBytes)} ` +
    `(${pct(totals.reachableBytes, totals.bytes)}) in ${totals.reachableObjects} objects; type known for ` +
    `${pct(totals.typedBytes, totals.reachableBytes)} of reachable bytes; ${analysis.goroutines.length} goroutines. ` +
    `Largest roots: ${top.join(', ')}. Wrote ${output ?? 'standard output'}.\n`
  );
}
