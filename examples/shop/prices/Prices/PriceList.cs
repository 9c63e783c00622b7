using System.Collections.Concurrent;

namespace Shop.Prices.Prices;

/// <summary>An item and its price, in the ledger's smallest unit.</summary>
public sealed record PriceItem(string Name, long Price);

/// <summary>The quote the catalog canister reads: its transform keeps only <c>price</c>.</summary>
public sealed record PriceQuote(string Sku, string Name, long Price, string Currency, DateTimeOffset QuotedAt);

/// <summary>
/// The prices, seeded from configuration (section <c>Prices</c>: sku -> name and price) and changed with
/// <c>PUT /prices/{sku}</c>; kept in memory, as a stand-in for a shop's real pricing system.
/// </summary>
internal sealed class PriceList(IConfiguration configuration, TimeProvider clock)
{
    public const string Currency = "SHOP";

    private readonly ConcurrentDictionary<string, PriceItem> _items = new(
        configuration.GetSection("Prices").Get<Dictionary<string, PriceItem>>() ?? [], StringComparer.Ordinal);

    public IEnumerable<PriceQuote> All() =>
        _items.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => Quote(i.Key, i.Value));

    public PriceQuote? Find(string sku) => _items.TryGetValue(sku, out var item) ? Quote(sku, item) : null;

    public PriceQuote Set(string sku, PriceItem item)
    {
        _items[sku] = item;
        return Quote(sku, item);
    }

    private PriceQuote Quote(string sku, PriceItem item) => new(sku, item.Name, item.Price, Currency, clock.GetUtcNow());
}
