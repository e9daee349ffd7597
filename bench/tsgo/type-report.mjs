#!/usr/bin/env node
// What typing left on a core, from `goheapflame top -n 0 --json`: the largest unknown objects, the
// bytes still named by a generic shape, and labels with a shape's full 64-digit hash (issue 14 wants
// none).
//   node bench/tsgo/type-report.mjs TOP_JSON
import { readFileSync } from 'node:fs';

const { types } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
const unknown = types.filter((t) => t.type.startsWith('unknown ('));
const shapes = types.filter((t) => t.type.includes('go.shape.'));
const hashed = types.filter((t) => /go\.shape\.[0-9a-f]{64}/.test(t.type));
const sum = (list) => list.reduce((total, t) => total + t.bytes, 0);
console.log(`   unknown:   ${kib(sum(unknown))} in ${unknown.length} sizes; largest: ${unknown.slice(0, 5).map((t) => `${t.type.replace('unknown ', '')} ${kib(t.bytes)}`).join(', ')}`);
console.log(`   shapes:    ${kib(sum(shapes))} in ${shapes.length} labels that name a go.shape type; largest: ${shapes[0] ? `${shapes[0].type} ${kib(shapes[0].bytes)}` : 'none'}`);
console.log(`   labels with a full 64-digit shape hash: ${hashed.length}`);
