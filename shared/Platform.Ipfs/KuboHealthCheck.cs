using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Platform.Ipfs;

/// <summary>Ready when the node answers /api/v0/id within <see cref="KuboOptions.HealthCheckTimeout"/>.</summary>
public sealed class KuboHealthCheck(KuboClient client, IOptions<KuboOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        // Short: a readiness probe must not wait for the client's long (upload-sized) request timeout.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthCheckTimeout);
        try
        {
            var id = await client.IdAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{id.AgentVersion} {id.Id} at {client.BaseAddress}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(failure, $"IPFS node at {client.BaseAddress} did not answer within {options.Value.HealthCheckTimeout}");
        }
        catch (Exception e) when (e is HttpRequestException or KuboException or System.Text.Json.JsonException)
        {
            return new HealthCheckResult(failure, $"IPFS node at {client.BaseAddress}: {e.Message}", e);
        }
    }
}
