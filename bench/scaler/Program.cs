using System.Globalization;
using Platform.Bench.Scaler;

// bench/scaler: the Scaler's policy against a naive threshold policy and a static allocation, on the same
// deterministic traces in the same simulator (see Simulator). Prints each policy's overload seconds, replica-seconds,
// decisions and flaps per trace, then whether the targets hold: at least 50 % fewer overload seconds than naive at no
// more replica-seconds (per trace where naive overloads at all, and over all traces), and no flaps on steady.
// Exit code 0 whether or not they hold: the benchmark reports, like the others.
var seed = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var s) ? s : 42;
IBenchPolicy[] policies =
[
    new ScalerBenchPolicy(Simulator.Options), new NaiveThresholdPolicy(Simulator.Options), new StaticPolicy(),
];

Console.WriteLine($"scaler benchmark: seed {seed}, {Traces.Seconds} s per trace, 3 services on 4 subnets");
Console.WriteLine();
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
Console.WriteLine($"{"target",-52} {"value",14}   holds");
var allHold = true;
void Target(string what, string value, bool holds)
{
    allHold &= holds;
    Console.WriteLine($"{what,-52} {value,14}   {(holds ? "yes" : "NO")}");
}
string Ratio(double a, double b) => b == 0 ? (a == 0 ? "0/0" : "inf") : (a / b).ToString("0.00", CultureInfo.InvariantCulture);
Outcome Of(string trace, string policy) => outcomes.First(o => o.Trace == trace && o.Policy == policy);

foreach (var trace in Traces.Names)
{
    var (scaler, naive) = (Of(trace, "scaler"), Of(trace, "naive"));
    if (naive.OverloadSeconds > 0)
        Target($"{trace}: overload scaler/naive <= 0.50", Ratio(scaler.OverloadSeconds, naive.OverloadSeconds),
            scaler.OverloadSeconds <= 0.5 * naive.OverloadSeconds);
    Target($"{trace}: replica-seconds scaler/naive <= 1.00", Ratio(scaler.ReplicaSeconds, naive.ReplicaSeconds),
        scaler.ReplicaSeconds <= naive.ReplicaSeconds);
}
var total = (Scaler: outcomes.Where(o => o.Policy == "scaler").ToList(), Naive: outcomes.Where(o => o.Policy == "naive").ToList());
Target("all traces: overload scaler/naive <= 0.50", Ratio(total.Scaler.Sum(o => o.OverloadSeconds), total.Naive.Sum(o => o.OverloadSeconds)),
    total.Scaler.Sum(o => o.OverloadSeconds) <= 0.5 * total.Naive.Sum(o => o.OverloadSeconds));
Target("all traces: replica-seconds scaler/naive <= 1.00", Ratio(total.Scaler.Sum(o => o.ReplicaSeconds), total.Naive.Sum(o => o.ReplicaSeconds)),
    total.Scaler.Sum(o => o.ReplicaSeconds) <= total.Naive.Sum(o => o.ReplicaSeconds));
Target("steady: scaler flaps == 0", Of("steady", "scaler").Flaps.ToString(CultureInfo.InvariantCulture), Of("steady", "scaler").Flaps == 0);
Console.WriteLine();
Console.WriteLine(allHold ? "all targets hold" : "some targets are missed");
