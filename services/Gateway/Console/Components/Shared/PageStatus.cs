namespace Platform.Gateway.Console.Components.Shared;

/// <summary>A page's HTTP status when it is not 200.</summary>
internal static class PageStatus
{
    /// <summary>
    /// Sets the status as the response starts rather than now: static SSR in .NET 10 sends no body at all for a 404
    /// set during rendering (it expects a status-code page to re-execute the request), and the console's pages say
    /// what went wrong in the body, for people, as the status says it for machines.
    /// </summary>
    public static void Set(HttpContext http, int status) =>
        http.Response.OnStarting(() =>
        {
            http.Response.StatusCode = status;
            return Task.CompletedTask;
        });
}
