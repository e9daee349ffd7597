#!/usr/bin/env node
// Times `goheapflame render` against flamegraph.pl and, when installed, inferno-flamegraph, on the
// same generated folded input, in one run: several repetitions taken in turn, medians reported.
//
//   FLAMEGRAPH_PL=/path/to/FlameGraph/flamegraph.pl npm run bench
//
// Environment: FLAMEGRAPH_PL (required; brendangregg/FlameGraph is not part of this repository),
// INFERNO_FLAMEGRAPH (default: inferno-flamegraph on PATH, then ~/.cargo/bin), BENCH_LINES
// (default 100000), BENCH_REPS (default 5). Needs `perl`, and GNU time at /usr/bin/time for peak
// memory (`apt-get install time`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { generateFolded } from './generate-folded.mjs';

const root = new URL('..', import.meta.url).pathname;
const lines = Number(process.env.BENCH_LINES ?? 100_000);
const reps = Number(process.env.BENCH_REPS ?? 5);
const GNU_TIME = '/usr/bin/time';
/** flamegraph.pl and goheapflame drop frames under 0.1 px of 1180; inferno takes a percentage. */
const MIN_WIDTH_PERCENT = String((0.1 / 1180) * 100);

function fail(message) {
  process.stderr.write(`bench/render: ${message}\n`);
  process.exit(2);
}

function findInferno() {
  const candidates = [
    process.env.INFERNO_FLAMEGRAPH,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'inferno-flamegraph')),
    join(homedir(), '.cargo/bin/inferno-flamegraph'),
  ];
  return candidates.find((path) => path && existsSync(path));
}

const flamegraphPl = process.env.FLAMEGRAPH_PL;
if (!flamegraphPl || !existsSync(flamegraphPl)) {
  fail('set FLAMEGRAPH_PL to the path of brendangregg/FlameGraph\'s flamegraph.pl.');
}
if (!existsSync(join(root, 'dist/cli/main.js'))) fail('run `npm run build` first (npm run bench does).');
const hasGnuTime = existsSync(GNU_TIME);
if (!hasGnuTime) process.stderr.write('bench/render: no /usr/bin/time (apt-get install time); peak memory not measured.\n');

const dir = mkdtempSync(join(tmpdir(), 'ghf-bench-'));
const input = join(dir, 'input.folded');
writeFileSync(input, generateFolded(lines));

/** Each tool: the command, and how to count the frames in its SVG. */
const tools = [
  {
    name: 'goheapflame',
    command: [process.execPath, join(root, 'bin/goheapflame.js'), 'render', input],
    frames: (svg) => svg.split('<g data-v=').length - 1,
  },
  {
    name: 'flamegraph.pl',
    command: ['perl', flamegraphPl, '--countname', 'bytes', input],
    frames: (svg) => svg.split('<title>').length - 1,
  },
];
const inferno = findInferno();
if (inferno) {
  tools.push({
    name: 'inferno',
    command: [inferno, '--countname', 'bytes', '--minwidth', MIN_WIDTH_PERCENT, input],
    frames: (svg) => svg.split('<title>').length - 1,
  });
} else {
  process.stderr.write('bench/render: inferno-flamegraph not found (cargo install inferno); left out.\n');
}

/** One run: wall seconds and peak resident memory (KiB) from GNU time, output to a file. */
function runOnce(tool) {
  const out = join(dir, `${tool.name}.svg`);
  const timing = join(dir, 'time.txt');
  const command = hasGnuTime ? [GNU_TIME, '-f', '%e %M', '-o', timing, ...tool.command] : tool.command;
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) fail(`${tool.name} failed (exit ${result.status}): ${result.stderr.toString().slice(0, 500)}`);
  writeFileSync(out, result.stdout);
  const [, rss] = hasGnuTime ? readFileSync(timing, 'utf8').trim().split(/\s+/).map(Number) : [wall, Number.NaN];
  return { seconds: wall, rssKiB: rss, out };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const inputBytes = statSync(input).size;
process.stdout.write(`input: ${lines.toLocaleString('en-US')} folded lines, ${(inputBytes / 2 ** 20).toFixed(1)} MiB; ${reps} repetitions each, in turn\n`);
const runs = new Map(tools.map((t) => [t.name, []]));
for (let rep = 0; rep < reps; rep++) {
  for (const tool of tools) runs.get(tool.name).push(runOnce(tool));
}

const rows = tools.map((tool) => {
  const results = runs.get(tool.name);
  const svg = readFileSync(results.at(-1).out, 'utf8');
  const frames = tool.frames(svg);
  return {
    name: tool.name,
    seconds: median(results.map((r) => r.seconds)),
    rssMiB: median(results.map((r) => r.rssKiB)) / 1024,
    frames,
    svgBytes: Buffer.byteLength(svg),
    bytesPerFrame: Buffer.byteLength(svg) / frames,
  };
});
const ours = rows[0];
const table = [
  ['tool', 'median s', 'time / goheapflame', 'peak RSS MiB', 'frames', 'SVG bytes', 'bytes/frame'],
  ...rows.map((r) => [
    r.name,
    r.seconds.toFixed(3),
    (r.seconds / ours.seconds).toFixed(2) + '×',
    Number.isNaN(r.rssMiB) ? '?' : r.rssMiB.toFixed(0),
    r.frames.toLocaleString('en-US'),
    r.svgBytes.toLocaleString('en-US'),
    r.bytesPerFrame.toFixed(1),
  ]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) process.stdout.write(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ') + '\n');

const perl = rows.find((r) => r.name === 'flamegraph.pl');
const rust = rows.find((r) => r.name === 'inferno');
const goals = [
  [`≥ 5× faster than flamegraph.pl`, perl.seconds / ours.seconds >= 5, `${(perl.seconds / ours.seconds).toFixed(2)}×`],
  [`fewer bytes per frame than flamegraph.pl`, ours.bytesPerFrame < perl.bytesPerFrame, `${ours.bytesPerFrame.toFixed(1)} vs ${perl.bytesPerFrame.toFixed(1)}`],
];
if (rust) goals.push([`at most 1.5× inferno's time`, ours.seconds <= 1.5 * rust.seconds, `${(ours.seconds / rust.seconds).toFixed(2)}× inferno's time`]);
for (const [goal, met, figure] of goals) process.stdout.write(`${met ? 'met   ' : 'MISSED'}  ${goal}: ${figure}\n`);
rmSync(dir, { recursive: true, force: true });
