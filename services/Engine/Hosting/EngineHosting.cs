using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Platform.Engine.Canisters;
using Platform.Engine.Instances;
using Platform.Engine.Outcalls;
using Platform.Engine.Runtime;

namespace Platform.Engine.Hosting;

internal static partial class EngineHosting
{
    public static WebApplicationBuilder AddCanisterEngine(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<EngineOptions>(builder.Configuration.GetSection("Engine"));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            return new WasmRuntime(options.ModuleCacheDirectory, sp.GetRequiredService<ILogger<WasmRuntime>>());
        });
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            return new InstructionLimits(o.UpdateInstructionLimit, o.QueryInstructionLimit, o.InstallInstructionLimit);
        });
        builder.Services.AddSingleton<OutcallAdapter>();
        builder.Services.AddSingleton<InstanceRegistry>();
        builder.Services.AddSingleton<ActivityTracker>();
        builder.Services.AddHostedService<Persistence.PersistentInstanceService>();
        builder.Services.AddHostedService<PortFileService>();
        builder.Services.AddHostedService<IdleShutdownService>();
        builder.Services.AddHostedService<Load.LoadSampler>();
        // Load samples go to RabbitMQ only when a broker is configured: pic-js runs the engine without one.
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(Platform.Hosting.Messaging.MessagingHosting.ConnectionStringName)))
        {
            Platform.Hosting.Messaging.MessagingHosting.AddPlatformMessaging(builder, "engine");
        }

        // PocketIC serves HTTP/1.1 JSON (pic-js uses fetch); chunks and stable memory make big bodies.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        return builder;
    }

    /// <summary>Counts requests for the idle timeout.</summary>
    public static WebApplication UseActivityTracking(this WebApplication app)
    {
        var tracker = app.Services.GetRequiredService<ActivityTracker>();
        app.Use(async (context, next) =>
        {
            tracker.Begin();
            try { await next(context); }
            finally { tracker.End(); }
        });
        return app;
    }
}

internal sealed class ActivityTracker
{
    private int _inFlight;
    private long _lastActivity = Environment.TickCount64;

    public void Begin() { Interlocked.Increment(ref _inFlight); Volatile.Write(ref _lastActivity, Environment.TickCount64); }
    public void End() { Interlocked.Decrement(ref _inFlight); Volatile.Write(ref _lastActivity, Environment.TickCount64); }
    public TimeSpan Idle => Volatile.Read(ref _inFlight) > 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastActivity));
}

/// <summary>
/// PocketIC's <c>--port-file</c>: refuses to start when the file exists (another server owns it), writes
/// <c>"&lt;port&gt;\n"</c> once Kestrel listens (so a port of 0 works) and deletes the file on shutdown.
/// </summary>
internal sealed partial class PortFileService(IOptions<EngineOptions> options, IServer server, IHostApplicationLifetime lifetime, ILogger<PortFileService> logger)
    : IHostedService
{
    private string? _written;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.PortFile;
        if (string.IsNullOrEmpty(path)) return Task.CompletedTask;
        if (File.Exists(path))
        {
            LogPortFileExists(path);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return Task.CompletedTask;
        }
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (address is null || !Uri.TryCreate(address, UriKind.Absolute, out var uri)) return;
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, $"{uri.Port}\n");
            File.Move(temporary, path);
            _written = path;
            LogListening(uri.Port, path);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_written is not null) File.Delete(_written);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Port file {Path} already exists: another server owns it, exiting")]
    private partial void LogPortFileExists(string path);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Listening on port {Port}, written to {Path}")]
    private partial void LogListening(int port, string path);
}

/// <summary>PocketIC's <c>--ttl</c>: the server exits after that many seconds without a request.</summary>
internal sealed partial class IdleShutdownService(IOptions<EngineOptions> options, ActivityTracker tracker, IHostApplicationLifetime lifetime, ILogger<IdleShutdownService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ttl = TimeSpan.FromSeconds(options.Value.TtlSeconds);
        if (ttl <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Min(1000, ttl.TotalMilliseconds / 2)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (tracker.Idle < ttl) continue;
            LogIdle(options.Value.TtlSeconds);
            lifetime.StopApplication();
            return;
        }
    }

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "No request for {Seconds} s (ttl): shutting down")]
    private partial void LogIdle(int seconds);
}
