using System.Globalization;
using Platform.Bench.Scaler;

// bench/scaler: the Scaler's policy against a naive threshold policy and a static allocation, on the same
// deterministic traces in the same simulator (see Simulator), for several seeds. Prints each policy's overload
// seconds, replica-seconds, decisions and flaps per trace and seed, whether the targets are met per trace and over
// all traces for each seed, and a summary over the seeds: at least 50 % fewer overload seconds than naive at no more
// replica-seconds, and no flaps on steady. A policy tuned to one seed is not a result, hence several.
// Exit code 0 whether or not they are met: the benchmark reports, like the others.
var seeds = args.Length > 0
    ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray()
    : Targets.DefaultSeeds;
IBenchPolicy[] policies =
[
    new ScalerBenchPolicy(Simulator.Options), new NaiveThresholdPolicy(Simulator.Options), new StaticPolicy(),
];

Console.WriteLine($"scaler benchmark: seeds {string.Join(" ", seeds)}, {Traces.Seconds} s per trace, 3 services on 4 subnets");
var results = new List<Targets.Result>();
foreach (var seed in seeds)
{
    Console.WriteLine();
    Console.WriteLine($"seed {seed}");
    Console.WriteLine($"{"trace",-8} {"policy",-7} {"overload s",11} {"replica-s",10} {"decisions",10} {"flaps",6}");
    var outcomes = new List<Outcome>();
    foreach (var trace in Traces.Names)
    {
        foreach (var policy in policies)
        {
            var o = Simulator.Run(trace, policy, seed);
            outcomes.Add(o);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{o.Trace,-8} {o.Policy,-7} {o.OverloadSeconds,11} {o.ReplicaSeconds,10:0} {o.Decisions,10} {o.Flaps,6}"));
        }
    }
    Console.WriteLine();
    Console.WriteLine($"{"target (seed " + seed + ")",-52} {"value",8}   met");
    foreach (var r in Targets.Of(seed, outcomes))
    {
        results.Add(r);
        Console.WriteLine($"{r.What,-52} {r.Value,8}   {(r.Met ? "met" : "MISSED")}");
    }
}

Console.WriteLine();
Console.WriteLine($"summary over {seeds.Length} seeds");
Console.WriteLine($"{"target",-52} {"worst",8} {"seeds met",10}");
foreach (var group in results.GroupBy(r => r.What))
{
    var met = group.Count(r => r.Met);
    Console.WriteLine($"{group.Key,-52} {group.MaxBy(r => r.Worst)!.Value,8} {$"{met}/{group.Count()}",10}   {(met == group.Count() ? "met" : "MISSED")}");
}
Console.WriteLine();
Console.WriteLine(results.All(r => r.Met) ? $"all targets met on all {seeds.Length} seeds" : "some targets are missed");
