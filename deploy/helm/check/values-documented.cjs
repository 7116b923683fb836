// Every value in the chart's values.yaml must be documented in its README, for
// scripts/helm-check.sh. A key a.b.c counts as documented on a README line that names `a.b.c`,
// or names its parent a.b and the word c (rows like "`a.b.x` / `.c`" or "`a.b` | `{c: ...}`").
//   node values-documented.cjs values.yaml README.md
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const [valuesFile, readmeFile] = process.argv.slice(2);
const values = YAML.parse(fs.readFileSync(valuesFile, 'utf8'));
const lines = fs.readFileSync(readmeFile, 'utf8').split('\n');

const leaves = [];
(function walk(node, path) {
  const isMap = node !== null && typeof node === 'object' && !Array.isArray(node);
  if (isMap && Object.keys(node).length > 0) {
    for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
  } else {
    leaves.push(path);
  }
})(values, []);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const missing = leaves.filter((path) => {
  const full = path.join('.');
  if (lines.some((l) => l.includes('`' + full))) return false;
  if (path.length === 1) return true;
  const parent = path.slice(0, -1).join('.');
  const word = new RegExp('\\b' + escape(path[path.length - 1]) + '\\b');
  return !lines.some((l) => l.includes(parent) && word.test(l));
});
if (missing.length) {
  for (const m of missing) console.log(`  undocumented value: ${m.join('.')}`);
  process.exit(1);
}
console.log(`  documented: all ${leaves.length} values`);
