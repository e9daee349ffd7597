#!/usr/bin/env node
// The long fuzz run (see README.md here). The harness is the TypeScript of test/fuzz/, shared with the
// test suite; this script transpiles it and the files it imports from test/support/ and src/
// (TypeScript's transpileModule, no type check, no new dependency) into a temporary directory and
// runs it against a build of goheapflame.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const usage = `usage: node bench/fuzz/run.mjs [options]
  --seed N        run seed (default 1)
  --cases N       number of cases (default 1000)
  --first N       first case index (default 0)
  --case I[,J…]   just these cases (repeatable), e.g. to reproduce one
  --minutes M     start no new case after M minutes
  --jobs N        cases at a time (default 2)
  --cli PATH      the launcher to test (default bin/goheapflame.js of this repository; run npm run build)
  --core PATH     (default samples/leaky.core)
  --binary PATH   (default samples/leaky.bin)
  --timeout S     seconds before a case is a hang (default 120)
  --keep          keep the mutated files and print their paths
  --json FILE     write every case's result to FILE
  --verbose       one line per case
  --regions       print the regions found in the inputs, and exit`;

function parseArgs(argv) {
  const o = { seed: 1, cases: 1000, first: 0, only: [], jobs: 2, cli: join(repo, 'bin/goheapflame.js'), core: join(repo, 'samples/leaky.core'), binary: join(repo, 'samples/leaky.bin'), timeout: 120, keep: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const n = () => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${a} needs a number`);
      return x;
    };
    if (a === '--seed') o.seed = n();
    else if (a === '--cases') o.cases = n();
    else if (a === '--first') o.first = n();
    else if (a === '--case') o.only.push(...v().split(',').map(Number));
    else if (a === '--minutes') o.minutes = n();
    else if (a === '--jobs') o.jobs = n();
    else if (a === '--cli') o.cli = resolve(v());
    else if (a === '--core') o.core = resolve(v());
    else if (a === '--binary') o.binary = resolve(v());
    else if (a === '--timeout') o.timeout = n();
    else if (a === '--keep') o.keep = true;
    else if (a === '--json') o.json = resolve(v());
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--regions') o.regions = true;
    else if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${usage}`);
  }
  return o;
}

/**
 * test/fuzz/*.ts (not the tests) as ES modules in a temporary directory that sees this repository's
 * node_modules, with every file they import by a relative path (test/support/, src/…) transpiled too,
 * each at its path in the repository, so that the imports resolve as they do in the source tree.
 */
async function loadHarness() {
  const out = mkdtempSync(join(tmpdir(), 'goheapflame-fuzz-harness-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  symlinkSync(join(repo, 'node_modules'), join(out, 'node_modules'));
  const dir = join(repo, 'test/fuzz');
  const queue = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
  const done = new Set();
  while (queue.length > 0) {
    const file = queue.pop();
    if (done.has(file)) continue;
    done.add(file);
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    });
    const target = join(out, relative(repo, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
    // What the emitted module still imports (type-only imports are gone): `./x.js` stands for `./x.ts`.
    for (const { fileName } of ts.preProcessFile(outputText, true, true).importedFiles) {
      if (fileName.startsWith('.')) queue.push(resolve(dirname(file), fileName).replace(/\.js$/, '.ts'));
    }
  }
  return import(pathToFileURL(join(out, 'test/fuzz/campaign.js')).href);
}

const o = parseArgs(process.argv.slice(2));
const { runCampaign, regionTable, failureGroups, failures, loadInputs, layoutTable } = await loadHarness();

if (o.regions) {
  const dir = mkdtempSync(join(tmpdir(), 'goheapflame-fuzz-'));
  console.log(layoutTable(loadInputs(o.core, o.binary, dir)));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const total = o.only.length > 0 ? o.only.length : o.cases;
console.log(`goheapflame fuzz: seed ${o.seed}, ${o.only.length > 0 ? `cases ${o.only.join(',')}` : `cases ${o.first}..${o.first + o.cases - 1}`}, ${o.jobs} at a time${o.minutes !== undefined ? `, for at most ${o.minutes} min` : ''}; CLI ${o.cli}`);
const t0 = Date.now();
const report = await runCampaign({
  cli: o.cli,
  core: o.core,
  binary: o.binary,
  seed: o.seed,
  cases: o.cases,
  first: o.first,
  ...(o.only.length > 0 ? { only: o.only } : {}),
  concurrency: o.jobs,
  limits: { timeoutMs: o.timeout * 1000, maxOldSpaceMb: 1024, rssLimitMb: 3072 },
  ...(o.minutes !== undefined ? { budgetMs: o.minutes * 60_000 } : {}),
  keep: o.keep,
  onCase: (c, done) => {
    const bad = !['ok', 'clean-error'].includes(c.outcome);
    if (o.verbose || bad || o.keep) console.log(`${bad ? '!!' : '  '} ${c.index} ${c.region} ${c.command}: ${c.outcome} ${c.detail}${o.verbose || o.keep ? `\n     ${c.mutation}` : ''}`);
    if (o.keep) console.log(`     ${c.commandLine}`);
    if (done % 100 === 0) console.log(`… ${done}/${total} cases, ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  },
});

for (const b of report.baseline) console.log(`baseline (${b.variant} binary): ${b.outcome} in ${(b.ms / 1000).toFixed(1)} s, peak RSS ${b.peakRssKb === undefined ? '?' : Math.round(b.peakRssKb / 1024)} MiB`);
if (!report.strippedAvailable) console.log('note: objcopy is missing, so no case used a stripped binary');
console.log(`\n${report.cases.length} cases in ${(report.wallMs / 60000).toFixed(1)} min (seed ${report.seed})\n`);
console.log(regionTable(report));
console.log(`\n## Failures\n\n${failureGroups(report)}`);
if (o.json) writeFileSync(o.json, JSON.stringify(report.cases, null, 1));
if (o.keep) console.log(`\nfiles kept in ${report.workDir}`);
process.exitCode = failures(report).length > 0 ? 1 : 0;
