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
                if (json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                    return $"{errors[0].GetProperty("code").GetString()}: {errors[0].GetProperty("message").GetString()}";
                var title = json.TryGetProperty("title", out var t) ? t.GetString() : null;
                var detail = json.TryGetProperty("detail", out var d) ? d.GetString() : null;
                return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
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

    public void Dispose() => _http.Dispose();
}
