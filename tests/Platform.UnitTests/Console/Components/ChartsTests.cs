using Platform.Gateway.Console.Components.Shared;

namespace Platform.UnitTests.Console.Components;

public sealed class ChartsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(-3, 1)]
    [InlineData(0.7, 1)]
    [InlineData(1, 1)]
    [InlineData(1.2, 2)]
    [InlineData(3, 5)]
    [InlineData(46_500, 50_000)]
    [InlineData(51_000, 100_000)]
    public void The_top_of_the_axis_is_one_two_or_five_times_a_power_of_ten(double max, double top) =>
        Assert.Equal(top, Charts.NiceTop(max), 9);

    [Fact]
    public void Points_are_scaled_into_the_plot_and_a_step_line_gets_its_corners()
    {
        var from = new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero);
        var to = from.AddSeconds(100);
        var line = new ChartSeries("a", [(from, 0), (from.AddSeconds(50), 5), (to, 10)]);
        Assert.Equal("0,100 50,50 100,0", Charts.Polyline(line, from, to, top: 10, left: 0, width: 100, baseline: 100, height: 100));
        var step = line with { Step = true };
        Assert.Equal("0,100 50,100 50,50 100,50 100,0", Charts.Polyline(step, from, to, top: 10, left: 0, width: 100, baseline: 100, height: 100));
        // Outside the window or above the top: clamped to the plot, never drawn outside it.
        Assert.Equal(0, Charts.X(from.AddSeconds(-5), from, to, 0, 100));
        Assert.Equal(0, Charts.Y(50, 10, 100, 100));
    }
}
