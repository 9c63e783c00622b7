using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Candid;

namespace Platform.UnitTests.Candid.Binary;

/// <summary>
/// Both directions against @dfinity/candid, the implementation pic-js and agent-js use: it decodes what we encode,
/// and we decode what it encodes, for seeded random types and values (tests/crosscheck/candid/crosscheck.js).
/// </summary>
public sealed class CrossCheckTests
{
    private const int RandomCases = 300;

    [Fact]
    public void Dfinity_candid_and_this_codec_agree_both_ways()
    {
        var cases = FixedCases().Concat(RandomCasesFrom(20261201)).ToList();
        var results = RunNode(cases);
        Assert.Equal(cases.Count, results.Count);
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var (types, values) = cases[i];
            var result = results[i]!.AsObject();
            var described = $"case {i}: {CandidText.Print(new CandidArgs(types, values))} : ({string.Join(", ", types.Select(CandidText.Print))})";
            if (result["error"] is { } error)
            {
                failures.Add($"{described}\n  @dfinity/candid failed: {error}");
                continue;
            }
            // @dfinity/candid decoded our bytes: the same values?
            var decodedByJs = result["decoded"]!.AsArray();
            for (var a = 0; a < types.Count; a++)
            {
                var back = FromJson(types[a], decodedByJs[a]);
                if (!back.Equals(values[a]))
                    failures.Add($"{described}\n  @dfinity/candid decoded argument {a} as {back}");
            }
            // We decode its bytes: the same values, and a type table that unfolds to the same types?
            try
            {
                var bytes = Convert.FromHexString(result["hex"]!.GetValue<string>());
                var decoded = CandidBinary.Decode(bytes, types);
                if (!decoded.Values.SequenceEqual(values))
                    failures.Add($"{described}\n  its bytes {Convert.ToHexStringLower(bytes)} decode here as {CandidText.Print(decoded)}");
                var wire = CandidBinary.Decode(bytes);
                for (var a = 0; a < types.Count; a++)
                    if (!CandidType.StructurallyEquals(types[a], wire.Types[a]))
                        failures.Add($"{described}\n  its type table gives {wire.Types[a]} for argument {a}");
            }
            catch (CandidDecodeException e)
            {
                failures.Add($"{described}\n  its bytes {result["hex"]} do not decode here: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases disagree:\n" + string.Join("\n", failures.Take(10)));
    }

    private static IEnumerable<(IReadOnlyList<CandidType>, IReadOnlyList<CandidValue>)> FixedCases()
    {
        var list = CandidType.Recursive(l => CandidType.Opt(CandidType.Record(("head", CandidType.Int), ("tail", l))));
        CandidValue List(params int[] items) => items.Reverse().Aggregate((CandidValue)CandidValue.None,
            (tail, head) => CandidValue.Some(CandidValue.Record(("head", CandidValue.Int(head)), ("tail", tail))));
        yield return ([list], [List(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)]);
        yield return ([list, list], [List(), List(-1)]);
        yield return ([CandidType.Nat, CandidType.Int],
            [CandidValue.Nat(BigInteger.Pow(2, 300) - 1), CandidValue.Int(-BigInteger.Pow(3, 200))]);
        yield return ([CandidType.Nat64, CandidType.Int64, CandidType.Nat, CandidType.Int],
            [new Nat64Value(ulong.MaxValue), new Int64Value(long.MinValue), CandidValue.Nat(0), CandidValue.Int(-64)]);
        yield return ([CandidType.Principal, CandidType.Principal, CandidType.Principal],
            [CandidValue.Principal(Principal.ManagementCanister), CandidValue.Principal(Principal.Anonymous),
             CandidValue.Principal(Principal.FromText("lxzze-o7777-77777-aaaaa-cai"))]);
        yield return ([CandidType.Text], [CandidValue.Text("ünïcödé 日本語 😀 \u0000 \"\\")]);
        yield return ([CandidText.ParseType("variant { install; reinstall; upgrade : opt record { skip_pre_upgrade : opt bool; wasm_memory_persistence : opt variant { keep; replace } } }")],
            [CandidText.ParseValue("variant { upgrade = opt record { wasm_memory_persistence = opt variant { replace } } }",
                CandidText.ParseType("variant { install; reinstall; upgrade : opt record { skip_pre_upgrade : opt bool; wasm_memory_persistence : opt variant { keep; replace } } }")).Value]);
        var func = CandidText.ParseType("func (nat) -> (text) query");
        var service = CandidText.ParseType("service { get : () -> (nat) query }");
        yield return ([func, service],
            [new FuncValue(Principal.FromCanisterIndex(3), "get_thing"), new ServiceValue(Principal.FromCanisterIndex(4))]);
    }

    private static IEnumerable<(IReadOnlyList<CandidType>, IReadOnlyList<CandidValue>)> RandomCasesFrom(int seed)
    {
        var random = new RandomCandid(seed);
        var count = new Random(seed);
        for (var i = 0; i < RandomCases; i++)
        {
            var types = Enumerable.Range(0, count.Next(1, 4)).Select(_ => random.Type(3)).ToArray();
            yield return (types, types.Select(t => random.Value(t)).ToArray());
        }
    }

    private static JsonArray RunNode(List<(IReadOnlyList<CandidType> Types, IReadOnlyList<CandidValue> Values)> cases)
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "crosscheck", "candid");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@dfinity", "candid")))
            Assert.Fail($"@dfinity/candid is not installed: run `npm ci --ignore-scripts` in {folder}");

        var input = new JsonObject
        {
            ["cases"] = new JsonArray(cases.Select(c =>
            {
                var writer = new TypeJson();
                return (JsonNode)new JsonObject
                {
                    ["types"] = new JsonArray(c.Types.Select(writer.Write).ToArray()),
                    ["values"] = new JsonArray(c.Types.Zip(c.Values).Select(p => ToJson(p.First, p.Second)).ToArray()),
                    ["hex"] = Convert.ToHexStringLower(CandidBinary.Encode(c.Types, c.Values)),
                };
            }).ToArray()),
        };

        var start = new ProcessStartInfo("node", "crosscheck.js")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("Node.js (node) must be on PATH for the cross-check.", e); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(input.ToJsonString());
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                process.Kill();
                Assert.Fail("crosscheck.js did not finish in 120 s");
            }
            Assert.True(process.ExitCode == 0, $"crosscheck.js exited with {process.ExitCode}: {stderr.Result}");
            return JsonNode.Parse(stdout.Result)!["results"]!.AsArray();
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Key(uint id, string? name) => name ?? $"_{id}_";

    /// <summary>Types as crosscheck.js reads them; a cycle's entry becomes "rec" the first time and "ref" after.</summary>
    private sealed class TypeJson
    {
        private readonly Dictionary<CandidType, int> _recursive = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<CandidType> _defined = new(ReferenceEqualityComparer.Instance);

        public JsonNode Write(CandidType type)
        {
            FindCycles(type, new HashSet<CandidType>(ReferenceEqualityComparer.Instance));
            return Node(type);
        }

        private void FindCycles(CandidType type, HashSet<CandidType> path)
        {
            if (type.IsPrimitive) return;
            if (!path.Add(type))
            {
                _recursive.TryAdd(type, _recursive.Count);
                return;
            }
            foreach (var child in Children(type)) FindCycles(child, path);
            path.Remove(type);
        }

        private static IEnumerable<CandidType> Children(CandidType type) => type switch
        {
            OptType o => [o.Inner],
            VecType v => [v.Element],
            FieldsType f => f.Fields.Select(x => x.Type),
            FuncType f => f.Args.Concat(f.Results),
            ServiceType s => s.Methods.Select(m => (CandidType)m.Type),
            _ => [],
        };

        private JsonNode Node(CandidType type)
        {
            if (_recursive.TryGetValue(type, out var id))
            {
                if (!_defined.Add(type)) return new JsonObject { ["k"] = "ref", ["id"] = id };
                return new JsonObject { ["k"] = "rec", ["id"] = id, ["t"] = Shape(type) };
            }
            return Shape(type);
        }

        private JsonNode Shape(CandidType type) => type switch
        {
            PrimitiveType p => new JsonObject { ["k"] = CandidText.Print(p) },
            OptType o => new JsonObject { ["k"] = "opt", ["t"] = Node(o.Inner) },
            VecType v => new JsonObject { ["k"] = "vec", ["t"] = Node(v.Element) },
            FieldsType f => new JsonObject
            {
                ["k"] = type.Kind == CandidTypeKind.Record ? "record" : "variant",
                ["f"] = new JsonArray(f.Fields.Select(x => (JsonNode)new JsonObject { ["n"] = Key(x.Id, x.Name), ["t"] = Node(x.Type) }).ToArray()),
            },
            FuncType f => new JsonObject
            {
                ["k"] = "func",
                ["a"] = new JsonArray(f.Args.Select(Node).ToArray()),
                ["r"] = new JsonArray(f.Results.Select(Node).ToArray()),
                ["m"] = new JsonArray(f.IsQuery ? [(JsonNode)"query"] : []),
            },
            ServiceType s => new JsonObject
            {
                ["k"] = "service",
                ["m"] = new JsonArray(s.Methods.Select(m => (JsonNode)new JsonObject { ["n"] = m.Name, ["t"] = Node(m.Type) }).ToArray()),
            },
            _ => throw new InvalidOperationException(type.ToString()),
        };
    }

    private static JsonNode? ToJson(CandidType type, CandidValue value)
    {
        var inv = CultureInfo.InvariantCulture;
        return value switch
        {
            NullValue or ReservedValue => null,
            BoolValue b => b.Value,
            TextValue t => t.Value,
            PrincipalValue p => p.Value.ToString(),
            ServiceValue s => s.Id.ToString(),
            FuncValue f => new JsonArray(f.Service.ToString(), f.Method),
            Float32Value f => f.Value.ToString("R", inv),
            Float64Value f => f.Value.ToString("R", inv),
            BlobValue b => Convert.ToHexStringLower(b.Bytes),
            OptValue o => o.Value is null ? new JsonArray() : new JsonArray(ToJson(((OptType)type).Inner, o.Value)),
            VecValue v => new JsonArray(v.Items.Select(x => ToJson(((VecType)type).Element, x)).ToArray()),
            RecordValue r => new JsonObject(r.Fields.Select(f =>
                KeyValuePair.Create(Key(f.Id, ((RecordType)type).FindField(f.Id)!.Name), ToJson(((RecordType)type).FindField(f.Id)!.Type, f.Value)))),
            VariantValue v => new JsonObject
            {
                [Key(v.Id, ((VariantType)type).FindField(v.Id)!.Name)] = ToJson(((VariantType)type).FindField(v.Id)!.Type, v.Value),
            },
            _ => value.AsInt().ToString(inv),
        };
    }

    private static CandidValue FromJson(CandidType type, JsonNode? json)
    {
        var inv = CultureInfo.InvariantCulture;
        string S() => json!.GetValue<string>();
        return type.Kind switch
        {
            CandidTypeKind.Null => CandidValue.Null,
            CandidTypeKind.Reserved => CandidValue.Reserved,
            CandidTypeKind.Bool => CandidValue.Bool(json!.GetValue<bool>()),
            CandidTypeKind.Text => CandidValue.Text(S()),
            CandidTypeKind.Principal => CandidValue.Principal(Principal.FromText(S())),
            CandidTypeKind.Service => new ServiceValue(Principal.FromText(S())),
            CandidTypeKind.Func => new FuncValue(Principal.FromText(json![0]!.GetValue<string>()), json[1]!.GetValue<string>()),
            CandidTypeKind.Nat => CandidValue.Nat(BigInteger.Parse(S(), inv)),
            CandidTypeKind.Int => CandidValue.Int(BigInteger.Parse(S(), inv)),
            CandidTypeKind.Nat8 => new Nat8Value(byte.Parse(S(), inv)),
            CandidTypeKind.Nat16 => new Nat16Value(ushort.Parse(S(), inv)),
            CandidTypeKind.Nat32 => new Nat32Value(uint.Parse(S(), inv)),
            CandidTypeKind.Nat64 => new Nat64Value(ulong.Parse(S(), inv)),
            CandidTypeKind.Int8 => new Int8Value(sbyte.Parse(S(), inv)),
            CandidTypeKind.Int16 => new Int16Value(short.Parse(S(), inv)),
            CandidTypeKind.Int32 => new Int32Value(int.Parse(S(), inv)),
            CandidTypeKind.Int64 => new Int64Value(long.Parse(S(), inv)),
            CandidTypeKind.Float32 => new Float32Value((float)double.Parse(S(), inv)),
            CandidTypeKind.Float64 => new Float64Value(double.Parse(S(), inv)),
            CandidTypeKind.Opt => json!.AsArray().Count == 0 ? CandidValue.None : CandidValue.Some(FromJson(((OptType)type).Inner, json[0])),
            CandidTypeKind.Vec when ((VecType)type).IsBlob => CandidValue.Blob(Convert.FromHexString(S())),
            CandidTypeKind.Vec => new VecValue(json!.AsArray().Select(x => FromJson(((VecType)type).Element, x)).ToArray()),
            CandidTypeKind.Record => new RecordValue(((RecordType)type).Fields.Select(f =>
                new CandidFieldValue(f.Id, FromJson(f.Type, json![Key(f.Id, f.Name)]), f.Name))),
            CandidTypeKind.Variant => Variant(),
            _ => throw new InvalidOperationException(type.ToString()),
        };

        CandidValue Variant()
        {
            var (key, payload) = json!.AsObject().Single();
            var field = ((VariantType)type).Fields.Single(f => Key(f.Id, f.Name) == key);
            return new VariantValue(field.Id, FromJson(field.Type, payload), field.Name);
        }
    }
}
