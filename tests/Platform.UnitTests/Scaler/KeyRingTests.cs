using Platform.Contracts;

namespace Platform.UnitTests.Scaler;

public sealed class KeyRingTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 20_000).Select(i => $"user-{i}").ToArray();

    [Fact]
    public void Adding_a_member_moves_only_about_its_share_of_keys_and_all_of_them_to_it()
    {
        string[] four = ["0", "1", "2", "3"];
        string[] five = [.. four, "4"];
        var moved = Keys.Where(k => KeyRing.Pick(k, four) != KeyRing.Pick(k, five)).ToList();
        Assert.All(moved, k => Assert.Equal("4", KeyRing.Pick(k, five)));
        Assert.InRange(moved.Count / (double)Keys.Length, 0.17, 0.23);
        // and the keys spread evenly: every member within 10 % of its fair share
        Assert.All(five, m => Assert.InRange(Keys.Count(k => KeyRing.Pick(k, five) == m), 0.9 * Keys.Length / 5, 1.1 * Keys.Length / 5));
    }

    [Fact]
    public void Removing_a_member_moves_only_the_keys_it_had()
    {
        string[] members = ["rrkah-fqaaa-aaaaa-aaaaq-cai", "ryjl3-tyaaa-aaaaa-aaaba-cai", "r7inp-6aaaa-aaaaa-aaabq-cai"];
        string[] without = [members[0], members[2]];
        Assert.All(Keys.Where(k => KeyRing.Pick(k, members) != KeyRing.Pick(k, without)),
            k => Assert.Equal(members[1], KeyRing.Pick(k, members)));
    }

    [Fact]
    public void The_hash_is_the_documented_one_whatever_the_order_of_the_members()
    {
        // Computed independently (FNV-1a 64 over key, 0x00, member; then SplitMix64's finaliser).
        Assert.Equal(0x3234dcc21970a1fcUL, KeyRing.Score("user-42", "rrkah-fqaaa-aaaaa-aaaaq-cai"));
        Assert.Equal("0", KeyRing.Pick("alice", ["0", "1", "2", "3"]));
        Assert.Equal("2", KeyRing.Pick("bob", ["3", "2", "1", "0"]));
        Assert.Equal("2", KeyRing.Pick("carol", ["1", "3", "0", "2"]));
        Assert.Null(KeyRing.Pick("anyone", []));
    }
}
