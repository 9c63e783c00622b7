#!/usr/bin/env node
// Builds the shop's canisters with the real Motoko compiler (npm `motoko`, offline): out/<name>.wasm and its Candid
// interface out/<name>.did, committed so that the platform's tests and a user's push need no Node.js.
// `node build.js --check` compiles into memory and fails when a committed module differs from its source.
'use strict';
const fs = require('fs');
const path = require('path');

const src = path.join(__dirname, 'src');
const out = path.join(__dirname, 'out');
const check = process.argv.includes('--check');

// The canisters as the walkthrough pushes them: output name -> actor source.
const canisters = { ledger: 'Ledger.mo', ledger_v2: 'LedgerV2.mo', catalog: 'Catalog.mo', frontend: 'Frontend.mo' };

// The compiler keeps its flags and virtual files in module state: load a fresh one for every canister.
function compiler() {
  for (const key of Object.keys(require.cache)) if (key.includes(`${path.sep}node_modules${path.sep}motoko${path.sep}`)) delete require.cache[key];
  const mo = require('motoko');
  mo.loadPackage(require('motoko/packages/latest/core.json'));
  for (const file of fs.readdirSync(src)) mo.write(file, fs.readFileSync(path.join(src, file), 'utf8'));
  return mo;
}

let differ = 0;
fs.mkdirSync(out, { recursive: true });
for (const [name, source] of Object.entries(canisters)) {
  const started = Date.now();
  const { wasm, candid } = compiler().wasm(source, 'ic');
  for (const [file, bytes] of [[`${name}.wasm`, Buffer.from(wasm)], [`${name}.did`, Buffer.from(candid)]]) {
    const target = path.join(out, file);
    if (!check) fs.writeFileSync(target, bytes);
    else if (!fs.existsSync(target) || !fs.readFileSync(target).equals(bytes)) {
      console.error(`out/${file} is not what src/${source} compiles to`);
      differ++;
    }
  }
  console.log(`${name}: ${wasm.length} bytes in ${Date.now() - started} ms`);
}
if (differ) {
  console.error(`${differ} file(s) differ: run node examples/shop/canisters/build.js and commit out/`);
  process.exit(1);
}
