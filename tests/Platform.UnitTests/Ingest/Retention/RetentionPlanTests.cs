using System.Text;
using System.Text.Json;
using Platform.Ingest.Retention;
using Platform.Registry.Events;
using Platform.Registry.ReadModels;
using static Platform.UnitTests.Registry.ReadModels.EventHelpers;

namespace Platform.UnitTests.Ingest.Retention;

public sealed class RetentionPlanTests
{
    private const string Repo = "team/app";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";

    private static string D(char c) => "sha256:" + new string(c, 64);

    private static ManifestPushed Image(string digest, string? subject = null) =>
        new(Repo, digest, OciManifest, Encoding.UTF8.GetBytes(digest), subject, null, null, [], []);

    private static ManifestPushed IndexOf(string digest, params string[] children) =>
        new(Repo, digest, OciIndex, Encoding.UTF8.GetBytes(digest), null, null, null, [], children);

    private sealed class Builder
    {
        private RepositoryState? _r;

        public Builder Push(ManifestPushed m, int at)
        {
            _r = _r is null ? RepositoryStateProjection.Create(At(m, at)) : RepositoryStateProjection.Apply(At(m, at), _r);
            return this;
        }

        public Builder Tag(string tag, string digest, int at)
        {
            var previous = _r!.Tags.GetValueOrDefault(tag);
            _r = RepositoryStateProjection.Apply(At(new TagMoved(Repo, tag, digest, previous), at), _r);
            return this;
        }

        public RepositoryState State => _r!;
    }

    private static IReadOnlyList<string> Expired(RepositoryState state, string pattern, int count) =>
        RetentionPlan.Decide(state, new RetentionRules(new KeepLastTags(pattern, count), null), T0.AddDays(1)).Tags;

    [Fact]
    public void Keeps_the_N_most_recently_moved_matching_tags_by_move_time_not_by_name_or_push_time()
    {
        var b = new Builder().Push(Image(D('a')), 0).Push(Image(D('b')), 1).Push(Image(D('c')), 2);
        // pr-9 was tagged first, pr-1 last; pr-2 moved (to a newer manifest) after pr-3 was tagged.
        b.Tag("pr-9", D('a'), 10).Tag("pr-2", D('a'), 11).Tag("pr-3", D('b'), 12).Tag("pr-2", D('c'), 13).Tag("pr-1", D('a'), 14);

        Assert.Equal(["pr-3", "pr-9"], Expired(b.State, "^pr-", 2));
        Assert.Equal(["pr-9"], Expired(b.State, "^pr-", 3));
        Assert.Empty(Expired(b.State, "^pr-", 4));
        Assert.Equal(["pr-1", "pr-2", "pr-3", "pr-9"], Expired(b.State, "^pr-", 0));
    }

    [Fact]
    public void Tags_not_matching_are_never_touched_and_the_pattern_is_unanchored_unless_anchored()
    {
        var b = new Builder().Push(Image(D('a')), 0);
        b.Tag("latest", D('a'), 1).Tag("v1.0", D('a'), 2).Tag("pr-1", D('a'), 3).Tag("fix-pr-2", D('a'), 4).Tag("PR-3", D('a'), 5);

        Assert.Equal(["pr-1"], Expired(b.State, "^pr-", 0));
        // Unanchored, "pr-" matches inside a name; matching is case-sensitive.
        Assert.Equal(["fix-pr-2", "pr-1"], Expired(b.State, "pr-", 0));
        Assert.Equal(["PR-3", "fix-pr-2", "pr-1"], Expired(b.State, "(?i)pr-", 0));
        Assert.Empty(Expired(b.State, "^nothing$", 0));
    }

    [Fact]
    public void Equal_move_times_are_decided_by_name_the_same_way_every_time()
    {
        var b = new Builder().Push(Image(D('a')), 0);
        b.Tag("pr-a", D('a'), 5).Tag("pr-b", D('a'), 5).Tag("pr-c", D('a'), 5);
        Assert.Equal(["pr-a"], Expired(b.State, "^pr-", 2));
    }

    [Fact]
    public void A_pattern_that_times_out_matches_nothing()
    {
        var b = new Builder().Push(Image(D('a')), 0);
        var evil = new string('a', 40) + "!";
        b.Tag(evil, D('a'), 1);
        // Catastrophic backtracking: the match times out, and a tag undecided is a tag kept.
        Assert.Empty(Expired(b.State, "^(a+)+$", 0));
    }

    [Fact]
    public void A_state_without_tag_move_times_is_left_alone()
    {
        var b = new Builder().Push(Image(D('a')), 0).Tag("pr-1", D('a'), 1).Tag("pr-2", D('a'), 2);
        b.State.TagMovedAt.Remove("pr-1");
        Assert.Empty(Expired(b.State, "^pr-", 0));
    }

    private static IReadOnlyList<string> Untagged(RepositoryState state, int cutoffSeconds, KeepLastTags? keep = null) =>
        RetentionPlan.Decide(state, new RetentionRules(keep, TimeSpan.FromSeconds(100)), T0.AddSeconds(cutoffSeconds + 100)).Manifests;

    [Fact]
    public void Untagged_manifests_pushed_before_the_cutoff_go_young_and_tagged_ones_stay()
    {
        var b = new Builder().Push(Image(D('a')), 0).Push(Image(D('b')), 1).Push(Image(D('c')), 20).Tag("v1", D('b'), 2);
        Assert.Equal([D('a')], Untagged(b.State, 10));
    }

    [Fact]
    public void An_index_that_stays_keeps_its_children_and_one_that_goes_takes_its_old_untagged_children()
    {
        var b = new Builder().Push(Image(D('a')), 0).Push(Image(D('b')), 0).Push(IndexOf(D('i'), D('a'), D('b')), 1)
            .Push(Image(D('c')), 0).Push(Image(D('d')), 30).Push(IndexOf(D('j'), D('c'), D('d')), 2)
            .Tag("multi", D('i'), 3);
        // i is tagged: a and b stay. j is old and untagged: it goes with c; d is young and stays.
        Assert.Equal([D('c'), D('j')], Untagged(b.State, 10));
    }

    [Fact]
    public void Referrers_live_and_die_with_their_subject()
    {
        var b = new Builder()
            .Push(Image(D('a')), 0).Tag("v1", D('a'), 0)
            .Push(Image(D('s'), subject: D('a')), 0)       // an old signature of a tagged image: stays
            .Push(Image(D('b')), 0)
            .Push(Image(D('t'), subject: D('b')), 50)      // a young signature of an old untagged image: goes with it
            .Push(Image(D('u'), subject: D('t')), 0)       // a referrer of that referrer: goes too
            .Push(Image(D('r'), subject: D('f')), 50);     // its subject is not here: judged by its own age, young
        Assert.Equal([D('b'), D('t'), D('u')], Untagged(b.State, 10));
    }

    [Fact]
    public void A_manifest_whose_tags_the_tag_rule_deletes_is_untagged_for_the_same_run()
    {
        var b = new Builder().Push(Image(D('a')), 0).Push(Image(D('b')), 1).Tag("pr-1", D('a'), 2).Tag("pr-2", D('b'), 3).Tag("stable", D('b'), 4);
        var (tags, manifests) = RetentionPlan.Decide(b.State, new RetentionRules(new KeepLastTags("^pr-", 0), TimeSpan.FromSeconds(100)),
            T0.AddSeconds(200));
        Assert.Equal(["pr-1", "pr-2"], tags);
        Assert.Equal([D('a')], manifests);
    }

    [Fact]
    public void No_rules_delete_nothing()
    {
        var b = new Builder().Push(Image(D('a')), 0).Tag("pr-1", D('a'), 1);
        var (tags, manifests) = RetentionPlan.Decide(b.State, new RetentionRules(null, null), T0.AddDays(365));
        Assert.Empty(tags);
        Assert.Empty(manifests);
    }

    [Theory]
    [InlineData("7d", 7 * 86400)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("30m", 1800)]
    [InlineData("45s", 45)]
    [InlineData("1.5d", 129600)]
    [InlineData("7.00:00:00", 7 * 86400)]
    [InlineData("00:00:10", 10)]
    public void Durations_parse(string text, int seconds)
    {
        Assert.True(RetentionRules.TryParseDuration(text, out var d));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("7w")]
    [InlineData("d")]
    [InlineData("soon")]
    [InlineData("-00:00:01")]
    public void Bad_durations_do_not(string text) => Assert.False(RetentionRules.TryParseDuration(text, out _));

    [Theory]
    [InlineData("""{"keepLastTags":{"pattern":"(","count":5}}""", "keepLastTags.pattern")]
    [InlineData("""{"keepLastTags":{"pattern":"","count":5}}""", "keepLastTags.pattern")]
    [InlineData("""{"keepLastTags":{"pattern":"^pr-","count":-1}}""", "keepLastTags.count")]
    [InlineData("""{"keepLastTags":{"pattern":"^pr-"}}""", "keepLastTags.count")]
    [InlineData("""{"keepLastTags":{"pattern":"^pr-","count":5,"max":1}}""", "keepLastTags.max")]
    [InlineData("""{"untaggedOlderThan":"7 days"}""", "untaggedOlderThan")]
    [InlineData("""{"untaggedOlderThan":7}""", "untaggedOlderThan")]
    [InlineData("""{"keepLast":{"pattern":"x","count":1}}""", "keepLast")]
    [InlineData("""[]""", "body")]
    public void Bad_rules_name_the_field(string json, string field)
    {
        Assert.Null(RetentionRules.Parse(JsonDocument.Parse(json).RootElement, out var problems));
        Assert.Contains(field, problems.Keys);
    }

    [Fact]
    public void Good_rules_parse()
    {
        var rules = RetentionRules.Parse(JsonDocument.Parse("""{"keepLastTags":{"pattern":"^pr-","count":5},"untaggedOlderThan":"7d"}""").RootElement, out var problems);
        Assert.Empty(problems);
        Assert.Equal(new RetentionRules(new KeepLastTags("^pr-", 5), TimeSpan.FromDays(7)), rules);
    }
}
