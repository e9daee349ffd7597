/**
 * `goheapflame top … | head` is how people read long output: once the reader has gone, the rest of
 * the output is not wanted, and the program ends quietly with exit code 0 instead of a stack trace.
 * The reader here (`true`) goes before the first byte is written, so every write fails.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sample = ['samples/leaky.core', 'samples/leaky.bin'];

describe.each([
  ['top', ['top', ...sample, '-n', '0']],
  ['top --retained --json', ['top', '--retained', '--json', ...sample]],
  ['info', ['info', ...sample]],
  ['goroutines', ['goroutines', ...sample]],
  ['path', ['path', ...sample, '--type', '.', '-n', '0']],
  ['the flame graph to standard output', [...sample, '-q']],
  ['render of folded stacks', ['render', 'samples/sample.folded']],
])('%s into a reader that has gone', (_name, args) => {
  it('ends with exit code 0 and says nothing', () => {
    const quoted = args.map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `node bin/goheapflame.js ${quoted} | true; echo "exit \${PIPESTATUS[0]}" >&2`], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('exit 0\n');
  });
});
