import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { parseStacks, renderFlameGraph } from '../../src/flame/index.js';
import { readFrameTree } from '../../src/flame/input.js';
import { generateFolded } from '../../bench/generate-folded.mjs';
import { drawnFrames } from '../support/svg-reading.js';

const root = new URL('../..', import.meta.url).pathname;
const sampleText = readFileSync(join(root, 'samples/sample.folded'), 'utf8');

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [join(root, 'bin/goheapflame.js'), ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI runs dist/; a stale build would test old code, so say so instead. */
beforeAll(() => {
  const sources = [join(root, 'src/cli/commands/render.ts'), ...readdirSync(join(root, 'src/flame')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => join(root, 'src/flame', f))];
  for (const source of sources) {
    const built = source.replace('/src/', '/dist/').replace(/\.ts$/, '.js');
    let builtTime = 0;
    try {
      builtTime = statSync(built).mtimeMs;
    } catch {
      // missing: reported below
    }
    if (builtTime < statSync(source).mtimeMs) throw new Error(`${built} is missing or older than its source; run npm run build first`);
  }
});

describe('goheapflame render', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghf-render-'));

  it('renders a file to standard output, the same bytes as the library', () => {
    const { code, stdout, stderr } = run(['render', join(root, 'samples/sample.folded'), '--colors', 'go', '--title', 'Sample']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(renderFlameGraph(parseStacks(sampleText).stacks, { colors: 'go', title: 'Sample' }));
  });

  it('reads standard input with - and writes the file given with -o', () => {
    const out = join(dir, 'out.svg');
    const { code, stdout } = run(['render', '-', '-o', out, '--countname', 'samples', '--inverted'], 'a;b 3\na;c 4\n');
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(renderFlameGraph(parseStacks('a;b 3\na;c 4\n').stacks, { countName: 'samples', inverted: true }));
  });

  it('reads a path that is not a regular file, such as a pipe (as `render <(…)` gives)', () => {
    const sample = join(root, 'samples/sample.folded');
    const piped = spawnSync('sh', ['-c', `cat "$1" | "$2" "$3" render /dev/stdin`, 'sh', sample, process.execPath, join(root, 'bin/goheapflame.js')], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(renderFlameGraph(parseStacks(sampleText).stacks));
  });

  it('renders objref backtraces and reversed stacks like the library', () => {
    const bt = 'leaf 0x1\nmid\nroot 0x2\n\t64\nother 0x3\nroot 0x2\n\t32\n';
    expect(run(['render', '-'], bt).stdout).toBe(renderFlameGraph(parseStacks(bt).stacks));
    expect(run(['render', '-', '--reverse'], sampleText).stdout).toBe(renderFlameGraph(parseStacks(sampleText).stacks, { reverse: true }));
  });

  it('gives the same bytes and messages for the plain `render IN [-o OUT]` (run without yargs) as through yargs', () => {
    const input = join(root, 'samples/sample.folded');
    const plain = join(dir, 'plain.svg');
    const parsed = join(dir, 'parsed.svg');
    expect(run(['render', input, '-o', plain]).code).toBe(0);
    // --countname bytes is the default: the same drawing, but the command line goes through yargs.
    expect(run(['render', input, '--countname', 'bytes', '--output', parsed]).code).toBe(0);
    expect(readFileSync(plain, 'utf8')).toBe(readFileSync(parsed, 'utf8'));
    expect(run(['render', input]).stdout).toBe(readFileSync(parsed, 'utf8'));
    const missing = join(dir, 'missing.folded');
    expect(run(['render', missing])).toEqual(run(['render', missing, '--countname', 'bytes']));
  });

  it('handles CRLF input and warns about malformed lines on stderr, with line numbers', () => {
    const { code, stdout, stderr } = run(['render', '-'], 'a;b 3\r\nnot a stack\r\n\r\na;c 4\r\n');
    expect(code).toBe(0);
    expect(stderr).toBe('goheapflame: standard input: line 2: not a folded stack ("frame;frame;… count"); skipped.\n');
    expect(stdout).toBe(renderFlameGraph(parseStacks('a;b 3\na;c 4\n').stacks));
  });

  it('exits 3 for an unreadable input file', () => {
    const missing = run(['render', join(dir, 'missing.folded')]);
    expect(missing.code).toBe(ExitCode.unreadableInput);
    expect(missing.stderr).toMatch(/missing\.folded: no such file; check the path\.\n$/);
    expect(run(['render', dir]).code).toBe(ExitCode.unreadableInput);
  });

  it('exits 4 for input without stacks or with only zero counts', () => {
    const empty = run(['render', '-'], '\n\n');
    expect(empty.code).toBe(ExitCode.badInputData);
    expect(empty.stderr).toBe('goheapflame: standard input holds no stacks; give folded stacks ("a;b;c 1234") or viewcore objref backtrace blocks.\n');
    expect(run(['render', '-'], 'garbage\n').code).toBe(ExitCode.badInputData);
    expect(run(['render', '-'], 'a 0\n').code).toBe(ExitCode.badInputData);
  });

  it('exits 2 for bad options, before writing anything', () => {
    const out = join(dir, 'never.svg');
    for (const args of [
      ['--colors', 'nope'],
      ['--width', 'wide'],
      ['--minwidth', '1px'],
      ['--height', '0'],
      ['--total', '1'],
      ['--no-such-option'],
    ]) {
      const result = run(['render', '-', '-o', out, ...args], 'a 5\n');
      expect(result.code, args.join(' ')).toBe(ExitCode.usage);
      expect(result.stderr).toMatch(/^goheapflame: /);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    expect(() => statSync(out)).toThrow();
    expect(run(['render']).code).toBe(ExitCode.usage);
  });

  it('exits 2 when the output cannot be written', () => {
    writeFileSync(join(dir, 'file'), '');
    const result = run(['render', '-', '-o', join(dir, 'file', 'x.svg')], 'a 5\n');
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/Cannot write .*x\.svg \(ENOTDIR\)/);
  });

  it('renders a 200,000-line input, pruning what is too narrow to see', () => {
    const input = join(dir, 'big.folded');
    writeFileSync(input, generateFolded(200_000, 2));
    const out = join(dir, 'big.svg');
    const { code, stderr } = run(['render', input, '-o', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.endsWith('</svg>\n')).toBe(true);
    const merged = /([\d,]+) frames narrower than 0\.1 px \(([\d.]+)% of the total\) are merged into their parents/.exec(svg);
    expect(merged).not.toBeNull();
    const drawn = drawnFrames(svg).length;
    // Every merged frame is either drawn or counted as merged.
    expect(drawn + Number(merged![1]!.replace(/,/g, ''))).toBe(readFrameTree(readFileSync(input, 'utf8'), false).tree.size);
  }, 300_000);
});

describe('goheapflame --help', () => {
  it.each(['', 'diff', 'top', 'info', 'goroutines', 'path', 'render'])('prints the help of %s and exits 0, with nothing on stderr', (command) => {
    const r = spawnSync(process.execPath, [`${root}bin/goheapflame.js`, ...(command ? [command] : []), '--help'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(command ? `goheapflame ${command} ` : 'Commands:');
  });
});
