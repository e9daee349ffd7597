import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import type { FoldedStack } from '../graph/fold.js';

/**
 * The retention stacks as a gzipped pprof profile that `go tool pprof` opens: sample types
 * inuse_objects and inuse_space (the default), one function and location per frame label, each
 * stack's frames leaf first as pprof wants them.
 */
export function encodePprof(stacks: readonly FoldedStack[], comment: string): Buffer {
  const strings = new StringTable();
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const locationOf = new Map<string, number>();
  const location = (label: string): number => {
    let id = locationOf.get(label);
    if (id === undefined) {
      id = locationOf.size + 1;
      locationOf.set(label, id);
      const name = strings.dedup(label);
      functions.push(new PprofFunction({ id, name, systemName: name }));
      locations.push(new Location({ id, line: [new Line({ functionId: id })] }));
    }
    return id;
  };
  const samples = stacks.map(
    (s) => new Sample({ locationId: s.frames.map(location).reverse(), value: [s.objects, s.bytes] }),
  );
  const profile = new Profile({
    sampleType: [
      new ValueType({ type: strings.dedup('inuse_objects'), unit: strings.dedup('count') }),
      new ValueType({ type: strings.dedup('inuse_space'), unit: strings.dedup('bytes') }),
    ],
    sample: samples,
    location: locations,
    function: functions,
    comment: [strings.dedup(comment)],
    defaultSampleType: strings.dedup('inuse_space'),
    stringTable: strings,
  });
  return gzipSync(profile.encode());
}
