using Platform.Audit.Recording;
using Platform.Contracts;

namespace Platform.UnitTests.Audit;

public sealed class GcAuditTests
{
    [Fact]
    public void A_gc_run_is_summed_up_in_one_line_that_names_the_bytes_reclaimed()
    {
        var run = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var meta = new EventMetadata(Guid.NewGuid(), 1, DateTimeOffset.UnixEpoch, "system:gc", null, null, null);
        var summary = AuditConsumer.GcSummary(new GarbageCollectedV1(meta, run, false, "admin", 2, 3, 1, 4, 5, 123456, 6, 7));
        Assert.Equal("run=0f8fad5bd9cb469fa16570867728950e bytes-reclaimed=123456 unlinked=2 deleted=3 expired-uploads=1 " +
                     "orphan-files=4 truncated-uploads=5 retention-tags=6 retention-manifests=7 requested-by=admin", summary);
    }
}
