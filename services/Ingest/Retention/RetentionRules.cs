using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Platform.Ingest.Retention;

/// <summary>"Of the tags matching <see cref="Pattern"/> in each repository, keep the <see cref="Count"/> most recently moved."</summary>
internal sealed record KeepLastTags(string Pattern, int Count);

/// <summary>
/// A namespace's retention rules, each optional. <see cref="UntaggedOlderThan"/> is written as a duration
/// ("7d", "12h", "30m", "45s") or a TimeSpan ("7.00:00:00") and answered as the latter.
/// </summary>
internal sealed record RetentionRules(KeepLastTags? KeepLastTags, TimeSpan? UntaggedOlderThan)
{
    // A pattern runs once per tag per run under the writer's repository lock: a pathological one must not hold it.
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);
    internal const int MaxPatternLength = 512;

    [JsonIgnore]
    public bool IsEmpty => KeepLastTags is null && UntaggedOlderThan is null;

    internal Regex? TagPattern() => KeepLastTags is { } keep
        ? new Regex(keep.Pattern, RegexOptions.CultureInvariant, MatchTimeout)
        : null;

    /// <summary>
    /// Reads a PUT body; the problems are keyed by the field they are about (for the problem+json answer). Unknown
    /// fields are problems too: a misspelt rule silently ignored would keep nothing it was meant to delete, or the
    /// reverse after the spelling is fixed.
    /// </summary>
    public static RetentionRules? Parse(JsonElement body, out Dictionary<string, string[]> problems)
    {
        problems = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["a JSON object with keepLastTags and/or untaggedOlderThan"];
            return null;
        }
        KeepLastTags? keep = null;
        TimeSpan? olderThan = null;
        foreach (var field in body.EnumerateObject())
        {
            switch (field.Name)
            {
                case "keepLastTags":
                    keep = ParseKeep(field.Value, problems);
                    break;
                case "untaggedOlderThan":
                    if (field.Value.ValueKind == JsonValueKind.Null)
                        break;
                    if (field.Value.ValueKind != JsonValueKind.String || !TryParseDuration(field.Value.GetString()!, out var d))
                        problems["untaggedOlderThan"] = ["a positive duration: \"7d\", \"12h\", \"30m\", \"45s\" or a TimeSpan such as \"7.00:00:00\""];
                    else
                        olderThan = d;
                    break;
                default:
                    problems[field.Name] = ["not a retention rule (keepLastTags, untaggedOlderThan)"];
                    break;
            }
        }
        return problems.Count == 0 ? new RetentionRules(keep, olderThan) : null;
    }

    private static KeepLastTags? ParseKeep(JsonElement value, Dictionary<string, string[]> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems["keepLastTags"] = ["an object {\"pattern\": \"<regex>\", \"count\": N}"];
            return null;
        }
        string? pattern = null;
        int? count = null;
        if (value.TryGetProperty("pattern", out var p) && p.ValueKind == JsonValueKind.String)
            pattern = p.GetString();
        if (pattern is null || pattern.Length == 0 || pattern.Length > MaxPatternLength)
            problems["keepLastTags.pattern"] = [$"a regular expression of 1 to {MaxPatternLength} characters"];
        else
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            }
            catch (ArgumentException e)
            {
                problems["keepLastTags.pattern"] = [$"not a valid regular expression: {e.Message}"];
            }
        }
        if (value.TryGetProperty("count", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) && n >= 0)
            count = n;
        else
            problems["keepLastTags.count"] = ["a whole number, 0 or more (how many matching tags stay)"];
        foreach (var extra in value.EnumerateObject().Where(f => f.Name is not ("pattern" or "count")))
            problems[$"keepLastTags.{extra.Name}"] = ["not a field of keepLastTags (pattern, count)"];
        return pattern is not null && count is { } k ? new KeepLastTags(pattern, k) : null;
    }

    /// <summary>"7d", "12h", "30m", "45s", or a TimeSpan ("7.00:00:00"); positive only.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1])
            && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            double? seconds = char.ToLowerInvariant(text[^1]) switch
            {
                'd' => amount * 86_400,
                'h' => amount * 3_600,
                'm' => amount * 60,
                's' => amount,
                _ => null,
            };
            if (seconds is not { } s || s > TimeSpan.MaxValue.TotalSeconds / 2)
                return false;
            duration = TimeSpan.FromSeconds(s);
        }
        else if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration))
            return false;
        return duration > TimeSpan.Zero;
    }
}
