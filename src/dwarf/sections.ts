/**
 * Where the DWARF reader gets its bytes: a getter by section name ('.debug_info', …) so it does not
 * depend on the container format. The ELF reader supplies decompressed section contents.
 */
export type SectionSource = (name: string) => Buffer | undefined;

const EMPTY = Buffer.alloc(0);

const OPTIONAL = [
  '.debug_str',
  '.debug_line_str',
  '.debug_str_offsets',
  '.debug_addr',
  '.debug_loc',
  '.debug_loclists',
  '.debug_ranges',
  '.debug_rnglists',
] as const;

export type OptionalSection = (typeof OPTIONAL)[number];

/**
 * The DWARF sections of one executable, all fetched while loading so the source (an open file) is
 * not needed afterwards.
 */
export class DwarfSections {
  private readonly optional = new Map<OptionalSection, Buffer>();

  private constructor(
    readonly info: Buffer,
    readonly abbrev: Buffer,
    source: SectionSource,
  ) {
    for (const name of OPTIONAL) this.optional.set(name, source(name) ?? EMPTY);
  }

  /** Undefined when the executable has no DWARF (no .debug_info or .debug_abbrev). */
  static from(source: SectionSource): DwarfSections | undefined {
    const info = source('.debug_info');
    const abbrev = source('.debug_abbrev');
    if (!info || info.length === 0 || !abbrev) return undefined;
    return new DwarfSections(info, abbrev, source);
  }

  /** An optional section; empty when absent, so offsets into it fail their bounds checks. */
  get(name: OptionalSection): Buffer {
    return this.optional.get(name)!;
  }
}
