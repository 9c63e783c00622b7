using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;

namespace Platform.Scaler.Signals;

/// <summary>The engine's load samples into the window; samples of other engine instances (throwaway test engines) are ignored.</summary>
internal sealed class EngineLoadConsumer(LoadWindow window, IOptions<ScalerServiceOptions> options) : IConsumer<EngineLoadSampleV1>
{
    public Task Consume(ConsumeContext<EngineLoadSampleV1> context)
    {
        var sample = context.Message;
        if (string.Equals(sample.InstanceId, options.Value.EngineInstance, StringComparison.Ordinal) && sample.WindowEnd > sample.WindowStart)
            window.Add(sample);
        return Task.CompletedTask;
    }
}
