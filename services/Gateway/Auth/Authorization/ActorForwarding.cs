using Platform.Hosting.Observability;
using Platform.Hosting.Security;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Platform.Gateway.Auth.Authorization;

/// <summary>
/// On every proxied request: drops whatever X-Platform-Actor* headers the client sent and the client's
/// Authorization header (the backends never see tokens), then, when Auth:InternalKey is set, names the caller
/// in X-Platform-Actor with its HMAC signature (see <see cref="GatewayActor"/>).
/// </summary>
internal sealed class ActorForwarding(IConfiguration configuration) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context) { }

    public void ValidateCluster(TransformClusterValidationContext context) { }

    public void Apply(TransformBuilderContext context) =>
        context.AddRequestTransform(t =>
        {
            var headers = t.ProxyRequest.Headers;
            foreach (var name in headers.Select(h => h.Key).Where(IsActorHeader).ToList())
                headers.Remove(name);
            headers.Authorization = null;
            if (configuration[GatewayActor.KeySetting] is { Length: > 0 } key)
                Stamp(headers, key, t.HttpContext);
            return ValueTask.CompletedTask;
        });

    public static bool IsActorHeader(string name) => name.StartsWith(GatewayActor.ActorHeader, StringComparison.OrdinalIgnoreCase);

    public static void Stamp(System.Net.Http.Headers.HttpRequestHeaders headers, string key, HttpContext context)
    {
        var actor = context.GetCaller().ActorName;
        headers.TryAddWithoutValidation(GatewayActor.ActorHeader, actor);
        headers.TryAddWithoutValidation(GatewayActor.SignatureHeader, GatewayActor.Sign(key, actor, context.GetRequestId()));
        headers.Remove(RequestIds.Header);
        headers.TryAddWithoutValidation(RequestIds.Header, context.GetRequestId());
    }
}
