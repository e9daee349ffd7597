import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutableImage } from '../../src/core/executable-image.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { GoBinary } from '../../src/goruntime/binary/go-binary.js';

export type Toolchain = '1.26' | '1.27';
export const toolchains: Toolchain[] = ['1.26', '1.27'];
export const expectedRelease: Record<Toolchain, RegExp> = { '1.26': /^go1\.26\.\d+/, '1.27': /^go1\.27\.3/ };

const testdata = new URL('./testdata/', import.meta.url).pathname;

/** The go command for a toolchain: the machine's Go 1.26, or Go 1.27.3 through GOTOOLCHAIN. */
export function goEnv(go: Toolchain, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: go === '1.27' ? 'go1.27.3' : 'local', GOFLAGS: '', ...extra };
}

let buildRoot: string | undefined;
/** A temp directory for this test file's builds, removed with removeBuilds(). */
export function buildDir(name: string): string {
  buildRoot ??= mkdtempSync(join(tmpdir(), 'goheapflame-goruntime-'));
  const dir = join(buildRoot, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function removeBuilds(): void {
  if (buildRoot) rmSync(buildRoot, { recursive: true, force: true });
  buildRoot = undefined;
}

/** `go build` in testdata/<program>; returns the compiler's stderr (the -S listing when asked for). */
export function goBuild(go: Toolchain, program: string, out: string, flags: string[] = [], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('go', ['build', ...flags, '-o', out, '.'], {
    cwd: join(testdata, program), env: goEnv(go, env), encoding: 'utf8', maxBuffer: 512 << 20,
  });
  if (r.status !== 0) throw new Error(`go build ${program} with Go ${go} failed:\n${r.stderr}`);
  return r.stderr;
}

export interface Variant {
  name: 'default' | 'stripped';
  path: string;
}

export interface Build {
  go: Toolchain;
  /** Default build (DWARF, .symtab) and the same source linked with -ldflags='-s -w'. */
  binary: string;
  stripped: string;
  variants: Variant[];
  /** `go build -gcflags=-S` output for the main package: assembly with FUNCDATA/PCDATA and data symbols. */
  listing: string;
}

/**
 * Builds testdata/<program> with a toolchain, default and stripped. Both builds pass -gcflags=-S so
 * they compile identically; the listing is the truth for stack maps and per-instruction positions.
 */
export function buildProgram(program: string, go: Toolchain): Build {
  const dir = buildDir(`${program}-${go}`);
  const binary = join(dir, program);
  const stripped = join(dir, `${program}-stripped`);
  const listing = goBuild(go, program, binary, ['-gcflags=-S']);
  goBuild(go, program, stripped, ['-gcflags=-S', '-ldflags=-s -w']);
  return { go, binary, stripped, listing, variants: [{ name: 'default', path: binary }, { name: 'stripped', path: stripped }] };
}

/** Runs a built program and parses the JSON it prints. */
export function runJson<T>(path: string, args: string[] = []): T {
  return JSON.parse(execFileSync(path, args, { encoding: 'utf8', maxBuffer: 256 << 20 })) as T;
}

let oracle: string | undefined;
/** testdata/oracle (debug/gosym and debug/dwarf of the machine's Go) run on a binary. */
export function runOracle<T>(args: string[]): T {
  if (!oracle) {
    oracle = join(buildDir('oracle'), 'oracle');
    goBuild('1.26', 'oracle', oracle);
  }
  return runJson<T>(oracle, args);
}

/** Opens a binary as GoBinary over its own static image. */
export function openGoBinary(path: string): { elf: ElfFile; image: ExecutableImage; go: GoBinary } {
  const elf = ElfFile.open(path);
  const image = ExecutableImage.of(elf);
  return { elf, image, go: GoBinary.open(elf, image) };
}

export const hex = (n: number): string => `0x${n.toString(16)}`;
export const num = (h: string): number => Number.parseInt(h, 16);

/** What testdata/typesprog prints about itself. */
export interface TypesTruth {
  goVersion: string;
  globals: Array<{ name: string; addr: string; size: number; pointerWords: number[] }>;
  types: Array<{
    label: string; addr: string; kind: string; string: string; name: string; pkgPath: string; size: number;
    align: number; fieldAlign: number; numMethod: number; methods: string[];
    fields?: Array<{ name: string; offset: number; type: string; typeAddr: string; embedded: boolean; tag: string; exported: boolean }>;
    elem?: string; elemAddr?: string; key?: string; len?: number; chanDir?: number; in?: string[]; out?: string[];
    variadic?: boolean; pointerWords: number[]; runtimeMask?: string;
  }>;
  funcs: Array<{ name: string; pc: string; entry: string; file: string; line: number }>;
  callers: { pcs: string[]; frames: Array<{ function: string; file: string; line: number; entry: string }> };
  itabs: Array<{ label: string; itab: string; inter: string; type: string }>;
}
