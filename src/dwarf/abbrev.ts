import { ByteReader } from './byte-reader.js';
import { DW_FORM } from './codes.js';

/** One abbreviation declaration: the tag and the (attribute, form) list every DIE using it follows. */
export interface Abbrev {
  readonly code: number;
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attrs: Uint32Array;
  readonly forms: Uint32Array;
  /** DW_FORM_implicit_const values by attribute index; the value lives here, not in the DIE. */
  readonly implicitConsts: ReadonlyMap<number, number> | undefined;
}

/** Position of attribute `at` in the abbreviation, or -1. Abbreviations hold a handful, so a scan wins. */
export function attrIndex(abbrev: Abbrev, at: number): number {
  const attrs = abbrev.attrs;
  for (let i = 0; i < attrs.length; i++) if (attrs[i] === at) return i;
  return -1;
}

/** The abbreviation table at one offset of .debug_abbrev, indexed by code. */
export class AbbrevTable {
  /** The most attributes any abbreviation has: the size of a DIE reader's scratch space. */
  readonly maxAttrs: number;

  private constructor(
    private readonly dense: (Abbrev | undefined)[],
    private readonly sparse: Map<number, Abbrev>,
  ) {
    let max = 0;
    for (const a of dense) if (a && a.attrs.length > max) max = a.attrs.length;
    for (const a of sparse.values()) if (a.attrs.length > max) max = a.attrs.length;
    this.maxAttrs = max;
  }

  get(code: number): Abbrev | undefined {
    return code < this.dense.length ? this.dense[code] : this.sparse.get(code);
  }

  static read(section: Buffer, offset: number): AbbrevTable {
    const r = new ByteReader(section, '.debug_abbrev');
    r.seek(offset);
    // Compilers number abbreviations 1, 2, 3…; an array serves those, a map any odd numbering.
    const dense: (Abbrev | undefined)[] = [];
    const sparse = new Map<number, Abbrev>();
    for (;;) {
      const at = r.pos;
      const code = r.uleb();
      if (code === 0) break;
      const tag = r.uleb();
      const hasChildren = r.u8() !== 0;
      const attrs: number[] = [];
      const forms: number[] = [];
      let implicitConsts: Map<number, number> | undefined;
      for (;;) {
        const attr = r.uleb();
        const form = r.uleb();
        if (attr === 0 && form === 0) break;
        if (form === DW_FORM.implicit_const) (implicitConsts ??= new Map()).set(attrs.length, r.sleb());
        attrs.push(attr);
        forms.push(form);
      }
      if (code < 0x10000 ? dense[code] : sparse.has(code)) throw r.fail(`abbreviation code ${code} is defined twice`, at);
      const abbrev: Abbrev = {
        code,
        tag,
        hasChildren,
        attrs: Uint32Array.from(attrs),
        forms: Uint32Array.from(forms),
        implicitConsts,
      };
      if (code < 0x10000) dense[code] = abbrev;
      else sparse.set(code, abbrev);
    }
    return new AbbrevTable(dense, sparse);
  }
}
