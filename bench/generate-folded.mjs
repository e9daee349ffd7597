// Synthetic Go memory-reference folded stacks for the render benchmark: a random reference tree
// (roots, then `<how> <type>` object frames, as the Go pipeline writes them), one line per path,
// byte counts, in the pipeline's depth-first order. Deterministic for a given line count and seed.
// 100,000 lines come to ~19 MiB: stacks of 2–42 frames, 9 on average, ~100,000 distinct frames.

/** mulberry32: a small seeded PRNG, so every run benchmarks the same input. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROOT_KINDS = ['global', 'goroutine', 'finalizer', 'runtime'];
const HOWS = ['[elem]', '[value]', '[key]', '(iface)', ...Array.from({ length: 40 }, (_, i) => `.field${i}`)];
const SHAPES = ['*pkg%.Type%', 'map[string]*pkg%.Type%', '[]pkg%.Type%', '[]uint8', 'string', '*pkg%.Type%'];

export function generateFolded(lines, seed = 1) {
  const rnd = random(seed);
  const int = (n) => Math.floor(rnd() * n);
  const typeName = () => SHAPES[int(SHAPES.length)].replace('%', String(int(60))).replace('%', String(int(50)));
  const bytes = () => 8 * Math.max(1, Math.round(Math.exp(rnd() * Math.log(131072))));
  const out = [];
  while (out.length < lines) {
    const kind = ROOT_KINDS[int(ROOT_KINDS.length)];
    const root = kind === 'goroutine' ? `goroutine ${int(5000)} main.worker${int(40)} · v${int(8)}` : `${kind} main.var${int(3000)}`;
    // Depth-first walk; each frame has 0–6 children, fewer deeper down, with rare deep chains.
    const todo = [[[root, typeName()], 0]];
    while (todo.length > 0 && out.length < lines) {
      const [path, depth] = todo.pop();
      out.push(`${path.join(';')} ${bytes()}`);
      const fanout = depth < 3 ? 1 + int(6) : depth < 40 ? int(rnd() < 0.1 ? 4 : 2.4) : 0;
      const used = new Set();
      for (let c = 0; c < fanout; c++) {
        const label = `${HOWS[int(HOWS.length)]} ${typeName()}`;
        if (used.has(label)) continue;
        used.add(label);
        todo.push([[...path, label], depth + 1]);
      }
    }
  }
  return out.join('\n') + '\n';
}
