/**
 * A seeded, bounded fuzz run over the bundled sample (issue 11): 200 damaged cores and
 * binaries, each run through the built CLI (`npm run build` first) as a child process. No damaged
 * input may give an internal error, a hang, an out-of-memory death, or output that is not well formed.
 *
 * The verdict does not depend on the machine's speed: a case is a hang only after 120 s (the sample
 * takes ~1.5 s; the slowest case seen on a loaded machine took 9 s), and the run has no time limit
 * of its own. 200 cases, 2 at a time, take ~2.5 min on a quiet 2-vCPU machine (~1.4 s CPU each).
 * GOHEAPFLAME_FUZZ_CASES, GOHEAPFLAME_FUZZ_SEED and GOHEAPFLAME_FUZZ_CLI change the run; bench/fuzz/
 * has the long run and reproduces single cases.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeCase, failureGroups, regionTable, runCampaign, type CampaignReport, type CaseResult } from './campaign.js';
import type { Outcome } from './run-case.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CASES = Number(process.env.GOHEAPFLAME_FUZZ_CASES ?? 200);
const SEED = Number(process.env.GOHEAPFLAME_FUZZ_SEED ?? 11);
/** The launcher under test: this repository's build unless GOHEAPFLAME_FUZZ_CLI names another. */
const CLI = process.env.GOHEAPFLAME_FUZZ_CLI ?? join(root, 'bin/goheapflame.js');

let report: CampaignReport;

beforeAll(
  async () => {
    if (!existsSync(join(CLI, '../../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
    report = await runCampaign({
      cli: CLI,
      core: join(root, 'samples/leaky.core'),
      binary: join(root, 'samples/leaky.bin'),
      seed: SEED,
      cases: CASES,
      concurrency: 2,
    });
    console.log(`fuzz: seed ${SEED}, ${report.cases.length} cases in ${(report.wallMs / 1000).toFixed(0)} s\n${regionTable(report)}`);
    if (report.cases.some((c) => !['ok', 'clean-error'].includes(c.outcome))) console.log(failureGroups(report));
  },
  // Bounded by the per-case timeout (120 s) times the cases, never reached unless cases hang.
  24 * 60 * 60_000,
);

/** Fails with every case of these outcomes, each with what it takes to reproduce it. */
function expectNone(outcomes: Outcome[]) {
  const bad: CaseResult[] = report.cases.filter((c) => outcomes.includes(c.outcome));
  const message = `${bad.length} of ${report.cases.length} cases (seed ${SEED}) were ${outcomes.join(' or ')}:\n${bad.map(describeCase).join('\n')}\n\n${bad
    .slice(0, 3)
    .map((c) => `case ${c.index} stderr:\n${c.stderr.split('\n').slice(0, 15).join('\n')}`)
    .join('\n\n')}`;
  expect(bad.length, message).toBe(0);
}

describe(`fuzzing the sample core and binary (seed ${SEED}, ${CASES} cases)`, () => {
  it('renders the unmutated sample, with the unstripped and the stripped binary', () => {
    for (const b of report.baseline) expect(b.outcome, describeCase(b) + '\n' + b.stderr).toBe('ok');
  });

  it('visits every region', () => {
    const visited = new Set(report.cases.map((c) => c.region));
    const missed = CASES >= report.layout.ids.length ? report.layout.ids.filter((id) => !visited.has(id)) : [];
    expect(missed).toEqual([]);
  });

  it('gives no internal error (exit 1, a stack trace, a crash)', () => expectNone(['internal-error']));
  it('never hangs', () => expectNone(['hang']));
  it('never runs out of memory', () => expectNone(['oom']));
  it('writes only well-formed SVG (and JSON)', () => expectNone(['invalid-svg', 'invalid-json']));
  it('reports every error as one sentence on stderr, with exit codes 2–10', () => expectNone(['unclean-error']));
});
