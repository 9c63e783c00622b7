using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using Platform.Cli.Hosting;
using Platform.Cli.Registry;
using Spectre.Console;

namespace Platform.Cli.Canisters;

/// <summary>
/// `platform canister push FILE.wasm` (with the plain OCI Distribution API, so any registry that takes OCI
/// artifacts takes it, and the platform validates it on top) and `platform canister versions NAME`.
/// </summary>
internal static class CanisterCommands
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The canister module (.wasm, or .wasm.gz as it is)" };
        var name = new Option<string>("--name") { Description = "The module's name, <namespace>/<canister> (e.g. shop/ledger)", Required = true };
        var branch = new Option<string?>("--branch") { Description = "Default: the git branch of the current directory" };
        var tag = new Option<string?>("--tag") { Description = "Default: the git tag on HEAD, if any" };
        var commit = new Option<string?>("--commit") { Description = "Default: the git commit of HEAD" };
        var source = new Option<string?>("--source") { Description = "Default: git's remote.origin.url" };
        var candid = new Option<FileInfo?>("--candid") { Description = "The Candid interface (.did); default: the module's candid:service section" };
        var gzip = new Option<bool>("--gzip") { Description = "Store the module gzip-compressed (application/wasm+gzip)" };
        var push = new Command("push", "Push a canister module as a versioned artifact (tags <branch>-latest, <tag>, sha-<commit>)")
            { file, name, branch, tag, commit, source, candid, gzip };
        push.Run(async (parse, api, output, ct) =>
        {
            var path = parse.GetValue(file)!;
            var bytes = await ReadModuleAsync(path, ct);
            var git = GitInfo.Of(Environment.CurrentDirectory);
            var artifact = new CanisterArtifact
            {
                Name = parse.GetValue(name)!,
                Branch = parse.GetValue(branch) ?? git.Branch
                    ?? throw new CliException(ExitCodes.Usage, "no --branch, and the current directory is not on a git branch"),
                Tag = parse.GetValue(tag) ?? git.Tag,
                Commit = parse.GetValue(commit) ?? git.Commit,
                Source = parse.GetValue(source) ?? git.Source,
                Candid = parse.GetValue(candid) is { } did ? await File.ReadAllTextAsync(did.FullName, ct) : null,
                Module = bytes,
                Gzip = parse.GetValue(gzip),
            };
            var pushed = await PushAsync(api, output, artifact, path.Name, ct);
            if (output.Json)
                output.WriteJson(pushed);
            else
                output.Line($"pushed {pushed.Name}@{pushed.Digest} (module {Output.Short(pushed.ModuleHash)}, tags {string.Join(", ", pushed.Tags)})");
            return ExitCodes.Ok;
        });

        var versionsName = new Argument<string>("NAME") { Description = "The module's name, e.g. shop/ledger" };
        var onBranch = new Option<string?>("--branch") { Description = "Only this branch" };
        var withTag = new Option<string?>("--tag") { Description = "Only this tag" };
        var atCommit = new Option<string?>("--commit") { Description = "Only this commit" };
        var versions = new Command("versions", "The versions of a canister module, newest first") { versionsName, onBranch, withTag, atCommit };
        versions.Run(async (parse, api, output, ct) =>
        {
            var filter = string.Join('&', new[] { ("branch", parse.GetValue(onBranch)), ("tag", parse.GetValue(withTag)), ("commit", parse.GetValue(atCommit)) }
                .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
            var answer = await api.GetJsonAsync($"/api/v1/canisters/{RegistryCommands.RepositoryPath(parse.GetValue(versionsName)!)}/versions"
                + (filter.Length > 0 ? "?" + filter : ""), ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var list = answer.ValueKind == System.Text.Json.JsonValueKind.Array ? answer : answer.GetProperty("versions");
            output.Table(["BRANCH", "TAG", "COMMIT", "DIGEST", "MODULE HASH", "SIZE", "PUSHED", "BY", "CORRUPTED"], list.EnumerateArray().Select(v => new[]
            {
                Output.Text(v, "branch"), Output.Text(v, "tag"), Output.Text(v, "commit") is { Length: > 12 } c ? c[..12] : Output.Text(v, "commit"),
                Output.Short(Output.Text(v, "digest")), Output.Short(Output.Text(v, "moduleHash")),
                v.TryGetProperty("size", out var s) && s.TryGetInt64(out var size) ? Output.Size(size) : null,
                Output.Text(v, "pushedAt"), Output.Text(v, "pushedBy"), Output.Text(v, "corrupted"),
            }));
            return ExitCodes.Ok;
        });
        return new Command("canister", "Canister modules") { push, versions };
    }

    internal sealed record Pushed(string Name, string Digest, string ModuleHash, long Size, string Branch, string? Tag, string? Commit, IReadOnlyList<string> Tags);

    /// <summary>Pushes the artifact (used by `canister push` and `env import`): its blobs, then its manifest under each of its tags.</summary>
    internal static async Task<Pushed> PushAsync(PlatformApi api, Output output, CanisterArtifact artifact, string fileName, CancellationToken ct)
    {
        var repository = artifact.Name;
        var bearer = await api.RegistryTokenAsync($"repository:{repository}:pull,push", ct);
        var config = artifact.Config();
        var layer = artifact.Layer();
        var manifest = artifact.Manifest(config, layer);

        // The bar shows the module's upload; the config and the manifest are a few hundred bytes.
        if (!output.Json && output.Errors.Profile.Capabilities.Interactive)
            await output.Errors.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(Markup.Escape(fileName), maxValue: layer.Length);
                    await UploadBlobAsync(api, bearer, repository, layer, sent => task.Value = sent, ct);
                    task.Value = layer.Length;
                });
        else
            await UploadBlobAsync(api, bearer, repository, layer, _ => { }, ct);
        await UploadBlobAsync(api, bearer, repository, config, _ => { }, ct);

        var tags = artifact.Tags();
        foreach (var tag in tags)
        {
            using var put = Registry(api, HttpMethod.Put, $"/v2/{RegistryCommands.RepositoryPath(repository)}/manifests/{tag}", bearer);
            put.Content = new ByteArrayContent(manifest);
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
            using var _ = await api.SendAsync(put, ct);
        }
        return new Pushed(repository, CanisterArtifact.Digest(manifest), artifact.ModuleHash, layer.LongLength, artifact.Branch, artifact.Tag, artifact.Commit, tags);
    }

    /// <summary>A blob the repository does not have yet: a session (POST), then the bytes with the digest (PUT).</summary>
    private static async Task UploadBlobAsync(PlatformApi api, string? bearer, string repository, byte[] bytes, Action<long> sent, CancellationToken ct)
    {
        var digest = CanisterArtifact.Digest(bytes);
        var repo = RegistryCommands.RepositoryPath(repository);
        using (var head = Registry(api, HttpMethod.Head, $"/v2/{repo}/blobs/{digest}", bearer))
        using (var exists = await api.Http.SendAsync(head, ct))
            if (exists.StatusCode == HttpStatusCode.OK)
            {
                sent(bytes.Length);
                return;
            }
        Uri location;
        using (var start = Registry(api, HttpMethod.Post, $"/v2/{repo}/blobs/uploads/", bearer))
        using (var started = await api.SendAsync(start, ct))
            location = started.Headers.Location ?? throw new CliException(ExitCodes.Failed, "the registry answered no upload location");
        var target = new Uri(new Uri(api.Server), location);
        var complete = target + (target.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);
        using var putBlob = Registry(api, HttpMethod.Put, complete, bearer);
        putBlob.Content = new ProgressContent(bytes, sent);
        using var __ = await api.SendAsync(putBlob, ct);
    }

    private static HttpRequestMessage Registry(PlatformApi api, HttpMethod method, string pathOrUrl, string? bearer)
    {
        var request = new HttpRequestMessage(method, pathOrUrl);
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return request;
    }

    /// <summary>A module file's WebAssembly (gunzipped if it is gzipped); a missing file or other bytes are exit 2.</summary>
    internal static async Task<byte[]> ReadModuleAsync(FileInfo path, CancellationToken ct)
    {
        if (!path.Exists)
            throw new CliException(ExitCodes.Usage, $"{path.FullName} does not exist");
        var bytes = await File.ReadAllBytesAsync(path.FullName, ct);
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            bytes = Gunzip(bytes);
        if (!CanisterArtifact.IsWasm(bytes))
            throw new CliException(ExitCodes.Usage, $"{path.Name} is not a WebAssembly module");
        return bytes;
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        try
        {
            gzip.CopyTo(plain);
        }
        catch (InvalidDataException)
        {
            throw new CliException(ExitCodes.Usage, "the file looks gzipped but does not decompress");
        }
        return plain.ToArray();
    }

    /// <summary>The bytes of a blob, reporting how many have been handed to the connection.</summary>
    private sealed class ProgressContent(byte[] bytes, Action<long> sent) : HttpContent
    {
        private const int Chunk = 64 * 1024;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += Chunk)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(Chunk, bytes.Length - offset)));
                sent(Math.Min(offset + Chunk, bytes.Length));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.LongLength;
            return true;
        }
    }
}
