/**
 * Phase progress on stderr, only when stderr is a terminal (pipes and CI logs stay clean): one line
 * rewritten in place, `reading heap spans… 1.2s`, cleared when the work is done. With `timings`, each
 * phase's duration and the process's peak memory are printed at the end, terminal or not.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly start = performance.now();
  private readonly phases: Array<{ name: string; at: number }> = [];
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
    this.phases.push({ name, at: now });
    if (!this.enabled) return;
    this.stream.write(`\r\x1b[K${name}… ${((now - this.start) / 1000).toFixed(1)}s`);
    this.shown = true;
  };

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
    if (!this.timings) return;
    const end = performance.now();
    const rows = [{ name: 'opening the core and the binary', at: this.start }, ...this.phases];
    rows.forEach((p, i) => {
      const until = rows[i + 1]?.at ?? end;
      this.stream.write(`${((until - p.at) / 1000).toFixed(2).padStart(8)}s  ${p.name}\n`);
    });
    const peak = process.resourceUsage().maxRSS / 1024;
    this.stream.write(`${((end - this.start) / 1000).toFixed(2).padStart(8)}s  total; peak memory ${peak.toFixed(0)} MiB\n`);
  }
}

/** Prints warnings on stderr, one line each, as the commands report what they could not read. */
export function warn(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`goheapflame: warning: ${w}\n`);
}
