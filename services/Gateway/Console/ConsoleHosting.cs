using System.Reflection;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Gateway.Auth.Authorization;
using Platform.Gateway.Console.Backends;
using Platform.Gateway.Console.Components;
using Platform.Gateway.Console.Sessions;

namespace Platform.Gateway.Console;

/// <summary>
/// The web console at /console/: server-rendered Razor components (Blazor static SSR, no circuit, no WebAssembly),
/// reading the backends the way the gateway's own listings do, behind the same accounts and authorization as the API.
/// Its stylesheet and script are embedded in the gateway: nothing comes from another origin.
/// </summary>
internal static class ConsoleHosting
{
    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "platform-console-csrf";
            o.Cookie.Path = ConsoleAuthentication.BasePath;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // The console sends X-Frame-Options: DENY (and frame-ancestors 'none') itself.
            o.SuppressXFrameOptionsHeader = true;
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConsoleSessions>();
        builder.Services.AddSingleton<ConsoleAccess>();
        builder.Services.AddScoped<ConsoleBackend>();
        builder.Services.AddHttpClient(ConsoleBackend.ClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>Sessions, then CSRF checks on the console's form posts (after routing: it reads the endpoint).</summary>
    public static WebApplication UseConsole(this WebApplication app)
    {
        app.UseConsoleSessions();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        app.MapRazorComponents<App>();
        app.MapGet("/console/assets/{file}", Asset);
        app.MapPost("/console/logout", LogoutAsync).DisableAntiforgery();
        app.MapGet("/console/audit/export", ExportAsync);
        return app;
    }

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["console.css"] = "text/css; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
    };

    private static IResult Asset(string file, HttpContext http)
    {
        if (!Assets.TryGetValue(file, out var type)
            || Assembly.GetExecutingAssembly().GetManifestResourceStream($"Platform.Gateway.Console.Assets.{file}") is not { } stream)
            return Results.NotFound();
        // The assets change only with the gateway's build, so an hour's caching costs nothing.
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return Results.Stream(stream, type);
    }

    /// <summary>Ends the session (CSRF-checked: another site's page must not log a user out) and goes to the login page.</summary>
    private static async Task<IResult> LogoutAsync(HttpContext http, IAntiforgery antiforgery, ConsoleSessions sessions, ILogger<ConsoleSessions> logger)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "the form expired or did not come from the console; reload it");
        sessions.End(http.Request.Cookies[ConsoleAuthentication.CookieName]);
        ConsoleAuthentication.ClearCookie(http);
        if (http.GetCaller().Name is { } name)
            ConsoleLog.LoggedOut(logger, name);
        return Results.Redirect(ConsoleAuthentication.LoginPath, permanent: false, preserveMethod: false);
    }

    /// <summary>The audit log as JSON lines, streamed from the Audit service (admins only, as on the API).</summary>
    private static async Task ExportAsync(HttpContext http, ConsoleBackend backend)
    {
        HttpResponseMessage? response;
        try
        {
            response = await backend.AuditExportAsync(http, http.Request.QueryString.Value ?? "", http.RequestAborted);
        }
        catch (HttpRequestException)
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "the audit log is not available; retry shortly").ExecuteAsync(http);
            return;
        }
        if (response is null)
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "the audit log is for admins").ExecuteAsync(http);
            return;
        }
        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode >= 500 ? StatusCodes.Status503ServiceUnavailable : (int)response.StatusCode;
            http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/x-ndjson";
            if (response.IsSuccessStatusCode)
                http.Response.Headers.ContentDisposition = "attachment; filename=\"audit.jsonl\"";
            await using var body = await response.Content.ReadAsStreamAsync(http.RequestAborted);
            await body.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }
}
