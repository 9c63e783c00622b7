using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using static Platform.UnitTests.Registry.ReadModels.EventHelpers;

namespace Platform.UnitTests.Registry.ReadModels;

public sealed class UploadSessionProjectionTests
{
    private static readonly Guid Session = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private const string Digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static UploadSession Started() => UploadSessionProjection.Create(At(new UploadStarted(Session, "team/app"), 0));

    [Fact]
    public void Started_is_open_at_offset_zero()
    {
        var s = Started();
        Assert.Equal(Session, s.SessionId);
        Assert.Equal("team/app", s.Repository);
        Assert.Equal(0, s.Offset);
        Assert.Equal(UploadState.Open, s.State);
        Assert.Null(s.Digest);
        Assert.Equal(T0, s.StartedAt);
    }

    [Fact]
    public void Each_chunk_moves_the_offset_to_its_end()
    {
        var s = Started();
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 0, 1000), s);
        Assert.Equal(1000, s.Offset);
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 1000, 24), s);
        Assert.Equal(1024, s.Offset);
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 1024, 0), s);
        Assert.Equal(1024, s.Offset);
        Assert.Equal(UploadState.Open, s.State);
        Assert.Equal(T0, s.StartedAt);
    }

    [Fact]
    public void The_offset_is_what_the_event_recorded_not_a_running_sum()
    {
        // A chunk re-sent after a lost response is recorded from where it really starts.
        var s = Started();
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 0, 500), s);
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 0, 700), s);
        Assert.Equal(700, s.Offset);
    }

    [Fact]
    public void Completed_records_the_digest_and_the_final_size()
    {
        var s = Started();
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 0, 1000), s);
        // The closing PUT may carry the last bytes itself: the size is the whole blob.
        s = UploadSessionProjection.Apply(new UploadCompleted(Session, "team/app", Digest, 1500), s);
        Assert.Equal(UploadState.Completed, s.State);
        Assert.Equal(Digest, s.Digest);
        Assert.Equal(1500, s.Offset);
        Assert.Equal("team/app", s.Repository);
    }

    [Fact]
    public void Monolithic_upload_completes_without_chunks()
    {
        var s = UploadSessionProjection.Apply(new UploadCompleted(Session, "team/app", Digest, 3), Started());
        Assert.Equal(UploadState.Completed, s.State);
        Assert.Equal(3, s.Offset);
    }

    [Fact]
    public void Cancelled_keeps_the_offset_and_has_no_digest()
    {
        var s = Started();
        s = UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 0, 42), s);
        s = UploadSessionProjection.Apply(new UploadCancelled(Session, "team/app"), s);
        Assert.Equal(UploadState.Cancelled, s.State);
        Assert.Equal(42, s.Offset);
        Assert.Null(s.Digest);
    }

    [Fact]
    public void Apply_returns_the_same_document()
    {
        var s = Started();
        Assert.Same(s, UploadSessionProjection.Apply(new UploadChunkAccepted(Session, 0, 1), s));
        Assert.Same(s, UploadSessionProjection.Apply(new UploadCancelled(Session, "team/app"), s));
    }
}
