import type { AddressSpace } from '../../core/address-space.js';
import { Kind } from '../layout/abi-layout.js';
import type { Moduledata } from '../binary/moduledata.js';
import type { PcLnTab } from '../binary/pclntab.js';
import type { RuntimeType, RuntimeTypes } from '../binary/runtime-types.js';
import { decodeFunction, type Instruction, Opcode } from '../../x86/decoder.js';
import { analyzeFlow, type Callee, type FlowValue, type FunctionFlow, type GlobalAllocation, runtimeCallee, unknownArgBytes } from './allocation-flow.js';

/** Functions bigger than this are not decoded (no Go function comes near it). */
const maxFunctionBytes = 1 << 22;
/** typelinks entries beyond this are corrupt. */
const maxTypelinks = 1 << 22;

export type { GlobalAllocation } from './allocation-flow.js';

/** What the program's code says about its types. */
export interface CodeFacts {
  /**
   * The types the program can allocate: every type descriptor its code takes the address of (LEA
   * [rip+type] is how the compiler passes a type to newobject, makeslice, mallocgc, makemap,
   * makechan and the interface conversions), the types linked for reflection (typelinks, up to Go
   * 1.26), the element types of pointers, slices and arrays among them (what reflection and the
   * runtime allocate from a type they hold) and the group or bucket types of maps.
   */
  allocatable: RuntimeType[];
  /** Data and bss words the code assigns straight from one allocation site's result, by address. */
  globalAllocations: Map<number, GlobalAllocation>;
}

/** How many constructors deep a global's value is followed (os.Stdout = NewFile → newFileFromNewFile → newFile). */
const constructorDepth = 4;
const { lea, movStore } = Opcode;

/**
 * Reads every function's code once for the types it loads; functions that store to globals are
 * followed through (see allocation-flow.ts), and so, on demand, are the functions whose results
 * they store: a function returning one allocation on every path is a constructor.
 */
export function readCodeFacts(mem: AddressSpace, pclntab: PcLnTab, types: RuntimeTypes, modules: readonly Moduledata[]): CodeFacts {
  const found = new Map<number, RuntimeType>();
  const add = (t: RuntimeType | undefined) => {
    if (t && !found.has(t.addr)) found.set(t.addr, t);
  };
  const isGlobal = (addr: number) => modules.some((md) => addr >= md.data && addr < md.ebss);
  const isType = (addr: number) => types.moduleOf(addr) !== undefined;
  const callee = callees(pclntab);
  const flows = new Map<number, FunctionFlow | null>();
  const flowOf = (entry: number): FunctionFlow | undefined => {
    if (!flows.has(entry)) {
      flows.set(entry, null); // a recursive constructor returns nothing known
      const fn = pclntab.funcForPC(entry);
      if (fn?.entry === entry) flows.set(entry, analyzeFlow(functionCode(mem, pclntab, fn.index), callee, isType, isGlobal));
    }
    return flows.get(entry) ?? undefined;
  };
  const resolve = (value: FlowValue, depth: number): GlobalAllocation | undefined => {
    if (value.call === undefined) return value;
    const returns = depth < constructorDepth ? flowOf(value.call)?.returns : undefined;
    return returns && resolve(returns, depth + 1);
  };
  const assignments = new Map<number, GlobalAllocation | null>();
  for (let i = 0; i < pclntab.nfunc; i++) {
    const code = functionCode(mem, pclntab, i);
    let storesGlobal = false;
    for (const inst of code) {
      if (inst.opcode === lea && inst.ripTarget !== undefined && isType(inst.ripTarget)) add(types.typeAt(inst.ripTarget));
      else if (inst.opcode === movStore && inst.rexW && inst.ripTarget !== undefined && isGlobal(inst.ripTarget)) storesGlobal = true;
    }
    if (!storesGlobal) continue;
    for (const [global, value] of analyzeFlow(code, callee, isType, isGlobal).stores) {
      const allocation = resolve(value, 0);
      if (!allocation) continue;
      const known = assignments.get(global);
      assignments.set(global, known === undefined || (known && known.type === allocation.type && known.slice === allocation.slice) ? allocation : null);
    }
  }
  for (const md of modules) for (const addr of typelinks(mem, md)) add(types.typeAt(addr));
  for (const t of [...found.values()]) {
    if (t.kind === Kind.Pointer || t.kind === Kind.Slice || t.kind === Kind.Array) add(t.elem());
    const map = t.kind === Kind.Map ? t.mapInfo() : undefined;
    if (map) add(types.typeAt(map.layout === 'swiss' ? map.group : map.bucket));
  }
  const globalAllocations = new Map<number, GlobalAllocation>();
  for (const [global, allocation] of assignments) if (allocation) globalAllocations.set(global, { type: allocation.type, slice: allocation.slice });
  return { allocatable: [...found.values()], globalAllocations };
}

/** The instructions of function i (none when its code is missing or implausibly long). */
function functionCode(mem: AddressSpace, pclntab: PcLnTab, i: number): Instruction[] {
  const fn = pclntab.funcAt(i);
  const length = fn.end - fn.entry;
  if (length <= 0 || length > maxFunctionBytes || !mem.isMapped(fn.entry, length)) return [];
  return decodeFunction(mem.read(fn.entry, length), fn.entry).instructions;
}

/** What a call to each function does: the runtime's allocators and write barrier by name, argument sizes from pclntab. */
function callees(pclntab: PcLnTab): (entry: number) => Callee {
  const cache = new Map<number, Callee>();
  return (entry) => {
    let c = cache.get(entry);
    if (!c) {
      const fn = pclntab.funcForPC(entry);
      const known = fn !== undefined && fn.entry === entry && fn.args >= 0;
      c = { ...runtimeCallee(fn?.name ?? ''), argBytes: known ? fn.args : unknownArgBytes };
      cache.set(entry, c);
    }
    return c;
  };
}

/** moduledata.typelinks: int32 offsets of types from moduledata.types (absent from Go 1.27 on). */
function typelinks(mem: AddressSpace, md: Moduledata): number[] {
  const links = md.typelinks;
  if (!links || links.len <= 0 || links.len > maxTypelinks || !mem.isMapped(links.ptr, links.len * 4)) return [];
  const offsets = mem.read(links.ptr, links.len * 4);
  const out: number[] = [];
  for (let i = 0; i < links.len; i++) out.push(md.types + offsets.readInt32LE(i * 4));
  return out;
}
