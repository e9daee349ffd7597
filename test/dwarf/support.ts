import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DwarfInfo } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/elf-file.js';

const HERE = new URL('.', import.meta.url).pathname;
export const FIXTURE_DIR = join(HERE, 'fixture');
export const CGO_FIXTURE_DIR = join(HERE, 'cgofixture');
const ORACLE_DIR = join(HERE, 'oracle');

/** A Go toolchain and DWARF format to build with. */
export interface Toolchain {
  label: string;
  /** GOTOOLCHAIN value: 'local' is the machine's Go 1.26. */
  gotoolchain: 'local' | 'go1.27.3';
  dwarfVersion: 4 | 5;
}

export const TOOLCHAINS: Toolchain[] = [
  { label: 'go1.26 DWARF 5', gotoolchain: 'local', dwarfVersion: 5 },
  { label: 'go1.26 DWARF 4', gotoolchain: 'local', dwarfVersion: 4 },
  { label: 'go1.27.3 DWARF 5', gotoolchain: 'go1.27.3', dwarfVersion: 5 },
  { label: 'go1.27.3 DWARF 4', gotoolchain: 'go1.27.3', dwarfVersion: 4 },
];

export interface BuildOptions {
  dir: string;
  out: string;
  toolchain: Toolchain;
  /** Extra go build arguments, e.g. ['-gcflags=-N -l']. */
  args?: string[];
  cgo?: boolean;
  env?: Record<string, string>;
}

function goEnv(toolchain: Toolchain, cgo: boolean, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GOTOOLCHAIN: toolchain.gotoolchain, CGO_ENABLED: cgo ? '1' : '0', GOFLAGS: '', ...extra };
  // Go writes DWARF 5 by default since 1.25; the Dwarf5 experiment switched off gives DWARF 4.
  if (toolchain.dwarfVersion === 4) env.GOEXPERIMENT = 'nodwarf5';
  else delete env.GOEXPERIMENT;
  return env;
}

export function goBuild(opts: BuildOptions): string {
  execFileSync('go', ['build', ...(opts.args ?? []), '-o', opts.out, '.'], {
    cwd: opts.dir,
    env: goEnv(opts.toolchain, opts.cgo ?? false, opts.env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return opts.out;
}

/** `go version` of a toolchain, e.g. "go1.26.8". */
export function goVersion(toolchain: Toolchain): string {
  const out = execFileSync('go', ['env', 'GOVERSION'], { env: goEnv(toolchain, false), encoding: 'utf8' });
  return out.trim();
}

export function run(binary: string): string {
  return execFileSync(binary, [], { encoding: 'utf8' });
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Loads an executable's DWARF through the ELF reader. */
export function loadDwarf(binary: string): DwarfInfo {
  const elf = ElfFile.open(binary);
  try {
    const dwarf = DwarfInfo.load((name) => (elf.section(name) ? elf.sectionData(name) : undefined));
    if (!dwarf) throw new Error(`${binary} has no DWARF`);
    return dwarf;
  } finally {
    elf.close();
  }
}

/** Symbol addresses as binutils `nm` prints them (the independent truth for global addresses). */
export function nmSymbols(binary: string): Map<string, number> {
  const out = execFileSync('nm', [binary], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const symbols = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) \S (.+)$/.exec(line);
    if (m && !symbols.has(m[2]!)) symbols.set(m[2]!, parseInt(m[1]!, 16));
  }
  return symbols;
}

/** What Go's debug/dwarf reads (test/dwarf/oracle). */
export interface OracleDump {
  units: { offset: number; name: string; producer: string; language: number }[];
  types: {
    offset: number;
    tag: number;
    name: string;
    go: boolean;
    byteSize: number;
    goKind: number;
    runtimeType: number;
    type: number;
    elem: number;
    key: number;
    count: number;
    fields?: { name: string; offset: number; type: number; embedded: boolean }[];
  }[];
  globals: { name: string; address: number; type: number }[];
  constants: { name: string; value: string }[];
  functions: {
    name: string;
    offset: number;
    lowpc: number;
    highpc: number;
    ranges?: [number, number][];
    vars: { name: string; param: boolean; output: boolean; type: number; inlinedFrom?: string; expr: string; list: boolean }[];
  }[];
}

let oracleBinary: string | undefined;

/** Runs the debug/dwarf oracle (built once per test file with the machine's Go) on `binary`. */
export function runOracle(binary: string, workDir: string): OracleDump {
  oracleBinary ??= goBuild({ dir: ORACLE_DIR, out: join(workDir, 'dwarforacle'), toolchain: TOOLCHAINS[0]! });
  return JSON.parse(execFileSync(oracleBinary, [binary], { encoding: 'utf8', maxBuffer: 1 << 30 })) as OracleDump;
}
