using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Console;

/// <summary>
/// The console's canister-module, environment and topology pages in a real browser, against the whole platform with
/// the engine: modules pushed as OCI artifacts, environments released by Deploy, load sampled by the engine and read
/// by the Scaler.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleDeployTests(ConsoleFixture console)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_canister_module_is_browsed_by_branch_to_a_version_with_its_module_hash_and_candid()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, ConsoleFixture.Reader, ConsoleFixture.ReaderPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Canisters" }).ClickAsync();
        await page.WaitForURLAsync("**/console/canisters");
        var row = page.GetByTestId("canisters").Locator("tbody tr", new() { HasText = ConsoleFixture.Module });
        await Assertions.Expect(row.Locator("td").First).ToHaveTextAsync("3");
        await Assertions.Expect(row).ToContainTextAsync("feature/login");
        await Assertions.Expect(row).ToContainTextAsync("v1.1.0"); // main's newest version
        await ConsoleFixture.ScreenshotAsync(page, "canisters");

        await row.GetByRole(AriaRole.Link, new() { Name = ConsoleFixture.Module }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = ConsoleFixture.Module, Level = 1 })).ToBeVisibleAsync();
        var versions = page.GetByTestId("versions").Locator("tbody tr");
        await Assertions.Expect(versions).ToHaveCountAsync(3);
        // Newest first, each with its branch, tag and commit.
        var newest = console.Versions[2];
        await Assertions.Expect(versions.First).ToHaveAttributeAsync("data-digest", newest.Digest);
        await Assertions.Expect(versions.First).ToContainTextAsync("feature/login");
        await Assertions.Expect(versions.First).ToContainTextAsync(newest.Commit[..12]);
        await ConsoleFixture.ScreenshotAsync(page, "canister");

        // One branch: only its versions.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Branches" }).GetByRole(AriaRole.Link, new() { Name = "main" }).ClickAsync();
        await page.WaitForURLAsync("**branch=main");
        await Assertions.Expect(versions).ToHaveCountAsync(2);
        await Assertions.Expect(versions.Nth(0)).ToContainTextAsync("v1.1.0");
        await Assertions.Expect(versions.Nth(1)).ToContainTextAsync("v1.0.0");

        // A version: the module hash the engine will report, the Candid interface, and not corrupted.
        var v1 = console.Versions[0];
        await versions.Nth(1).GetByRole(AriaRole.Link).First.ClickAsync();
        await page.WaitForURLAsync($"**/versions/{v1.Digest}");
        await Assertions.Expect(page.GetByTestId("module-hash").Locator("code")).ToHaveTextAsync(v1.ModuleHash);
        await Assertions.Expect(page.GetByTestId("candid")).ToContainTextAsync("inc: () -> (nat)");
        await Assertions.Expect(page.GetByTestId("corrupted")).ToHaveCountAsync(0);
        using (var admin = console.Admin())
        {
            var candid = await admin.GetStringAsync($"/api/v1/canisters/{ConsoleFixture.Module}/versions/{v1.Digest}/candid");
            Assert.Equal(candid.Trim(), (await page.GetByTestId("candid").InnerTextAsync()).Trim());
        }
        await ConsoleFixture.ScreenshotAsync(page, "canister-version");

        // Not a digest, not a module, a module of a namespace the reader may not see: refused, never a 500.
        Assert.Equal((int)HttpStatusCode.BadRequest, (await page.GotoAsync($"/console/canisters/{ConsoleFixture.Module}/versions/sha256:nothex"))!.Status);
        Assert.Equal((int)HttpStatusCode.NotFound, (await page.GotoAsync($"/console/canisters/{ConsoleFixture.Namespace}/nothing"))!.Status);
        Assert.Equal((int)HttpStatusCode.NotFound, (await page.GotoAsync($"/console/canisters/{ConsoleFixture.HiddenRepository}"))!.Status);
        Assert.Equal((int)HttpStatusCode.NotFound,
            (await page.GotoAsync($"/console/canisters/{ConsoleFixture.Module}/versions/sha256:{new string('0', 64)}"))!.Status);
    }

    [Fact]
    public async Task An_environment_shows_desired_and_actual_state_and_its_releases_and_a_stranger_sees_none()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, ConsoleFixture.Reader, ConsoleFixture.ReaderPassword);
        await page.GotoAsync("/console/environments");
        var environments = page.GetByTestId("environments");
        await Assertions.Expect(environments.Locator("tbody tr", new() { HasText = ConsoleFixture.Dev })).ToContainTextAsync("in sync");
        await Assertions.Expect(environments.Locator("tbody tr", new() { HasText = ConsoleFixture.Staging }).First).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "environments");

        await environments.GetByRole(AriaRole.Link, new() { Name = ConsoleFixture.Dev, Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/console/environments/{ConsoleFixture.Dev}");
        var counter = page.Locator("[data-testid=services] tr[data-service=counter]");
        await Assertions.Expect(counter).ToContainTextAsync($"{ConsoleFixture.Module}@main:latest");
        await Assertions.Expect(counter).ToContainTextAsync(console.CounterId);
        await Assertions.Expect(counter).ToContainTextAsync("running");
        await Assertions.Expect(page.GetByTestId("drift")).ToContainTextAsync("What runs is what the last successful release installed");
        var releases = page.GetByTestId("releases").Locator("tbody tr");
        await Assertions.Expect(releases.First).ToContainTextAsync("succeeded");
        await Assertions.Expect(releases.First).ToContainTextAsync("counter create+install");
        await ConsoleFixture.ScreenshotAsync(page, "environment");

        // The release: its plan, its steps with their times.
        await releases.First.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByTestId("plan")).ToContainTextAsync("frontend");
        await Assertions.Expect(page.GetByTestId("steps").Locator("li")).ToHaveCountAsync(3); // planned, running, succeeded
        await Assertions.Expect(page.GetByTestId("steps")).ToContainTextAsync(" s)");

        // Someone who is no member of the namespace: no environments, and theirs look like none at all.
        using (var admin = console.Admin())
        using (var created = await admin.PostAsJsonAsync("/api/v1/users", new { name = "stranger1", password = "stranger-password-1" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stranger = await console.NewPageAsync();
        await console.LogInAsync(stranger, "stranger1", "stranger-password-1");
        await stranger.GotoAsync("/console/environments");
        await Assertions.Expect(stranger.GetByTestId("environment-count")).ToHaveTextAsync("No environments in the namespaces you are a member of.");
        foreach (var path in new[] { $"/console/environments/{ConsoleFixture.Dev}", $"/console/environments/{ConsoleFixture.Dev}/topology",
                     $"/console/environments/{ConsoleFixture.Staging}/releases/{console.StagingRelease}", "/console/environments/nowhere",
                     $"/console/environments/{ConsoleFixture.Dev}/releases/not-a-release" })
            Assert.Equal((int)HttpStatusCode.NotFound, (await stranger.GotoAsync(path))!.Status);
    }

    [Fact]
    public async Task Two_approvers_approve_in_the_console_and_the_release_runs_while_others_cannot_vote()
    {
        var release = $"/console/environments/{ConsoleFixture.Staging}/releases/{console.StagingRelease}";

        // A member who is not an approver sees the release but no buttons; a post with the form's fields (and a valid
        // antiforgery token, from the page's logout form) is refused by Deploy, and no vote is recorded.
        var reader = await console.NewPageAsync();
        await console.LogInAsync(reader, ConsoleFixture.Reader, ConsoleFixture.ReaderPassword);
        await reader.GotoAsync(release);
        await Assertions.Expect(reader.GetByTestId("release-status").First).ToHaveTextAsync("awaiting-approval");
        await Assertions.Expect(reader.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await Assertions.Expect(reader.GetByRole(AriaRole.Button, new() { Name = "Reject" })).ToHaveCountAsync(0);
        var token = await reader.Locator("form.who input[name=__RequestVerificationToken]").GetAttributeAsync("value");
        var forged = await reader.APIRequest.PostAsync(release, new()
        {
            Form = reader.APIRequest.CreateFormData().Set("_handler", "vote").Set("__RequestVerificationToken", token!).Set("Vote.Choice", "approve"),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.Forbidden, forged.Status);
        Assert.Contains("is not an approver", await forged.TextAsync(), StringComparison.Ordinal);
        // Without the token: refused before anything is sent.
        var noToken = await reader.APIRequest.PostAsync(release, new()
        {
            Form = reader.APIRequest.CreateFormData().Set("_handler", "vote").Set("Vote.Choice", "approve"),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.BadRequest, noToken.Status);
        Assert.Empty((await ReleaseAsync()).GetProperty("approvals").GetProperty("votes").EnumerateArray());

        // Alice approves: her vote shows, one of two, and the release still waits.
        var alice = await console.NewPageAsync();
        await console.LogInAsync(alice, ConsoleFixture.Alice, ConsoleFixture.ApproverPassword);
        await alice.GotoAsync(release);
        await ConsoleFixture.ScreenshotAsync(alice, "release-awaiting");
        await alice.GetByLabel("Comment (optional)").FillAsync("looks right");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await alice.WaitForURLAsync($"**{release}");
        var votes = alice.GetByTestId("votes").Locator("tbody tr");
        await Assertions.Expect(votes).ToHaveCountAsync(1);
        await Assertions.Expect(votes.First).ToContainTextAsync("alice");
        await Assertions.Expect(votes.First).ToContainTextAsync("approve");
        await Assertions.Expect(votes.First).ToContainTextAsync("looks right");
        await Assertions.Expect(alice.GetByRole(AriaRole.Heading, new() { Name = "Approvals: 1 of 2" })).ToBeVisibleAsync();
        await Assertions.Expect(alice.GetByTestId("release-status").First).ToHaveTextAsync("awaiting-approval");
        // She has voted: no buttons for a second vote.
        await Assertions.Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        Assert.Equal("alice", (await ReleaseAsync()).GetProperty("approvals").GetProperty("votes")[0].GetProperty("approver").GetString());

        // Bob approves too: the release is approved and runs to the end.
        var bob = await console.NewPageAsync();
        await console.LogInAsync(bob, ConsoleFixture.Bob, ConsoleFixture.ApproverPassword);
        await bob.GotoAsync(release);
        await bob.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await bob.WaitForURLAsync($"**{release}");
        await Assertions.Expect(bob.GetByTestId("votes").Locator("tbody tr")).ToHaveCountAsync(2);
        using (var admin = console.Admin())
            Assert.Equal("succeeded", (await ConsoleFixture.AwaitReleaseAsync(admin, ConsoleFixture.Staging, console.StagingRelease)).GetProperty("status").GetString());
        await bob.ReloadAsync();
        await Assertions.Expect(bob.GetByTestId("release-status").First).ToHaveTextAsync("succeeded");
        await Assertions.Expect(bob.GetByTestId("steps")).ToContainTextAsync("approved");
        await ConsoleFixture.ScreenshotAsync(bob, "release");

        // A vote on a release that no longer waits: Deploy's 409, said on the page.
        var late = await bob.APIRequest.PostAsync(release, new()
        {
            Form = bob.APIRequest.CreateFormData().Set("_handler", "vote")
                .Set("__RequestVerificationToken", (await bob.Locator("form.who input[name=__RequestVerificationToken]").GetAttributeAsync("value"))!)
                .Set("Vote.Choice", "reject"),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.Conflict, late.Status);
    }

    [Fact]
    public async Task The_topology_shows_services_canisters_and_subnets_with_calls_live_load_and_charts()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, ConsoleFixture.Reader, ConsoleFixture.ReaderPassword);
        var topology = $"/console/environments/{ConsoleFixture.Dev}/topology";
        // The engine samples every second, the Scaler keeps the samples: wait until the calls the fixture makes show.
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = await page.GotoAsync(topology);
            Assert.Equal((int)HttpStatusCode.OK, response!.Status);
            if (await page.GetByTestId("call-edge").CountAsync() > 0
                && await page.Locator($"[data-testid=topology-canisters] tr[data-canister='{console.CounterId}'] td.num").First.InnerTextAsync() != "–")
                break;
            Assert.True(DateTime.UtcNow < deadline, $"no call edge or load on the topology after {Patience.TotalSeconds} s");
            await Task.Delay(1000);
        }

        var graph = page.GetByTestId("topology-graph");
        // The two services and the environment's registry canister.
        await Assertions.Expect(graph.GetByTestId("node-service")).ToHaveCountAsync(3);
        await Assertions.Expect(graph.Locator($"[data-testid=node-canister][data-id='{console.CounterId}']")).ToHaveCountAsync(1);
        await Assertions.Expect(graph.Locator($"[data-testid=node-canister][data-id='{console.FrontendId}']")).ToHaveCountAsync(1);
        // The two application subnets, the counter on one and the frontend on the other: the call crosses subnets.
        var subnets = page.Locator("[data-testid=subnets] tbody tr");
        await Assertions.Expect(subnets).ToHaveCountAsync(2);
        using (var admin = console.Admin())
        {
            var counter = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{ConsoleFixture.Dev}/services/counter");
            var frontend = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{ConsoleFixture.Dev}/services/frontend");
            foreach (var service in new[] { counter, frontend })
            {
                var subnet = service.GetProperty("instances")[0].GetProperty("subnetId").GetString()!;
                // At least its own canister (the Scaler may have placed more frontend replicas meanwhile).
                await Assertions.Expect(page.Locator($"[data-testid=subnets] tr[data-subnet='{subnet}'] td").Last).Not.ToHaveTextAsync("0");
                await Assertions.Expect(graph.Locator($"[data-testid=node-subnet][data-id='{subnet}']")).ToHaveCountAsync(1);
            }
        }
        var calls = page.Locator("[data-testid=calls] tbody tr");
        await Assertions.Expect(calls.First).ToContainTextAsync("frontend");
        await Assertions.Expect(calls.First.Locator("td").Nth(0)).ToContainTextAsync("counter");

        // Charts of load and replicas, drawn as SVG with their latest values in words.
        await Assertions.Expect(page.GetByTestId("chart-messages").Locator("polyline")).Not.ToHaveCountAsync(0);
        // A line per service: the two and the environment's registry canister.
        await Assertions.Expect(page.GetByTestId("chart-replicas").Locator("polyline")).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("chart-replicas")).ToContainTextAsync("counter: 1 replicas");
        await Assertions.Expect(page.GetByTestId("decisions").Or(page.GetByTestId("no-decisions"))).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "topology");
    }

    [Fact]
    public async Task At_phone_width_the_new_pages_fit_without_scrolling_sideways()
    {
        var page = await console.NewPageAsync(width: 390, height: 844);
        await console.LogInAsync(page, "admin", PlatformStack.AdminPassword);
        foreach (var (path, name) in new[]
        {
            ("/console/canisters", "phone-canisters"),
            ($"/console/canisters/{ConsoleFixture.Module}/versions/{console.Versions[0].Digest}", "phone-canister-version"),
            ($"/console/environments/{ConsoleFixture.Dev}", "phone-environment"),
            ($"/console/environments/{ConsoleFixture.Staging}/releases/{console.StagingRelease}", "phone-release"),
            ($"/console/environments/{ConsoleFixture.Dev}/topology", "phone-topology"),
        })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal((int)HttpStatusCode.OK, response!.Status);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{path} overflows at 390 px");
            await ConsoleFixture.ScreenshotAsync(page, name);
        }
    }

    private async Task<JsonElement> ReleaseAsync()
    {
        using var admin = console.Admin();
        return await admin.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{ConsoleFixture.Staging}/releases/{console.StagingRelease}");
    }
}
