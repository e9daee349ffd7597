import { describe, expect, test } from 'vitest';
import { ConsultLog } from '../../src/goruntime/typing/shape-inference.js';

/** A typing in which the objects of `changed` changed after clock 10 and nothing else did. */
const typing = (changed: number[]) => ({ changedSince: (obj: number, time: number) => changed.includes(obj) && time < 10 });

describe('the record of what a judgement consulted', () => {
  test('holds while nothing it consulted changed, and not once one did', () => {
    const log = new ConsultLog();
    const at = log.begin(1, 5);
    log.add(2);
    log.add(3);
    expect(log.changed(at, typing([]))).toBe(false);
    expect(log.changed(at, typing([4]))).toBe(false);
    expect(log.changed(at, typing([3]))).toBe(true);
    expect(log.changed(at, typing([1]))).toBe(true); // the judged object itself
  });

  test('is copied to the next pass as it was', () => {
    const first = new ConsultLog();
    first.begin(7, 0);
    const at = first.begin(1, 5);
    consultAll(first, [2, 3, 8]);
    const next = new ConsultLog();
    const copy = next.copy(first, at);
    expect(next.changed(copy, typing([]))).toBe(false);
    expect(next.changed(copy, typing([8]))).toBe(true);
  });

  test('a judgement that reads too many objects is not kept: it is judged again on every pass', () => {
    const log = new ConsultLog();
    const at = log.begin(1, 5);
    consultAll(log, Array.from({ length: 300 }, (_, i) => 100 + i));
    expect(log.changed(at, typing([]))).toBe(true);
    const next = new ConsultLog();
    expect(next.changed(next.copy(log, at), typing([]))).toBe(true);
    // The next record starts where the dropped one's objects would have been.
    const after = log.begin(2, 6);
    expect(log.changed(after, typing([]))).toBe(false);
  });
});

function consultAll(log: ConsultLog, objects: number[]): void {
  for (const o of objects) log.add(o);
}
