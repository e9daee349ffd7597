/**
 * The frame-label grammar: what `format` writes, `classify` reads back as the kind it is, for every
 * kind of frame the analysis makes; and labels from other tools fall back to `struct`.
 */
import { describe, expect, it } from 'vitest';
import { classify, format, type FrameKind } from '../../src/analysis/frame-labels.js';
import { rootKinds } from '../../src/goruntime/roots/heap-root.js';

/** A root name of each kind, as src/goruntime/roots names them. */
const rootNames: Record<(typeof rootKinds)[number], string[]> = {
  global: ['main.sessions', '.bss+0x7e0 → map[string]*main.Session', 'main.broker → *main.Broker (static)', '.data+0x18'],
  goroutine: [
    'goroutine 42 main.worker · list', 'goroutine 7 main.f · (temporaries)', 'goroutine 9 main.spin · registers',
    'goroutine 12 main.f · defer main.f.func1', 'goroutine 3 main.g · panic', 'goroutine 3 main.g · closure context',
  ],
  finalizer: ['finalizer main.closeFile on main.File', 'queued finalizer main.closeFile'],
  cleanup: ['cleanup main.release', 'queued cleanup main.release'],
  runtime: ['runtime.allgs', 'runtime tiny allocator blocks'],
};

describe('frame labels', () => {
  it('writes every kind of root as a root frame, a runtime global as `runtime global NAME`', () => {
    for (const kind of rootKinds) {
      for (const name of rootNames[kind]) expect(classify(format.root(kind, name)), `${kind} ${name}`).toBe('root');
    }
    expect(format.root('global', 'main.sessions')).toBe('global main.sessions');
    expect(format.root('runtime', 'runtime.allgs')).toBe('runtime global runtime.allgs');
    expect(format.root('runtime', 'runtime tiny allocator blocks')).toBe('runtime tiny allocator blocks');
    expect(format.root('goroutine', 'goroutine 42 main.worker · list')).toBe('goroutine 42 main.worker · list');
    expect(classify(format.unreachableRoot)).toBe('root');
    expect(classify(format.sharedRoot(3))).toBe('root');
    expect(format.sharedRoot(3)).toBe('shared by several roots (reached from 3 roots)');
  });

  it('classifies an object frame by the type it names, however it is held', () => {
    const types: Array<[string, FrameKind]> = [
      ['map[string]*main.Session', 'map'], ['*map[int]int', 'map'], ['[]uint8', 'slice'], ['[]struct { a int }', 'slice'],
      ['string', 'string'], ['string data', 'string'], ['*main.Session', 'struct'], ['main.Node', 'struct'], ['[4]uint64', 'struct'],
      ['func main.f.func1 (closure)', 'struct'], [format.unknownObjects(48), 'unknown'],
    ];
    const hows = ['', '.sessions', '.a.b', format.element(''), format.element('.next'), format.mapEntry('.slots[elem].key'),
      format.mapEntry('.slots[elem].elem.x'), format.channelBuffer(''), format.channelBuffer('.p')];
    for (const [type, kind] of types) {
      for (const how of hows) {
        const label = format.held(how, type);
        expect(classify(label), label).toBe(kind);
        expect(classify(format.chain(label, 1000)), `${label} ×1000`).toBe(kind);
        const iface = format.held(how, format.throughInterface('any', type));
        expect(classify(iface), iface).toBe(kind);
      }
    }
  });

  it('writes how a map, a channel buffer and an array hold their elements', () => {
    expect(format.mapEntry('.slots[elem].key')).toBe('[key]');
    expect(format.mapEntry('.slots[elem].elem.Payload')).toBe('[value].Payload');
    expect(format.mapEntry('.keys[elem]')).toBe('[key]'); // a bucket map's bucket
    expect(format.mapEntry('.elems[elem].Payload')).toBe('[value].Payload');
    expect(format.channelBuffer('')).toBe('[buf]');
    expect(format.element('.next')).toBe('[elem].next');
    expect(format.held('[value]', '*main.Session')).toBe('[value] *main.Session');
    expect(format.held('', 'map[int64]*main.Session')).toBe('map[int64]*main.Session');
    expect(format.chain('.next *main.Node', 3)).toBe('.next *main.Node ×3');
    expect(format.unknownObjects(48)).toBe('unknown (48-byte objects)');
  });

  it('reads labels it did not write as structs, never as roots', () => {
    for (const label of ['main.main', 'runtime.mallocgc', 'java/lang/Thread.run', '[unknown]', 'globalish', 'queue'])
      expect(classify(label), label).toBe('struct');
  });
});
