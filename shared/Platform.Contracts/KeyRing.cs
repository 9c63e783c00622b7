namespace Platform.Contracts;

/// <summary>
/// <c>pick(name, key)</c>: which of a service's instances serves a key, by rendezvous (highest random weight)
/// hashing. Every member gets a score for the key and the highest wins, so adding a member moves to it exactly the
/// keys it now wins (about 1/n of them) and removing one moves only its own keys; nothing else changes hands.
/// <para>The exact function, so that the registry canister (Motoko: Nat64 with wrapping <c>*%</c>, <c>^</c>,
/// <c>&gt;&gt;</c>) computes the same answer:</para>
/// <list type="number">
/// <item>bytes = UTF-8(key) ++ [0x00] ++ UTF-8(member). A member is a replica's canister id (textual principal), or
/// a shard's number in decimal ("0", "1", ...) for sharded services, so a shard moved to a new canister keeps
/// its keys.</item>
/// <item>h = FNV-1a 64 of bytes: h = 0xcbf29ce484222325; for each byte b: h = (h ^ b) *% 0x100000001b3.</item>
/// <item>score = SplitMix64's finaliser of h: h ^= h &gt;&gt; 30; h *%= 0xbf58476d1ce4e5b9; h ^= h &gt;&gt; 27;
/// h *%= 0x94d049bb133111eb; h ^= h &gt;&gt; 31 (FNV alone spreads keys that differ in their last bytes poorly).</item>
/// <item>The member with the highest score wins (as an unsigned 64-bit number); on equal scores, the member that
/// sorts first by ordinal (byte) order.</item>
/// </list>
/// It lives with the contracts because it is one: Deploy's discovery and the registry canister must agree with it.
/// </summary>
public static class KeyRing
{
    public static string? Pick(string key, IReadOnlyList<string> members)
    {
        string? best = null;
        ulong bestScore = 0;
        foreach (var member in members)
        {
            var score = Score(key, member);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(member, best) < 0))
                (best, bestScore) = (member, score);
        }
        return best;
    }

    public static ulong Score(string key, string member)
    {
        var h = 0xcbf29ce484222325UL;
        h = Fnv(h, key);
        h = (h ^ 0) * 0x100000001b3UL;
        h = Fnv(h, member);
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebUL;
        h ^= h >> 31;
        return h;
    }

    private static ulong Fnv(ulong h, string text)
    {
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
            h = (h ^ b) * 0x100000001b3UL;
        return h;
    }
}
