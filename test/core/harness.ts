/**
 * A small private harness for the ELF and process-image tests: builds one tiny Go program with the
 * machine's Go and dumps it with gcore or a real crash. (To be replaced by test/support/fixtures.ts.)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Parks goroutines on locked OS threads (a stable thread set), plants a global, says where it is. */
const PROGRAM = `package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

var Marker uint64

func main() {
	Marker = uint64(time.Now().UnixNano())&(1<<52-1) | 1
	for i := 0; i < 3; i++ {
		go func() {
			runtime.LockOSThread()
			select {}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Printf("pid %d\\nmarker %d\\nmarkeraddr %p\\nready\\n", os.Getpid(), Marker, &Marker)
	for {
		time.Sleep(time.Hour)
	}
}
`;

export type BuildKind = 'default' | 'stripped' | 'pie';

const BUILD_FLAGS: Record<BuildKind, string[]> = {
  default: [],
  stripped: ['-ldflags=-s -w'],
  pie: ['-buildmode=pie'],
};

export function makeWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'goheapflame-core-test-'));
}

export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Builds the test program into `dir` and returns the binary's path. */
export function buildProgram(dir: string, kind: BuildKind): string {
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'go.mod'), 'module fixture\n\ngo 1.26\n');
  writeFileSync(join(src, 'main.go'), PROGRAM);
  const out = join(dir, `prog-${kind}`);
  execFileSync('go', ['build', ...BUILD_FLAGS[kind], '-o', out, '.'], { cwd: src, stdio: 'pipe' });
  return out;
}

export interface Running {
  child: ChildProcess;
  pid: number;
  marker: bigint;
  markerAddr: number;
}

/** Starts the program (under bash with `ulimit -c unlimited` and GOTRACEBACK=crash) and waits for "ready". */
export async function startProgram(binary: string, cwd: string): Promise<Running> {
  const child = spawn('bash', ['-c', `ulimit -c unlimited; GOTRACEBACK=crash exec "$0"`, binary], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${binary} exited (${code}) before it was ready: ${out}`)));
  });
  const field = (name: string) => {
    const m = out.match(new RegExp(`^${name} (\\S+)$`, 'm'));
    if (!m) throw new Error(`the program did not print ${name}: ${out}`);
    return m[1];
  };
  return { child, pid: Number(field('pid')), marker: BigInt(field('marker')), markerAddr: Number(field('markeraddr')) };
}

/**
 * The process's thread ids once they stopped changing (the same for several samples in a row): after
 * "ready" the runtime may still start a thread, more likely on a loaded machine, and a thread started
 * between the listing and the dump would be in the core but not in the list.
 */
export async function settledThreads(pid: number): Promise<number[]> {
  const list = () => readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b).join(',');
  let last = list();
  for (let same = 0; same < 4; ) {
    await sleep(50);
    const now = list();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last.split(',').map(Number);
}

export function threadCount(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

/** Dumps a live process with gdb's gcore; returns the core's path. */
export function gcore(pid: number, dir: string): string {
  const prefix = join(dir, 'gcore');
  execFileSync('gcore', ['-o', prefix, String(pid)], { stdio: 'pipe' });
  return `${prefix}.${pid}`;
}

/**
 * Why the kernel cannot write a core into the program's working directory here, or undefined when
 * it can (core_pattern is a plain relative name such as "core").
 */
export function kernelCoreUnavailable(): string | undefined {
  const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  if (pattern.startsWith('|') || pattern.includes('/') || pattern.includes('%')) {
    return `kernel core_pattern is "${pattern}", which does not write a plain file into the working directory`;
  }
  return undefined;
}

/** Kills the program with SIGABRT (GOTRACEBACK=crash makes the runtime dump core) and returns the core's path. */
export async function crashDump(running: Running, cwd: string): Promise<string> {
  const exited = new Promise<void>((resolve) => running.child.on('exit', () => resolve()));
  process.kill(running.pid, 'SIGABRT');
  await exited;
  const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  const usesPid = readFileSync('/proc/sys/kernel/core_uses_pid', 'utf8').trim() === '1';
  const core = join(cwd, usesPid ? `${pattern}.${running.pid}` : pattern);
  if (!existsSync(core)) throw new Error(`the crash left no core at ${core}`);
  return core;
}

export function stop(running: Running): void {
  running.child.kill('SIGKILL');
}

/** gdb's view of a core: per thread id, the register values `info registers` prints. */
export function gdbRegisters(binary: string, core: string): Map<number, Map<string, bigint>> {
  const text = execFileSync('gdb', ['-batch', '-nx', '-ex', 'thread apply all info registers', binary, core], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const threads = new Map<number, Map<string, bigint>>();
  let current: Map<string, bigint> | undefined;
  for (const line of text.split('\n')) {
    const thread = line.match(/^Thread \S+ \((?:LWP|Thread \S+ \(LWP) (\d+)\)/);
    if (thread) threads.set(Number(thread[1]), (current = new Map()));
    const reg = line.match(/^(\w+)\s+0x([0-9a-f]+)/);
    if (reg && current) current.set(reg[1], BigInt(`0x${reg[2]}`));
  }
  return threads;
}

/** gdb's `info auxv` of a core: key number → value. */
export function gdbAuxv(binary: string, core: string): Map<number, bigint> {
  const text = execFileSync('gdb', ['-batch', '-nx', '-ex', 'info auxv', binary, core], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const auxv = new Map<number, bigint>();
  for (const line of text.split('\n')) {
    const m = line.match(/^(\d+)\s+AT_\w+\s.*\s(0x[0-9a-f]+|\d+)(?:\s+".*")?$/);
    if (m) auxv.set(Number(m[1]), BigInt(m[2]));
  }
  return auxv;
}

/** gdb's `info proc mappings` of a core (decoded from NT_FILE): start, end, file offset, path. */
export function gdbFileMappings(binary: string, core: string): [number, number, number, string][] {
  const text = execFileSync('gdb', ['-batch', '-nx', '-ex', 'info proc mappings', binary, core], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return [...text.matchAll(/^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$/gm)].map((m) => [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), m[4]]);
}
