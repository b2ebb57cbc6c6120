/**
 * Builds the widget Kommo accepts: dist/script.js (webpack, AMD), the manifest, the
 * language files and the logos beside it, and widget.zip holding exactly those files.
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const webpack = require('webpack');
const AdmZip = require('adm-zip');

const config = require('../webpack.config.js');

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const ZIP = path.join(ROOT, 'widget.zip');

function compile() {
  return new Promise((resolve, reject) => {
    webpack(config, (error, stats) => {
      if (error) return reject(error);

      if (stats.hasErrors()) {
        return reject(new Error(stats.toString({ all: false, errors: true, colors: false })));
      }

      if (stats.hasWarnings()) console.warn(stats.toString({ all: false, warnings: true }));

      resolve();
    });
  });
}

function copyStatic() {
  fs.copyFileSync(path.join(SRC, 'manifest.json'), path.join(DIST, 'manifest.json'));

  for (const folder of ['i18n', 'images']) {
    fs.mkdirSync(path.join(DIST, folder), { recursive: true });

    for (const name of fs.readdirSync(path.join(SRC, folder))) {
      if (!/\.(json|png)$/.test(name)) continue;
      fs.copyFileSync(path.join(SRC, folder, name), path.join(DIST, folder, name));
    }
  }
}

function writeZip() {
  const zip = new AdmZip();

  zip.addLocalFile(path.join(DIST, 'manifest.json'));
  zip.addLocalFile(path.join(DIST, 'script.js'));
  zip.addLocalFolder(path.join(DIST, 'i18n'), 'i18n');
  zip.addLocalFolder(path.join(DIST, 'images'), 'images');
  zip.writeZip(ZIP);
}

async function main() {
  await compile();
  copyStatic();
  writeZip();

  const script = fs.readFileSync(path.join(DIST, 'script.js'));
  const gzipped = zlib.gzipSync(script, { level: 9 }).length;
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

  console.log(`script.js ${kb(script.length)} (${kb(gzipped)} gzipped)`);
  console.log(`widget.zip ${kb(fs.statSync(ZIP).size)} -> ${path.relative(process.cwd(), ZIP)}`);
}

main().catch((error) => {
  console.error(error.message || error);
  process.exit(1);
});
