// Drives the canister engine with the real @dfinity/pic 0.23.0 client, twice: by URL (PLATFORM_ENGINE_URL, or an
// engine this test starts) and through POCKET_IC_BIN=scripts/pocket-ic with PocketIcServer.start().
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
if (!fs.existsSync(path.join(__dirname, 'node_modules', '@dfinity', 'pic'))) {
  throw new Error('tests/pic/node_modules is missing: run `npm ci --ignore-scripts` in tests/pic');
}
const { PocketIc, PocketIcServer, SubnetStateType } = require('@dfinity/pic');
const { IDL } = require('@icp-sdk/core/candid');
const { Principal } = require('@icp-sdk/core/principal');

const fixtures = path.join(root, 'dev', 'canisters', 'out');
const wasm = name => {
  const file = path.join(fixtures, `${name}.wasm`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run node dev/canisters/build.js`);
  return new Uint8Array(fs.readFileSync(file));
};

const counterIdl = ({ IDL }) => IDL.Service({
  inc: IDL.Func([], [IDL.Nat], []),
  get: IDL.Func([], [IDL.Nat], ['query']),
  version: IDL.Func([], [IDL.Nat], ['query']),
  incThenTrap: IDL.Func([], [], []),
  writeStable: IDL.Func([IDL.Vec(IDL.Nat8)], [], []),
  whoami: IDL.Func([], [IDL.Principal], ['query']),
  bumpInQuery: IDL.Func([], [IDL.Nat], ['query']),
});
const callerIdl = ({ IDL }) => IDL.Service({
  incOther: IDL.Func([IDL.Principal], [IDL.Nat], []),
  tryIncOther: IDL.Func([IDL.Principal], [IDL.Text], []),
  getOther: IDL.Func([IDL.Principal], [IDL.Nat], ['composite_query']),
});
const outcallIdl = ({ IDL }) => IDL.Service({
  fetch: IDL.Func([IDL.Text, IDL.Opt(IDL.Nat64), IDL.Opt(IDL.Text), IDL.Bool, IDL.Nat], [IDL.Text], []),
});
const initArg = n => new Uint8Array(IDL.encode([IDL.Nat], [n]));
const keep = { skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] };
const alice = Principal.fromUint8Array(new Uint8Array([1, 2, 3, 4, 2]));
const mallory = Principal.fromUint8Array(new Uint8Array([9, 9, 9, 9, 2]));

async function scenario(t, url) {
  const pic = await PocketIc.create(url, { application: [{ state: { type: SubnetStateType.New } }, { state: { type: SubnetStateType.New } }] });
  try {
    const subnets = await pic.getApplicationSubnets();
    assert.equal(subnets.length, 2, 'two application subnets');
    const [a, b] = subnets.map(s => s.id);

    await t.test('install with an init argument, update and query through an actor', async () => {
      const { actor, canisterId } = await pic.setupCanister({ idlFactory: counterIdl, wasm: wasm('counter'), arg: initArg(5n), targetSubnetId: a, sender: alice });
      actor.setPrincipal(alice);
      assert.equal(await actor.get(), 5n);
      assert.equal(await actor.inc(), 6n);
      assert.equal(await actor.get(), 6n);
      assert.equal((await actor.whoami()).toText(), alice.toText());
      assert.equal((await pic.getCanisterSubnetId(canisterId)).toText(), a.toText());

      // A query's changes are discarded.
      assert.equal(await actor.bumpInQuery(), 1006n);
      assert.equal(await actor.get(), 6n);

      // A trap rolls the increment back.
      await assert.rejects(actor.incThenTrap(), /counter trapped on purpose/);
      assert.equal(await actor.get(), 6n);

      // Enhanced orthogonal persistence: an upgrade without `keep` is refused, with it the heap survives.
      await assert.rejects(pic.upgradeCanister({ canisterId, wasm: wasm('counter_v2'), arg: initArg(0n), sender: alice }), /wasm_memory_persistence/);
      assert.equal(await actor.version(), 1n);
      await pic.upgradeCanister({ canisterId, wasm: wasm('counter_v2'), arg: initArg(0n), sender: alice, upgradeModeOptions: keep });
      assert.equal(await actor.version(), 2n);
      assert.equal(await actor.get(), 6n);

      // Stable memory: bytes written through a region are there to read.
      const marker = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x42, 0x17]);
      await actor.writeStable(marker);
      const stable = Buffer.from(await pic.getStableMemory(canisterId));
      assert.ok(stable.length >= 65536, 'stable memory has at least one page');
      assert.ok(stable.indexOf(Buffer.from(marker)) >= 0, 'the marker is in stable memory');

      // Controllers, and a wrong controller refused.
      const controllers = await pic.getControllers(canisterId);
      assert.deepEqual(controllers.map(c => c.toText()), [alice.toText()]);
      await assert.rejects(pic.upgradeCanister({ canisterId, wasm: wasm('counter_v2'), sender: mallory, upgradeModeOptions: keep }), /Only controllers/);

      // Reinstall wipes the state.
      await pic.reinstallCode({ canisterId, wasm: wasm('counter'), arg: initArg(0n), sender: alice });
      assert.equal(await actor.get(), 0n);
      assert.equal(await actor.version(), 1n);

      const status = await pic.canisterStatus({ canisterId, sender: alice });
      assert.ok('running' in status.status);
      const expectedHash = require('node:crypto').createHash('sha256').update(wasm('counter')).digest('hex');
      assert.equal(Buffer.from(status.moduleHash).toString('hex'), expectedHash, 'module_hash is the SHA-256 of the module');
      assert.deepEqual(status.settings.controllers.map(c => c.toText()), [alice.toText()]);
    });

    await t.test('classic persistence: upgrade through stable memory keeps the state', async () => {
      const { actor, canisterId } = await pic.setupCanister({ idlFactory: counterIdl, wasm: wasm('counter_classic'), arg: initArg(40n), targetSubnetId: b });
      assert.equal(await actor.inc(), 41n);
      assert.equal(await actor.inc(), 42n);
      await pic.upgradeCanister({ canisterId, wasm: wasm('counter_classic_v2'), arg: initArg(0n) });
      assert.equal(await actor.version(), 2n);
      assert.equal(await actor.get(), 42n);
      const stable = await pic.getStableMemory(canisterId);
      assert.ok(stable.length > 0, 'classic upgrade left its state in stable memory');
      await assert.rejects(actor.incThenTrap(), /trapped/);
      assert.equal(await actor.get(), 42n);
    });

    await t.test('a call from one subnet to another, and to a stopped canister', async () => {
      const counter = await pic.setupCanister({ idlFactory: counterIdl, wasm: wasm('counter'), arg: initArg(100n), targetSubnetId: a });
      const caller = await pic.setupCanister({ idlFactory: callerIdl, wasm: wasm('caller'), targetSubnetId: b });
      assert.notEqual((await pic.getCanisterSubnetId(counter.canisterId)).toText(), (await pic.getCanisterSubnetId(caller.canisterId)).toText());
      assert.equal(await caller.actor.incOther(counter.canisterId), 101n);
      assert.equal(await counter.actor.get(), 101n);

      await pic.stopCanister({ canisterId: counter.canisterId });
      assert.match(await caller.actor.tryIncOther(counter.canisterId), /#canister_error: .*is stopped/);
      await assert.rejects(counter.actor.get(), /is stopped/);
      await pic.startCanister({ canisterId: counter.canisterId });
      assert.equal(await caller.actor.incOther(counter.canisterId), 102n);

      // A composite query reads a canister on its own subnet; across subnets it is refused, as on the IC.
      const near = await pic.setupCanister({ idlFactory: counterIdl, wasm: wasm('counter'), arg: initArg(55n), targetSubnetId: b });
      assert.equal(await caller.actor.getOther(near.canisterId), 55n);
      await assert.rejects(caller.actor.getOther(counter.canisterId), /another subnet/);

      const missing = Principal.fromText('aaaaa-aa');
      assert.match(await caller.actor.tryIncOther(Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 7, 1, 1]))), /#destination_invalid/);
      assert.ok(missing);
    });

    await t.test('HTTPS outcalls: a loopback server for real, another host mocked, a disallowed host refused', async () => {
      const server = require('node:http').createServer((req, res) => res.end(`from ${req.url}`));
      await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
      try {
        const { actor, canisterId } = await pic.setupCanister({ idlFactory: outcallIdl, wasm: wasm('outcall'), targetSubnetId: a });
        const cycles = 30_000_000_000n;
        const url = `http://127.0.0.1:${server.address().port}/hello`;
        assert.equal(await actor.fetch(url, [10_000n], [], true, cycles), '200 transformed:from /hello');

        const deferred = pic.createDeferredActor(outcallIdl, canisterId);
        const execute = await deferred.fetch('https://api.example.com/x', [], ['q'], true, cycles);
        await pic.tick(2);
        const pending = await pic.getPendingHttpsOutcalls();
        assert.equal(pending.length, 1);
        assert.equal(pending[0].url, 'https://api.example.com/x');
        assert.equal(pending[0].httpMethod, 'POST');
        assert.equal(new TextDecoder().decode(pending[0].body), 'q');
        await pic.mockPendingHttpsOutcall({
          requestId: pending[0].requestId, subnetId: pending[0].subnetId,
          response: { type: 'success', body: new TextEncoder().encode('mocked'), statusCode: 200, headers: [] },
        });
        assert.equal(await execute(), '200 transformed:mocked');

        assert.match(await actor.fetch('https://example.com/', [], [], true, cycles), /^#system_transient: Connecting to example.com failed/);
      } finally {
        server.close();
      }
    });

    await t.test('a module above the ingress limit is installed in chunks', async () => {
      // A custom section makes the counter 2.5 MB, so pic-js switches to upload_chunk + install_chunked_code.
      const base = wasm('counter');
      const name = Buffer.from('padding');
      const content = Buffer.concat([Buffer.from([name.length]), name, Buffer.alloc(2_500_000, 7)]);
      const size = []; for (let n = content.length; ; ) { const b = n & 0x7f; n >>>= 7; if (n) size.push(b | 0x80); else { size.push(b); break; } }
      const big = new Uint8Array(Buffer.concat([Buffer.from(base), Buffer.from([0, ...size]), content]));
      const { actor, canisterId } = await pic.setupCanister({ idlFactory: counterIdl, wasm: big, arg: initArg(77n), targetSubnetId: b });
      assert.equal(await actor.get(), 77n);
      const status = await pic.canisterStatus({ canisterId });
      assert.equal(Buffer.from(status.moduleHash).toString('hex'), require('node:crypto').createHash('sha256').update(big).digest('hex'));

      // Stable memory written through the blob store reads back, padded to whole pages.
      await pic.setStableMemory(canisterId, new Uint8Array([1, 2, 3, 4, 5]));
      const stable = await pic.getStableMemory(canisterId);
      assert.equal(stable.length, 65536);
      assert.deepEqual([...stable.slice(0, 6)], [1, 2, 3, 4, 5, 0]);
    });

    await t.test('time is settable and moves forward', async () => {
      const target = new Date('2030-01-01T00:00:00Z');
      await pic.setTime(target);
      assert.equal(await pic.getTime(), target.getTime());
      await pic.tick(3);
      assert.ok(await pic.getTime() >= target.getTime());
      await pic.advanceTime(60_000);
      assert.ok(await pic.getTime() >= target.getTime() + 60_000);
    });

    await t.test('cycles: balance and top-up', async () => {
      const canisterId = await pic.createCanister({ cycles: 1_000_000n, targetSubnetId: b });
      assert.equal(await pic.getCyclesBalance(canisterId), 1_000_000);
      assert.equal(await pic.addCycles(canisterId, 500), 1_000_500);
    });

    await t.test('bad input is refused with the IC reject or a server message', async () => {
      const canisterId = await pic.createCanister();
      await assert.rejects(pic.installCode({ canisterId, wasm: new Uint8Array([1, 2, 3, 4]) }), /not valid|magic/);
      await assert.rejects(pic.queryCall({ canisterId, method: 'get' }), /no Wasm module|empty/);
    });
  } finally {
    await pic.tearDown();
  }
}

function startEngineForUrl() {
  const portFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'engine-')), 'port');
  const child = spawn(path.join(root, 'scripts', 'pocket-ic'), ['--port-file', portFile, '--ttl', '300'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (fs.existsSync(portFile) && /^\d+\n$/.test(fs.readFileSync(portFile, 'utf8'))) {
        resolve({ url: `http://127.0.0.1:${parseInt(fs.readFileSync(portFile, 'utf8'))}`, stop: () => child.kill('SIGTERM') });
      } else if (child.exitCode !== null) reject(new Error(`the engine exited with ${child.exitCode}`));
      else if (Date.now() - started > 120_000) { child.kill(); reject(new Error('the engine did not start in 120 s')); }
      else setTimeout(poll, 100);
    };
    poll();
  });
}

test('pic-js against the engine by URL', { timeout: 600_000 }, async t => {
  let url = process.env.PLATFORM_ENGINE_URL;
  let engine;
  if (!url) { engine = await startEngineForUrl(); url = engine.url; }
  try { await scenario(t, url); } finally { engine?.stop(); }
});

test('pic-js with named and system subnets', { timeout: 120_000 }, async () => {
  const engine = process.env.PLATFORM_ENGINE_URL ? null : await startEngineForUrl();
  const url = process.env.PLATFORM_ENGINE_URL ?? engine.url;
  const spec = { state: { type: SubnetStateType.New } };
  const pic = await PocketIc.create(url, { nns: spec, ii: spec, system: [spec], application: [spec] });
  try {
    const topology = await pic.getTopology();
    assert.deepEqual(topology.map(s => s.type).sort(), ['Application', 'II', 'NNS', 'System'].sort());
    const nns = await pic.getNnsSubnet();
    assert.ok(nns, 'an NNS subnet');
    assert.equal((await pic.getSystemSubnets()).length, 1);
    // The default effective canister id is on the application subnet; canisters land where they are asked to.
    const onNns = await pic.createCanister({ targetSubnetId: nns.id });
    assert.equal((await pic.getCanisterSubnetId(onNns)).toText(), nns.id.toText());
    const anywhere = await pic.createCanister();
    assert.equal((await pic.getCanisterSubnetId(anywhere)).toText(), (await pic.getApplicationSubnets())[0].id.toText());
    await assert.rejects(PocketIc.create(url, { application: [spec], icpFeatures: { icpToken: 'DefaultConfig' } }), /icp_features/);

    // A mainnet id no subnet covers makes one: the SNS range gets an SNS subnet, any other id an application one.
    const snsId = Principal.fromUint8Array(new Uint8Array([0, 0, 0, 0, 2, 0, 0, 5, 1, 1]));
    assert.equal((await pic.createCanister({ targetCanisterId: snsId })).toText(), snsId.toText());
    assert.ok(await pic.getSnsSubnet(), 'an SNS subnet was created');
    const mainnetId = Principal.fromText('bkyz2-fmaaa-aaaaa-qaaaq-cai');
    assert.equal((await pic.createCanister({ targetCanisterId: mainnetId })).toText(), mainnetId.toText());
    assert.equal((await pic.getApplicationSubnets()).length, 2);
    // The ledger's id is in the NNS range, whose subnet exists: it is created there.
    const ledger = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
    await pic.createCanister({ targetCanisterId: ledger });
    assert.equal((await pic.getCanisterSubnetId(ledger)).toText(), nns.id.toText());
  } finally {
    await pic.tearDown();
    engine?.stop();
  }
});

test('scripts/pocket-ic behaves like the PocketIC binary: port file and ttl', { timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pocket-ic-'));
  const launcher = path.join(root, 'scripts', 'pocket-ic');
  const exited = child => new Promise(resolve => child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', code => resolve(code)));

  // An existing port file belongs to a running server: the launcher leaves it alone and exits.
  const taken = path.join(dir, 'taken.port');
  fs.writeFileSync(taken, '12345\n');
  assert.equal(await exited(spawn(launcher, ['--port-file', taken], { stdio: 'ignore' })), 0);
  assert.equal(fs.readFileSync(taken, 'utf8'), '12345\n');

  // A fresh one gets "<port>\n"; after --ttl seconds without requests the server exits and deletes it.
  const portFile = path.join(dir, 'fresh.port');
  const child = spawn(launcher, ['--port-file', portFile, '--ttl', '3'], { stdio: 'ignore' });
  const deadline = Date.now() + 120_000;
  while (!(fs.existsSync(portFile) && /^\d+\n$/.test(fs.readFileSync(portFile, 'utf8')))) {
    assert.ok(Date.now() < deadline && child.exitCode === null, 'the engine started and wrote its port');
    await new Promise(r => setTimeout(r, 100));
  }
  const port = parseInt(fs.readFileSync(portFile, 'utf8'));
  const created = await fetch(`http://127.0.0.1:${port}/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(created.status, 201);
  const started = Date.now();
  await exited(child);
  assert.ok(Date.now() - started >= 2_000, 'it waited for the ttl');
  assert.ok(!fs.existsSync(portFile), 'the port file is deleted on shutdown');
  fs.rmSync(dir, { recursive: true });
});

test('pic-js through POCKET_IC_BIN=scripts/pocket-ic', { timeout: 600_000 }, async t => {
  process.env.POCKET_IC_BIN = path.join(root, 'scripts', 'pocket-ic');
  const server = await PocketIcServer.start({ ttl: 120 });
  try {
    await scenario(t, server.getUrl());
  } finally {
    await server.stop();
  }
  // PocketIcServer.stop() sends SIGTERM; the engine deletes the port file it wrote.
  const portFile = path.join(os.tmpdir(), `pocket_ic_${process.ppid}.port`);
  for (let i = 0; i < 100 && fs.existsSync(portFile); i++) await new Promise(r => setTimeout(r, 100));
  assert.ok(!fs.existsSync(portFile), `${portFile} is removed after stop()`);
});
