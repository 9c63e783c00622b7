using System.Text.Json;
using Spectre.Console;

namespace Platform.Cli.Hosting;

/// <summary>How results are printed: tables for people, `--output json` for scripts (one JSON document on stdout).</summary>
internal enum OutputFormat { Table, Json }

internal sealed class Output(OutputFormat format, IAnsiConsole console, IAnsiConsole errors)
{
    // camelCase, as the platform's own answers are.
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public OutputFormat Format { get; } = format;
    public bool Json => Format == OutputFormat.Json;
    public IAnsiConsole Console { get; } = console;
    /// <summary>Progress and messages for people: stderr, so stdout stays the result.</summary>
    public IAnsiConsole Errors { get; } = errors;

    public void WriteJson(object value) =>
        System.Console.Out.WriteLine(value is JsonElement e ? JsonSerializer.Serialize(e, Indented) : JsonSerializer.Serialize(value, Indented));

    public void Table(IEnumerable<string> columns, IEnumerable<IEnumerable<string?>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
            table.AddColumn(new TableColumn(Markup.Escape(column)));
        foreach (var row in rows)
            table.AddRow(row.Select(c => Markup.Escape(c ?? "-")).ToArray());
        Console.Write(table);
    }

    public void Line(string text) => Console.WriteLine(text);

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:0.#} MiB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:0.##} GiB",
    };

    public static string? Short(string? digest) => digest is { Length: > 19 } ? digest[..19] : digest;

    public static string? Text(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.ToString(),
        } : null;
}
