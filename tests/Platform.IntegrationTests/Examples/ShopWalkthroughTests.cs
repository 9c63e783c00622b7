using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Canisters;
using Platform.IntegrationTests.Cli;
using Platform.IntegrationTests.Infrastructure;
using Shop.Client;

namespace Platform.IntegrationTests.Examples;

/// <summary>
/// examples/shop/README.md, step by step, through the gateway: dana pushes the three modules with the platform CLI,
/// applies dev and staging (the frontend reaches the ledger and the catalog through the environment's registry
/// canister, the catalog prices items through an HTTPS outcall to the price service), applies prod, which waits for
/// two of its three approvers, and after a new ledger version is pushed upgrades prod with the customers' balances kept.
/// </summary>
public sealed class ShopWalkthroughTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private static readonly string[] Services = ["catalog", "frontend", "ledger"];

    private static string[] Actions(JsonElement release) =>
        [.. release.GetProperty("services").EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() != "registry")
            .Select(s => $"{s.GetProperty("name").GetString()}={s.GetProperty("action").GetString()}").Order(StringComparer.Ordinal)];

    private static string Commit(string seed) => CanisterArtifacts.Commit("shop " + seed);

    /// <summary><c>platform canister push out/NAME.wasm --name shop/NAME --branch main --tag TAG --candid out/NAME.did</c>.</summary>
    private static async Task PushAsync(CliRunner cli, string service, string build, string tag)
    {
        var output = Path.Combine(ShopFixture.ExampleRoot, "canisters", "out");
        var pushed = await cli.JsonAsync("canister", "push", Path.Combine(output, build + ".wasm"), "--name", "shop/" + service,
            "--branch", "main", "--tag", tag, "--commit", Commit(tag), "--candid", Path.Combine(output, build + ".did"));
        Assert.Contains(tag, pushed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    private async Task VoteAsync(string user, string release, string vote, HttpStatusCode expected)
    {
        using var http = shop.As(user);
        using var response = await http.PostAsJsonAsync(release + "/approvals", new { vote, comment = $"{user} looked at it" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{user}'s {vote}: {(int)response.StatusCode} {body}");
    }

    /// <summary>
    /// A customer signs up and buys an apple through the environment's frontend: the receipt names the canisters the
    /// frontend found through the registry, which are the environment's ledger and catalog; the price is the price
    /// service's; the ledger holds the balance. The customer's balance afterwards.
    /// </summary>
    private async Task<ShopCanister> ShopAsync(string env, string customer)
    {
        var frontend = await shop.CanisterAsync(env, "frontend");
        var ledger = await shop.CanisterAsync(env, "ledger");
        var catalog = await shop.CanisterAsync(env, "catalog");
        var registry = await shop.ServiceAsync(env, "registry");
        Assert.Equal(registry.GetProperty("canisterIds")[0].GetString(), (await frontend.CallAsync("registryId")).AsPrincipal().ToString());

        Assert.Equal(1000, (await frontend.OkAsync("signup", $"(\"{customer}\")")).AsNat());
        var receipt = (await frontend.OkAsync("buy", $"(\"{customer}\", \"apple\")")).AsRecord();
        Assert.Equal(120, receipt["price"].AsNat());
        Assert.Equal(1000 - 120 - 1, receipt["balance"].AsNat());
        Assert.Equal(ledger.Id.ToString(), receipt["ledger"].AsPrincipal().ToString());
        Assert.Equal(catalog.Id.ToString(), receipt["catalog"].AsPrincipal().ToString());
        Assert.Equal(879, (await ledger.CallAsync("balance", $"(\"{customer}\")")).AsNat());
        Assert.Equal(879, (await frontend.CallAsync("balance", $"(\"{customer}\")")).AsNat());
        var quote = (await catalog.CallAsync("lastQuote", "(\"apple\")")).AsOpt()!.AsRecord();
        Assert.Equal(120, quote["price"].AsNat());
        return frontend;
    }

    [Fact]
    public async Task The_shop_goes_from_push_through_dev_and_staging_to_an_approved_prod_upgrade()
    {
        // 1. dana builds nothing (out/ is committed) and pushes version 1.0.0 of the three modules.
        using var cli = new CliRunner();
        var login = await cli.RunWithInputAsync(ShopFixture.Password + "\n", "login", shop.GatewayUrl, "-u", "dana", "--password-stdin");
        Assert.True(login.ExitCode == 0, login.StdErr);
        foreach (var service in Services)
            await PushAsync(cli, service, service, "v1.0.0");

        // A version never pushed, a module nobody pushed, a selector the canister-modules API refuses: 422 saying
        // where, and nothing recorded.
        foreach (var wrong in new[] { "shop/ledger@v9.9.9", "shop/basket@v1.0.0", "shop/ledger@sha256:not-a-digest" })
        {
            using var refused = await shop.PutAsync("dana", "dev", shop.EnvironmentFile("dev").Replace("shop/ledger@main:latest", wrong));
            var problem = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.UnprocessableEntity, $"{wrong}: {(int)refused.StatusCode} {problem}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains(JsonDocument.Parse(problem).RootElement.GetProperty("errors").EnumerateArray(),
                e => e.GetProperty("path").GetString() == "spec.services.ledger.module");
        }
        // Nothing was recorded. (An environment that does not exist belongs to no namespace, so only an admin hears
        // the 404; anyone else gets the 403 a stranger gets for an environment that does exist.)
        using (var admin = shop.As("admin", PlatformStack.AdminPassword))
        using (var none = await admin.GetAsync("/api/v1/environments/dev"))
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        // 2. dev: every service created and installed (the registry first), the shop works end to end.
        var dev = await shop.AwaitReleaseAsync(await shop.ApplyAsync("dana", "dev", shop.EnvironmentFile("dev")), "succeeded");
        Assert.Equal(["catalog=create+install", "frontend=create+install", "ledger=create+install"], Actions(dev));
        var devFrontend = await ShopAsync("dev", "alice");

        // What a customer runs into: an item the price service does not sell, funds that do not suffice, a price
        // that changed since the last quote (the outcall fetches it every time).
        Assert.Contains("no item durian", await devFrontend.ErrAsync("buy", "(\"alice\", \"durian\")"));
        Assert.Equal(1000 - 120 - 1 - 450 - 1, (await devFrontend.OkAsync("buy", "(\"alice\", \"coffee\")")).AsRecord()["balance"].AsNat());
        Assert.Contains("insufficient funds", await devFrontend.ErrAsync("buy", "(\"alice\", \"coffee\")"));
        Assert.Equal(428, (await devFrontend.CallAsync("balance", "(\"alice\")")).AsNat());
        using (var prices = new HttpClient { BaseAddress = new Uri(shop.PricesUrl) })
        using (var changed = await prices.PutAsJsonAsync("/prices/pear", new { name = "Pear", price = 99 }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(99, (await devFrontend.OkAsync("buy", "(\"alice\", \"pear\")")).AsRecord()["price"].AsNat());

        // The same through the example's client, as the README types it; a method the interface lacks is refused.
        var shopTakings = await shop.RunClientAsync("dev", "ledger", "balance", "(\"shop\")");
        Assert.True(shopTakings.ExitCode == 0, shopTakings.StdErr);
        Assert.Equal($"{120 + 450 + 99} : nat", shopTakings.StdOut.Trim());
        var noSuchMethod = await shop.RunClientAsync("dev", "ledger", "steal", "()");
        Assert.Equal(1, noSuchMethod.ExitCode);
        Assert.Contains("no method 'steal'", noSuchMethod.StdErr);

        // Applying dev again changes nothing.
        var unchanged = await shop.AwaitReleaseAsync(await shop.ApplyAsync("dana", "dev", shop.EnvironmentFile("dev")), "succeeded");
        Assert.Equal(["catalog=none", "frontend=none", "ledger=none"], Actions(unchanged));

        // 3. staging: the same versions by their tag, canisters of its own, state of its own.
        await shop.AwaitReleaseAsync(await shop.ApplyAsync("dana", "staging", shop.EnvironmentFile("staging")), "succeeded");
        var stagingFrontend = await ShopAsync("staging", "alice");
        Assert.NotEqual(devFrontend.Id, stagingFrontend.Id);

        // 4. prod is protected: the release waits for two of alice, bob and carol; dana may apply but not approve.
        var prodRelease = await shop.ApplyAsync("dana", "prod", shop.EnvironmentFile("prod"));
        await shop.AwaitReleaseAsync(prodRelease, "awaiting-approval");
        await VoteAsync("dana", prodRelease, "approve", HttpStatusCode.Forbidden);
        await VoteAsync("alice", prodRelease, "approve", HttpStatusCode.OK);
        var halfway = await shop.AwaitReleaseAsync(prodRelease, "awaiting-approval");
        Assert.Single(halfway.GetProperty("approvals").GetProperty("votes").EnumerateArray());
        await VoteAsync("bob", prodRelease, "approve", HttpStatusCode.OK);
        var prod = await shop.AwaitReleaseAsync(prodRelease, "succeeded");
        Assert.Equal(["catalog=create+install", "frontend=create+install", "ledger=create+install"], Actions(prod));
        var prodFrontend = await ShopAsync("prod", "carol");
        var ledgerId = (await shop.CanisterAsync("prod", "ledger")).Id;

        // 5. Ledger 1.1.0 (a transfer history) is pushed; prod's file names it; two approvals; the ledger is upgraded
        // in place and carol's balance is still there.
        await PushAsync(cli, "ledger", "ledger_v2", "v1.1.0");
        var upgrade = await shop.ApplyAsync("dana", "prod", shop.EnvironmentFile("prod").Replace("shop/ledger@v1.0.0", "shop/ledger@v1.1.0"));
        await shop.AwaitReleaseAsync(upgrade, "awaiting-approval");
        await VoteAsync("carol", upgrade, "approve", HttpStatusCode.OK);
        await VoteAsync("alice", upgrade, "approve", HttpStatusCode.OK);
        var upgraded = await shop.AwaitReleaseAsync(upgrade, "succeeded");
        Assert.Equal(["catalog=none", "frontend=none", "ledger=upgrade"], Actions(upgraded));

        var ledger = await shop.CanisterAsync("prod", "ledger");
        Assert.Equal(ledgerId, ledger.Id);
        Assert.Equal(2, (await ledger.CallAsync("version")).AsNat());
        Assert.Equal(879, (await ledger.CallAsync("balance", "(\"carol\")")).AsNat());
        Assert.Equal(120, (await ledger.CallAsync("balance", "(\"shop\")")).AsNat());
        Assert.Equal(758, (await prodFrontend.OkAsync("buy", "(\"carol\", \"apple\")")).AsRecord()["balance"].AsNat());
        var history = (await ledger.CallAsync("transfers")).AsVec();
        Assert.Equal("carol", Assert.Single(history).AsRecord()["from"].AsText());
        var discovered = await shop.ServiceAsync("prod", "ledger");
        Assert.Equal("v1.1.0", discovered.GetProperty("version").GetProperty("selector").GetString());

        // dev and staging still run 1.0.0.
        Assert.Equal(1, (await (await shop.CanisterAsync("staging", "ledger")).CallAsync("version")).AsNat());
    }
}
