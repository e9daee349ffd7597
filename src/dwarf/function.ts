import { DW_AT, DW_OP, DW_TAG } from './codes.js';
import { DieCursor } from './die-cursor.js';
import { cfaOffset } from './location-expr.js';
import { type LocationListEntry, readLocationList } from './location-list.js';
import { originRef, seekOrigin } from './origin.js';
import type { PcRange } from './range-list.js';
import type { DwarfSections } from './sections.js';
import type { DwarfType, TypeResolver } from './types.js';
import type { Unit } from './unit.js';

/** Where a variable lives: one expression for its whole life, a pc-indexed list, or nowhere (optimized out). */
export type VariableLocation =
  | { readonly kind: 'expr'; readonly expr: Buffer }
  | { readonly kind: 'list'; readonly entries: readonly LocationListEntry[] }
  | { readonly kind: 'none' };

/** A local variable or formal parameter of a function, including those of calls inlined into it. */
export class DwarfVariable {
  constructor(
    private readonly resolver: TypeResolver,
    readonly name: string,
    /** .debug_info offset of the type, or -1. */
    readonly typeOffset: number,
    readonly isParameter: boolean,
    /** A Go result parameter (DW_AT_variable_parameter). */
    readonly isOutput: boolean,
    /** For variables of an inlined call: the inlined function's name. */
    readonly inlinedFrom: string | undefined,
    /** For variables captured by a closure: offset in the closure struct (DW_AT_go_closure_offset). */
    readonly closureOffset: number | undefined,
    readonly location: VariableLocation,
    /**
     * Offset from the CFA when the whole variable lives at one place in the frame for the whole
     * function (DW_OP_fbreg N or DW_OP_call_frame_cfa with a function whose frame base is the CFA).
     */
    readonly frameOffset: number | undefined,
    /** The source line of its declaration (DW_AT_decl_line), if given. */
    readonly declLine: number | undefined,
  ) {}

  get type(): DwarfType | undefined {
    return this.typeOffset >= 0 ? this.resolver.typeAt(this.typeOffset) : undefined;
  }

  /** The location expression in effect at `pc`, or undefined where the variable has no location. */
  locationAt(pc: number): Buffer | undefined {
    const loc = this.location;
    if (loc.kind === 'expr') return loc.expr.length > 0 ? loc.expr : undefined;
    if (loc.kind === 'list') for (const e of loc.entries) if (pc >= e.lowPc && pc < e.highPc) return e.expr;
    return undefined;
  }
}

/** A function with code (DW_TAG_subprogram with a pc range). Its variables are read on first use. */
export class DwarfFunction {
  private cachedVariables?: readonly DwarfVariable[];

  constructor(
    private readonly reader: FunctionBodyReader,
    readonly name: string,
    readonly lowPc: number,
    /** End of the code, exclusive. With `ranges`, the end of the last range. */
    readonly highPc: number,
    /** The pc ranges when the code is not contiguous (C functions split into hot and cold parts). */
    readonly ranges: readonly PcRange[] | undefined,
    /** Offset of the DIE in .debug_info. */
    readonly offset: number,
  ) {}

  contains(pc: number): boolean {
    if (!this.ranges) return pc >= this.lowPc && pc < this.highPc;
    return this.ranges.some(([lo, hi]) => pc >= lo && pc < hi);
  }

  /** The source line of the function's declaration (DW_AT_decl_line), if given. */
  get declLine(): number | undefined {
    return this.reader.declLineOf(this.offset);
  }

  /** Parameters and locals, in DWARF order (parameters first in Go), including those of inlined calls. */
  variables(): readonly DwarfVariable[] {
    return (this.cachedVariables ??= this.reader.variablesOf(this.offset));
  }

  variable(name: string): DwarfVariable | undefined {
    return this.variables().find((v) => v.name === name && v.inlinedFrom === undefined);
  }
}

/** Reads the variables under a subprogram DIE. */
export class FunctionBodyReader {
  private readonly cursor: DieCursor;
  private readonly probe: DieCursor;

  constructor(
    private readonly sections: DwarfSections,
    units: readonly Unit[],
    private readonly resolver: TypeResolver,
  ) {
    this.cursor = new DieCursor(sections, units);
    this.probe = new DieCursor(sections, units);
  }

  declLineOf(functionOffset: number): number | undefined {
    this.probe.readAt(functionOffset);
    return this.probe.number(DW_AT.decl_line);
  }

  variablesOf(functionOffset: number): DwarfVariable[] {
    const c = this.cursor;
    c.readAt(functionOffset);
    const frameBase = c.block(DW_AT.frame_base);
    const frameBaseIsCfa = frameBase !== undefined && frameBase.length === 1 && frameBase[0] === DW_OP.call_frame_cfa;
    const variables: DwarfVariable[] = [];
    if (!c.abbrev.hasChildren) return variables;
    // Inlined calls nest; each entry is the depth of an inlined_subroutine DIE and its function's name.
    const inlined: { depth: number; name: string }[] = [];
    while (c.next() && c.depth > 0) {
      while (inlined.length > 0 && c.depth <= inlined[inlined.length - 1]!.depth) inlined.pop();
      if (c.tag === DW_TAG.inlined_subroutine) {
        inlined.push({ depth: c.depth, name: this.nameVia(originRef(c)) });
      } else if (c.tag === DW_TAG.variable || c.tag === DW_TAG.formal_parameter) {
        variables.push(this.readVariable(frameBaseIsCfa, inlined.length > 0 ? inlined[inlined.length - 1]!.name : undefined));
      }
    }
    return variables;
  }

  private readVariable(frameBaseIsCfa: boolean, inlinedFrom: string | undefined): DwarfVariable {
    const c = this.cursor;
    const location = this.readLocation();
    const frameOffset = frameBaseIsCfa && location.kind === 'expr' ? cfaOffset(location.expr) : undefined;
    const isParameter = c.tag === DW_TAG.formal_parameter;
    let name = c.string(DW_AT.name);
    let typeOffset = c.reference(DW_AT.type);
    let isOutput = c.number(DW_AT.variable_parameter);
    let closureOffset = c.number(DW_AT.go_closure_offset);
    let declLine = c.number(DW_AT.decl_line);
    const origin = originRef(c);
    if ((name === undefined || typeOffset === undefined) && origin !== undefined && seekOrigin(this.probe, origin)) {
      const p = this.probe;
      name ??= p.string(DW_AT.name);
      typeOffset ??= p.reference(DW_AT.type);
      isOutput ??= p.number(DW_AT.variable_parameter);
      closureOffset ??= p.number(DW_AT.go_closure_offset);
      declLine ??= p.number(DW_AT.decl_line);
    }
    return new DwarfVariable(this.resolver, name ?? '', typeOffset ?? -1, isParameter, (isOutput ?? 0) !== 0, inlinedFrom, closureOffset, location, frameOffset, declLine);
  }

  private readLocation(): VariableLocation {
    const c = this.cursor;
    const expr = c.block(DW_AT.location);
    if (expr) return { kind: 'expr', expr };
    const ref = c.listRef(DW_AT.location);
    if (ref) return { kind: 'list', entries: readLocationList(this.sections, c.unit, ref) };
    return { kind: 'none' };
  }

  private nameVia(origin: number | undefined): string {
    return origin !== undefined && seekOrigin(this.probe, origin) ? (this.probe.string(DW_AT.name) ?? '') : '';
  }
}
