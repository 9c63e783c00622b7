using System.Globalization;
using System.Net;

namespace Platform.IntegrationTests.Observability;

/// <summary>A scraped /metrics page (Prometheus text format), read as a test reads it: sums of samples by name and labels.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    public static async Task<PrometheusText> ScrapeAsync(string baseUrl, bool h2c)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (h2c)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one given ("k=\"v\"").</summary>
    public double Sum(string name, params string[] labels) => Samples(name, labels).Sum();

    public bool Has(string name) => Samples(name).Any();

    public IEnumerable<double> Samples(string name, params string[] labels)
    {
        foreach (var line in Text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
                continue;
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{'))
                continue;
            var (labels_, end) = rest[0] == '{' ? Labels(rest) : ([], 0);
            if (!labels.All(labels_.Contains))
                continue;
            var value = rest[end..].Trim().Split(' ')[0];
            yield return double.Parse(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The labels of a sample as k="v" strings, and where they end; values may hold braces and escapes.</summary>
    private static (List<string> Labels, int End) Labels(string rest)
    {
        var labels = new List<string>();
        var i = 1;
        while (i < rest.Length && rest[i] != '}')
        {
            var eq = rest.IndexOf('=', i);
            var j = eq + 2;
            while (rest[j] != '"')
                j += rest[j] == '\\' ? 2 : 1;
            labels.Add(rest[i..(j + 1)]);
            i = rest[j + 1] == ',' ? j + 2 : j + 1;
        }
        return (labels, i + 1);
    }
}
