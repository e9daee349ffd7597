import type { CommandModule } from 'yargs';
import { GoProcess } from '../../goruntime/go-process.js';
import { type Goroutine, readGoroutines } from '../../goruntime/goroutines.js';
import { type CoreArgs, coreArgs } from './info.js';

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

/** `goheapflame goroutines CORE BINARY`: every live goroutine and its stack, like a Go traceback. */
export const goroutinesCommand: CommandModule<object, CoreArgs> = {
  command: 'goroutines <core> <binary>',
  describe: 'List every goroutine in a Go core dump with its state and stack, like a Go traceback',
  builder: coreArgs,
  handler: (args) => {
    const proc = GoProcess.open(args.core, args.binary, { force: args.force });
    try {
      const goroutines = readGoroutines(proc);
      for (const warning of proc.image.warnings) process.stderr.write(`goheapflame: warning: ${warning}\n`);
      if (args.json) {
        process.stdout.write(`[\n${goroutines.map((g) => JSON.stringify(goroutineJson(g))).join(',\n')}\n]\n`);
      } else {
        process.stdout.write(goroutines.map(formatGoroutine).join('\n'));
      }
    } finally {
      proc.close();
    }
  },
};
