using System.Text.RegularExpressions;

namespace Shop.Prices.Prices;

/// <summary>GET /prices, GET /prices/{sku} and PUT /prices/{sku}; errors are problem+json.</summary>
internal static partial class PriceEndpoints
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex Sku();

    public static WebApplicationBuilder AddPriceList(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PriceList>();
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static IEndpointRouteBuilder MapPrices(this IEndpointRouteBuilder app)
    {
        app.MapGet("/prices", (PriceList prices) => Results.Json(prices.All()));
        app.MapGet("/prices/{sku}", (string sku, PriceList prices) =>
            prices.Find(sku) is { } quote
                ? Results.Json(quote)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "no such item", detail: $"there is no price for '{sku}'"));
        app.MapPut("/prices/{sku}", (string sku, PriceItem? item, PriceList prices) =>
        {
            if (!Sku().IsMatch(sku))
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid item",
                    detail: "an item is 1 to 64 lowercase letters, digits and dashes, starting with a letter or digit");
            if (item is null || string.IsNullOrWhiteSpace(item.Name) || item.Price < 0)
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid price",
                    detail: "the body is {\"name\": \"...\", \"price\": <a whole number of at least 0>}");
            return Results.Json(prices.Set(sku, item));
        });
        return app;
    }
}
