import { UserError } from '../../errors.js';
import { ProcessImage } from '../../core/process-image.js';
import { DwarfInfo } from '../../dwarf/index.js';
import type { ElfFile } from '../../elf/elf-file.js';
import { GoBinary } from '../binary/go-binary.js';
import { printable } from '../../util/bytes.js';
import { dwarfLayout, tableLayout, type RuntimeLayout } from '../layout/runtime-layout.js';
import { findGlobalsInCode } from './globals-from-code.js';
import { type FoundGlobals, type GlobalName, globalSymbols, globalsFromSymbols, missingGlobalCost, type RuntimeGlobals } from './runtime-globals.js';

export interface GoProcessOptions {
  /** Read a core with a binary whose build ID differs (the user says it is the right one). */
  force?: boolean;
  /** What to call the core in messages, when it is read from elsewhere (a decompressed copy). */
  coreName?: string;
}

/**
 * A Go program as it was when the core was written: the process image, the Go program read through
 * it (version, pclntab, types), the runtime's struct layouts and where its globals are.
 */
export class GoProcess {
  private constructor(
    readonly image: ProcessImage,
    readonly binary: GoBinary,
    readonly layout: RuntimeLayout,
    /** Where the runtime's globals are, and how each was found. */
    readonly found: FoundGlobals,
    /** The binary's DWARF, undefined when it was built or stripped without it, or cannot be read. */
    readonly dwarf: DwarfInfo | undefined,
    /** What is wrong with the core or the binary but still lets them be read. */
    readonly warnings: readonly string[],
  ) {}

  static open(corePath: string, exePath: string, options: GoProcessOptions = {}): GoProcess {
    const image = ProcessImage.open(corePath, exePath, { force: options.force, coreName: options.coreName });
    const unchecked = checkBuildId(image, options.force ?? false);
    const { dwarf, unreadable } = loadDwarf(image.exe);
    const warnings = [...image.warnings, ...(unchecked ? [unchecked] : []), ...(unreadable ? [unreadable] : [])];
    const binary = GoBinary.open(image.exe, image, { loadBias: image.loadBias, dwarfProducer: dwarf?.goVersion });
    const layout = dwarf ? dwarfLayout(dwarf) : tableLayout(binary.version.minor);
    const found = image.exe.symbols().length > 0
      ? globalsFromSymbols(image)
      : findGlobalsInCode(image, binary.pclntab, binary.moduledata, layout, new Set(image.threads.map((t) => t.pid)));
    return new GoProcess(image, binary, layout, found, dwarf, warnings);
  }

  /** The runtime globals' addresses, where known. */
  get globals(): RuntimeGlobals {
    return this.found.globals;
  }

  /** The binary carries neither DWARF nor a symbol table. */
  get stripped(): boolean {
    return !this.image.exe.section('.debug_info') && this.image.exe.symbols().length === 0;
  }

  /** A runtime global's address, or a clear error naming what is missing. */
  global(name: GlobalName): number {
    const addr = this.globals[name];
    if (addr !== undefined) return addr;
    const why = this.found.missing[name];
    if (this.found.source === 'code' && why !== undefined) {
      throw new UserError(
        'badInputData',
        `cannot find ${globalSymbols[name]} in this core with the stripped binary ${this.image.exe.path}: ${why}; ` +
          'the core may be damaged or cut short; give the unstripped binary if you have it.',
      );
    }
    throw new UserError(
      'unsupported',
      `cannot find ${globalSymbols[name]} in ${this.image.exe.path} (its symbol table lacks it); give the unstripped binary.`,
    );
  }

  /**
   * What reading this core costs because the binary lacks symbols or DWARF, one line each (for
   * `info`): names and types that are not known, where the runtime layout comes from, and which
   * runtime globals could not be found and what is left out because of it. Empty for a full binary.
   */
  strippedCosts(): string[] {
    const costs: string[] = [];
    if (this.found.source === 'code') {
      costs.push('global variable names unavailable (no symbol table): globals are named by section and offset');
      const { foundBy, missing } = this.found;
      const scanned = Object.entries(foundBy).filter(([, by]) => by === '.bss scan').map(([name]) => globalSymbols[name as GlobalName]);
      if (scanned.length) costs.push(`runtime globals found by scanning .bss, not from runtime code: ${scanned.join(', ')}`);
      for (const [name, why] of Object.entries(missing) as Array<[GlobalName, string]>) {
        costs.push(`${globalSymbols[name]} not found (${why}): ${missingGlobalCost[name]}`);
      }
    }
    if (!this.dwarf) {
      costs.push('local variable names unavailable (no DWARF): stack roots are named by function');
      costs.push('types of globals and locals unknown (no DWARF): what they point to is inferred from the heap, the code and object shapes');
      costs.push(`runtime layout from the built-in Go 1.${this.binary.version.minor} table`);
    }
    return costs;
  }

  close(): void {
    this.image.close();
  }
}

/** The binary's DWARF; damaged DWARF is left out, with the warning that the binary is read as if stripped. */
function loadDwarf(exe: ElfFile): { dwarf?: DwarfInfo; unreadable?: string } {
  try {
    const dwarf = DwarfInfo.load((name) => (exe.section(name) ? exe.sectionData(name) : undefined));
    return dwarf ? { dwarf } : {};
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { unreadable: `the DWARF of ${exe.path} cannot be read, so it is read as a stripped binary (${err.message.replace(/\.$/, '')})` };
  }
}

/**
 * Refuses a binary whose Go build ID differs from the one in the core's memory, unless forced;
 * returns a warning when one of the two has no build ID to compare.
 */
function checkBuildId(image: ProcessImage, force: boolean): string | undefined {
  const inCore = image.exeBuildIdInCore();
  const inExe = image.exe.goBuildId();
  if (!inExe) return `${image.exe.path} has no Go build ID, so it cannot be checked against the core; make sure it is the binary that was running`;
  if (!inCore) return `the core does not hold the running binary's Go build ID, so ${image.exe.path} cannot be checked against it; make sure it is the binary that was running`;
  if (force || inCore === inExe) return undefined;
  throw new UserError(
    'binaryMismatch',
    `${image.exe.path} is not the binary that produced this core (Go build ID ${printable(inExe)}, the core has ${printable(inCore)}); ` +
      'give the exact executable that was running, or pass --force to read it anyway.',
  );
}
