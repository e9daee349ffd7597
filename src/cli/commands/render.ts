import { open, readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import type { Argv, CommandModule } from 'yargs';
import { fileError, UserError } from '../../errors.js';
import { resolveOptions } from '../../flame/options.js';
import { flameOptions, renderOptions, type RenderOptionArgs } from '../render-args.js';
import { checkWritable, writeOutput } from '../output.js';

export interface RenderArgs extends RenderOptionArgs {
  input: string;
  output?: string;
}

/** `goheapflame render INPUT [-o OUT]`: flamegraph.pl's job, with flamegraph.pl's option names. */
export const renderCommand: CommandModule<object, RenderArgs> = {
  command: 'render <input>',
  describe: 'Render folded stacks (or viewcore objref backtraces) as an interactive SVG flame graph',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('input', {
        type: 'string',
        demandOption: true,
        describe: 'Folded stacks ("a;b;c 1234") or objref backtrace blocks; - reads standard input',
      })
      .options({
        output: { alias: 'o', type: 'string', describe: 'Write the SVG here (default: standard output)' },
      })
      .options(renderOptions) as unknown as Argv<RenderArgs>,
  handler: render,
};

/** Runs `render` on its parsed arguments (by yargs, or by main.ts for the plain `render IN [-o OUT]`). */
export async function render(args: RenderArgs): Promise<void> {
  // Rendering is a few long loops, each run once: V8 compiles a hot loop's optimized code (on-stack
  // replacement) on another thread by default, and the loop runs slow code meanwhile, for long
  // when the other core is busy. Compiled at once, the loop is faster from then on.
  setFlagsFromString('--no-concurrent-osr');
  const options = resolveOptions(flameOptions(args));
  checkWritable(args.output);
  // The renderer is loaded here, not at start-up, so other commands do not pay for it; the input
  // is read meanwhile (the read runs on libuv's thread pool while the modules compile).
  const [{ readFrameTreeFromBytes }, { planFromTree, svgChunks }, { buildShell }, { bytes, source }] = await Promise.all([
    import('../../flame/input.js'),
    import('../../flame/render.js'),
    import('../../flame/shell.js'),
    readInput(args.input),
  ]);
  const { tree, warnings } = readFrameTreeFromBytes(bytes, options.reverse);
  for (const warning of warnings) process.stderr.write(`goheapflame: ${source}: ${warning}\n`);
  if (tree.stacks === 0) {
    throw new UserError(
      'badInputData',
      `${source} holds no stacks; give folded stacks ("a;b;c 1234") or viewcore objref backtrace blocks.`,
    );
  }
  const plan = planFromTree(tree, options); // throws before any output exists
  await writeOutput(args.output, svgChunks(plan, buildShell(plan.options, plan.geometry, plan.facts)));
}

async function readInput(input: string): Promise<{ bytes: Buffer; source: string }> {
  // yargs 18 hands a positional `-` over as an empty string (it parses it as a flag without a name).
  if (input === '-' || input === '') {
    const parts: Buffer[] = [];
    for await (const part of process.stdin) parts.push(part as Buffer);
    return { bytes: Buffer.concat(parts), source: 'standard input' };
  }
  try {
    return { bytes: await readWhole(input), source: input };
  } catch (err) {
    throw fileError(err, input) ?? err;
  }
}

/**
 * A file's bytes: a regular file in as few reads as it takes (`readFile` reads a large file in
 * 512 KiB rounds); anything else (a pipe, `<(…)`, a directory's error) through `readFile`.
 */
async function readWhole(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const stat = await file.stat();
    if (!stat.isFile()) return await readFile(path);
    const bytes = Buffer.allocUnsafe(stat.size);
    let length = 0;
    while (length < bytes.length) {
      const { bytesRead } = await file.read(bytes, length, bytes.length - length, length);
      if (bytesRead === 0) break; // the file shrank meanwhile
      length += bytesRead;
    }
    return length < bytes.length ? bytes.subarray(0, length) : bytes;
  } finally {
    await file.close();
  }
}
