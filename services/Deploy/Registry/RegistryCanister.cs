namespace Platform.Deploy.Registry;

/// <summary>The environment's own service-discovery canister: its name is reserved in the file.</summary>
internal static class RegistryCanister
{
    public const string ServiceName = "registry";
}
