import type { Options } from 'yargs';
import { analyzeCore, type CoreAnalysis } from '../analysis/analyze-core.js';
import { GoFrameNamer } from '../analysis/frame-namer.js';
import { UserError } from '../errors.js';
import { rootKinds } from '../goruntime/roots/heap-root.js';
import type { GoProcess } from '../goruntime/process/go-process.js';
import { foldRetentionTree, type FoldedStack } from '../graph/fold.js';
import { type Retention, retentionOf } from '../analysis/retainers.js';
import { resolveOptions } from '../flame/options.js';
import { checkWritable } from './output.js';
import { regexOption } from './option-values.js';
import { Progress } from './progress.js';
import { flameOptions, type RenderOptionArgs } from './render-args.js';

const rootChoices = [...rootKinds, 'unreachable', 'shared'] as const;
const trees = ['bfs', 'dominators'] as const;

/** The options that choose and shape the stacks of a core's flame graph (the flame command and diff). */
export interface StackArgs {
  weight: 'bytes' | 'objects';
  tree: (typeof trees)[number];
  roots?: Array<(typeof rootChoices)[number]>;
  focus?: string;
  collapse: boolean;
  'max-depth'?: number;
  quiet?: boolean;
  timings: boolean;
}

export const stackOptions: Record<keyof StackArgs, Options> = {
  weight: { choices: ['bytes', 'objects'] as const, default: 'bytes' as const, describe: 'Frame width: bytes retained or objects retained' },
  tree: {
    choices: trees,
    default: 'bfs' as const,
    describe: 'bfs: each object under the first root or object that reaches it; dominators: under what alone keeps it alive, so a frame is as wide as what freeing it would free',
  },
  roots: { type: 'array', choices: rootChoices, describe: 'Only stacks from these kinds of root' },
  focus: { type: 'string', describe: 'Only stacks through a frame matching this regular expression' },
  collapse: { type: 'boolean', default: true, describe: 'Merge chains of objects of one type (lists, trees) into one frame; --no-collapse keeps them' },
  'max-depth': { type: 'number', describe: 'Keep frames above this depth in the frame at this depth' },
  quiet: { alias: 'q', type: 'boolean', default: false, describe: 'No progress and no summary on stderr' },
  timings: { type: 'boolean', default: false, describe: 'Print how long each phase took, and the peak memory, on stderr' },
};

/** The stack options checked and compiled, before any core is read. */
export interface StackSelection {
  tree: (typeof trees)[number];
  roots: readonly string[] | undefined;
  focus: RegExp | undefined;
  collapse: boolean;
  maxDepth: number;
}

/** Checks the stack options (a usage error names the bad one) and compiles them. */
export function stackSelection(args: StackArgs): StackSelection {
  const maxDepth = args['max-depth'] ?? Infinity;
  if (!(maxDepth >= 1)) throw new UserError('usage', `--max-depth must be at least 1, not ${args['max-depth']}.`);
  return { tree: args.tree, roots: args.roots, focus: args.focus === undefined ? undefined : regexOption('--focus', args.focus), collapse: args.collapse, maxDepth };
}

/**
 * Checks every option and the output before a core is read (which can take minutes), and starts
 * the progress report: what the flame command and diff do first.
 */
export function startGraphCommand(args: StackArgs & RenderOptionArgs & { format: string; output?: string }): { selection: StackSelection; progress: Progress } {
  const selection = stackSelection(args);
  if (args.format === 'svg') resolveOptions(flameOptions(args));
  checkWritable(args.output);
  return { selection, progress: new Progress(args.quiet ?? false, args.timings) };
}

/** A core analysed and folded into the stacks the selection keeps. */
export interface HeapStacks {
  analysis: CoreAnalysis;
  stacks: FoldedStack[];
  namer: GoFrameNamer;
  /** The dominator tree and retained sizes, when asked for or drawn. */
  retention: Retention | undefined;
}

/**
 * Analyses the core and folds its retention tree into the selected stacks (maybe none: see
 * noStacksError). `counts: false` leaves out of the labels how many objects a chain or an array
 * holds: a diff matches frames of two dumps by their labels. `retention`: compute the dominator
 * tree even when the BFS tree is drawn (for the leak suspects).
 */
export function heapStacks(
  proc: GoProcess, selection: StackSelection, phase: (name: string) => void, options: { counts: boolean; retention: boolean },
): HeapStacks {
  const { counts } = options;
  const analysis = analyzeCore(proc, phase, counts);
  let retention: Retention | undefined;
  if (selection.tree === 'dominators' || options.retention) {
    phase('computing dominators');
    retention = retentionOf(analysis);
  }
  phase('folding stacks');
  const namer = new GoFrameNamer(analysis.heap, proc.binary.pclntab, counts);
  const { roots, focus, collapse, maxDepth } = selection;
  const tree = selection.tree === 'dominators' ? retention!.tree : analysis.tree;
  const stacks = foldRetentionTree(analysis.heap.graph, tree, namer, { collapse, maxDepth })
    .filter((s) => !roots || roots.includes(s.rootKind))
    .filter((s) => !focus || s.frames.some((f) => focus.test(f)));
  return { analysis, stacks, namer, retention };
}

/** The error for a graph without stacks: the selection left none, or the heap is empty. */
export function noStacksError(selection: StackSelection, what: string): UserError {
  if (selection.roots || selection.focus) return new UserError('badInputData', `No stacks are left in ${what} after --roots and --focus; widen them.`);
  return new UserError('badInputData', `The heap in ${what} holds no objects, so there is nothing to draw; check the core with \`goheapflame info\`.`);
}
