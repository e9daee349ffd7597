// Forms and list encodings Go's linker does not write but C compilers and other linkers do, checked on
// hand-assembled units whose every value is chosen here: indexed strings and addresses, line strings,
// data16, implicit constants, indirect forms, indexed range and location lists, 64-bit DWARF, DWARF 4
// .debug_loc/.debug_ranges with base address entries, and DWARF 2's address-sized ref_addr.
import { describe, expect, it } from 'vitest';
import { DW_AT, DW_OP, DW_TAG, DwarfInfo } from '../../src/dwarf/index.js';
import { DW_FORM, DW_LLE, DW_RLE } from '../../src/dwarf/codes.js';
import { abbrevTable, Bytes, sourceOf, unit, unitHeaderSize } from './dwarf-builder.js';

const F = DW_FORM;
const LANG_GO = 0x16;
const LANG_C11 = 0x1d;

// Strings, addresses and list tables shared by the DWARF 5 unit.
const debugStr = new Bytes().u8(0).cstr('cc 1.0').cstr('unit.c').cstr('counter').cstr('sum').cstr('int').cstr('limit').cstr('ones').cstr('seven');
const strAt = (s: string): number => debugStr.buffer().indexOf(Buffer.from(s + '\0'));
const STRINGS = ['unit.c', 'counter', 'sum', 'int', 'limit', 'ones', 'seven'];
const debugStrOffsets = new Bytes().u32(4 + 4 * STRINGS.length).u16(5).u16(0);
for (const s of STRINGS) debugStrOffsets.u32(strAt(s));
const debugLineStr = new Bytes().u8(0).cstr('/comp/dir');
const ADDRS = [0x401000, 0x402000, 0x401100];
const debugAddr = new Bytes().u32(4 + 8 * ADDRS.length).u16(5).u8(8, 0);
for (const a of ADDRS) debugAddr.u64(a);

function listTable(list: Bytes): Bytes {
  // Header (length, version, address size, segment selector size, one offset entry), the offset, the list.
  return new Bytes().u32(2 + 2 + 4 + 4 + list.length).u16(5).u8(8, 0).u32(1).u32(4).bytes(list);
}
const rnglist = new Bytes()
  .u8(DW_RLE.base_addressx).uleb(0)
  .u8(DW_RLE.offset_pair).uleb(0).uleb(0x20)
  .u8(DW_RLE.startx_length).uleb(2).uleb(0x10)
  .u8(DW_RLE.start_end).u64(0x401200).u64(0x401208)
  .u8(DW_RLE.end_of_list);
const loclist = new Bytes()
  .u8(DW_LLE.base_addressx).uleb(0)
  .u8(DW_LLE.offset_pair).uleb(0).uleb(8).uleb(1).u8(DW_OP.reg0)
  .u8(DW_LLE.startx_length).uleb(2).uleb(4).uleb(2).u8(DW_OP.breg0 + 7, 8)
  .u8(DW_LLE.start_end).u64(0x401200).u64(0x401208).uleb(2).u8(DW_OP.fbreg, 16)
  .u8(DW_LLE.default_location).uleb(2).u8(DW_OP.lit0, DW_OP.stack_value)
  .u8(DW_LLE.end_of_list);

const v5Abbrevs = abbrevTable([
  {
    code: 1,
    tag: DW_TAG.compile_unit,
    children: true,
    // Strings and the base address come before the bases they need: the reader must read bases first.
    attrs: [[DW_AT.producer, F.strp], [DW_AT.name, F.strx1], [0x1b, F.line_strp], [DW_AT.language, F.data2], [DW_AT.low_pc, F.addrx],
      [DW_AT.str_offsets_base, F.sec_offset], [DW_AT.addr_base, F.sec_offset], [DW_AT.rnglists_base, F.sec_offset], [DW_AT.loclists_base, F.sec_offset]],
  },
  { code: 2, tag: DW_TAG.base_type, children: false, attrs: [[DW_AT.name, F.strx2], [DW_AT.byte_size, F.data1], [DW_AT.encoding, F.data1], [0x3c01, F.data16], [0x3b, F.implicit_const, 42]] },
  { code: 3, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.strx3], [DW_AT.type, F.ref4], [DW_AT.location, F.exprloc], [0x3f, F.flag_present]] },
  { code: 4, tag: DW_TAG.constant, children: false, attrs: [[DW_AT.name, F.strx4], [DW_AT.type, F.ref_udata], [DW_AT.const_value, F.sdata]] },
  { code: 5, tag: DW_TAG.constant, children: false, attrs: [[DW_AT.name, F.strx], [DW_AT.const_value, F.data8]] },
  { code: 6, tag: DW_TAG.constant, children: false, attrs: [[DW_AT.name, F.strx], [DW_AT.const_value, F.implicit_const, -5]] },
  { code: 7, tag: DW_TAG.subprogram, children: true, attrs: [[DW_AT.name, F.strx], [DW_AT.ranges, F.rnglistx], [DW_AT.frame_base, F.exprloc]] },
  { code: 8, tag: DW_TAG.formal_parameter, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref1], [DW_AT.location, F.loclistx]] },
  { code: 9, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref2], [DW_AT.location, F.exprloc]] },
  { code: 10, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.indirect], [DW_AT.type, F.ref8], [DW_AT.location, F.block1]] },
]);

function buildV5Unit(): { bytes: Bytes; intOffset: number } {
  const body = new Bytes();
  const at = (): number => unitHeaderSize(5) + body.length;
  body.u8(1).u32(strAt('cc 1.0')).u8(0).u32(1).u16(LANG_GO).uleb(0).u32(8).u32(8).u32(12).u32(12);
  const intOffset = at();
  body.u8(2).u16(3).u8(4).u8(5).bytes(new Array<number>(16).fill(0xee));
  body.u8(3).u24(1).u32(intOffset).uleb(2).u8(DW_OP.addrx).uleb(1);
  body.u8(4).u32(4).uleb(intOffset).sleb(-(2n ** 63n));
  body.u8(5).uleb(5).u64(0xffffffffffffffffn);
  body.u8(6).uleb(6);
  body.u8(7).uleb(2).uleb(0).uleb(1).u8(DW_OP.call_frame_cfa);
  body.u8(8).cstr('x').u8(intOffset).uleb(0);
  body.u8(9).cstr('y').u16(intOffset).uleb(2).u8(DW_OP.fbreg).sleb(-24);
  body.u8(10).uleb(F.string).cstr('z').u64(intOffset).u8(1).u8(DW_OP.call_frame_cfa);
  body.u8(0); // end of sum's children
  body.u8(0); // end of the unit's children
  return { bytes: unit({ version: 5, body }), intOffset };
}

const v4Abbrevs = abbrevTable([
  { code: 1, tag: DW_TAG.compile_unit, children: true, attrs: [[DW_AT.name, F.strp], [DW_AT.language, F.data1], [DW_AT.low_pc, F.addr]] },
  { code: 2, tag: DW_TAG.subprogram, children: true, attrs: [[DW_AT.name, F.string], [DW_AT.low_pc, F.addr], [DW_AT.high_pc, F.data4], [DW_AT.frame_base, F.exprloc]] },
  { code: 3, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref_addr], [DW_AT.location, F.sec_offset]] },
  { code: 4, tag: DW_TAG.subprogram, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.ranges, F.sec_offset]] },
  { code: 5, tag: DW_TAG.variable, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref_addr], [DW_AT.location, F.exprloc]] },
]);

describe('hand-assembled DWARF 5 with indexed forms', () => {
  const { bytes: info, intOffset } = buildV5Unit();
  const dwarf = DwarfInfo.load(
    sourceOf({
      '.debug_info': info,
      '.debug_abbrev': v5Abbrevs,
      '.debug_str': debugStr,
      '.debug_str_offsets': debugStrOffsets,
      '.debug_line_str': debugLineStr,
      '.debug_addr': debugAddr,
      '.debug_rnglists': listTable(rnglist),
      '.debug_loclists': listTable(loclist),
    }),
  )!;

  it('reads the unit DIE, whose strings and address are indexed through bases it declares later', () => {
    expect(dwarf.warnings).toEqual([]);
    expect(dwarf.units).toEqual([expect.objectContaining({ offset: 0, version: 5, name: 'unit.c', producer: 'cc 1.0', language: LANG_GO })]);
  });

  it('reads a type named by strx2 and skips its data16 attribute', () => {
    const int = dwarf.typeAt(intOffset);
    expect(int).toMatchObject({ kind: 'base', name: 'int', size: 4, encoding: 5 });
    expect(dwarf.type('int')).toBe(int);
  });

  it('finds a global located by DW_OP_addrx', () => {
    expect(dwarf.globals().map((g) => [g.name, g.address, g.type?.name])).toEqual([['counter', 0x402000, 'int']]);
  });

  it('reads sdata, data8 and implicit_const constants exactly', () => {
    expect(dwarf.constants().map((c) => [c.name, c.value])).toEqual([
      ['limit', -(2n ** 63n)],
      ['ones', 2n ** 64n - 1n],
      ['seven', -5n],
    ]);
    expect(dwarf.constant('limit')?.type?.name).toBe('int');
    expect(dwarf.constantValue('limit')).toBeUndefined();
    expect(dwarf.constantValue('seven')).toBe(-5);
  });

  it('reads a function whose code ranges come from an indexed range list', () => {
    const sum = dwarf.function('sum')!;
    expect(sum.ranges).toEqual([
      [0x401000, 0x401020],
      [0x401100, 0x401110],
      [0x401200, 0x401208],
    ]);
    expect([sum.lowPc, sum.highPc]).toEqual([0x401000, 0x401208]);
    expect(dwarf.functionAt(0x401105)).toBe(sum);
    expect(dwarf.functionAt(0x401050)).toBeUndefined();
  });

  it('reads variables with an indexed location list, an exprloc, and an indirect form', () => {
    const [x, y, z] = dwarf.function('sum')!.variables();
    expect(x!.name).toBe('x');
    expect(x!.type?.name).toBe('int');
    expect(x!.location.kind === 'list' && x!.location.entries.map((e) => [e.lowPc, e.highPc, [...e.expr]])).toEqual([
      [0x401000, 0x401008, [DW_OP.reg0]],
      [0x401100, 0x401104, [DW_OP.breg0 + 7, 8]],
      [0x401200, 0x401208, [DW_OP.fbreg, 16]],
      [0, Number.MAX_SAFE_INTEGER, [DW_OP.lit0, DW_OP.stack_value]],
    ]);
    expect([...x!.locationAt(0x401102)!]).toEqual([DW_OP.breg0 + 7, 8]);
    expect(y).toMatchObject({ name: 'y', frameOffset: -24 });
    expect(y!.type?.name).toBe('int');
    expect(z).toMatchObject({ name: 'z', frameOffset: 0 });
  });
});

describe('hand-assembled 64-bit DWARF 4 and DWARF 2 units', () => {
  // Unit 1: 64-bit DWARF 4 with .debug_loc and .debug_ranges; unit 2: DWARF 2, ref_addr of address size.
  const str = new Bytes().u8(0).cstr('four.c');
  const loc = new Bytes()
    .u64(0x10).u64(0x20).u16(1).u8(DW_OP.reg0 + 3)
    .u64(0xffffffffffffffffn).u64(0x500000)
    .u64(0).u64(8).u16(1).u8(DW_OP.reg0 + 4)
    .u64(0).u64(0);
  const ranges = new Bytes().u64(0x100).u64(0x140).u64(0xffffffffffffffffn).u64(0x600000).u64(0).u64(0x10).u64(0).u64(0);

  const body4 = new Bytes();
  const h4 = unitHeaderSize(4, true);
  body4.u8(1).u64(1).u8(LANG_C11).u64(0x403000);
  const fnOffset = h4 + body4.length;
  body4.u8(2).cstr('four').u64(0x403000).u32(0x40).uleb(1).u8(DW_OP.call_frame_cfa);
  const varAt = body4.length;
  body4.u8(3).cstr('v').u64(0).u64(0); // type patched below once unit 2's offset is known
  body4.u8(0);
  body4.u8(4).cstr('split').u64(0);
  body4.u8(0);
  const unit4 = unit({ version: 4, dwarf64: true, abbrevOffset: 0, body: body4 });

  const v2Abbrevs = abbrevTable([
    { code: 1, tag: DW_TAG.compile_unit, children: true, attrs: [[DW_AT.name, F.string], [DW_AT.language, F.data1]] },
    { code: 2, tag: DW_TAG.base_type, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.byte_size, F.data1]] },
    { code: 3, tag: DW_TAG.typedef, children: false, attrs: [[DW_AT.name, F.string], [DW_AT.type, F.ref_addr]] },
  ]);
  const body2 = new Bytes();
  const unit2Start = unit4.length;
  const h2 = unitHeaderSize(2);
  body2.u8(1).cstr('two.c').u8(LANG_C11);
  const longOffset = unit2Start + h2 + body2.length;
  body2.u8(2).cstr('long').u8(8);
  const typedefOffset = unit2Start + h2 + body2.length;
  body2.u8(3).cstr('long_t').u64(longOffset);
  body2.u8(0);
  const unit2 = unit({ version: 2, abbrevOffset: v4Abbrevs.length, body: body2 });

  // Patch unit 1's variable: its type (ref_addr, 8 bytes in 64-bit DWARF) and location (sec_offset 0 into .debug_loc).
  const info = new Bytes().bytes(unit4).bytes(unit2).buffer();
  const varDie = h4 + varAt;
  info.writeBigUInt64LE(BigInt(typedefOffset), varDie + 1 + 2);
  const dwarf = DwarfInfo.load(
    sourceOf({
      '.debug_info': info,
      '.debug_abbrev': new Bytes().bytes(v4Abbrevs).bytes(v2Abbrevs),
      '.debug_str': str,
      '.debug_loc': loc,
      '.debug_ranges': ranges,
    }),
  )!;

  it('reads both units with their own abbreviation tables', () => {
    expect(dwarf.warnings).toEqual([]);
    expect(dwarf.units.map((u) => [u.version, u.name])).toEqual([
      [4, 'four.c'],
      [2, 'two.c'],
    ]);
  });

  it('takes a DWARF 4 high_pc constant as an offset from low_pc', () => {
    const four = dwarf.function('four')!;
    expect(four.offset).toBe(fnOffset);
    expect([four.lowPc, four.highPc]).toEqual([0x403000, 0x403040]);
  });

  it('reads .debug_ranges relative to the unit base address, then to a base address entry', () => {
    expect(dwarf.function('split')!.ranges).toEqual([
      [0x403100, 0x403140],
      [0x600000, 0x600010],
    ]);
  });

  it('reads .debug_loc relative to the unit base address, then to a base address entry', () => {
    const v = dwarf.function('four')!.variable('v')!;
    expect(v.location.kind === 'list' && v.location.entries.map((e) => [e.lowPc, e.highPc, [...e.expr]])).toEqual([
      [0x403010, 0x403020, [DW_OP.reg0 + 3]],
      [0x500000, 0x500008, [DW_OP.reg0 + 4]],
    ]);
  });

  it('follows an 8-byte ref_addr across units, and DWARF 2 ref_addr of address size', () => {
    const t = dwarf.function('four')!.variable('v')!.type!;
    expect(t.name).toBe('long_t');
    expect(t.kind === 'typedef' && t.target?.name).toBe('long');
    expect(t.size).toBe(8);
  });
});
