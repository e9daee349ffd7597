import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { makeTempDir } from '../util/temp-files.js';

/**
 * Dumps a live process with gdb's gcore, into a temporary directory removed when goheapflame exits,
 * or to `keepCore`. The process is stopped while gcore writes it; `report` is told for how long.
 * Returns the core's path.
 */
export async function dumpProcess(pid: number, keepCore: string | undefined, report: (line: string) => void): Promise<string> {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new UserError('usage', `--pid must be a process ID, not ${pid}.`);
  if (!existsSync(`/proc/${pid}`)) throw new UserError('cannotDump', `No process ${pid} is running; check the PID (ps -e lists them).`);
  let prefix: string;
  if (keepCore === undefined) {
    prefix = join(makeTempDir(), 'core');
  } else {
    prefix = resolve(keepCore);
  }
  const started = performance.now();
  // gcore writes PREFIX.PID; no debuginfod downloads (they would stop the process for longer).
  const { code, stderr, missing } = await run('gcore', ['-o', prefix, String(pid)], { ...process.env, DEBUGINFOD_URLS: '' });
  const seconds = (performance.now() - started) / 1000;
  if (missing) throw new UserError('missingTool', 'gcore (part of gdb) is not installed, and --pid dumps the process with it; install gdb (apt-get install gdb).');
  const written = `${prefix}.${pid}`;
  if (code !== 0 || !existsSync(written)) {
    if (/ptrace: Operation not permitted|Could not attach|not permitted/i.test(stderr)) {
      throw new UserError(
        'cannotDump',
        `Cannot attach to process ${pid} to dump it (ptrace: operation not permitted); run goheapflame as the process's user or as root, and check kernel.yama.ptrace_scope.`,
      );
    }
    const why = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`;
    throw new UserError('cannotDump', `gcore could not dump process ${pid} (${why}); dump it by hand with gcore and pass the core.`);
  }
  let core = written;
  if (keepCore !== undefined) {
    renameSync(written, prefix);
    core = prefix;
  }
  report(`dumped process ${pid} with gcore in ${seconds.toFixed(1)} s (the process was stopped for that long)${keepCore !== undefined ? `; the core is ${core}` : ''}`);
  return core;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; missing: boolean }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) => done({ code: null, stderr: err.message, missing: err.code === 'ENOENT' }));
    child.on('close', (code) => done({ code, stderr, missing: false }));
  });
}
