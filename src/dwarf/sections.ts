/**
 * Where the DWARF reader gets its bytes: a getter by section name ('.debug_info', …) so it does not
 * depend on the container format. The ELF reader supplies decompressed section contents.
 */
export type SectionSource = (name: string) => Buffer | undefined;

const EMPTY = Buffer.alloc(0);

/** The DWARF sections of one executable, fetched once each on first use. */
export class DwarfSections {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    readonly info: Buffer,
    readonly abbrev: Buffer,
    private readonly source: SectionSource,
  ) {}

  /** Reads the two sections every DWARF reader needs; undefined when the executable has no DWARF. */
  static from(source: SectionSource): DwarfSections | undefined {
    const info = source('.debug_info');
    const abbrev = source('.debug_abbrev');
    if (!info || info.length === 0 || !abbrev) return undefined;
    return new DwarfSections(info, abbrev, source);
  }

  /** An optional section; empty when absent, so offsets into it fail their bounds checks. */
  get(name: '.debug_str' | '.debug_line_str' | '.debug_str_offsets' | '.debug_addr' | '.debug_loc' | '.debug_loclists' | '.debug_ranges' | '.debug_rnglists'): Buffer {
    let data = this.cache.get(name);
    if (!data) {
      data = this.source(name) ?? EMPTY;
      this.cache.set(name, data);
    }
    return data;
  }
}
