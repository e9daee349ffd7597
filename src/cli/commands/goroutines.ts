import { once } from 'node:events';
import type { CommandModule } from 'yargs';
import { type Goroutine, eachGoroutine } from '../../goruntime/process/goroutines.js';
import { type CoreArgs, coreArgs, openCore } from '../core-args.js';
import { warn } from '../progress.js';

/** One goroutine as `goroutines --json` prints it. */
export interface GoroutineJson {
  id: number;
  status: string;
  waitReason?: string;
  system: boolean;
  lockedToThread: boolean;
  /** `wrapper`: compiler-generated, hidden by Go's default tracebacks. */
  frames: Array<{ function: string; file: string; line: number; inlined: boolean; wrapper: boolean }>;
  createdBy?: { function: string; file: string; line: number; goid: number };
  unwindError?: string;
}

export function goroutineJson(g: Goroutine): GoroutineJson {
  const out: GoroutineJson = {
    id: g.id,
    status: g.status,
    ...(g.waitReason ? { waitReason: g.waitReason } : {}),
    system: g.system,
    lockedToThread: g.lockedToThread,
    frames: g.frames.map((f) => ({ function: f.function, file: f.file, line: f.line, inlined: f.inlined, wrapper: f.wrapper })),
  };
  if (g.createdBy) out.createdBy = { function: g.createdBy.function, file: g.createdBy.file, line: g.createdBy.line, goid: g.createdBy.goid };
  if (g.unwindError) out.unwindError = g.unwindError;
  return out;
}

/**
 * A goroutine as Go prints it with GOTRACEBACK=system (runtime frames and goroutines included),
 * without argument values: `function(...)` then a tab, the file and the line.
 */
export function formatGoroutine(g: Goroutine): string {
  const state = [g.waitReason ?? g.status, ...(g.lockedToThread ? ['locked to thread'] : [])].join(', ');
  let text = `goroutine ${g.id} [${state}]:\n`;
  for (const f of g.frames) text += `${f.function}(...)\n\t${f.file}:${f.line}\n`;
  if (g.unwindError) text += `...stack incomplete: ${g.unwindError}\n`;
  if (g.createdBy) {
    const c = g.createdBy;
    text += `created by ${c.function}${c.goid ? ` in goroutine ${c.goid}` : ''}\n\t${c.file}:${c.line}\n`;
  }
  return text;
}

/** Writes to stdout in chunks, waiting when the reader is slower: a process with a million goroutines prints hundreds of MB. */
class ChunkedOutput {
  private pending: string[] = [];
  private length = 0;

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.length += text.length;
    if (this.length >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    const text = this.pending.join('');
    this.pending = [];
    this.length = 0;
    if (text && !process.stdout.write(text)) await once(process.stdout, 'drain');
  }
}

/** `goheapflame goroutines CORE BINARY`: every live goroutine and its stack, like a Go traceback. */
export const goroutinesCommand: CommandModule<object, CoreArgs> = {
  command: 'goroutines [core] [binary]',
  describe: 'List every goroutine in a Go core dump with its state and stack, like a Go traceback',
  builder: coreArgs,
  handler: async (args) => {
    const { proc } = await openCore(args);
    try {
      warn(proc.warnings);
      const out = new ChunkedOutput();
      let first = true;
      if (args.json) await out.write('[');
      for (const g of eachGoroutine(proc)) {
        if (args.json) await out.write(`${first ? '' : ','}\n${JSON.stringify(goroutineJson(g))}`);
        else await out.write(`${first ? '' : '\n'}${formatGoroutine(g)}`);
        first = false;
      }
      if (args.json) await out.write('\n]\n');
      await out.flush();
    } finally {
      proc.close();
    }
  },
};
