using System.Net.Http.Headers;
using System.Text;
using Platform.Candid;
using Platform.Engine.Client;
using Shop.Client;

// shop ENVIRONMENT SERVICE METHOD ['(candid arguments)']: calls a method of one of the shop's canisters, found by
// name through the platform (gateway PLATFORM_SERVER, signed in as PLATFORM_USER with PLATFORM_PASSWORD), on the
// engine PLATFORM_ENGINE_URL (instance PLATFORM_ENGINE_INSTANCE), and prints the answer as Candid text.
if (args.Length is < 3 or > 4)
{
    Console.Error.WriteLine("usage: shop ENVIRONMENT SERVICE METHOD ['(candid arguments)']   e.g. shop dev frontend buy '(\"alice\", \"apple\")'");
    return 2;
}

string Setting(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

using var platform = new HttpClient { BaseAddress = new Uri(Setting("PLATFORM_SERVER", "http://127.0.0.1:5000")) };
var user = Setting("PLATFORM_USER", "admin");
var password = Setting("PLATFORM_PASSWORD", "");
platform.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
using var engineHttp = new HttpClient { BaseAddress = new Uri(Setting("PLATFORM_ENGINE_URL", "http://127.0.0.1:5200").TrimEnd('/') + "/") };
var engine = new PocketIcClient(engineHttp).Instance(int.Parse(Setting("PLATFORM_ENGINE_INSTANCE", "0"), System.Globalization.CultureInfo.InvariantCulture));

try
{
    var canister = await new ShopDirectory(platform, engine).FindAsync(args[0], args[1]);
    Console.WriteLine(CandidText.Print(await canister.CallAsync(args[2], args.Length == 4 ? args[3] : "()")));
    return 0;
}
catch (Exception e) when (e is HttpRequestException or PocketIcException or CanisterRejectedException or CandidParseException or KeyNotFoundException)
{
    Console.Error.WriteLine($"shop: {e.Message}");
    return 1;
}
