'use strict';
// Encodes and decodes Candid with @dfinity/candid for the C# unit tests (Candid/CrossCheck).
// stdin:  {"cases":[{"types":[T...],"values":[V...],"hex":"<bytes encoded by C#>"}]}
// stdout: {"results":[{"decoded":[V...],"hex":"<bytes encoded here>"} | {"error":"..."}]}
// T: {"k":"nat"} ... | {"k":"opt"|"vec","t":T} | {"k":"record"|"variant","f":[{"n":key,"t":T}]}
//    | {"k":"rec","id":n,"t":T} (a recursive type, referred to inside by {"k":"ref","id":n})
//    | {"k":"func","a":[T],"r":[T],"m":["query"]} | {"k":"service","m":[{"n":name,"t":T}]}
// V follows T: integers and floats as decimal strings, blobs (vec nat8) as hex, opt as [] or [v],
// records and variants as objects keyed by field name ("_5_" for id 5), principals as text, func as [principal, method].
const { IDL } = require('@dfinity/candid');
const { Principal } = require('@dfinity/principal');

const primitives = {
  null: IDL.Null, bool: IDL.Bool, nat: IDL.Nat, int: IDL.Int, nat8: IDL.Nat8, nat16: IDL.Nat16, nat32: IDL.Nat32,
  nat64: IDL.Nat64, int8: IDL.Int8, int16: IDL.Int16, int32: IDL.Int32, int64: IDL.Int64, float32: IDL.Float32,
  float64: IDL.Float64, text: IDL.Text, reserved: IDL.Reserved, empty: IDL.Empty, principal: IDL.Principal,
};
const bigints = new Set(['nat', 'int', 'nat64', 'int64']);
const smallints = new Set(['nat8', 'nat16', 'nat32', 'int8', 'int16', 'int32']);

function build(t, recs) {
  if (primitives[t.k]) return primitives[t.k];
  switch (t.k) {
    case 'opt': return IDL.Opt(build(t.t, recs));
    case 'vec': return IDL.Vec(build(t.t, recs));
    case 'record': return IDL.Record(Object.fromEntries(t.f.map(f => [f.n, build(f.t, recs)])));
    case 'variant': return IDL.Variant(Object.fromEntries(t.f.map(f => [f.n, build(f.t, recs)])));
    case 'rec': { const r = IDL.Rec(); recs.set(t.id, { idl: r, body: t.t }); r.fill(build(t.t, recs)); return r; }
    case 'ref': return recs.get(t.id).idl;
    case 'func': return IDL.Func(t.a.map(a => build(a, recs)), t.r.map(r => build(r, recs)), t.m);
    case 'service': return IDL.Service(Object.fromEntries(t.m.map(m => [m.n, build(m.t, recs)])));
    default: throw new Error('unknown type ' + t.k);
  }
}

function body(t, recs) {
  while (t.k === 'rec' || t.k === 'ref') t = t.k === 'rec' ? t.t : recs.get(t.id).body;
  return t;
}

function toJs(t, v, recs) {
  t = body(t, recs);
  if (bigints.has(t.k)) return BigInt(v);
  if (smallints.has(t.k)) return Number(v);
  switch (t.k) {
    case 'float32': case 'float64': return Number(v);
    case 'null': case 'reserved': return null;
    case 'bool': case 'text': return v;
    case 'principal': return Principal.fromText(v);
    case 'opt': return v.length === 0 ? [] : [toJs(t.t, v[0], recs)];
    case 'vec':
      if (body(t.t, recs).k === 'nat8') return Uint8Array.from(Buffer.from(v, 'hex'));
      return v.map(x => toJs(t.t, x, recs));
    case 'record': return Object.fromEntries(t.f.map(f => [f.n, toJs(f.t, v[f.n], recs)]));
    case 'variant': {
      const [key] = Object.keys(v);
      return { [key]: toJs(t.f.find(f => f.n === key).t, v[key], recs) };
    }
    case 'func': return [Principal.fromText(v[0]), v[1]];
    case 'service': return Principal.fromText(v);
    default: throw new Error('unknown type ' + t.k);
  }
}

function fromJs(t, v, recs) {
  t = body(t, recs);
  if (bigints.has(t.k) || smallints.has(t.k)) return v.toString();
  switch (t.k) {
    case 'float32': case 'float64': return Object.is(v, -0) ? '-0' : String(v);
    case 'null': case 'reserved': return null;
    case 'bool': case 'text': return v;
    case 'principal': return v.toText();
    case 'opt': return v.length === 0 ? [] : [fromJs(t.t, v[0], recs)];
    case 'vec':
      if (body(t.t, recs).k === 'nat8') return Buffer.from(v).toString('hex');
      return Array.from(v, x => fromJs(t.t, x, recs));
    case 'record': return Object.fromEntries(t.f.map(f => [f.n, fromJs(f.t, v[f.n], recs)]));
    case 'variant': {
      const [key] = Object.keys(v);
      return { [key]: fromJs(t.f.find(f => f.n === key).t, v[key], recs) };
    }
    case 'func': return [v[0].toText(), v[1]];
    case 'service': return v.toText();
    default: throw new Error('unknown type ' + t.k);
  }
}

function run(c) {
  try {
    const recs = new Map();
    const types = c.types.map(t => build(t, recs));
    const decoded = IDL.decode(types, Uint8Array.from(Buffer.from(c.hex, 'hex')));
    const encoded = IDL.encode(types, c.types.map((t, i) => toJs(t, c.values[i], recs)));
    return { decoded: c.types.map((t, i) => fromJs(t, decoded[i], recs)), hex: Buffer.from(encoded).toString('hex') };
  } catch (e) {
    return { error: String(e && e.stack || e) };
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const { cases } = JSON.parse(input);
  process.stdout.write(JSON.stringify({ results: cases.map(run) }));
});
