import { UserError } from '../errors.js';
import type { DwarfConstant } from './constant.js';
import { buildIndex, type DwarfIndex } from './dwarf-index.js';
import { type DwarfFunction, FunctionBodyReader } from './function.js';
import type { GlobalVariable } from './global-variable.js';
import { DwarfSections, type SectionSource } from './sections.js';
import { type FieldLocation, fieldAtPath } from './struct-layout.js';
import { TypeTable } from './type-table.js';
import type { DwarfType, StructType } from './types.js';
import { readUnits, type Unit } from './unit.js';

/** What callers see of a compile unit. */
export interface CompileUnit {
  readonly offset: number;
  readonly version: number;
  readonly name: string;
  /** e.g. "Go cmd/compile go1.26.8; regabi", or a C compiler's for cgo code. */
  readonly producer: string;
  /** DW_LANG_*: 0x16 for Go, 0x0c/0x1d for C. */
  readonly language: number;
}

/**
 * The DWARF of a Go executable, as the analyzer uses it: types by name and by runtime type,
 * runtime struct layouts, globals, constants, and functions with their variables.
 *
 * Loading walks every DIE once to build indexes; types and function variables are decoded on
 * first use. Damaged units are skipped with a message in `warnings`.
 */
export class DwarfInfo {
  readonly units: readonly CompileUnit[];
  readonly warnings: readonly string[];
  private readonly types: TypeTable;
  private readonly index: DwarfIndex;
  private globalsByName?: Map<string, GlobalVariable>;
  private constantsByName?: Map<string, DwarfConstant>;
  private functionsByName?: Map<string, DwarfFunction>;
  private functionRanges?: CodeRange[];

  private constructor(sections: DwarfSections) {
    const warnings: string[] = [];
    const units: Unit[] = readUnits(sections.info, sections.abbrev, warnings);
    this.types = new TypeTable(sections, units);
    this.index = buildIndex(sections, units, this.types, new FunctionBodyReader(sections, units, this.types), warnings);
    this.units = units;
    this.warnings = warnings;
  }

  /** Reads the DWARF sections through `source`; undefined when the executable has no DWARF (stripped, -ldflags=-w). */
  static load(source: SectionSource): DwarfInfo | undefined {
    const sections = DwarfSections.from(source);
    return sections ? new DwarfInfo(sections) : undefined;
  }

  /** The Go release that compiled the Go units ("go1.26.8"), from the first Go producer string. */
  get goVersion(): string | undefined {
    for (const u of this.units) {
      const m = /\bgo(1\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)\b/.exec(u.producer);
      if (m) return `go${m[1]}`;
    }
    return undefined;
  }

  // Types

  /** The type with this Go name ('runtime.mspan', '*runtime.g', '[]uint8'); for named structs, the struct itself. */
  type(name: string): DwarfType | undefined {
    const offset = this.index.typesByName.get(name);
    return offset === undefined ? undefined : this.types.typeAt(offset);
  }

  /** The type whose DIE is at this .debug_info offset. */
  typeAt(offset: number): DwarfType {
    return this.types.typeAt(offset);
  }

  /** Every type DIE of the executable, decoded on demand. */
  *allTypes(): IterableIterator<DwarfType> {
    for (const offset of this.index.typeOffsets) yield this.types.typeAt(offset);
  }

  /** Types that carry DW_AT_go_runtime_type, with that value (the descriptor's offset from runtime.types). */
  *typesWithRuntimeType(): IterableIterator<[runtimeTypeOffset: number, type: DwarfType]> {
    for (const [rt, offset] of this.index.typesByRuntimeType) yield [rt, this.types.typeAt(offset)];
  }

  /**
   * The type whose runtime descriptor (abi.Type) is at `address`. Go records descriptors as
   * offsets from `runtime.types` (moduledata.types), so that base is needed.
   */
  typeByRuntimeType(address: number, typesBase: number): DwarfType | undefined {
    return this.typeByRuntimeTypeOffset(address - typesBase);
  }

  typeByRuntimeTypeOffset(offset: number): DwarfType | undefined {
    const die = offset > 0 ? this.index.typesByRuntimeType.get(offset) : undefined;
    return die === undefined ? undefined : this.types.typeAt(die);
  }

  // Struct layouts

  /** The struct named `name` (through typedefs), or undefined if there is none. */
  structLayout(name: string): StructType | undefined {
    const t = this.type(name)?.underlying;
    return t?.kind === 'struct' ? t : undefined;
  }

  /** Offset and type of a field by dotted path, e.g. `field('runtime.g', 'sched.sp')`. */
  field(structName: string, path: string): FieldLocation | undefined {
    const struct = this.structLayout(structName);
    return struct ? fieldAtPath(struct, path) : undefined;
  }

  /** Byte offset of a field by dotted path: `offsetOf('runtime.g', 'sched.sp')`. */
  offsetOf(structName: string, path: string): number | undefined {
    return this.field(structName, path)?.offset;
  }

  /** Like offsetOf, for fields the analysis cannot do without: a missing one is an unsupported runtime. */
  requireOffsetOf(structName: string, path: string): number {
    const offset = this.offsetOf(structName, path);
    if (offset === undefined) {
      throw new UserError(
        'unsupported',
        `The executable's DWARF has no field ${path} in ${structName}, so its Go runtime layout is not one goheapflame supports; check the Go version it was built with.`,
      );
    }
    return offset;
  }

  // Globals and constants

  global(name: string): GlobalVariable | undefined {
    this.globalsByName ??= byFirstName(this.index.globals);
    return this.globalsByName.get(name);
  }

  globals(): readonly GlobalVariable[] {
    return this.index.globals;
  }

  /** A DW_TAG_constant by name, e.g. 'runtime._PageSize', 'runtime.mSpanInUse', 'internal/abi.FUNCDATA_LocalsPointerMaps'. */
  constant(name: string): DwarfConstant | undefined {
    this.constantsByName ??= byFirstName(this.index.constants);
    return this.constantsByName.get(name);
  }

  /** A constant's value as a number, when it has one that a double holds exactly. */
  constantValue(name: string): number | undefined {
    const value = this.constant(name)?.value;
    if (value === undefined) return undefined;
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }

  constants(): readonly DwarfConstant[] {
    return this.index.constants;
  }

  // Functions

  function(name: string): DwarfFunction | undefined {
    this.functionsByName ??= byFirstName(this.index.functions);
    return this.functionsByName.get(name);
  }

  /** The function whose code contains `pc`. */
  functionAt(pc: number): DwarfFunction | undefined {
    const ranges = (this.functionRanges ??= sortedCodeRanges(this.index.functions));
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid]!.low <= pc) lo = mid + 1;
      else hi = mid - 1;
    }
    const r = ranges[hi];
    return r && pc < r.high ? r.fn : undefined;
  }

  /** Every function with code, in DWARF order. */
  functions(): readonly DwarfFunction[] {
    return this.index.functions;
  }
}

function byFirstName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (!map.has(item.name)) map.set(item.name, item);
  return map;
}

interface CodeRange {
  low: number;
  high: number;
  fn: DwarfFunction;
}

/** One entry per contiguous piece of code, sorted by start address. */
function sortedCodeRanges(functions: readonly DwarfFunction[]): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const fn of functions) {
    if (fn.ranges) for (const [low, high] of fn.ranges) ranges.push({ low, high, fn });
    else ranges.push({ low: fn.lowPc, high: fn.highPc, fn });
  }
  return ranges.sort((a, b) => a.low - b.low);
}
