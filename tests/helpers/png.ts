/**
 * Test helper: read back the PNGs the library writes (8-bit RGB, filter 0 rows, as
 * `encodePng` makes them), checking every chunk's CRC.
 */
import { crc32 as nodeCrc32, inflateSync } from 'zlib';

/** Width, height and RGB bytes of a PNG from `encodePng`. Throws on anything else. */
export function decodePng(bytes: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const png = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    if (typeof nodeCrc32 === 'function' && nodeCrc32(png.subarray(offset + 4, offset + 8 + length)) !== crc)
      throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 2) throw new Error('expected 8-bit RGB');
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    if (raw[y * (width * 3 + 1)] !== 0) throw new Error('expected filter 0');
    pixels.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, pixels };
}
