/**
 * Writes the two Teams app icons with no image library: `color.png` (192×192, the accent colour with a
 * white mark) and `outline.png` (32×32, white on transparent, as Teams requires).
 * Run: `npx tsx manifest/teams/make-icons.ts` (the PNGs are committed; rerun only to change them).
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** An RGBA PNG of `size`×`size` whose pixels come from `paint(x, y)`. */
export function png(size: number, paint: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type RGBA
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (none)
    for (let x = 0; x < size; x++) row.set(paint(x, y), 1 + x * 4);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The mark: a ring with a heartbeat line through it, in unit coordinates (0..1). */
function mark(u: number, v: number, stroke: number): boolean {
  const dx = u - 0.5;
  const dy = v - 0.5;
  const r = Math.hypot(dx, dy);
  if (Math.abs(r - 0.36) < stroke / 2) return true;
  // Heartbeat: flat, up, down, flat.
  const pulse =
    u < 0.38 || u > 0.66
      ? 0.5
      : u < 0.46
        ? 0.5 - (u - 0.38) * 3
        : u < 0.58
          ? 0.26 + (u - 0.46) * 3.5
          : 0.68 - (u - 0.58) * 2.25;
  return u > 0.2 && u < 0.8 && Math.abs(v - pulse) < stroke / 2;
}

const ACCENT: Rgba = [0x1d, 0x2b, 0x36, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

if (process.argv[1]?.endsWith('make-icons.ts')) {
  const dir = new URL('./', import.meta.url);
  writeFileSync(
    new URL('color.png', dir),
    png(192, (x, y) => (mark((x + 0.5) / 192, (y + 0.5) / 192, 0.07) ? WHITE : ACCENT)),
  );
  writeFileSync(
    new URL('outline.png', dir),
    png(32, (x, y) => (mark((x + 0.5) / 32, (y + 0.5) / 32, 0.1) ? WHITE : CLEAR)),
  );
}
