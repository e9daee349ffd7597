/** Reads the frames back out of a rendered SVG, for tests. */
export interface DrawnFrame {
  value: number;
  title: string;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  label: string | undefined;
}

const framePattern =
  /<g data-v="([\d.]+)"><title>([^<]*)<\/title><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]{6})"\/>(?:<text x="[\d.]+" y="[\d.]+">([^<]*)<\/text>)?<\/g>/g;

export function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

export function drawnFrames(svg: string): DrawnFrame[] {
  const body = svg.slice(svg.indexOf('<g class="ghf-frames"'), svg.indexOf('<script>'));
  const frames = [...body.matchAll(framePattern)].map((m) => {
    const title = unescapeXml(m[2]!);
    return {
      value: Number(m[1]),
      title,
      name: title.slice(0, title.lastIndexOf(' (')),
      x: Number(m[3]),
      y: Number(m[4]),
      width: Number(m[5]),
      height: Number(m[6]),
      fill: m[7]!,
      label: m[8] === undefined ? undefined : unescapeXml(m[8]),
    };
  });
  const count = (body.match(/<g data-v=/g) ?? []).length;
  if (count !== frames.length) throw new Error(`read ${frames.length} of ${count} frames; the frame markup changed`);
  return frames;
}

/** The frames with their root-to-frame name paths, recovered from pre-order and rectangle rows. */
export function framePaths(frames: DrawnFrame[], frameHeight = 16): { frame: DrawnFrame; path: string[]; depth: number }[] {
  const rootY = frames[0]!.y;
  const open: string[] = [];
  return frames.map((frame) => {
    const depth = Math.round(Math.abs(frame.y - rootY) / frameHeight);
    open.length = depth;
    open.push(frame.name);
    return { frame, path: open.slice(1), depth };
  });
}
