import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { encodePprof } from '../../export/pprof.js';
import { stacksToTree } from '../../export/tree-json.js';
import { formatBytes } from '../../flame/units.js';
import { formatFolded } from '../../flame/folded.js';
import { flameGraphChunks } from '../../flame/render.js';
import type { PaletteName } from '../../flame/options.js';
import type { Stack } from '../../flame/tree.js';
import type { FoldedStack } from '../../graph/fold.js';
import type { CoreAnalysis } from '../../analysis/analyze-core.js';
import { heapTotals } from '../../analysis/heap-summary.js';
import { leakSuspects, suspectsList } from '../../analysis/retainers.js';
import { heapStacks, noStacksError, stackOptions, startGraphCommand, type StackArgs } from '../heap-stacks.js';
import { flameOptions, renderOptions, type RenderOptionArgs } from '../render-args.js';
import { writeOutput } from '../output.js';
import { type CoreInputArgs, coreInput, openCore } from '../core-args.js';
import { warn } from '../progress.js';

const formats = ['svg', 'folded', 'pprof', 'json'] as const;

interface FlameArgs extends RenderOptionArgs, CoreInputArgs, StackArgs {
  output?: string;
  format: (typeof formats)[number];
}

/** `goheapflame CORE BINARY -o ref.svg`: the memory reference flame graph of a Go core. */
export const flameCommand: CommandModule<object, FlameArgs> = {
  command: '$0 [core] [binary]',
  describe: 'Memory reference flame graph of a Go core dump: from GC roots (bottom) to what they retain',
  builder: (yargs: Argv<object>) =>
    coreInput(yargs)
        .options({
          output: { alias: 'o', type: 'string', describe: 'Write here (default: standard output)' },
          format: { choices: formats, default: 'svg' as const, describe: 'svg; folded (flamegraph.pl, inferno, speedscope); pprof (go tool pprof); json (the tree)' },
        })
        .options(stackOptions)
        .options(renderOptions) as unknown as Argv<FlameArgs>,
  handler: async (args) => {
    const { selection, progress } = startGraphCommand(args);
    const { proc, binary } = await openCore(args, progress.phase);
    // The dominator tree only for the leak suspects of the summary, unless drawn.
    const { analysis, stacks, namer, retention } = heapStacks(proc, selection, progress.phase, { counts: true, retention: !args.quiet });
    if (stacks.length === 0) throw noStacksError(selection, proc.image.coreName);
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
    if (!args.quiet) {
      const suspects = leakSuspects(analysis, retention!, namer, totals.bytes);
      process.stderr.write(summary(analysis, totals, stacks, `Leak suspects: ${suspectsList(suspects, totals.bytes, formatBytes)}.`, args.output));
    }
    proc.close();
  },
};

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

/** The one-paragraph summary on stderr: heap, reachable, typed share, top roots, leak suspects, output. */
function summary(analysis: CoreAnalysis, totals: ReturnType<typeof heapTotals>, stacks: FoldedStack[], suspects: string, output: string | undefined): string {
  const byRoot = new Map<string, number>();
  for (const s of stacks) byRoot.set(s.frames[0]!, (byRoot.get(s.frames[0]!) ?? 0) + s.bytes);
  const top = [...byRoot].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, bytes]) => `${name} (${formatBytes(bytes)})`);
  const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%');
  return (
    `Heap ${formatBytes(totals.bytes)} in ${totals.objects} objects; reachable ${formatBytes(totals.reachableBytes)} ` +
    `(${pct(totals.reachableBytes, totals.bytes)}) in ${totals.reachableObjects} objects; type known for ` +
    `${pct(totals.typedBytes, totals.reachableBytes)} of reachable bytes; ${analysis.goroutines.length} goroutines. ` +
    `Largest roots: ${top.join(', ')}. ${suspects} Wrote ${output ?? 'standard output'}.\n`
  );
}
