using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Platform.Engine.Client.PocketIcJson;

namespace Platform.Engine.Client;

/// <summary>
/// A client of PocketIC's REST API (the platform's engine or a real PocketIC server), over an
/// <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server. Server-level operations
/// here; an instance's through <see cref="Instance(int)"/>.
/// </summary>
public sealed class PocketIcClient
{
    private readonly HttpClient _http;
    private readonly PocketIcClientOptions _options;

    public PocketIcClient(HttpClient http, PocketIcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null) throw new ArgumentException("the HttpClient needs a BaseAddress (the server's URL)", nameof(http));
        _http = http;
        _options = options ?? new PocketIcClientOptions();
    }

    public Uri ServerUrl => _http.BaseAddress!;

    public PocketIcInstance Instance(int id) => new(this, id);

    /// <summary><c>POST /instances</c>; the instance and the topology it was created with.</summary>
    public async Task<PocketIcInstance> CreateInstanceAsync(SubnetConfig? subnets = null, CancellationToken cancellationToken = default)
    {
        var body = Json(w => WriteInstanceConfig(w, subnets ?? new SubnetConfig()));
        var answer = await SendAsync(HttpMethod.Post, "instances", body, cancellationToken).ConfigureAwait(false);
        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("Error", out var error))
            throw new PocketIcException("the server refused the instance: " + (error.TryGetProperty("message", out var m) ? m.GetString() : error.GetRawText()));
        var created = Property(answer, "Created");
        var id = Property(created, "instance_id").GetInt32();
        var topology = created.TryGetProperty("topology", out var t) && t.ValueKind == JsonValueKind.Object ? TopologyReader.Read(t) : null;
        return new PocketIcInstance(this, id, topology);
    }

    /// <summary>
    /// <c>GET /instances</c>. PocketIC answers an array of states indexed by instance id; a server that names its
    /// instances may answer objects (<c>{"instance_id", "name", "state"}</c>) instead: both are read.
    /// </summary>
    public async Task<IReadOnlyList<InstanceSummary>> ListInstancesAsync(CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Get, "instances", null, cancellationToken).ConfigureAwait(false);
        if (answer.ValueKind != JsonValueKind.Array) throw new PocketIcException($"GET /instances answered {Shorten(answer)}");
        var list = new List<InstanceSummary>();
        var index = 0;
        foreach (var entry in answer.EnumerateArray())
        {
            list.Add(entry.ValueKind switch
            {
                JsonValueKind.String => new InstanceSummary(index, entry.GetString()!, null),
                JsonValueKind.Object => new InstanceSummary(
                    entry.TryGetProperty("instance_id", out var i) ? i.GetInt32() : entry.TryGetProperty("id", out var j) ? j.GetInt32() : index,
                    entry.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "Available",
                    entry.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null),
                _ => throw new PocketIcException($"GET /instances answered {Shorten(entry)}"),
            });
            index++;
        }
        return list;
    }

    /// <summary>
    /// The instance named <paramref name="name"/> when the server lists one, else a new one with
    /// <paramref name="subnets"/> (a real PocketIC server names no instance).
    /// </summary>
    public async Task<PocketIcInstance> NamedOrNewInstanceAsync(string name, SubnetConfig? subnets = null, CancellationToken cancellationToken = default)
    {
        var named = (await ListInstancesAsync(cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(i => i.Name == name && i.State == "Available");
        return named is not null ? Instance(named.Id) : await CreateInstanceAsync(subnets, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteInstanceAsync(int id, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Delete, $"instances/{id}", null, cancellationToken).ConfigureAwait(false);

    /// <summary><c>POST /blobstore</c> with the raw bytes; the blob's id (hex SHA-256, as the server names it).</summary>
    public async Task<string> UploadBlobAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        using var content = new ByteArrayContent(bytes);
        using var response = await _http.PostAsync("blobstore", content, cancellationToken).ConfigureAwait(false);
        var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim().Trim('"');
        if (!response.IsSuccessStatusCode) throw new PocketIcException($"POST /blobstore: {(int)response.StatusCode} {text}", (int)response.StatusCode);
        return text;
    }

    internal static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteInstanceConfig(Utf8JsonWriter w, SubnetConfig c)
    {
        w.WriteStartObject();
        w.WritePropertyName("subnet_config_set");
        w.WriteStartObject();
        foreach (var (name, spec) in new[] { ("nns", c.Nns), ("sns", c.Sns), ("ii", c.II), ("fiduciary", c.Fiduciary), ("bitcoin", c.Bitcoin) })
        {
            if (spec is null) continue;
            w.WritePropertyName(name);
            WriteSpec(w, spec);
        }
        foreach (var (name, specs) in new[] { ("system", c.System), ("application", c.Application), ("cloud_engine", c.CloudEngine), ("verified_application", c.VerifiedApplication) })
        {
            w.WriteStartArray(name);
            foreach (var spec in specs) WriteSpec(w, spec);
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSpec(Utf8JsonWriter w, SubnetSpec spec)
    {
        w.WriteStartObject();
        w.WriteString("dts_flag", spec.DtsFlag);
        w.WriteString("instruction_config", spec.InstructionConfig);
        w.WriteString("cost_schedule", spec.CostSchedule);
        if (spec.StateFromPath is null)
        {
            w.WriteString("state_config", "New");
        }
        else
        {
            w.WritePropertyName("state_config");
            w.WriteStartObject();
            w.WriteString("FromPath", spec.StateFromPath);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// One request with PocketIC's protocol around it: a top-level <c>"message"</c> is an error whatever the status;
    /// 409 with a <c>state_label</c> (instance busy) is retried; 202 with a <c>state_label</c> (started) is polled at
    /// <c>/read_graph/{state_label}/{op_id}</c> until it has a result; all within the processing timeout.
    /// </summary>
    internal async Task<JsonElement> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ProcessingTimeout);
        try
        {
            while (true)
            {
                var (status, answer) = await ExchangeAsync(method, path, body, timeout.Token).ConfigureAwait(false);
                if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("state_label", out var label))
                {
                    if (status == HttpStatusCode.Conflict)
                    {
                        await Task.Delay(_options.RetryDelay, timeout.Token).ConfigureAwait(false);
                        continue;
                    }
                    if (status == HttpStatusCode.Accepted)
                        return await PollAsync(label.GetString()!, Property(answer, "op_id").GetString()!, timeout.Token).ConfigureAwait(false);
                }
                return answer;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} /{path} did not complete within {_options.ProcessingTimeout.TotalSeconds:0.#} s");
        }
    }

    private async Task<JsonElement> PollAsync(string stateLabel, string opId, CancellationToken cancellationToken)
    {
        var path = $"read_graph/{Uri.EscapeDataString(stateLabel)}/{Uri.EscapeDataString(opId)}";
        while (true)
        {
            var (_, answer) = await ExchangeAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            if (answer.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)
                && !(answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("state_label", out _)))
                return answer;
            await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(HttpStatusCode, JsonElement)> ExchangeAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return response.IsSuccessStatusCode
                ? (response.StatusCode, default)
                : throw new PocketIcException($"{method} /{path}: {(int)response.StatusCode} with no body", (int)response.StatusCode);
        }
        JsonElement answer;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            answer = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(bytes);
            throw new PocketIcException($"{method} /{path}: {(int)response.StatusCode} {(text.Length > 300 ? text[..300] : text)}", (int)response.StatusCode);
        }
        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("message", out var message))
            throw new PocketIcException($"{method} /{path}: {message.GetString() ?? message.GetRawText()}", (int)response.StatusCode);
        return (response.StatusCode, answer);
    }
}
