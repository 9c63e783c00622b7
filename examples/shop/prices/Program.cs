using Shop.Prices.Prices;

// The shop's off-chain price service: the catalog canister reads an item's price from it with an HTTPS outcall.
// Loopback only by default (appsettings.json: Urls); the engine allows outcalls to loopback without TLS.
var builder = WebApplication.CreateBuilder(args);
builder.AddPriceList();

var app = builder.Build();
app.UseStatusCodePages();
app.MapPrices();
app.Run();

namespace Shop.Prices
{
    /// <summary>Names this service's assembly for WebApplicationFactory in tests.</summary>
    public sealed class PriceService;
}
