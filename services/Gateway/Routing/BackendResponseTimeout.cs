using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Platform.Gateway.Routing;

/// <summary>
/// How long the gateway waits for a backend's response headers once it has sent the whole request: a backend that
/// accepts the connection and never answers gets the same 503 as one that is down (<see cref="BackendFailures"/>)
/// after this, instead of holding the client for the proxy's idle timeout. The clock starts only when the request
/// body is through, so a slow upload (a body that streams for an hour) is not a hang; the proxy's activity timeout
/// still cuts a body that stops moving. Routes whose work legitimately takes long before it answers (garbage
/// collection) opt out with the <see cref="NoTimeout"/> metadata.
/// </summary>
internal sealed class BackendResponseTimeout : IDisposable
{
    public const string Section = "Backends";

    /// <summary>Route metadata key: "none" to wait as long as the activity timeout lets the request live.</summary>
    public const string MetadataKey = "ResponseTimeout";
    public const string NoTimeout = "none";

    private readonly CancellationTokenSource _waiting;
    private readonly TimeSpan _timeout;

    private BackendResponseTimeout(CancellationToken aborted, TimeSpan timeout)
    {
        _waiting = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _timeout = timeout;
    }

    /// <summary>The backend did not answer in time: the request was cancelled by the gateway, not by the client.</summary>
    public bool TimedOut { get; private set; }

    private CancellationToken Token => _waiting.Token;

    private int _state; // 0 waiting for the body to end, 1 clock running, 2 headers arrived

    private void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
            _waiting.CancelAfter(_timeout);
    }

    // Response headers arrived (possibly before the body ended: a refusal): from here on the response body is the
    // activity timeout's business.
    private void Stop()
    {
        if (Interlocked.Exchange(ref _state, 2) == 1)
            _waiting.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    private void Settle(CancellationToken aborted) =>
        TimedOut = _waiting.IsCancellationRequested && !aborted.IsCancellationRequested;

    public void Dispose() => _waiting.Dispose();

    public static WebApplicationBuilder AddBackendResponseTimeout(WebApplicationBuilder builder)
    {
        builder.Services.Configure<BackendTimeoutOptions>(builder.Configuration.GetSection(Section));
        builder.Services.AddSingleton<ITransformProvider, HeadersArrived>();
        return builder;
    }

    public static IReverseProxyApplicationBuilder UseBackendResponseTimeout(IReverseProxyApplicationBuilder proxy)
    {
        var options = proxy.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<BackendTimeoutOptions>>().Value;
        proxy.Use(async (context, next) =>
        {
            var route = context.GetReverseProxyFeature().Route.Config;
            if (options.ResponseTimeout <= TimeSpan.Zero
                || route.Metadata?.GetValueOrDefault(MetadataKey) == NoTimeout)
            {
                await next();
                return;
            }

            var aborted = context.RequestAborted;
            var body = context.Request.Body;
            using var wait = new BackendResponseTimeout(aborted, options.ResponseTimeout);
            context.Features.Set(wait);
            // The proxy cancels the backend request when the caller's token fires: this token fires when the caller
            // goes away or when the backend takes too long, and TimedOut tells the two apart.
            context.RequestAborted = wait.Token;
            if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
                context.Request.Body = new EndSignallingStream(body, wait.Start);
            else
                wait.Start();
            try
            {
                await next();
            }
            finally
            {
                wait.Settle(aborted);
                context.RequestAborted = aborted;
                context.Request.Body = body;
            }
        });
        return proxy;
    }

    /// <summary>Stops the clock when the backend's response headers arrive (response transforms run then).</summary>
    private sealed class HeadersArrived : ITransformProvider
    {
        public void ValidateRoute(TransformRouteValidationContext context) { }

        public void ValidateCluster(TransformClusterValidationContext context) { }

        public void Apply(TransformBuilderContext context) => context.AddResponseTransform(transform =>
        {
            transform.HttpContext.Features.Get<BackendResponseTimeout>()?.Stop();
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>The caller's request body, telling when the proxy has read all of it.</summary>
    private sealed class EndSignallingStream(Stream inner, Action ended) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Ended(inner.Read(buffer, offset, count), count);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Ended(await inner.ReadAsync(buffer, ct), buffer.Length);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Ended(int read, int asked)
        {
            if (read == 0 && asked > 0)
                ended();
            return read;
        }
    }
}

internal sealed class BackendTimeoutOptions
{
    /// <summary>
    /// The wait for response headers after the request is sent. 100 s is what HttpClient and YARP wait by default;
    /// the slowest legitimate answer is an upload's completion after a restart, which reads the upload file once.
    /// Zero or less: no limit but the activity timeout.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
