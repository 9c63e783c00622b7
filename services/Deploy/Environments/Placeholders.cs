using System.Text.RegularExpressions;

namespace Platform.Deploy.Environments;

/// <summary>
/// <c>{{canisterId:&lt;service&gt;}}</c> in init arguments (the ICR CLI's convention): replaced by that service's
/// canister id, and the order of installs (a service is installed after those it names).
/// </summary>
public static partial class Placeholders
{
    [GeneratedRegex(@"\{\{\s*canisterId\s*:\s*([^}\s]*)\s*\}\}")]
    private static partial Regex Pattern();

    public static IReadOnlyList<string> Named(string? text) =>
        text is null ? [] : [.. Pattern().Matches(text).Select(m => m.Groups[1].Value).Distinct()];

    public static string Substitute(string text, Func<string, string> canisterIdOf) =>
        Pattern().Replace(text, m => canisterIdOf(m.Groups[1].Value));

    /// <summary>
    /// Every placeholder must name a service of the file (or the registry); the install order puts each service
    /// after the services it names (ties by name, so the order is stable). A cycle is refused: its canisters
    /// could all be created, but no order installs each after the others it needs.
    /// </summary>
    public static IReadOnlyList<string> InstallOrder(EnvironmentDocument document, ICollection<FileProblem> problems)
    {
        var names = document.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var needs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var service in document.Services)
        {
            var deps = new List<string>();
            foreach (var named in Named(service.Init))
            {
                if (named == Registry.RegistryCanister.ServiceName) continue;
                if (!names.Contains(named))
                    problems.Add(new FileProblem($"spec.services.{service.Name}.init", $"the placeholder {{{{canisterId:{named}}}}} names no service of this environment (services: {string.Join(", ", names.Order())})"));
                else if (named != service.Name)
                    deps.Add(named);
            }
            needs[service.Name] = deps;
        }

        var order = new List<string>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var stack = new List<string>();
        foreach (var name in needs.Keys.Order(StringComparer.Ordinal))
            if (Visit(name)) return [];
        return order;

        bool Visit(string name)
        {
            if (state.GetValueOrDefault(name) == 2) return false;
            if (state.GetValueOrDefault(name) == 1)
            {
                var cycle = stack.Skip(stack.IndexOf(name)).Append(name);
                problems.Add(new FileProblem($"spec.services.{name}.init", $"cyclic placeholder dependency: {string.Join(" -> ", cycle)}"));
                return true;
            }
            state[name] = 1;
            stack.Add(name);
            foreach (var dep in needs[name].Order(StringComparer.Ordinal))
                if (Visit(dep)) return true;
            stack.RemoveAt(stack.Count - 1);
            state[name] = 2;
            order.Add(name);
            return false;
        }
    }
}
