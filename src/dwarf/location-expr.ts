import { UserError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { DW_OP } from './codes.js';
import { hex } from '../util/bytes.js';

/**
 * DWARF register numbers of amd64 (System V psABI; Go uses the same mapping): index → name.
 * 16 is the return address column, 17–32 are xmm0–xmm15.
 */
export const AMD64_DWARF_REGISTERS: readonly string[] = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip',
  ...Array.from({ length: 16 }, (_, i) => `xmm${i}`),
];

/** What an evaluation may use. Anything not given makes the places that need it `unavailable`. */
export interface LocationContext {
  /** The frame's canonical frame address: DW_OP_call_frame_cfa, and the frame base of Go functions. */
  cfa?: number;
  /** DW_AT_frame_base when it is not the CFA; defaults to `cfa`. */
  frameBase?: number;
  /** Register contents by DWARF number, for DW_OP_breg*. */
  register?: (dwarfRegister: number) => number | undefined;
}

export type Place =
  | { readonly kind: 'memory'; readonly address: number }
  | { readonly kind: 'register'; readonly register: number }
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'implicit'; readonly bytes: Buffer }
  /** A piece with no location: the compiler dropped it (optimized out). */
  | { readonly kind: 'absent' }
  /** The location depends on something the context did not supply (a register of an outer frame). */
  | { readonly kind: 'unavailable' };

/** One piece of a value; `size` is undefined when the expression describes the whole value. */
export interface LocationPiece {
  readonly place: Place;
  readonly size: number | undefined;
}

const MAX_STACK = 64;

/**
 * Evaluates a location expression as far as the forms compilers write for variables: addresses,
 * constants and simple arithmetic, frame-base and register-relative addresses, registers, implicit
 * values and pieces. An empty expression yields no pieces (the variable has no location). The pc
 * only moves forward, so evaluation always ends.
 */
export function evaluateLocation(expr: Uint8Array, ctx: LocationContext = {}): LocationPiece[] {
  const buf = Buffer.from(expr.buffer, expr.byteOffset, expr.byteLength);
  const r = new ByteReader(buf, 'location expression');
  const pieces: LocationPiece[] = [];
  // Unknown inputs are NaN: arithmetic keeps them unknown and the piece becomes `unavailable`.
  const stack: number[] = [];
  let place: Place | undefined;
  const push = (v: number): void => {
    if (stack.length >= MAX_STACK) throw r.fail('the expression stack overflows');
    stack.push(v);
  };
  const pop = (): number => {
    if (stack.length === 0) throw r.fail('the expression pops an empty stack');
    return stack.pop()!;
  };
  const finish = (size: number | undefined): void => {
    let p: Place;
    if (place) p = place;
    else if (stack.length === 0) p = { kind: 'absent' };
    else {
      const address = stack[stack.length - 1]!;
      p = Number.isNaN(address) ? { kind: 'unavailable' } : { kind: 'memory', address };
    }
    pieces.push({ place: p, size });
    stack.length = 0;
    place = undefined;
  };
  const reg = (n: number): number => ctx.register?.(n) ?? NaN;

  while (r.pos < r.end) {
    const at = r.pos;
    const op = r.u8();
    if (place && op !== DW_OP.piece) throw r.fail(`operation ${hex(op)} follows a register or implicit location`, at);
    if (op >= DW_OP.lit0 && op <= DW_OP.lit31) push(op - DW_OP.lit0);
    else if (op >= DW_OP.reg0 && op <= DW_OP.reg31) place = { kind: 'register', register: op - DW_OP.reg0 };
    else if (op >= DW_OP.breg0 && op <= DW_OP.breg31) push(reg(op - DW_OP.breg0) + r.sleb());
    else {
      switch (op) {
        case DW_OP.addr:
          push(r.u64());
          break;
        case DW_OP.const1u:
          push(r.u8());
          break;
        case DW_OP.const1s:
          push((r.u8() << 24) >> 24);
          break;
        case DW_OP.const2u:
          push(r.u16());
          break;
        case DW_OP.const2s:
          push((r.u16() << 16) >> 16);
          break;
        case DW_OP.const4u:
          push(r.u32());
          break;
        case DW_OP.const4s:
          push(r.u32() | 0);
          break;
        case DW_OP.const8u:
          push(r.u64());
          break;
        case DW_OP.const8s:
          push(Number(BigInt.asIntN(64, r.u64Big())));
          break;
        case DW_OP.constu:
          push(r.uleb());
          break;
        case DW_OP.consts:
          push(r.sleb());
          break;
        case DW_OP.dup: {
          const top = pop();
          push(top);
          push(top);
          break;
        }
        case DW_OP.drop:
          pop();
          break;
        case DW_OP.over:
          if (stack.length < 2) throw r.fail('DW_OP_over needs two stack entries', at);
          push(stack[stack.length - 2]!);
          break;
        case DW_OP.swap: {
          const a = pop();
          const b = pop();
          push(a);
          push(b);
          break;
        }
        case DW_OP.plus:
          push(pop() + pop());
          break;
        case DW_OP.minus: {
          const a = pop();
          push(pop() - a);
          break;
        }
        case DW_OP.mul:
          push(pop() * pop());
          break;
        case DW_OP.neg:
          push(-pop());
          break;
        case DW_OP.plus_uconst:
          push(pop() + r.uleb());
          break;
        case DW_OP.regx:
          place = { kind: 'register', register: r.uleb() };
          break;
        case DW_OP.bregx: {
          const n = r.uleb();
          push(reg(n) + r.sleb());
          break;
        }
        case DW_OP.fbreg:
          push((ctx.frameBase ?? ctx.cfa ?? NaN) + r.sleb());
          break;
        case DW_OP.call_frame_cfa:
          push(ctx.cfa ?? NaN);
          break;
        case DW_OP.stack_value:
          place = Number.isNaN(stack[stack.length - 1] ?? NaN) ? { kind: 'unavailable' } : { kind: 'value', value: pop() };
          break;
        case DW_OP.implicit_value:
          place = { kind: 'implicit', bytes: r.bytes(r.uleb()) };
          break;
        case DW_OP.piece:
          finish(r.uleb());
          break;
        case DW_OP.nop:
          break;
        default:
          throw new UserError(
            'unsupported',
            `A DWARF location uses operation ${hex(op)}, which goheapflame does not evaluate; report it with the Go version that built the executable.`,
          );
      }
    }
  }
  if (place || stack.length > 0) finish(undefined);
  return pieces;
}

/**
 * The CFA-relative offset of a variable whose whole value lives in the frame: the forms Go writes,
 * `DW_OP_call_frame_cfa`, `DW_OP_fbreg N` (Go's frame base is the CFA), and the equivalent
 * `DW_OP_call_frame_cfa; DW_OP_consts N; DW_OP_plus` or `…; DW_OP_plus_uconst N`. Undefined for
 * anything else (registers, pieces, lists).
 */
export function cfaOffset(expr: Uint8Array): number | undefined {
  if (expr.length === 0) return undefined;
  const r = new ByteReader(Buffer.from(expr.buffer, expr.byteOffset, expr.byteLength), 'location expression');
  try {
    const op = r.u8();
    let offset = 0;
    if (op === DW_OP.fbreg) offset = r.sleb();
    else if (op !== DW_OP.call_frame_cfa) return undefined;
    else if (r.pos < r.end) {
      const next = r.u8();
      if (next === DW_OP.plus_uconst) offset = r.uleb();
      else if (next !== DW_OP.consts) return undefined;
      else {
        offset = r.sleb();
        if (r.u8() !== DW_OP.plus) return undefined;
      }
    }
    return r.pos === r.end ? offset : undefined;
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}
