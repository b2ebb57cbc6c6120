/**
 * Jest global setup: the package specs read widget.zip and dist/, so build them once per
 * run, and only when a source file is newer than the last zip.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const ZIP = path.join(ROOT, 'widget.zip');
const INPUTS = ['src', 'scripts', 'webpack.config.js', 'tsconfig.json', 'tsconfig.build.json'];

function newestChange(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;

  return fs
    .readdirSync(target)
    .reduce(
      (newest, name) => Math.max(newest, newestChange(path.join(target, name))),
      stat.mtimeMs,
    );
}

module.exports = async function buildOnce() {
  const built = fs.existsSync(ZIP) && fs.existsSync(path.join(ROOT, 'dist', 'script.js'));
  const sourcesChanged =
    !built ||
    INPUTS.some((input) => newestChange(path.join(ROOT, input)) > fs.statSync(ZIP).mtimeMs);

  if (!sourcesChanged) return;

  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
};
