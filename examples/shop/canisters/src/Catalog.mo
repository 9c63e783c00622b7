// The shop's catalog: the price of an item comes from the off-chain price service (its URL is the init argument),
// fetched with an HTTPS outcall whose transform keeps only the price, and the last quote of each item is kept.
import Char "mo:core/Char";
import Error "mo:core/Error";
import Map "mo:core/Map";
import Nat "mo:core/Nat";
import Text "mo:core/Text";
import Time "mo:core/Time";

persistent actor class Catalog(init : { prices : Text }) {
  type Header = { name : Text; value : Text };
  type HttpResult = { status : Nat; headers : [Header]; body : Blob };
  type TransformArgs = { response : HttpResult; context : Blob };
  type HttpRequestArgs = {
    url : Text;
    max_response_bytes : ?Nat64;
    method : { #get; #head; #post };
    headers : [Header];
    body : ?Blob;
    transform : ?{ function : shared query TransformArgs -> async HttpResult; context : Blob };
    is_replicated : ?Bool;
  };

  public type Quote = { sku : Text; price : Nat; quotedAt : Int };

  let quotes = Map.empty<Text, Quote>();
  transient let ic : actor { http_request : HttpRequestArgs -> async HttpResult } = actor "aaaaa-aa";

  // Enough for the request (about 71M cycles for a 2 KiB answer on a 13-node subnet); the rest is refunded.
  transient let outcallCycles = 200_000_000;

  // The digits after "price": in the service's JSON answer.
  func priceIn(body : Text) : ?Nat {
    let parts = Text.split(body, #text "\"price\":");
    ignore parts.next();
    switch (parts.next()) {
      case null null;
      case (?rest) {
        var digits = "";
        label scan for (c in Text.toIter(rest)) {
          if (Char.isDigit(c)) digits #= Char.toText(c) else if (c != ' ' or digits != "") break scan;
        };
        Nat.fromText(digits);
      };
    };
  };

  // On the IC every replica fetches the price and they must agree on the bytes: the headers (dates, request ids)
  // and the quote's timestamp differ between replicas, so only the status and the price itself are kept.
  public query func transform(args : TransformArgs) : async HttpResult {
    let body = switch (Text.decodeUtf8(args.response.body)) { case (?t) t; case null "" };
    let price = switch (priceIn(body)) { case (?p) Nat.toText(p); case null "" };
    { status = args.response.status; headers = []; body = Text.encodeUtf8(if (args.response.status == 200) price else "") };
  };

  /// The item's current price from the price service (kept as its last quote).
  public func quote(sku : Text) : async { #ok : Quote; #err : Text } {
    let request : HttpRequestArgs = {
      url = init.prices # "/prices/" # sku;
      max_response_bytes = ?2048;
      method = #get;
      headers = [{ name = "accept"; value = "application/json" }];
      body = null;
      transform = ?{ function = transform; context = "" };
      is_replicated = null;
    };
    let response = try {
      await (with cycles = outcallCycles) ic.http_request(request);
    } catch (e) {
      return #err("the price service cannot be reached: " # Error.message(e));
    };
    if (response.status == 404) return #err("the price service has no item " # sku);
    if (response.status != 200) return #err("the price service answered " # Nat.toText(response.status));
    switch (Text.decodeUtf8(response.body)) {
      case (?text) {
        switch (Nat.fromText(text)) {
          case (?price) {
            let q = { sku; price; quotedAt = Time.now() };
            Map.add(quotes, Text.compare, sku, q);
            #ok(q);
          };
          case null #err("the price service's answer has no price");
        };
      };
      case null #err("the price service's answer has no price");
    };
  };

  /// The last quote of an item, if it was ever quoted.
  public query func lastQuote(sku : Text) : async ?Quote { Map.get(quotes, Text.compare, sku) };
};
