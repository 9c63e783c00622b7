using System.Globalization;
using System.Text.Json;
using Platform.Audit.Log;
using Platform.Hosting.ApiDescription;

namespace Platform.Audit.Api;

/// <summary>/api/v1/audit: query (newest first, cursor paging), verify the chain, export as JSON lines.</summary>
internal static class AuditEndpoints
{
    private const int DefaultLimit = 100, MaxLimit = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/v1/audit");
        audit.MapGet("/events", QueryAsync)
            .WithSummary("The audit log, newest first, with cursor paging (nextCursor).")
            .WithQueryParameters(("repository", "only this repository's entries"), ("action", "e.g. manifest.pushed"), ("actor", "who did it"),
                ("since", "RFC 3339 time"), ("until", "RFC 3339 time"), ("limit", "1 to 1000, default 100"), ("cursor", "nextCursor of the page before"))
            .Produces<AuditPage>().ProducesValidationProblem();
        audit.MapGet("/verify", async (AuditLog log, CancellationToken ct) =>
        {
            var result = await log.VerifyAsync(ct);
            return result.Valid
                ? Results.Json(new { valid = true, @checked = result.Checked })
                : Results.Json(new { valid = false, @checked = result.Checked, firstInvalidSequence = result.FirstInvalidSequence });
        })
            .WithSummary("Verifies the hash chain: valid, or the first sequence that breaks it.")
            .Produces<AuditVerification>();
        audit.MapGet("/export", ExportAsync)
            .WithSummary("The audit log as JSON lines (application/x-ndjson), oldest first.")
            .WithQueryParameters(("since", "RFC 3339 time"), ("until", "RFC 3339 time"))
            .Produces<AuditEntry>(contentType: "application/x-ndjson").ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> QueryAsync(HttpContext http, AuditLog log, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var limit = ParseInt(q["limit"], DefaultLimit, 1, MaxLimit, "limit", errors);
        var since = ParseTime(q["since"], "since", errors);
        var until = ParseTime(q["until"], "until", errors);
        long? before = null;
        if (q["cursor"].ToString() is { Length: > 0 } cursor)
        {
            if (long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0)
                before = c;
            else
                errors["cursor"] = ["cursor is not one this API returned"];
        }
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var entries = await log.QueryAsync(new AuditQuery(Empty(q["repository"]), Empty(q["action"]), Empty(q["actor"]),
            since, until, limit, before), ct);
        // The cursor is the last sequence returned: later writes get higher sequences, so pages never shift.
        var next = entries.Count == limit ? entries[^1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return Results.Json(new { events = entries, nextCursor = next }, Json);
    }

    private static async Task ExportAsync(HttpContext http, AuditLog log, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var since = ParseTime(http.Request.Query["since"], "since", errors);
        var until = ParseTime(http.Request.Query["until"], "until", errors);
        if (errors.Count > 0)
        {
            await Results.ValidationProblem(errors).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "application/x-ndjson";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"audit.jsonl\"";
        await foreach (var entry in log.ReadRangeAsync(since, until, ct))
        {
            await JsonSerializer.SerializeAsync(http.Response.Body, entry, Json, ct);
            await http.Response.Body.WriteAsync("\n"u8.ToArray(), ct);
        }
    }

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static int ParseInt(string? value, int fallback, int min, int max, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
            return fallback;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            return n;
        errors[name] = [$"{name} must be a whole number from {min} to {max}"];
        return fallback;
    }

    private static DateTimeOffset? ParseTime(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return t;
        errors[name] = [$"{name} must be an ISO 8601 time, e.g. 2026-11-22T10:00:00Z"];
        return null;
    }
}

/// <summary>The shapes the audit API answers with, for its description.</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Events, string? NextCursor);

internal sealed record AuditVerification(bool Valid, long Checked, long? FirstInvalidSequence);
