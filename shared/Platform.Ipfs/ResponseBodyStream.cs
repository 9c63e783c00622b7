namespace Platform.Ipfs;

/// <summary>
/// An HTTP response body handed out as a plain stream: disposing it releases the response (and its connection)
/// too, so a caller that streams a blob onwards needs to keep nothing else alive. Used for the IPFS node's answers
/// and for the services' internal content endpoints alike.
/// </summary>
public sealed class ResponseBodyStream(Stream inner, IDisposable owner) : ReadOnlyStream
{
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);
    public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
        inner.CopyToAsync(destination, bufferSize, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        owner.Dispose();
        await base.DisposeAsync();
    }
}
