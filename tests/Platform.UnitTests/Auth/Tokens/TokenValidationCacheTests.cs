using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Gateway.Auth;
using Platform.Gateway.Auth.Tokens;

namespace Platform.UnitTests.Auth.Tokens;

/// <summary>
/// The gateway remembers access tokens it validated; remembering must never let through a token that validating
/// again would refuse (expired, signed by a removed key, altered).
/// </summary>
public sealed class TokenValidationCacheTests : IDisposable
{
    private readonly string _keyDirectory = Directory.CreateTempSubdirectory("platform-keys-").FullName;
    private readonly ManualTime _time = new();
    private readonly SigningKeys _keys;
    private readonly TokenService _tokens;
    private static readonly AccessEntry[] Pull = [new("repository", "team/app", ["pull"])];

    public TokenValidationCacheTests()
    {
        var options = Options.Create(new AuthOptions { KeyDirectory = _keyDirectory });
        _keys = new SigningKeys(options, new HostingEnvironment { ContentRootPath = _keyDirectory }, NullLogger<SigningKeys>.Instance);
        _tokens = new TokenService(_keys, options, _time);
    }

    public void Dispose() => Directory.Delete(_keyDirectory, recursive: true);

    [Fact]
    public async Task A_remembered_token_still_expires()
    {
        var token = _tokens.IssueAccess("ann", Pull, null).Token;
        Assert.NotNull(await _tokens.ValidateAccessAsync(token));
        Assert.Equal(1, _tokens.RememberedTokens);

        _time.Advance(TimeSpan.FromMinutes(5)); // the lifetime; within the 30 s of clock skew still valid
        var again = await _tokens.ValidateAccessAsync(token);
        Assert.NotNull(again);
        Assert.True(again.Allows("repository", "team/app", "pull"));
        Assert.False(again.Allows("repository", "team/app", "push"));

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(await _tokens.ValidateAccessAsync(token));
        Assert.Equal(0, _tokens.RememberedTokens);
    }

    [Fact]
    public async Task Removing_a_key_ends_the_remembered_tokens_it_signed()
    {
        var old = _tokens.IssueAccess("ann", Pull, null).Token;
        var oldKid = _keys.Current.Kid;
        _keys.Rotate();
        var current = _tokens.IssueAccess("ann", Pull, null).Token;
        Assert.NotNull(await _tokens.ValidateAccessAsync(old));
        Assert.NotNull(await _tokens.ValidateAccessAsync(current));

        Assert.True(_keys.Remove(oldKid));
        Assert.Null(await _tokens.ValidateAccessAsync(old));
        Assert.NotNull(await _tokens.ValidateAccessAsync(current));
    }

    [Fact]
    public async Task An_altered_copy_of_a_remembered_token_is_refused()
    {
        var token = _tokens.IssueAccess("ann", Pull, null).Token;
        Assert.NotNull(await _tokens.ValidateAccessAsync(token));
        var signature = token[(token.LastIndexOf('.') + 1)..].ToCharArray();
        signature[3] = signature[3] == 'A' ? 'B' : 'A';
        var altered = token[..(token.LastIndexOf('.') + 1)] + new string(signature);
        Assert.Null(await _tokens.ValidateAccessAsync(altered));
        Assert.NotNull(await _tokens.ValidateAccessAsync(token));
    }

    [Fact]
    public async Task The_memory_is_bounded_and_every_token_still_validates()
    {
        for (var i = 0; i < TokenService.MaxRememberedTokens + 100; i++)
        {
            var token = _tokens.IssueAccess($"user{i}", Pull, null).Token;
            Assert.Equal($"user{i}", (await _tokens.ValidateAccessAsync(token))?.Subject);
            Assert.InRange(_tokens.RememberedTokens, 1, TokenService.MaxRememberedTokens);
        }
    }
}
