using System.Threading.Channels;
using Platform.Ipfs;
using Platform.Pinning.Content;
using Platform.Registry.Oci;

namespace Platform.Pinning.Pins;

/// <summary>
/// Adds small blobs to IPFS in batches: one /api/v0/add with a multipart part per blob. A burst of pushes is
/// mostly small blobs (configs, small layers), and a node's cost per add request dominates for them (the js-ipfs
/// dev node does about 50 single-file adds a second, and about 150 files a second in batches). Requests wait at
/// most <see cref="Gather"/> for company. Each blob is still streamed (never buffered) and checked against its
/// digest on the way; big blobs do not come here.
/// </summary>
public sealed class PinBatcher(KuboClient ipfs, IngestContent ingest, ILogger<PinBatcher> logger) : BackgroundService
{
    public const long MaxBlobSize = 4 * 1024 * 1024;
    private const int MaxBatch = 32;
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(20);

    private sealed record Request(string Digest, Digest Parsed, long Size, TaskCompletionSource<string?> Done);

    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>();

    /// <returns>The CID the blob was added and pinned as; null when Ingest has no local copy.</returns>
    public Task<string?> AddAsync(string digest, Digest parsed, long size, CancellationToken ct)
    {
        var request = new Request(digest, parsed, size, new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(request))
            throw new InvalidOperationException("the pin batcher is stopped");
        return request.Done.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            var batch = new List<Request>();
            while (batch.Count < MaxBatch && reader.TryRead(out var r))
                batch.Add(r);
            if (batch.Count < MaxBatch)
            {
                await Task.Delay(Gather, stoppingToken);
                while (batch.Count < MaxBatch && reader.TryRead(out var r))
                    batch.Add(r);
            }
            await AddBatchAsync(batch, stoppingToken);
        }
    }

    private async Task AddBatchAsync(List<Request> batch, CancellationToken ct)
    {
        var opened = new List<(Request Request, HttpResponseMessage Response, HashingReadStream Bytes)>();
        try
        {
            foreach (var request in batch)
            {
                try
                {
                    var response = await ingest.OpenAsync(request.Digest, ct);
                    if (response is null)
                    {
                        request.Done.TrySetResult(null);
                        continue;
                    }
                    opened.Add((request, response,
                        new HashingReadStream(await response.Content.ReadAsStreamAsync(ct), request.Parsed.HashAlgorithm)));
                }
                catch (Exception e)
                {
                    request.Done.TrySetException(e);
                }
            }
            if (opened.Count == 0)
                return;

            var added = await ipfs.AddManyAsync([.. opened.Select(o => ((Stream)o.Bytes, o.Request.Parsed.Encoded))], pin: true, ct);
            for (var i = 0; i < opened.Count; i++)
            {
                var (request, _, bytes) = opened[i];
                // What went into IPFS must be the blob: the digest is checked on the bytes as they were streamed.
                if (bytes.BytesRead != request.Size || bytes.HexDigest() != request.Parsed.Encoded)
                {
                    await ipfs.PinRmAsync(added[i].Cid, ct);
                    request.Done.TrySetException(new InvalidDataException(
                        $"bytes read for {request.Digest} do not match it ({bytes.BytesRead} of {request.Size} bytes)"));
                    continue;
                }
                request.Done.TrySetResult(added[i].Cid);
            }
            logger.LogDebug("added {Count} blobs in one request", opened.Count);
        }
        catch (Exception e)
        {
            foreach (var (request, _, _) in opened)
                request.Done.TrySetException(e);
        }
        finally
        {
            foreach (var (_, response, bytes) in opened)
            {
                await bytes.DisposeAsync();
                response.Dispose();
            }
        }
    }
}
