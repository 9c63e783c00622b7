using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Npgsql;

namespace Platform.IntegrationTests.Console;

/// <summary>The web console in a real browser (Debian's chromium through Playwright) against the whole platform.</summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class ConsoleBrowserTests(ConsoleFixture console)
{
    [Fact]
    public async Task A_visitor_is_sent_to_the_login_page_a_wrong_password_is_refused_and_logout_ends_the_session()
    {
        var page = await console.NewPageAsync();
        await page.GotoAsync("/console/repositories?q=app");
        Assert.Contains("/console/login?returnUrl=", page.Url, StringComparison.Ordinal);
        await ConsoleFixture.ScreenshotAsync(page, "login");

        await page.GetByLabel("Account").FillAsync("admin");
        await page.GetByLabel("Password or token").FillAsync("not-the-password");
        var refused = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal((int)HttpStatusCode.Unauthorized, refused.Status);
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("Wrong account or password");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), x => x.Name == "platform-console");

        await page.GetByLabel("Account").FillAsync("admin");
        await page.GetByLabel("Password or token").FillAsync(Infrastructure.PlatformStack.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        // Back where the visitor wanted to go, search included.
        await page.WaitForURLAsync("**/console/repositories?q=app");
        await Assertions.Expect(page.GetByTestId("account")).ToHaveTextAsync("admin");

        var session = (await page.Context.CookiesAsync()).Single(x => x.Name == "platform-console");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.Equal("/console", session.Path);
        Assert.False(session.Secure); // plain HTTP here; Secure is set whenever the request came over TLS

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.WaitForURLAsync("**/console/login");
        // The old cookie is dead on the server too, not just deleted in this browser.
        var replay = await console.NewPageAsync();
        await replay.Context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = "platform-console", Value = session.Value, Url = console.BaseUrl + "/console/" }]);
        await replay.GotoAsync("/console/repositories");
        Assert.Contains("/console/login", replay.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Form_posts_without_the_antiforgery_token_are_refused()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, "admin", Infrastructure.PlatformStack.AdminPassword);
        var logout = await page.APIRequest.PostAsync("/console/logout", new() { Form = page.APIRequest.CreateFormData(), MaxRedirects = 0 });
        Assert.Equal((int)HttpStatusCode.BadRequest, logout.Status);
        var login = await page.APIRequest.PostAsync("/console/login", new()
        {
            Form = page.APIRequest.CreateFormData().Set("_handler", "login").Set("Input.Username", "admin")
                .Set("Input.Password", Infrastructure.PlatformStack.AdminPassword),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.BadRequest, login.Status);
        // Still signed in: the forged logout did nothing.
        await page.GotoAsync("/console/repositories");
        await Assertions.Expect(page.GetByTestId("account")).ToHaveTextAsync("admin");
    }

    [Fact]
    public async Task A_reader_sees_only_the_namespaces_the_api_would_show_and_not_the_audit_log()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, ConsoleFixture.Reader, ConsoleFixture.ReaderPassword);
        await page.GotoAsync("/console/repositories");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = ConsoleFixture.Repository })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(ConsoleFixture.HiddenRepository)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Audit log" })).ToHaveCountAsync(0);

        var hidden = await page.GotoAsync($"/console/repositories/{ConsoleFixture.HiddenRepository}");
        Assert.Equal((int)HttpStatusCode.NotFound, hidden!.Status);
        var hiddenManifest = await page.GotoAsync($"/console/repositories/{ConsoleFixture.HiddenRepository}/manifests/{console.Amd64.Digest}");
        Assert.Equal((int)HttpStatusCode.NotFound, hiddenManifest!.Status);
        var audit = await page.GotoAsync("/console/audit");
        Assert.Equal((int)HttpStatusCode.Forbidden, audit!.Status);
        await Assertions.Expect(page.GetByTestId("audit-events")).ToHaveCountAsync(0);
        var export = await page.APIRequest.GetAsync("/console/audit/export");
        Assert.Equal((int)HttpStatusCode.Forbidden, export.Status);
    }

    [Fact]
    public async Task A_pushed_multi_arch_image_is_browsed_down_to_each_layers_cid_and_its_referrers()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, "admin", Infrastructure.PlatformStack.AdminPassword);
        await page.GotoAsync("/console/repositories");
        await page.GetByLabel("Search by name").FillAsync("team/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("repository-count")).ToHaveTextAsync("1 repository matching “team/”.");
        await ConsoleFixture.ScreenshotAsync(page, "repositories");

        await page.GetByRole(AriaRole.Link, new() { Name = ConsoleFixture.Repository }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = ConsoleFixture.Repository, Level = 1 })).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "repository");

        await page.GetByTestId("tags").GetByRole(AriaRole.Link, new() { Name = "multi" }).ClickAsync();
        await page.WaitForURLAsync($"**/manifests/{console.Index.Digest}");
        // The index expanded: both platforms, each with its config and two layers, each blob with its CID, pinned.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "linux/amd64" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "linux/arm64" })).ToBeVisibleAsync();
        var tables = page.GetByTestId("layers");
        await Assertions.Expect(tables).ToHaveCountAsync(2); // one per platform; the index itself has no layers
        await ConsoleFixture.ScreenshotAsync(page, "manifest");

        var amd64 = page.Locator("section.child", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "linux/amd64" }) });
        var rows = amd64.GetByTestId("layers").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        foreach (var row in await rows.AllAsync())
        {
            var digest = await row.Locator("th code").GetAttributeAsync("title");
            var expected = await console.BlobAsync(ConsoleFixture.Repository, digest!);
            var cid = expected.GetProperty("cid").GetString()!;
            await Assertions.Expect(row.GetByTestId("cid").Locator("code")).ToHaveTextAsync(cid);
            await Assertions.Expect(row.GetByTestId("pin-state")).ToHaveTextAsync("pinned");
        }

        // Copy puts the CID itself on the clipboard.
        var first = rows.First;
        var firstCid = await first.GetByTestId("cid").Locator("code").InnerTextAsync();
        await first.GetByTestId("cid").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(first.GetByTestId("cid").GetByRole(AriaRole.Button)).ToHaveTextAsync("Copied");
        Assert.Equal(firstCid, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        // The signature is listed under its subject, and opens as a manifest of its own.
        var referrers = page.GetByTestId("referrers");
        await Assertions.Expect(referrers).ToContainTextAsync(ConsoleFixture.SignatureType);
        await referrers.GetByRole(AriaRole.Link).First.ClickAsync();
        await page.WaitForURLAsync($"**/manifests/{console.Signature}");
        await Assertions.Expect(page.GetByText(ConsoleFixture.SignatureType)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_audit_log_filters_pages_exports_and_flags_a_tampered_row()
    {
        var page = await console.NewPageAsync();
        await console.LogInAsync(page, "admin", Infrastructure.PlatformStack.AdminPassword);
        // The audit log is fed asynchronously (relay, broker, Audit): wait for the pushes' entries.
        await WaitForAsync(async () =>
        {
            await page.GotoAsync($"/console/audit?repository={ConsoleFixture.Repository}&action=manifest.pushed");
            return await page.Locator("[data-testid=audit-events] tbody tr").CountAsync() >= 4;
        });
        await Assertions.Expect(page.GetByTestId("chain-state")).ToContainTextAsync("Chain valid");
        var rows = page.Locator("[data-testid=audit-events] tbody tr");
        foreach (var row in await rows.AllAsync())
        {
            await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("manifest.pushed");
            await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(ConsoleFixture.Repository);
        }

        // The filter form: the actor filter narrows to what admin did.
        await page.GetByLabel("Actor").FillAsync("admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("actor=admin"));
        await Assertions.Expect(rows.First.Locator("td").Nth(1)).ToHaveTextAsync("admin");

        // A bad time is the API's 400, said on the page.
        var bad = await page.GotoAsync("/console/audit?since=yesterday");
        Assert.Equal((int)HttpStatusCode.BadRequest, bad!.Status);
        await Assertions.Expect(page.GetByTestId("problem")).ToContainTextAsync("ISO 8601");

        // Cursor paging: the page after a cursor starts below it and keeps the filter.
        await page.GotoAsync("/console/audit?repository=team/app");
        var newest = long.Parse(await rows.First.GetAttributeAsync("data-sequence") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var pageTwo = await page.GotoAsync($"/console/audit?repository=team/app&cursor={newest}");
        Assert.Equal((int)HttpStatusCode.OK, pageTwo!.Status);
        var second = long.Parse(await rows.First.GetAttributeAsync("data-sequence") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(second < newest);

        var export = await page.APIRequest.GetAsync("/console/audit/export");
        Assert.Equal((int)HttpStatusCode.OK, export.Status);
        Assert.Contains("attachment", export.Headers["content-disposition"], StringComparison.Ordinal);
        var lines = (await export.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("\"manifest.pushed\"", StringComparison.Ordinal));
        await page.GotoAsync("/console/audit");
        await ConsoleFixture.ScreenshotAsync(page, "audit");

        // Someone with database access rewrites history: the chain check names that row, and the page flags it.
        var tampered = newest - 1;
        await using (var source = NpgsqlDataSource.Create(console.Stack.Database))
        await using (var tamper = source.CreateCommand($"UPDATE audit.entries SET actor = 'mallory' WHERE sequence = {tampered}"))
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        await page.GotoAsync($"/console/audit?cursor={tampered + 1}");
        await Assertions.Expect(page.GetByTestId("chain-state")).ToContainTextAsync($"Chain broken at sequence {tampered}");
        var flagged = page.Locator($"tr[data-sequence='{tampered}']");
        await Assertions.Expect(flagged.GetByTestId("row-broken")).ToHaveTextAsync("broken here");
        await Assertions.Expect(flagged.Locator("td").Nth(1)).ToHaveTextAsync("mallory");
        await ConsoleFixture.ScreenshotAsync(page, "audit-tampered");
    }

    [Fact]
    public async Task The_console_is_used_by_keyboard_alone()
    {
        var page = await console.NewPageAsync();
        await page.GotoAsync("/console/login");
        // The first Tab reaches the skip link, which moves focus to the main content.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("username", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.TypeAsync("admin");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("password", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.TypeAsync(Infrastructure.PlatformStack.AdminPassword);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/console/repositories");

        // Tab order: skip link, brand, Repositories, Audit log; Enter follows the link.
        string? focused = null;
        for (var i = 0; i < 6 && focused != "Audit log"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused = await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()");
        }
        Assert.Equal("Audit log", focused);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/console/audit");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Audit log" })).ToHaveAttributeAsync("aria-current", "page");
        // Every form control has a label a screen reader can say.
        foreach (var input in await page.Locator("main input:not([type=hidden])").AllAsync())
            Assert.False(string.IsNullOrWhiteSpace(await input.EvaluateAsync<string>("e => e.labels.length ? e.labels[0].textContent : ''")));
    }

    [Fact]
    public async Task At_phone_width_the_pages_fit_without_scrolling_sideways()
    {
        var page = await console.NewPageAsync(width: 390, height: 844);
        await console.LogInAsync(page, "admin", Infrastructure.PlatformStack.AdminPassword);
        foreach (var (path, name) in new[]
        {
            ("/console/repositories", "phone-repositories"),
            ($"/console/repositories/{ConsoleFixture.Repository}/manifests/{console.Index.Digest}", "phone-manifest"),
            ("/console/audit", "phone-audit"),
        })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal((int)HttpStatusCode.OK, response!.Status);
            // Wide tables scroll inside their own box; the page itself never does.
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{path} overflows at 390 px");
            await ConsoleFixture.ScreenshotAsync(page, name);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 60 s");
            await Task.Delay(500);
        }
    }
}
