using Platform.Cli.Hosting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Platform.Cli.Environments;

/// <summary>
/// An environment file as the CLI sends it: the text as it is (the platform validates it and names every problem),
/// and the environment's name from <c>metadata.name</c>, which the URL needs. A file that is not YAML (JSON is
/// YAML) or has no name is refused here, with its line and column, before anything is sent.
/// </summary>
internal sealed record EnvironmentFileText(string Path, string Text, string Name)
{
    public static EnvironmentFileText Read(FileInfo file)
    {
        if (!file.Exists)
            throw new CliException(ExitCodes.Usage, $"{file.FullName} does not exist");
        var text = File.ReadAllText(file.FullName);
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CliException(ExitCodes.Rejected, $"{file.Name}:{e.Start.Line}:{e.Start.Column}: not valid YAML or JSON: {Innermost(e).Message}");
        }
        var name = yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root
            && root.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadata) && metadata is YamlMappingNode m
            && m.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value.Length: > 0 } scalar
                ? scalar.Value!
                : throw new CliException(ExitCodes.Rejected, $"{file.Name}: metadata.name is missing: an environment file names its environment");
        return new EnvironmentFileText(file.FullName, text, name);
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
