/**
 * Draws the widget's logos at the sizes Kommo asks for: a white envelope with a yellow
 * dot on a blue rounded tile. PNG bytes are written by hand (zlib + CRC), so no image
 * library is needed. Run it after changing the drawing; the PNGs are committed.
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const SIZES = {
  'logo.png': [130, 100],
  'logo_small.png': [108, 108],
  'logo_min.png': [84, 84],
  'logo_medium.png': [240, 84],
  'logo_main.png': [400, 272],
  'logo_dp.png': [174, 109],
};

const OUT = path.join(__dirname, '..', 'src', 'images');
const SUBSAMPLES = 4;

const TOP = [59, 123, 240];
const BOTTOM = [36, 80, 196];
const WHITE = [255, 255, 255];
const DOT = [255, 207, 51];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;

  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);

  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);

  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));

  return Buffer.concat([length, body, crc]);
}

function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);

  // Each scanline starts with filter type 0 (none).
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }

  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function insideRoundedRect(x, y, left, top, width, height, radius) {
  if (x < left || y < top || x > left + width || y > top + height) return false;

  const cx = Math.min(Math.max(x, left + radius), left + width - radius);
  const cy = Math.min(Math.max(y, top + radius), top + height - radius);

  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));

  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** The colour of one sample point, or null where the logo is transparent. */
function makeShader(width, height) {
  const envelopeWidth = Math.min(width * 0.62, height * 0.78);
  const envelopeHeight = envelopeWidth / 1.5;
  const left = (width - envelopeWidth) / 2;
  const top = (height - envelopeHeight) / 2;
  const stroke = Math.max(1.6, envelopeWidth * 0.045);
  const foldY = top + envelopeHeight * 0.56;
  const dotRadius = envelopeWidth * 0.15;
  const dotX = left + envelopeWidth;
  const dotY = top;

  return (x, y) => {
    if (!insideRoundedRect(x, y, 0, 0, width, height, Math.min(width, height) * 0.18)) return null;

    const shade = y / height;
    const background = TOP.map((value, i) => value + (BOTTOM[i] - value) * shade);

    const dot = Math.hypot(x - dotX, y - dotY);
    if (dot <= dotRadius) return DOT;
    if (dot <= dotRadius + stroke) return background;

    if (!insideRoundedRect(x, y, left, top, envelopeWidth, envelopeHeight, stroke))
      return background;

    const flap = Math.min(
      distanceToSegment(x, y, left, top, width / 2, foldY),
      distanceToSegment(x, y, left + envelopeWidth, top, width / 2, foldY),
    );

    return flap <= stroke / 2 ? BOTTOM : WHITE;
  };
}

function draw(width, height) {
  const shade = makeShader(width, height);
  const pixels = Buffer.alloc(width * height * 4);
  const step = 1 / SUBSAMPLES;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0, 0];

      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          const colour = shade(x + (sx + 0.5) * step, y + (sy + 0.5) * step);
          if (!colour) continue;

          sum[0] += colour[0];
          sum[1] += colour[1];
          sum[2] += colour[2];
          sum[3] += 1;
        }
      }

      const offset = (y * width + x) * 4;
      const covered = sum[3];
      pixels[offset] = covered ? Math.round(sum[0] / covered) : 0;
      pixels[offset + 1] = covered ? Math.round(sum[1] / covered) : 0;
      pixels[offset + 2] = covered ? Math.round(sum[2] / covered) : 0;
      pixels[offset + 3] = Math.round((covered / SUBSAMPLES ** 2) * 255);
    }
  }

  return pixels;
}

fs.mkdirSync(OUT, { recursive: true });

for (const [name, [width, height]] of Object.entries(SIZES)) {
  const png = encodePng(width, height, draw(width, height));
  fs.writeFileSync(path.join(OUT, name), png);
  console.log(`${name} ${width}x${height} ${png.length} bytes`);
}
