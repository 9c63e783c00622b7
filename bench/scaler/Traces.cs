namespace Platform.Bench.Scaler;

/// <summary>
/// The load shapes, in replicas' worth of work per second (1.0 = one replica at full load), deterministic for a
/// seed: the same seed gives every policy the same demand, second by second.
/// </summary>
internal static class Traces
{
    public const int Seconds = 3600;

    public static readonly string[] Names = ["step", "ramp", "diurnal", "spike", "steady"];

    /// <summary>The demand of one service: the trace's shape scaled by <paramref name="scale"/>, with per-second noise.</summary>
    public static double[] Demand(string trace, double scale, int seed)
    {
        var random = new Random(seed);
        var spikes = Enumerable.Range(0, 4).Select(_ => random.Next(600, Seconds - 300)).ToArray();
        var phase = random.NextDouble() * 600;
        var noise = trace == "steady" ? 0.10 : 0.05;
        var demand = new double[Seconds];
        for (var t = 0; t < Seconds; t++)
        {
            var shape = trace switch
            {
                "step" => t is >= 600 and < 2400 ? 5.0 : 1.0,
                "ramp" => t < 3000 ? 0.5 + 6.5 * t / 3000 : 7.0,
                // Two "days" an hour: a busy day and a quiet night.
                "diurnal" => 3.0 + 2.5 * Math.Sin(2 * Math.PI * (t + phase) / 1800),
                "spike" => spikes.Any(s => t >= s && t < s + 60) ? 6.0 : 1.5,
                _ => 2.4,
            };
            demand[t] = Math.Max(0, shape * scale * (1 + noise * (random.NextDouble() * 2 - 1)));
        }
        return demand;
    }
}
