/**
 * Vitest global setup: names this test run so that all its workers share one set of fixture cores
 * (test/support/fixtures.ts), deletes cores left by runs whose process died, and deletes this run's
 * cores when it ends, unless GOHEAPFLAME_KEEP_FIXTURES=1. Cores take 1–2 GB each.
 */
import { RUN_ENV, deleteOrphanedRunCores, deleteRunCores } from './fixtures.js';

export default function setup(): () => void {
  // Workers are forked after global setup and inherit this environment.
  process.env[RUN_ENV] = `run-${process.pid}-${Date.now()}`;
  deleteOrphanedRunCores();
  return deleteRunCores;
}
