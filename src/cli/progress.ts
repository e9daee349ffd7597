/**
 * Phase progress on stderr, only when stderr is a terminal (pipes and CI logs stay clean): one line
 * rewritten in place, `reading heap spans… 1.2s`, cleared when the work is done. With `timings`, each
 * phase's wall and CPU time (user + system, all threads: steadier than the wall on a busy machine) and
 * the process's peak memory are printed at the end, terminal or not.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly start = performance.now();
  private readonly startCpu = cpuSeconds();
  private readonly phases: Array<{ name: string; at: number; cpu: number }> = [];
  private shown = false;

  constructor(
    quiet: boolean,
    private readonly timings = false,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = !quiet && stream.isTTY === true;
  }

  /** Reports that a phase starts. */
  readonly phase = (name: string): void => {
    const now = performance.now();
    this.phases.push({ name, at: now, cpu: cpuSeconds() });
    if (!this.enabled) return;
    this.stream.write(`\r\x1b[K${name}… ${((now - this.start) / 1000).toFixed(1)}s`);
    this.shown = true;
  };

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
    if (!this.timings) return;
    const end = { name: 'total', at: performance.now(), cpu: cpuSeconds() };
    const rows = [{ name: 'opening the core and the binary', at: this.start, cpu: this.startCpu }, ...this.phases];
    const line = (from: (typeof rows)[number], to: typeof end, name: string) =>
      `${((to.at - from.at) / 1000).toFixed(2).padStart(8)}s ${(to.cpu - from.cpu).toFixed(2).padStart(7)}s  ${name}\n`;
    this.stream.write(`${'wall'.padStart(9)} ${'cpu'.padStart(8)}\n`);
    rows.forEach((p, i) => this.stream.write(line(p, rows[i + 1] ?? end, p.name)));
    const peak = process.resourceUsage().maxRSS / 1024;
    this.stream.write(line(rows[0]!, end, `total; peak memory ${peak.toFixed(0)} MiB`));
  }
}

/** CPU time of the whole process so far (user + system, every thread), in seconds. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Prints warnings on stderr, one line each, as the commands report what they could not read. */
export function warn(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`goheapflame: warning: ${w}\n`);
}
