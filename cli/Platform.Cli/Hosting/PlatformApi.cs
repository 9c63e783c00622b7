using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Platform.Cli.Hosting;

/// <summary>
/// The platform's HTTP API as the CLI calls it: the gateway's URL, the stored login (HTTP Basic with the account
/// and its personal access token, which the platform API takes; /v2 gets a bearer token from /token with the
/// same credentials), and every failure turned into a <see cref="CliException"/> with its exit code.
/// </summary>
internal sealed class PlatformApi : IDisposable
{
    public const string RegistryService = "platform-registry";
    private readonly HttpClient _http;

    public PlatformApi(string server, ServerLogin? login)
    {
        Server = server;
        Login = login;
        _http = new HttpClient { BaseAddress = new Uri(server), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("platform-cli", typeof(PlatformApi).Assembly.GetName().Version?.ToString(3)));
    }

    public string Server { get; }
    public ServerLogin? Login { get; }
    public HttpClient Http => _http;

    public static AuthenticationHeaderValue Basic(string user, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{secret}")));

    public HttpRequestMessage Request(HttpMethod method, string pathAndQuery)
    {
        var request = new HttpRequestMessage(method, pathAndQuery);
        if (Login is { } login)
            request.Headers.Authorization = Basic(login.Username, login.Token);
        return request;
    }

    public async Task<JsonElement> GetJsonAsync(string pathAndQuery, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, pathAndQuery);
        return await SendJsonAsync(request, ct);
    }

    public async Task<JsonElement> SendJsonAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            return JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CliException(ExitCodes.Failed, $"{request.Method} {request.RequestUri}: the answer is not JSON");
        }
    }

    /// <summary>Sends; an answer that is not a success becomes the exit code its status means.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot reach {Server}: {e.Message}");
        }
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            throw await FailureAsync(request, response, ct);
    }

    private async Task<CliException> FailureAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var reason = await ReasonAsync(response, ct);
        var what = $"{request.Method} {request.RequestUri?.OriginalString}: {status} {reason}".TrimEnd();
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new CliException(ExitCodes.Unauthorized,
                Login is null ? $"{what} (not logged in: run `platform login {Server}`)" : $"{what} (log in again: `platform login {Server}`)"),
            HttpStatusCode.Forbidden => new CliException(ExitCodes.Unauthorized, what),
            HttpStatusCode.NotFound => new CliException(ExitCodes.NotFound, what),
            HttpStatusCode.TooManyRequests => new CliException(ExitCodes.Unavailable, what),
            _ when status >= 500 => new CliException(ExitCodes.Unavailable, what),
            _ => new CliException(ExitCodes.Rejected, what),
        };
    }

    /// <summary>problem+json's title and detail, or the OCI error's code and message, or nothing.</summary>
    private static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            if (json.ValueKind == JsonValueKind.Object)
            {
                var errors = json.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array ? e : default;
                if (errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0 && errors[0].TryGetProperty("code", out var code))
                    return $"{code.GetString()}: {Output.Text(errors[0], "message")}";
                var title = json.TryGetProperty("title", out var t) ? t.GetString() : null;
                var detail = json.TryGetProperty("detail", out var d) ? d.GetString() : null;
                var reason = string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
                // A file's problems (Deploy's): each on a line of its own, with the field and where it is.
                if (errors.ValueKind == JsonValueKind.Array)
                    foreach (var problem in errors.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
                        reason += $"\n  {Output.Text(problem, "path")}{(Output.Text(problem, "line") is { } line ? $" (line {line}, column {Output.Text(problem, "column")})" : "")}: {Output.Text(problem, "message")}";
                return reason;
            }
        }
        catch (JsonException)
        {
        }
        return body.Length is > 0 and <= 200 && !body.Contains('<') ? body.Trim() : response.ReasonPhrase ?? "";
    }

    /// <summary>A bearer token for /v2 with the scope asked for (the spec's token flow), or null without a login.</summary>
    public async Task<string?> RegistryTokenAsync(string scope, CancellationToken ct)
    {
        if (Login is null)
            return null;
        using var request = Request(HttpMethod.Get, $"/token?service={RegistryService}&scope={Uri.EscapeDataString(scope)}");
        var answer = await SendJsonAsync(request, ct);
        return answer.TryGetProperty("token", out var token) ? token.GetString() : null;
    }

    /// <summary>"?a=1&amp;b=2" of the parameters given (empty ones left out), or "".</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    public static string? Time(DateTimeOffset? t) => t?.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => _http.Dispose();
}
