import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { ExecutableImage } from '../../src/core/executable-image.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { buildSetting, readBuildInfo } from '../../src/goruntime/binary/buildinfo.js';
import {
  atLeast, checkSupported, compareGoVersions, experimentEnabled, goVersion, parseGoVersion,
} from '../../src/goruntime/binary/version.js';
import {
  type Build, buildDir, buildProgram, expectedRelease, goBuild, goEnv, removeBuilds, runJson, type Toolchain,
  toolchains, type TypesTruth,
} from './support.js';

describe('parseGoVersion', () => {
  test('reads releases, prereleases and both experiment suffix styles', () => {
    expect(parseGoVersion('go1.26.8')).toEqual({ major: 1, minor: 26, patch: 8, raw: 'go1.26.8', experiments: {} });
    expect(parseGoVersion('go1.27rc2')).toMatchObject({ major: 1, minor: 27, patch: 0, prerelease: 'rc2' });
    expect(parseGoVersion('go1.26.0-X:nogreenteagc')?.experiments).toEqual({ greenteagc: false });
    expect(parseGoVersion('go1.25.1 X:greenteagc,nospinbitmutex')?.experiments).toEqual({ greenteagc: true, spinbitmutex: false });
    expect(parseGoVersion('devel +a1b2c3')).toBeUndefined();
  });

  test('orders versions and checks the supported range', () => {
    const v = (s: string) => parseGoVersion(s)!;
    expect(compareGoVersions(v('go1.26.8'), v('go1.27.0'))).toBeLessThan(0);
    expect(compareGoVersions(v('go1.27rc1'), v('go1.27.0'))).toBeLessThan(0);
    expect(compareGoVersions(v('go1.26.10'), v('go1.26.9'))).toBeGreaterThan(0);
    expect(atLeast(v('go1.26.0'), 1, 26)).toBe(true);
    expect(atLeast(v('go1.25.9'), 1, 26)).toBe(false);
    for (const supported of ['go1.20.14', 'go1.21.13', 'go1.27.3']) expect(() => checkSupported(v(supported))).not.toThrow();
    for (const old of ['go1.19.13', 'go1.28.0']) {
      const err = (() => { try { checkSupported(v(old)); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).kind).toBe('unsupported');
      expect((err as Error).message).toMatch(/Go 1\.20 to 1\.27/);
    }
  });

  test('refuses a build without allocation headers (GOEXPERIMENT=noallocheaders, Go 1.22)', () => {
    const v = (s: string) => parseGoVersion(s)!;
    const err = (() => { try { checkSupported(v('go1.22.12 X:noallocheaders')); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).kind).toBe('unsupported');
    expect((err as UserError).message).toMatch(/^the binary was built with GOEXPERIMENT=noallocheaders \(go1\.22\.12 X:noallocheaders\), whose heap records pointers in per-arena bitmaps/);
    expect(() => checkSupported(v('go1.23.12 X:allocheaders'))).not.toThrow();
  });

  test('experiments override the release baseline', () => {
    const v = (s: string) => parseGoVersion(s)!;
    expect(experimentEnabled(v('go1.26.8'), 'greenteagc')).toBe(true);
    expect(experimentEnabled(v('go1.25.3'), 'greenteagc')).toBe(false);
    expect(experimentEnabled(v('go1.26.0-X:nogreenteagc'), 'greenteagc')).toBe(false);
    expect(experimentEnabled(v('go1.25.0 X:greenteagc'), 'greenteagc')).toBe(true);
    expect(experimentEnabled(v('go1.23.4'), 'swissmap')).toBe(false);
    expect(experimentEnabled(v('go1.24.1 X:noswissmap'), 'swissmap')).toBe(false);
    expect(experimentEnabled(v('go1.27.3'), 'mapsplitgroup')).toBe(false);
  });
});

/** `go version -m`: the toolchain's own reading of the build info. */
function goVersionM(go: Toolchain, path: string): { version: string; lines: string[][] } {
  const out = execFileSync('go', ['version', '-m', path], { env: goEnv(go), encoding: 'utf8' });
  const [first, ...rest] = out.trimEnd().split('\n');
  return { version: first.split(': ')[1], lines: rest.map((l) => l.replace(/^\t/, '').split('\t')) };
}

/** A copy of `path` with the bytes of `from` replaced by `to` (same length) once, in the file. */
function patchedCopy(path: string, out: string, edits: Array<[Buffer, Buffer]>): string {
  const bytes = readFileSync(path);
  for (const [from, to] of edits) {
    const at = bytes.indexOf(from);
    if (at < 0 || from.length !== to.length) throw new Error(`cannot patch ${from.toString('latin1')} in ${path}`);
    to.copy(bytes, at);
  }
  writeFileSync(out, bytes, { mode: 0o755 });
  return out;
}

const magic = Buffer.from('\xff Go buildinf:', 'latin1');

for (const go of toolchains) {
  describe(`Go ${go} binaries`, () => {
    let build: Build;
    let truth: TypesTruth;
    beforeAll(() => {
      build = buildProgram('typesprog', go);
      truth = runJson<TypesTruth>(build.binary);
    });

    test('the version equals runtime.Version() in default and stripped builds', () => {
      expect(truth.goVersion).toMatch(expectedRelease[go]);
      for (const { path } of build.variants) {
        const elf = ElfFile.open(path);
        const found = goVersion(elf, ExecutableImage.of(elf));
        expect(found.source).toBe('buildinfo');
        expect(found.version.raw).toBe(truth.goVersion);
        expect(`go${found.version.major}.${found.version.minor}.${found.version.patch}`).toBe(truth.goVersion);
      }
    });

    test('build info agrees with go version -m, quoted settings included', () => {
      for (const { path } of build.variants) {
        const info = readBuildInfo(ElfFile.open(path))!;
        const m = goVersionM(go, path);
        expect(info.goVersion).toBe(m.version);
        expect(info.path).toBe(m.lines.find((l) => l[0] === 'path')![1]);
        const mod = m.lines.find((l) => l[0] === 'mod')!;
        expect(info.main).toMatchObject({ path: mod[1], version: mod[2] });
        const settings = m.lines.filter((l) => l[0] === 'build').map((l) => l[1]);
        expect(info.settings.map((s) => s.key)).toEqual(settings.map((s) => s.slice(0, s.indexOf('='))));
        for (const s of settings) {
          const [key, raw] = [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)];
          expect(buildSetting(info, key)).toBe(raw.startsWith('"') ? JSON.parse(raw) : raw);
        }
      }
      expect(buildSetting(readBuildInfo(ElfFile.open(build.stripped))!, '-ldflags')).toBe('-s -w');
    });

    test('without build info: runtime.buildVersion, then the DWARF producer, then the sections', () => {
      const dir = buildDir(`noinfo-${go}`);
      const noMagic = Buffer.alloc(magic.length, 0x20);
      const unstripped = ElfFile.open(patchedCopy(build.binary, join(dir, 'unstripped'), [[magic, noMagic]]));
      expect(readBuildInfo(unstripped)).toBeUndefined();
      const fromSymbol = goVersion(unstripped, ExecutableImage.of(unstripped));
      expect(fromSymbol).toMatchObject({ source: 'runtime.buildVersion', version: { raw: truth.goVersion } });

      const stripped = ElfFile.open(patchedCopy(build.stripped, join(dir, 'stripped'), [[magic, noMagic]]));
      const producer = `Go cmd/compile ${truth.goVersion}; regabi`;
      expect(goVersion(stripped, ExecutableImage.of(stripped), { dwarfProducer: producer })).toMatchObject({
        source: 'dwarf', version: { raw: truth.goVersion },
      });
      const guessed = goVersion(stripped, ExecutableImage.of(stripped));
      expect(guessed.source).toBe('sections');
      expect(guessed.version).toMatchObject({ major: 1, minor: Number(go.split('.')[1]) });
    });

    test('build info is found by scanning the data segment when its section is not named', () => {
      const renamed = Buffer.from('.go.buildinfo\0');
      const copy = patchedCopy(build.stripped, join(buildDir(`renamed-${go}`), 'bin'), [[renamed, Buffer.from('.go.buildinfX\0')]]);
      const elf = ElfFile.open(copy);
      expect(elf.section('.go.buildinfo')).toBeUndefined();
      expect(readBuildInfo(elf)?.goVersion).toBe(truth.goVersion);
    });
  });
}

describe('experiments recorded by the linker', () => {
  test('Go 1.26 with GOEXPERIMENT=nogreenteagc', () => {
    const out = join(buildDir('nogreentea'), 'bin');
    goBuild('1.26', 'typesprog', out, [], { GOEXPERIMENT: 'nogreenteagc' });
    const truth = runJson<TypesTruth>(out);
    expect(truth.goVersion).toMatch(/^go1\.26\.\d+-X:nogreenteagc$/);
    const found = goVersion(ElfFile.open(out));
    expect(found.version.raw).toBe(truth.goVersion);
    expect(experimentEnabled(found.version, 'greenteagc')).toBe(false);
    expect(buildSetting(found.buildInfo!, 'GOEXPERIMENT')).toBe('nogreenteagc');
  });
});

describe('not a Go program', () => {
  test('a C binary is rejected with notGo', () => {
    const elf = ElfFile.open('/bin/true');
    const err = (() => { try { goVersion(elf, ExecutableImage.of(elf)); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).kind).toBe('notGo');
    expect((err as Error).message).toMatch(/not a Go program/);
  });
});

afterAll(removeBuilds);
