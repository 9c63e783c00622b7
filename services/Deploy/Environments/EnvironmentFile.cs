using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Platform.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Platform.Deploy.Environments;

/// <summary>What is wrong with an environment file, and where: a field path and, when known, line and column.</summary>
public sealed record FileProblem(string Path, string Message, int? Line = null, int? Column = null);

/// <summary>An environment file that cannot be used; every problem found, each saying where.</summary>
public sealed class EnvironmentFileException(IReadOnlyList<FileProblem> problems, bool syntax = false)
    : Exception(string.Join("; ", problems.Select(p => $"{p.Path}: {p.Message}")))
{
    public IReadOnlyList<FileProblem> Problems { get; } = problems;

    /// <summary>The text is not YAML/JSON at all (400), rather than a file that says something wrong (422).</summary>
    public bool Syntax { get; } = syntax;
}

public sealed record ApprovalPolicy(int Required, IReadOnlyList<string> Approvers, TimeSpan ExpiresAfter);

/// <summary>One service of the file.</summary>
/// <param name="Module">The module's repository name, e.g. <c>shop/ledger</c>.</param>
/// <param name="Selector">What follows the '@': <c>main:latest</c>, <c>v1.4.0</c>, a commit, <c>sha256:...</c>.</param>
/// <param name="Subnet"><c>any</c>, a subnet index, or a subnet id.</param>
/// <param name="Persistence"><c>keep</c> or <c>replace</c> (wasm_memory_persistence on upgrade), or null.</param>
/// <param name="Reinstall"><c>mode: reinstall</c>: every release reinstalls it.</param>
public sealed record ServiceSpec(
    string Name,
    string Module,
    string Selector,
    string? Init,
    string Subnet,
    BigInteger? Cycles,
    string? Persistence,
    bool Reinstall,
    ReplicaBounds? Replicas,
    ScalingPolicy? Scaling,
    ShardingPolicy? Sharding);

public sealed record EnvironmentDocument(
    string Name,
    string Namespace,
    bool Protected,
    ApprovalPolicy? Approvals,
    bool AutoHeal,
    IReadOnlyList<ServiceSpec> Services);

/// <summary>
/// Reads an environment file (YAML or JSON: JSON is YAML) into an <see cref="EnvironmentDocument"/>, collecting every
/// problem with its field path and position instead of stopping at the first.
/// </summary>
public static partial class EnvironmentFile
{
    public const string ApiVersion = "platform/v1";
    public const string Kind = "Environment";
    public const int MaxServices = 64;

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    public static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)+$")]
    private static partial Regex ModuleNamePattern();

    public static EnvironmentDocument Parse(string text)
    {
        YamlNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1)
                throw new EnvironmentFileException([new FileProblem("", $"expected one document, found {stream.Documents.Count}")], syntax: stream.Documents.Count == 0);
            root = stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new EnvironmentFileException([new FileProblem("", Reason(e), (int)e.Start.Line, (int)e.Start.Column)], syntax: true);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unterminated flows at the end of the text: say where it ended.
            var lines = text.Split('\n');
            throw new EnvironmentFileException([new FileProblem("", "unexpected end of the file (an unclosed [ or {?)", lines.Length, lines[^1].Length + 1)], syntax: true);
        }
        var reader = new Reader();
        var document = reader.Document(root);
        if (reader.Problems.Count > 0 || document is null)
            throw new EnvironmentFileException(reader.Problems);
        return document;
    }

    private static string Reason(YamlException e) =>
        e.InnerException is { } inner ? $"{e.Message.Trim()} ({inner.Message.Trim()})" : e.Message.Trim();

    private sealed class Reader
    {
        public List<FileProblem> Problems { get; } = [];

        private void Problem(string path, YamlNode? node, string message) =>
            Problems.Add(new FileProblem(path, message, node is null ? null : (int)node.Start.Line, node is null ? null : (int)node.Start.Column));

        private YamlMappingNode? Mapping(YamlNode? node, string path, bool required)
        {
            if (node is null)
            {
                if (required) Problem(path, null, "is required");
                return null;
            }
            if (node is YamlMappingNode m) return m;
            Problem(path, node, "must be a mapping");
            return null;
        }

        private static YamlNode? Child(YamlMappingNode? map, string key) =>
            map is not null && map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        private void NoUnknownKeys(YamlMappingNode? map, string path, params string[] known)
        {
            if (map is null) return;
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(name)) Problem(Join(path, name), key, $"is not a known field (known: {string.Join(", ", known)})");
            }
        }

        private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

        private string? Text(YamlNode? node, string path, bool required)
        {
            if (node is null)
            {
                if (required) Problem(path, null, "is required");
                return null;
            }
            if (node is YamlScalarNode { Value: { } v } && !IsNull(node)) return v;
            if (IsNull(node) && !required) return null;
            Problem(path, node, "must be a text value");
            return null;
        }

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode s && s.Style == YamlDotNet.Core.ScalarStyle.Plain && s.Value is null or "" or "~" or "null";

        private bool? Bool(YamlNode? node, string path)
        {
            if (node is null) return null;
            if (node is YamlScalarNode { Value: "true" or "false" } s) return s.Value == "true";
            Problem(path, node, "must be true or false");
            return null;
        }

        private int? Int(YamlNode? node, string path, int min, int max)
        {
            if (node is null) return null;
            if (node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            Problem(path, node, $"must be a whole number from {min} to {max}");
            return null;
        }

        public EnvironmentDocument? Document(YamlNode root)
        {
            var top = Mapping(root, "", required: true);
            if (top is null) return null;
            NoUnknownKeys(top, "", "apiVersion", "kind", "metadata", "spec");
            var apiVersion = Text(Child(top, "apiVersion"), "apiVersion", required: true);
            if (apiVersion is not null && apiVersion != ApiVersion) Problem("apiVersion", Child(top, "apiVersion"), $"must be {ApiVersion}");
            var kind = Text(Child(top, "kind"), "kind", required: true);
            if (kind is not null && kind != Kind) Problem("kind", Child(top, "kind"), $"must be {Kind}");

            var metadata = Mapping(Child(top, "metadata"), "metadata", required: true);
            NoUnknownKeys(metadata, "metadata", "name", "namespace");
            var name = Text(Child(metadata, "name"), "metadata.name", required: metadata is not null);
            if (name is not null && !NamePattern().IsMatch(name)) Problem("metadata.name", Child(metadata, "name"), "must be lower-case letters, digits and '-', at most 63");
            var ns = Text(Child(metadata, "namespace"), "metadata.namespace", required: metadata is not null);
            if (ns is not null && !NamePattern().IsMatch(ns)) Problem("metadata.namespace", Child(metadata, "namespace"), "must be lower-case letters, digits and '-', at most 63");

            var spec = Mapping(Child(top, "spec"), "spec", required: true);
            NoUnknownKeys(spec, "spec", "protected", "approvals", "autoHeal", "services");
            var isProtected = Bool(Child(spec, "protected"), "spec.protected") ?? false;
            var autoHeal = Bool(Child(spec, "autoHeal"), "spec.autoHeal") ?? false;
            var approvals = Approvals(Mapping(Child(spec, "approvals"), "spec.approvals", required: isProtected));
            if (isProtected && approvals is null && Child(spec, "approvals") is not null) { /* already reported */ }

            var services = new List<ServiceSpec>();
            var servicesNode = Mapping(Child(spec, "services"), "spec.services", required: spec is not null);
            if (servicesNode is not null)
            {
                if (servicesNode.Children.Count == 0) Problem("spec.services", servicesNode, "must name at least one service");
                if (servicesNode.Children.Count > MaxServices) Problem("spec.services", servicesNode, $"may name at most {MaxServices} services");
                foreach (var (key, value) in servicesNode.Children)
                {
                    var serviceName = (key as YamlScalarNode)?.Value ?? "";
                    var path = $"spec.services.{serviceName}";
                    if (!NamePattern().IsMatch(serviceName)) Problem(path, key, "a service name must be lower-case letters, digits and '-', at most 63");
                    else if (serviceName == Registry.RegistryCanister.ServiceName) Problem(path, key, $"'{serviceName}' is the environment's own registry canister");
                    if (Service(serviceName, Mapping(value, path, required: true), path) is { } service) services.Add(service);
                }
            }
            if (Problems.Count > 0) return null;
            return new EnvironmentDocument(name!, ns!, isProtected, approvals, autoHeal, services);
        }

        private ApprovalPolicy? Approvals(YamlMappingNode? map)
        {
            if (map is null) return null;
            const string path = "spec.approvals";
            NoUnknownKeys(map, path, "required", "approvers", "expiresAfter");
            var approvers = new List<string>();
            if (Child(map, "approvers") is YamlSequenceNode seq)
            {
                foreach (var item in seq.Children)
                    if (Text(item, path + ".approvers", required: true) is { } a)
                    {
                        if (approvers.Contains(a)) Problem(path + ".approvers", item, $"names {a} twice");
                        approvers.Add(a);
                    }
            }
            else
            {
                Problem(path + ".approvers", Child(map, "approvers") ?? map, "must be a list of account names");
            }
            var required = Int(Child(map, "required"), path + ".required", 1, 100);
            if (required is null && Child(map, "required") is null) Problem(path + ".required", map, "is required");
            if (required > approvers.Count && approvers.Count > 0) Problem(path + ".required", Child(map, "required"), $"asks for {required} approvals from {approvers.Count} approvers");
            var expires = TimeSpan.FromHours(72);
            if (Text(Child(map, "expiresAfter"), path + ".expiresAfter", required: false) is { } e)
            {
                if (Duration(e) is { } d) expires = d;
                else Problem(path + ".expiresAfter", Child(map, "expiresAfter"), "must be a duration such as 72h, 30m or 2d");
            }
            return required is null ? null : new ApprovalPolicy(required.Value, approvers, expires);
        }

        private ServiceSpec? Service(string name, YamlMappingNode? map, string path)
        {
            if (map is null) return null;
            NoUnknownKeys(map, path, "module", "init", "subnet", "cycles", "upgrade", "mode", "replicas", "scaling", "sharding");
            var before = Problems.Count;
            string module = "", selector = "";
            if (Text(Child(map, "module"), path + ".module", required: true) is { } m)
            {
                var at = m.IndexOf('@');
                if (at <= 0 || at == m.Length - 1) Problem(path + ".module", Child(map, "module"), "must be <namespace>/<name>@<selector>, e.g. shop/ledger@main:latest");
                else
                {
                    module = m[..at];
                    selector = m[(at + 1)..];
                    if (!ModuleNamePattern().IsMatch(module)) Problem(path + ".module", Child(map, "module"), $"'{module}' is not a module name (<namespace>/<name>)");
                }
            }
            var init = Text(Child(map, "init"), path + ".init", required: false);
            var subnet = Text(Child(map, "subnet"), path + ".subnet", required: false) ?? "any";
            BigInteger? cycles = null;
            if (Text(Child(map, "cycles"), path + ".cycles", required: false) is { } c)
            {
                cycles = Cycles(c);
                if (cycles is null) Problem(path + ".cycles", Child(map, "cycles"), "must be a number of cycles such as 2T, 500B or 1000000");
            }
            string? persistence = null;
            if (Mapping(Child(map, "upgrade"), path + ".upgrade", required: false) is { } upgrade)
            {
                NoUnknownKeys(upgrade, path + ".upgrade", "persistence");
                persistence = Text(Child(upgrade, "persistence"), path + ".upgrade.persistence", required: true);
                if (persistence is not null and not ("keep" or "replace")) Problem(path + ".upgrade.persistence", Child(upgrade, "persistence"), "must be keep or replace");
            }
            var mode = Text(Child(map, "mode"), path + ".mode", required: false);
            if (mode is not null and not ("reinstall" or "upgrade")) Problem(path + ".mode", Child(map, "mode"), "must be reinstall or upgrade");

            ReplicaBounds? replicas = null;
            if (Mapping(Child(map, "replicas"), path + ".replicas", required: false) is { } r)
            {
                NoUnknownKeys(r, path + ".replicas", "min", "max");
                var min = Int(Child(r, "min"), path + ".replicas.min", 1, 100) ?? 1;
                var max = Int(Child(r, "max"), path + ".replicas.max", 1, 100) ?? min;
                if (max < min) Problem(path + ".replicas.max", Child(r, "max"), $"must be at least min ({min})");
                replicas = new ReplicaBounds(min, max);
            }
            ScalingPolicy? scaling = null;
            if (Mapping(Child(map, "scaling"), path + ".scaling", required: false) is { } s)
            {
                NoUnknownKeys(s, path + ".scaling", "target", "metric", "cooldown");
                var target = 0.6;
                if (Text(Child(s, "target"), path + ".scaling.target", required: false) is { } t &&
                    !(double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out target) && target > 0 && target <= 1))
                    Problem(path + ".scaling.target", Child(s, "target"), "must be a utilisation above 0 and at most 1");
                var metric = Text(Child(s, "metric"), path + ".scaling.metric", required: false) ?? "instructions";
                if (metric is not ("instructions" or "messages" or "queue")) Problem(path + ".scaling.metric", Child(s, "metric"), "must be instructions, messages or queue");
                var cooldown = TimeSpan.FromSeconds(60);
                if (Text(Child(s, "cooldown"), path + ".scaling.cooldown", required: false) is { } cd)
                {
                    if (Duration(cd) is { } d) cooldown = d;
                    else Problem(path + ".scaling.cooldown", Child(s, "cooldown"), "must be a duration such as 60s or 5m");
                }
                scaling = new ScalingPolicy(target, metric, cooldown);
            }
            ShardingPolicy? sharding = null;
            if (Mapping(Child(map, "sharding"), path + ".sharding", required: false) is { } sh)
            {
                NoUnknownKeys(sh, path + ".sharding", "key", "min", "max");
                var key = Text(Child(sh, "key"), path + ".sharding.key", required: true) ?? "";
                var min = Int(Child(sh, "min"), path + ".sharding.min", 1, 64) ?? 1;
                var max = Int(Child(sh, "max"), path + ".sharding.max", 1, 64) ?? min;
                if (max < min) Problem(path + ".sharding.max", Child(sh, "max"), $"must be at least min ({min})");
                sharding = new ShardingPolicy(key, min, max);
            }
            if (replicas is not null && sharding is not null) Problem(path, map, "a service is either replicated or sharded, not both");
            if (Problems.Count > before) return null;
            return new ServiceSpec(name, module, selector, init, subnet, cycles, persistence, mode == "reinstall", replicas, scaling, sharding);
        }
    }

    /// <summary>"2T", "500B", "1.5T", "10M", "1000000": cycles (T = 10^12, B/G = 10^9, M = 10^6, K = 10^3).</summary>
    public static BigInteger? Cycles(string text)
    {
        text = text.Trim().Replace("_", "", StringComparison.Ordinal);
        if (text.Length == 0) return null;
        var (digits, scale) = char.ToUpperInvariant(text[^1]) switch
        {
            'T' => (text[..^1], 1_000_000_000_000m),
            'B' or 'G' => (text[..^1], 1_000_000_000m),
            'M' => (text[..^1], 1_000_000m),
            'K' => (text[..^1], 1_000m),
            _ => (text, 1m),
        };
        if (!decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return null;
        var cycles = value * scale;
        return cycles == decimal.Truncate(cycles) && cycles > 0 ? new BigInteger(cycles) : null;
    }

    /// <summary>"72h", "30m", "45s", "2d".</summary>
    public static TimeSpan? Duration(string text)
    {
        text = text.Trim();
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n <= 0) return null;
        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
    }
}
