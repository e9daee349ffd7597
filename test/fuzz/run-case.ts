/**
 * Runs one fuzz case as a child process, the way people run goheapflame, and classifies what came
 * out: ok, a clean error, an internal error, a hang, out of memory, or output that is not well formed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Command } from './mutate.js';
import { xmlProblem } from '../support/xml-check.js';

export type Outcome =
  | 'ok'
  | 'clean-error'
  | 'internal-error'
  | 'hang'
  | 'oom'
  | 'invalid-svg'
  | 'invalid-json'
  /** exit 2..10, but stderr is not one `goheapflame: ` sentence (after any warnings) */
  | 'unclean-error';

export const OUTCOMES: readonly Outcome[] = ['ok', 'clean-error', 'internal-error', 'hang', 'oom', 'invalid-svg', 'invalid-json', 'unclean-error'];
export const FAILURES: readonly Outcome[] = ['internal-error', 'hang', 'oom', 'invalid-svg', 'invalid-json', 'unclean-error'];

export interface RunLimits {
  /** Wall-clock time before the case counts as a hang. */
  timeoutMs: number;
  /** V8's old-space cap for the child (`--max-old-space-size`). */
  maxOldSpaceMb: number;
  /** Resident memory at which the child is killed and the case counts as out of memory. */
  rssLimitMb: number;
}

export const DEFAULT_LIMITS: RunLimits = { timeoutMs: 120_000, maxOldSpaceMb: 1024, rssLimitMb: 3072 };

export interface ChildResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set of the child in KiB (GNU time), when known. */
  peakRssKb: number | undefined;
  timedOut: boolean;
  rssKilled: boolean;
}

const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);
const STDOUT_CAP = 64 << 20;

const SIGNALS: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 7: 'SIGBUS', 4: 'SIGILL', 8: 'SIGFPE', 15: 'SIGTERM' };

/** Resident memory of `pid` and its descendants, in MiB (0 when gone). */
function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number, depth: number) => {
    if (depth > 4) return;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+)/.exec(status);
      if (m) kb += Number(m[1]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(/\s+/) : []) visit(Number(k), depth + 1);
      }
    } catch {
      // the process ended meanwhile
    }
  };
  visit(pid, 0);
  return kb / 1024;
}

/**
 * `node --max-old-space-size=N CLI ARGS` in its own process group, under GNU time for the peak RSS
 * when it is installed; killed (the whole group) on timeout or when it outgrows `rssLimitMb`.
 */
export function runChild(cli: string, args: string[], limits: RunLimits, rssFile: string): Promise<ChildResult> {
  const nodeArgs = [`--max-old-space-size=${limits.maxOldSpaceMb}`, cli, ...args];
  const [file, argv] = hasTime ? [TIME, ['-f', '%x %M', '-o', rssFile, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const env: NodeJS.ProcessEnv = { ...process.env, GOHEAPFLAME_DEBUG: '1', LC_ALL: 'C' };
  delete env.NODE_OPTIONS;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    let rssKilled = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      if (outBytes < STDOUT_CAP) out.push(d);
      outBytes += d.length;
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.reduce((s, x) => s + x.length, 0) < 1 << 20) err.push(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, limits.timeoutMs);
    const watch = setInterval(() => {
      if (child.pid !== undefined && treeRssMb(child.pid) > limits.rssLimitMb) {
        rssKilled = true;
        killGroup();
      }
    }, 250);
    child.on('error', (e) => {
      clearTimeout(timer);
      clearInterval(watch);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      let peakRssKb: number | undefined;
      let sig: string | null = signal;
      let exit: number | null = code;
      if (hasTime && existsSync(rssFile)) {
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        rmSync(rssFile, { force: true });
        const killed = lines.map((l) => /terminated by signal (\d+)/.exec(l)).find((m) => m);
        const last = /^(\d+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
        if (last) peakRssKb = Number(last[2]);
        if (killed) {
          const n = Number(killed[1]);
          sig = SIGNALS[n] ?? `signal ${n}`;
          exit = null;
        }
      }
      resolve({
        code: exit,
        signal: sig,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
        peakRssKb,
        timedOut,
        rssKilled,
      });
    });
  });
}

/** The command line of a case (after `node CLI`). */
export function caseArgs(command: Command, core: string, binary: string, svg: string): string[] {
  switch (command) {
    case 'flame':
      return [core, binary, '-o', svg, '-q'];
    case 'info':
      return ['info', '--json', core, binary];
    case 'top':
      return ['top', core, binary];
    case 'goroutines':
      return ['goroutines', core, binary];
  }
}

export interface Classified {
  outcome: Outcome;
  /** The line that says why: the stderr message, the XML problem, the signal. */
  detail: string;
}

const STACK_LINE = /^ {4}at /m;

/** Which outcome a finished child is; `svg` is the output file for the flame command. */
export function classify(command: Command, r: ChildResult, svg: Buffer | undefined): Classified {
  const stderr = r.stderr.replace(/\n$/, '');
  const lines = stderr === '' ? [] : stderr.split('\n');
  const firstMessage = lines.find((l) => l.startsWith('goheapflame: ') && !l.startsWith('goheapflame: warning: ')) ?? lines[0] ?? '';
  if (r.timedOut) return { outcome: 'hang', detail: `no exit after ${r.ms} ms` };
  if (r.rssKilled) return { outcome: 'oom', detail: `killed above the RSS limit (peak ${r.peakRssKb ?? '?'} KiB)` };
  if (/heap out of memory|FATAL ERROR|Allocation failed/.test(r.stderr)) {
    return { outcome: 'oom', detail: lines.find((l) => /out of memory|FATAL ERROR|Allocation failed/.test(l)) ?? 'out of memory' };
  }
  if (r.signal === 'SIGABRT' || r.signal === 'SIGKILL') return { outcome: 'oom', detail: `died of ${r.signal}` };
  if (r.signal !== null) return { outcome: 'internal-error', detail: `died of ${r.signal}` };
  if (STACK_LINE.test(r.stderr) && r.code !== 1) return { outcome: 'internal-error', detail: `stack trace on stderr: ${firstMessage}` };
  if (r.code === 1) return { outcome: 'internal-error', detail: firstMessage };
  if (r.code === 0) {
    if (command === 'flame') {
      if (!svg) return { outcome: 'invalid-svg', detail: 'exit 0 but no SVG written' };
      const problem = xmlProblem(svg);
      return problem === undefined ? { outcome: 'ok', detail: '' } : { outcome: 'invalid-svg', detail: problem };
    }
    if (command === 'info') {
      try {
        JSON.parse(r.stdout);
      } catch (e) {
        return { outcome: 'invalid-json', detail: e instanceof Error ? e.message : String(e) };
      }
    }
    return { outcome: 'ok', detail: '' };
  }
  if (r.code !== null && r.code >= 2 && r.code <= 10) {
    const warnings = lines.slice(0, -1);
    const last = lines[lines.length - 1] ?? '';
    const clean =
      lines.length >= 1 &&
      warnings.every((l) => l.startsWith('goheapflame: warning: ')) &&
      last.startsWith('goheapflame: ') &&
      !last.startsWith('goheapflame: warning: ');
    return clean ? { outcome: 'clean-error', detail: last } : { outcome: 'unclean-error', detail: `exit ${r.code}: ${stderr.slice(0, 300)}` };
  }
  return { outcome: 'internal-error', detail: `exit ${r.code}: ${firstMessage}` };
}
