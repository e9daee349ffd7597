/** Runs the built CLI (`npm run build` first) the way people do: `node bin/goheapflame.js ARGS`. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const launcher = `${repoRoot}bin/goheapflame.js`;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): CliResult {
  if (!existsSync(`${repoRoot}dist/cli/main.js`)) throw new Error('dist/ is missing: run `npm run build` before these tests');
  const r = spawnSync(process.execPath, [launcher, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and parses its standard output as JSON, failing with its stderr when it did not succeed. */
export function runCliJson<T>(args: string[]): T {
  const r = runCli(args);
  if (r.code !== 0) throw new Error(`goheapflame ${args.join(' ')} exited with ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
