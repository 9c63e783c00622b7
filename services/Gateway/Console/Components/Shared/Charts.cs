using System.Globalization;

namespace Platform.Gateway.Console.Components.Shared;

/// <summary>One line of a chart: its points oldest first; a step line holds each value until the next point.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(DateTimeOffset At, double Value)> Points, bool Step = false);

/// <summary>
/// The arithmetic of the console's SVG charts (drawn server-side, no script): scales, a "nice" top of the y axis,
/// polyline points, and the palette, given as SVG attributes because the console's CSP allows no inline style.
/// </summary>
internal static class Charts
{
    public static readonly string[] Palette = ["#0a5bd3", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e"];

    public static string Color(int index) => Palette[index % Palette.Length];

    /// <summary>The smallest 1, 2 or 5 times a power of ten at or above <paramref name="max"/> (1 for nothing).</summary>
    public static double NiceTop(double max)
    {
        if (max <= 0 || double.IsNaN(max)) return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (step * power >= max) return step * power;
        return 10 * power;
    }

    public static double X(DateTimeOffset at, DateTimeOffset from, DateTimeOffset to, double left, double width) =>
        to <= from ? left : left + width * Math.Clamp((at - from).TotalMilliseconds / (to - from).TotalMilliseconds, 0, 1);

    public static double Y(double value, double top, double baseline, double height) =>
        baseline - height * Math.Clamp(value / top, 0, 1);

    /// <summary>The "x,y x,y ..." of a polyline; a step series gets the corner points of its steps too.</summary>
    public static string Polyline(ChartSeries series, DateTimeOffset from, DateTimeOffset to, double top, double left, double width, double baseline, double height)
    {
        var parts = new List<string>();
        double? previousY = null;
        foreach (var (at, value) in series.Points)
        {
            var x = X(at, from, to, left, width);
            var y = Y(value, top, baseline, height);
            if (series.Step && previousY is { } py)
                parts.Add(Point(x, py));
            parts.Add(Point(x, y));
            previousY = y;
        }
        return string.Join(' ', parts);
    }

    public static string Point(double x, double y) =>
        $"{x.ToString("0.#", CultureInfo.InvariantCulture)},{y.ToString("0.#", CultureInfo.InvariantCulture)}";

    public static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
