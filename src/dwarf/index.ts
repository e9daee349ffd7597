// The DWARF reader's public surface.
export { DwarfInfo, type CompileUnit } from './dwarf-info.js';
export type { SectionSource } from './sections.js';
export { DW_AT, DW_OP, DW_TAG, DW_LANG_Go, GoKind } from './codes.js';
export {
  ArrayType,
  BaseType,
  type DwarfType,
  FuncType,
  OtherType,
  PointerType,
  StructField,
  StructType,
  TypedefType,
} from './types.js';
export type { FieldLocation } from './struct-layout.js';
export { GlobalVariable } from './global-variable.js';
export { DwarfConstant } from './constant.js';
export { DwarfFunction, DwarfVariable, type VariableLocation } from './function.js';
export type { LocationListEntry } from './location-list.js';
export type { PcRange } from './range-list.js';
export {
  AMD64_DWARF_REGISTERS,
  cfaOffset,
  evaluateLocation,
  type LocationContext,
  type LocationPiece,
  type Place,
} from './location-expr.js';
