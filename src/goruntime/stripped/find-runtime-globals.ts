import type { AddressSpace } from '../../core/address-space.js';
import type { RuntimeGlobals } from '../go-process.js';
import type { Moduledata } from '../moduledata.js';
import type { PcLnTab } from '../pclntab.js';
import type { RuntimeLayout } from '../runtime-layout.js';
import { type Access, dataReferences } from './code-references.js';
import {
  allfinRule, allgsRule, allmRule, allpRule, fingStatusRule, gcCleanupsRule, judge, mheapRule,
  type StructureContext, type StructureRule, type Verdict,
} from './runtime-structures.js';

export type GlobalName = keyof RuntimeGlobals;

/** How a global of a stripped binary was found. */
export type FoundBy = 'runtime code' | '.bss scan';

export interface StrippedGlobals {
  globals: RuntimeGlobals;
  foundBy: Partial<Record<GlobalName, FoundBy>>;
  /** Why a global could not be found: one clause, for an error or a warning. */
  missing: Partial<Record<GlobalName, string>>;
}

/** A runtime function that addresses a global RIP-relative (Go 1.26 and 1.27 runtime sources). */
interface CodeUse {
  fn: string;
  /** The field of the global the code addresses (markroot reads gcCleanups.all), when not the global itself. */
  field?: readonly [struct: string, path: string];
  /** Only operands the code loads as a 64-bit word (a list head), not those whose address it takes. */
  access?: Access;
}

interface GlobalSearch {
  /**
   * 'any': every address any of the functions uses is a candidate. 'all': only the addresses all of
   * them use, for globals whose rule cannot tell them from other zero words.
   */
  combine: 'any' | 'all';
  uses: readonly CodeUse[];
  rule: StructureRule;
  /** Scan .bss when the code gives nothing: only for globals whose rule no chance word passes. */
  scanBss: boolean;
}

const searches: Record<GlobalName, GlobalSearch> = {
  // &mheap_ is the receiver of mheap_.alloc / allocManual / init.
  mheap: {
    combine: 'any',
    uses: [{ fn: 'runtime.(*mcentral).grow' }, { fn: 'runtime.(*mcache).allocLarge' }, { fn: 'runtime.stackalloc' }, { fn: 'runtime.mallocinit' }],
    rule: mheapRule,
    scanBss: true,
  },
  allgs: { combine: 'any', uses: [{ fn: 'runtime.allgadd' }, { fn: 'runtime.forEachG' }], rule: allgsRule, scanBss: true },
  allm: { combine: 'any', uses: [{ fn: 'runtime.mcommoninit' }, { fn: 'runtime.mexit' }], rule: allmRule, scanBss: true },
  allp: { combine: 'any', uses: [{ fn: 'runtime.procresize' }, { fn: 'runtime.gcMarkTinyAllocs' }], rule: allpRule, scanBss: true },
  // markroot loads allfin to scan its blocks; queuefinalizer links new blocks into it.
  allfin: {
    combine: 'all',
    uses: [{ fn: 'runtime.markroot', access: 'load64' }, { fn: 'runtime.queuefinalizer', access: 'load64' }],
    rule: allfinRule,
    scanBss: false,
  },
  // freeSpecial calls gcCleanups.enqueue; markroot loads gcCleanups.all; runCleanups (when linked) dequeues.
  gcCleanups: {
    combine: 'all',
    uses: [{ fn: 'runtime.freeSpecial' }, { fn: 'runtime.markroot', field: ['runtime.cleanupQueue', 'all'], access: 'load64' }, { fn: 'runtime.runCleanups' }],
    rule: gcCleanupsRule,
    scanBss: false,
  },
  fingStatus: {
    combine: 'all',
    uses: [{ fn: 'runtime.isSystemGoroutine' }, { fn: 'runtime.findRunnable' }, { fn: 'runtime.queuefinalizer' }, { fn: 'runtime.finalizercommit' }],
    rule: fingStatusRule,
    scanBss: false,
  },
};

/**
 * Finds the runtime globals of a binary without symbols. Candidates are the addresses that small
 * runtime functions, found by name in pclntab, address RIP-relative; a candidate is taken only when
 * the core's memory there obeys the global's structure rules (runtime-structures.ts). When the code
 * gives no candidate that holds, the globals the rules identify beyond doubt are searched for word by
 * word in .bss. A global is reported missing, with the reason, rather than guessed.
 */
export function findStrippedGlobals(
  mem: AddressSpace, pclntab: PcLnTab, md: Moduledata, layout: RuntimeLayout, threadIds: ReadonlySet<number>,
): StrippedGlobals {
  const ctx: StructureContext = { mem, layout, pclntab, threadIds };
  const result: StrippedGlobals = { globals: {}, foundBy: {}, missing: {} };
  const inData = (addr: number) => addr >= md.noptrdata && addr < md.end;
  for (const [name, search] of Object.entries(searches) as Array<[GlobalName, GlobalSearch]>) {
    const candidates = codeCandidates(mem, pclntab, layout, search).filter(inData);
    let choice = choose(candidates, (addr) => judge(search.rule, ctx, addr));
    let foundBy: FoundBy = 'runtime code';
    if (!('addr' in choice) && search.scanBss) {
      const scanned = choose(bssWords(md), (addr) => judge(search.rule, ctx, addr));
      if ('addr' in scanned) [choice, foundBy] = [scanned, '.bss scan'];
      else choice = { why: `${choice.why}; scanning .bss: ${scanned.why}` };
    }
    if ('addr' in choice) {
      result.globals[name] = choice.addr;
      result.foundBy[name] = foundBy;
    } else {
      result.missing[name] = choice.why;
    }
  }
  return result;
}

function codeCandidates(mem: AddressSpace, pclntab: PcLnTab, layout: RuntimeLayout, search: GlobalSearch): number[] {
  const sets = search.uses.flatMap(({ fn, field, access }) => {
    const refs = dataReferences(mem, pclntab, fn, access);
    const delta = field ? layout.offset(field[0], field[1]) : 0;
    return refs ? [new Set([...refs].map((addr) => addr - delta))] : [];
  });
  if (sets.length === 0) return [];
  if (search.combine === 'any') return [...new Set(sets.flatMap((s) => [...s]))].sort((a, b) => a - b);
  return [...sets[0]!].filter((addr) => sets.every((s) => s.has(addr))).sort((a, b) => a - b);
}

function* bssWords(md: Moduledata): Generator<number> {
  for (let at = Math.ceil(md.bss / 8) * 8; at + 8 <= md.ebss; at += 8) yield at;
}

/**
 * The one candidate whose memory holds the global. Several that hold lists: the one whose list
 * contains the others' (they point into its middle). None that holds: the one candidate that may be
 * the global and holds nothing (a nil list head).
 */
function choose(candidates: Iterable<number>, verdictOf: (addr: number) => Verdict): { addr: number } | { why: string } {
  const holding: Array<{ addr: number; nodes?: readonly number[] }> = [];
  const empty: number[] = [];
  let tried = 0;
  let lastWhy = '';
  for (const addr of candidates) {
    tried++;
    const v = verdictOf(addr);
    if (v.verdict === 'holds') holding.push({ addr, nodes: v.nodes });
    else if (v.verdict === 'empty') empty.push(addr);
    else lastWhy = v.why;
  }
  if (holding.length === 1) return { addr: holding[0]!.addr };
  if (holding.length > 1) {
    const heads = holding.filter((h) => holding.every((o) => o.nodes !== undefined && h.nodes?.includes(o.nodes[0]!)));
    if (heads.length === 1) return { addr: heads[0]!.addr };
    return { why: `${holding.length} addresses qualify (${holding.map((h) => hex(h.addr)).join(', ')}) and none stands out` };
  }
  if (empty.length === 1) return { addr: empty[0]! };
  if (empty.length > 1) return { why: `${empty.length} addresses qualify, all holding nothing, and none stands out` };
  if (tried === 0) return { why: 'the runtime code that uses it was not found' };
  return { why: `none of ${tried} candidate addresses qualifies (the last: ${lastWhy})` };
}

const hex = (n: number) => `0x${n.toString(16)}`;
