#!/usr/bin/env node
// Builds the engine's test canisters: Motoko sources with the real compiler (npm `motoko`, offline) in both
// persistence modes, and hand-written WAT with wabt's wat2wasm. Outputs go to out/ (committed); `--check`
// rebuilds into memory and fails if any committed fixture differs, so the fixtures cannot drift from the sources.
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
  ['worker', 'Worker.mo', 'eop'],
];

function buildMotoko(source, persistence) {
  // A fresh compiler per module: gcFlags and the virtual file system are global state of the JS compiler.
  for (const k of Object.keys(require.cache)) if (k.includes(`${path.sep}motoko${path.sep}`)) delete require.cache[k];
  const mo = require('motoko');
  mo.loadPackage(require('motoko/packages/latest/core.json'));
  if (persistence === 'classic') mo.compiler.gcFlags('classicOP');
  for (const f of fs.readdirSync(path.join(here, 'src'))) mo.write(f, fs.readFileSync(path.join(here, 'src', f), 'utf8'));
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
  products.push([`${name}.wasm`, wasm], [`${name}.did`, Buffer.from(candid)]);
  console.log(`${name}.wasm: ${wasm.length} bytes (${persistence}) in ${Date.now() - started} ms`);
}
for (const file of fs.readdirSync(path.join(here, 'wat')).filter(f => f.endsWith('.wat'))) {
  const wasm = buildWat(file);
  products.push([file.replace(/\.wat$/, '.wasm'), wasm]);
  console.log(`${file}: ${wasm.length} bytes`);
}

fs.mkdirSync(out, { recursive: true });
let stale = 0;
for (const [file, bytes] of products) {
  const target = path.join(out, file);
  if (check) {
    if (!fs.existsSync(target) || !fs.readFileSync(target).equals(bytes)) { console.error(`stale: out/${file}`); stale++; }
  } else {
    fs.writeFileSync(target, bytes);
  }
}
if (stale) { console.error(`${stale} fixture(s) differ from their sources: run node dev/canisters/build.js`); process.exit(1); }
