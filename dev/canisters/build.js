#!/usr/bin/env node
// Builds the engine's test canisters: Motoko sources with the real compiler (npm `motoko`, offline) in both
// persistence modes, and hand-written WAT with wabt's wat2wasm. Outputs go to out/ (committed), the canisters the
// platform ships next to their sources (`shipped`); `--check` rebuilds into memory and fails if any committed
// output differs, so neither the fixtures nor the shipped modules can drift from the sources.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const os = require('os');

const here = __dirname;
const out = path.join(here, 'out');
const check = process.argv.includes('--check');

// [output name, source, persistence]
const motoko = [
  ['counter', 'Counter.mo', 'eop'],
  ['counter_v2', 'CounterV2.mo', 'eop'],
  ['counter_classic', 'Counter.mo', 'classic'],
  ['counter_classic_v2', 'CounterV2.mo', 'classic'],
  ['caller', 'Caller.mo', 'eop'],
  ['spinner', 'Spinner.mo', 'eop'],
  ['outcall', 'Outcall.mo', 'eop'],
  ['greeter', 'Greeter.mo', 'eop'],
];

// Canisters the platform itself ships, built the same way and committed next to their source (the service that
// carries them embeds the built module): [output name, source, persistence, folder from the repository root].
const shipped = [
  ['registry', 'Registry.mo', 'eop', 'services/Deploy/Registry'],
];

function buildMotoko(source, persistence, dir = path.join(here, 'src')) {
  // A fresh compiler per module: gcFlags and the virtual file system are global state of the JS compiler.
  for (const k of Object.keys(require.cache)) if (k.includes(`${path.sep}motoko${path.sep}`)) delete require.cache[k];
  const mo = require('motoko');
  mo.loadPackage(require('motoko/packages/latest/core.json'));
  if (persistence === 'classic') mo.compiler.gcFlags('classicOP');
  for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.mo'))) mo.write(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  const result = mo.wasm(source, 'ic');
  return { wasm: Buffer.from(result.wasm), candid: result.candid };
}

function buildWat(file) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wat-'));
  const target = path.join(tmp, 'out.wasm');
  execFileSync('wat2wasm', [path.join(here, 'wat', file), '-o', target]);
  const wasm = fs.readFileSync(target);
  fs.rmSync(tmp, { recursive: true });
  return wasm;
}

const products = [];
for (const [name, source, persistence] of motoko) {
  const started = Date.now();
  const { wasm, candid } = buildMotoko(source, persistence);
  products.push([path.join(out, `${name}.wasm`), wasm], [path.join(out, `${name}.did`), Buffer.from(candid)]);
  console.log(`${name}.wasm: ${wasm.length} bytes (${persistence}) in ${Date.now() - started} ms`);
}
for (const [name, source, persistence, folder] of shipped) {
  const dir = path.join(here, '..', '..', folder);
  const { wasm, candid } = buildMotoko(source, persistence, dir);
  products.push([path.join(dir, `${name}.wasm`), wasm], [path.join(dir, `${name}.did`), Buffer.from(candid)]);
  console.log(`${folder}/${name}.wasm: ${wasm.length} bytes (${persistence})`);
}
for (const file of fs.readdirSync(path.join(here, 'wat')).filter(f => f.endsWith('.wat'))) {
  const wasm = buildWat(file);
  products.push([path.join(out, file.replace(/\.wat$/, '.wasm')), wasm]);
  console.log(`${file}: ${wasm.length} bytes`);
}

fs.mkdirSync(out, { recursive: true });
let stale = 0;
for (const [target, bytes] of products) {
  if (check) {
    if (!fs.existsSync(target) || !fs.readFileSync(target).equals(bytes)) { console.error(`stale: ${path.relative(path.join(here, '..', '..'), target)}`); stale++; }
  } else {
    fs.writeFileSync(target, bytes);
  }
}
if (stale) { console.error(`${stale} fixture(s) differ from their sources: run node dev/canisters/build.js`); process.exit(1); }
