import type { ProcessImage } from '../../core/process-image.js';

/** Runtime globals the analysis starts from; undefined where the binary does not say (stripped). */
export interface RuntimeGlobals {
  mheap?: number;
  allgs?: number;
  allm?: number;
  allp?: number;
  allfin?: number;
  gcCleanups?: number;
  /** Whether the finalizer goroutine is running a finalizer (it then counts as a user goroutine). */
  fingStatus?: number;
}

export type GlobalName = keyof RuntimeGlobals;

/** The symbol of each global. */
export const globalSymbols: Record<GlobalName, string> = {
  mheap: 'runtime.mheap_',
  allgs: 'runtime.allgs',
  allm: 'runtime.allm',
  allp: 'runtime.allp',
  allfin: 'runtime.allfin',
  gcCleanups: 'runtime.gcCleanups',
  fingStatus: 'runtime.fingStatus',
};

/** How a global was found: by its symbol, or (without a symbol table) from the runtime's code or a .bss scan. */
export type FoundBy = 'symbol table' | 'runtime code' | '.bss scan';

/**
 * Where the runtime globals are: from the symbol table when the binary has one, else found from the
 * runtime's code (globals-from-code.ts), which records why a global is missing instead of guessing.
 */
export interface FoundGlobals {
  source: 'symbols' | 'code';
  globals: RuntimeGlobals;
  foundBy: Partial<Record<GlobalName, FoundBy>>;
  /** Why a global could not be found: one clause, for an error or a warning. */
  missing: Partial<Record<GlobalName, string>>;
}

/** The globals by their symbols. */
export function globalsFromSymbols(image: ProcessImage): FoundGlobals {
  const found: FoundGlobals = { source: 'symbols', globals: {}, foundBy: {}, missing: {} };
  for (const [key, symbol] of Object.entries(globalSymbols) as Array<[GlobalName, string]>) {
    const sym = image.exe.symbol(symbol);
    if (sym) {
      found.globals[key] = sym.value + image.loadBias;
      found.foundBy[key] = 'symbol table';
    } else {
      found.missing[key] = 'its symbol table lacks it';
    }
  }
  return found;
}

/** What the analysis lacks when a runtime global cannot be found. */
export const missingGlobalCost: Record<GlobalName, string> = {
  mheap: 'the heap cannot be read',
  allgs: 'goroutines cannot be listed',
  allm: 'threads are not matched to goroutines, so running goroutines are not unwound',
  allp: "the Ps' tiny allocation blocks are not counted as roots",
  allfin: 'finalizers queued to run are not counted as roots',
  gcCleanups: 'cleanups queued to run are not counted as roots',
  fingStatus: 'the finalizer goroutine is always listed as a system goroutine',
};
