using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Examples;

/// <summary>The shop's price service on its own: the answers the catalog canister reads, and bad input refused with problem+json.</summary>
public sealed class PriceServiceTests : IAsyncLifetime
{
    private readonly int _port = ThrowawayPostgres.FreePort();
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Shop.Prices.PriceService>? _service;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _service = InProcessService.Start<Shop.Prices.PriceService>(_port, _ => { });
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_item_is_quoted_with_its_price_and_a_changed_price_is_quoted_from_then_on()
    {
        var apple = await _http.GetFromJsonAsync<JsonElement>("/prices/apple");
        Assert.Equal("apple", apple.GetProperty("sku").GetString());
        Assert.Equal(120, apple.GetProperty("price").GetInt64());
        Assert.Equal("SHOP", apple.GetProperty("currency").GetString());
        Assert.True(apple.TryGetProperty("quotedAt", out _));

        using (var changed = await _http.PutAsJsonAsync("/prices/apple", new { name = "Apple", price = 125 }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using (var added = await _http.PutAsJsonAsync("/prices/fig", new { name = "Fig", price = 0 }))
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(125, (await _http.GetFromJsonAsync<JsonElement>("/prices/apple")).GetProperty("price").GetInt64());
        var all = await _http.GetFromJsonAsync<JsonElement>("/prices");
        Assert.Equal(["apple", "coffee", "fig", "pear"], all.EnumerateArray().Select(i => i.GetProperty("sku").GetString()));
    }

    [Theory]
    [InlineData("GET", "/prices/durian", null, HttpStatusCode.NotFound)]
    [InlineData("PUT", "/prices/apple", "{not json", HttpStatusCode.BadRequest)]
    [InlineData("PUT", "/prices/apple", "{\"name\": \"Apple\", \"price\": -1}", HttpStatusCode.BadRequest)]
    [InlineData("PUT", "/prices/apple", "{\"price\": 10}", HttpStatusCode.BadRequest)]
    [InlineData("PUT", "/prices/apple", "{\"name\": \"Apple\", \"price\": \"ten\"}", HttpStatusCode.BadRequest)]
    [InlineData("PUT", "/prices/Not_An_Item", "{\"name\": \"X\", \"price\": 1}", HttpStatusCode.BadRequest)]
    public async Task Bad_input_is_a_problem_and_changes_nothing(string method, string path, string? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(120, (await _http.GetFromJsonAsync<JsonElement>("/prices/apple")).GetProperty("price").GetInt64());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_service is not null) await _service.DisposeAsync();
    }
}
