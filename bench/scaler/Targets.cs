using System.Globalization;

namespace Platform.Bench.Scaler;

/// <summary>
/// The targets, checked per trace and over all traces of one seed: overload seconds at most half the naive
/// policy's, replica-seconds no more than the naive policy's, and no flaps on steady. On a trace where the naive
/// policy never overloads, "half of it" is zero.
/// </summary>
internal static class Targets
{
    /// <summary>Seeds the benchmark runs without arguments: 42 (the first one reported) and seven more.</summary>
    public static readonly int[] DefaultSeeds = [42, 1, 2, 3, 4, 5, 6, 7];

    public const double OverloadRatio = 0.5;

    /// <param name="Worst">How far from the limit, as a fraction of it (above 1 is missed): orders the summary.</param>
    public sealed record Result(int Seed, string What, string Value, bool Met, double Worst);

    public static IEnumerable<Result> Of(int seed, IReadOnlyList<Outcome> outcomes)
    {
        Outcome Of(string trace, string policy) => outcomes.First(o => o.Trace == trace && o.Policy == policy);
        var scalers = outcomes.Where(o => o.Policy == "scaler").ToList();
        var naives = outcomes.Where(o => o.Policy == "naive").ToList();
        foreach (var trace in Traces.Names)
        {
            var (scaler, naive) = (Of(trace, "scaler"), Of(trace, "naive"));
            yield return Overload(seed, trace, scaler.OverloadSeconds, naive.OverloadSeconds);
            yield return Cost(seed, trace, scaler.ReplicaSeconds, naive.ReplicaSeconds);
        }
        yield return Overload(seed, "all traces", scalers.Sum(o => o.OverloadSeconds), naives.Sum(o => o.OverloadSeconds));
        yield return Cost(seed, "all traces", scalers.Sum(o => o.ReplicaSeconds), naives.Sum(o => o.ReplicaSeconds));
        var flaps = Of("steady", "scaler").Flaps;
        yield return new Result(seed, "steady: scaler flaps == 0", flaps.ToString(CultureInfo.InvariantCulture), flaps == 0, flaps);
    }

    private static Result Overload(int seed, string trace, int scaler, int naive) =>
        new(seed, $"{trace}: overload s scaler/naive <= 0.50", naive == 0 ? $"{scaler}/0" : Ratio(scaler, naive),
            scaler <= OverloadRatio * naive, naive == 0 ? (scaler == 0 ? 0 : double.PositiveInfinity) : scaler / (OverloadRatio * naive));

    private static Result Cost(int seed, string trace, double scaler, double naive) =>
        new(seed, $"{trace}: replica-s scaler/naive <= 1.00", Ratio(scaler, naive), scaler <= naive, scaler / naive);

    private static string Ratio(double a, double b) => (a / b).ToString("0.00", CultureInfo.InvariantCulture);
}
