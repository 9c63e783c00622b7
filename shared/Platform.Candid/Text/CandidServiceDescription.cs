namespace Platform.Candid;

/// <summary>
/// A parsed <c>candid:service</c> text: its named types, the init arguments (<c>service : (init) -> { ... }</c>)
/// and the service with its methods.
/// </summary>
public sealed class CandidServiceDescription
{
    internal CandidServiceDescription(IReadOnlyDictionary<string, CandidType> types, IReadOnlyList<CandidType> initArgs,
        ServiceType? service)
    {
        Types = types;
        InitArgs = initArgs;
        Service = service ?? new ServiceType([]);
        HasService = service is not null;
    }

    public IReadOnlyDictionary<string, CandidType> Types { get; }

    /// <summary>Empty when the service takes no init arguments or the description has no service.</summary>
    public IReadOnlyList<CandidType> InitArgs { get; }

    public ServiceType Service { get; }

    /// <summary>False for a text of type definitions only.</summary>
    public bool HasService { get; }

    public CandidMethod? FindMethod(string name) => Service.FindMethod(name);

    /// <summary>The method; <see cref="KeyNotFoundException"/> naming the service's methods when it has none of that name.</summary>
    public CandidMethod Method(string name) => FindMethod(name)
        ?? throw new KeyNotFoundException($"The service has no method '{name}' (it has: {string.Join(", ", Service.Methods.Select(m => m.Name))}).");

    public override string ToString() => TypePrinter.PrintService(Types, InitArgs, Service);
}
