import type { DwarfType, StructType } from './types.js';

/** A field reached by a path of names: its offset from the start of the outermost struct, and its type. */
export interface FieldLocation {
  readonly offset: number;
  readonly type: DwarfType;
}

/** Embedding deeper or wider than this is damaged data (the runtime nests two levels at most). */
const MAX_EMBEDDING = 8;
const MAX_CANDIDATES = 4096;

/**
 * Follows a dotted path of field names (`sched.sp`, `state.s`) through nested structs, looking
 * through typedefs at each step; the offsets add up. Each name may be a promoted field of an
 * embedded struct, as in Go (`cleanupBlock` + `alllink`). Undefined when a name is missing or
 * ambiguous, or a step is not a struct (a path never crosses a pointer).
 */
export function fieldAtPath(struct: StructType, path: string): FieldLocation | undefined {
  let current: FieldLocation = { offset: 0, type: struct };
  for (const name of path.split('.')) {
    const layout = current.type.underlying;
    if (layout.kind !== 'struct') return undefined;
    const found = promotedField(layout, name);
    if (!found) return undefined;
    current = { offset: current.offset + found.offset, type: found.type };
  }
  return current;
}

/** A field by name, directly or promoted from embedded structs: the shallowest unique match, as Go resolves selectors. */
function promotedField(struct: StructType, name: string): FieldLocation | undefined {
  let level: FieldLocation[] = [{ offset: 0, type: struct }];
  for (let depth = 0; depth <= MAX_EMBEDDING && level.length > 0; depth++) {
    const matches: FieldLocation[] = [];
    const next: FieldLocation[] = [];
    for (const { offset, type } of level) {
      const s = type.underlying;
      if (s.kind !== 'struct') continue;
      const direct = s.field(name);
      if (direct) matches.push({ offset: offset + direct.offset, type: direct.type });
      for (const f of s.fields) if (f.embedded) next.push({ offset: offset + f.offset, type: f.type });
    }
    if (matches.length > 0) return matches.length === 1 ? matches[0] : undefined;
    if (next.length > MAX_CANDIDATES) return undefined;
    level = next;
  }
  return undefined;
}
