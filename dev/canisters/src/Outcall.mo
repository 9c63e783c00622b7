// Makes HTTPS outcalls through the management canister and reports what came back (or the reject) as text.
import Error "mo:core/Error";
import Text "mo:core/Text";

persistent actor {
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

  transient let ic : actor { http_request : HttpRequestArgs -> async HttpResult } = actor "aaaaa-aa";

  // What the newest fetch came back with, kept in the heap: a caller that lost its answer (an engine restart) reads it here.
  var lastOutcome : Text = "";

  public query func last() : async Text { lastOutcome };

  // Drops the headers (on the IC they differ between replicas) and prefixes the body with the context.
  public query func transform(args : TransformArgs) : async HttpResult {
    let context = switch (Text.decodeUtf8(args.context)) { case (?t) t; case null "" };
    let body = switch (Text.decodeUtf8(args.response.body)) { case (?t) t; case null "<binary>" };
    { status = args.response.status; headers = []; body = Text.encodeUtf8(context # body) };
  };

  // GET (or POST with a body) to url; "<status> <body>" or "<reject code>: <message>".
  public func fetch(url : Text, maxResponseBytes : ?Nat64, post : ?Text, transformed : Bool, cycles : Nat) : async Text {
    let request : HttpRequestArgs = {
      url;
      max_response_bytes = maxResponseBytes;
      method = switch post { case null #get; case _ #post };
      headers = [{ name = "x-canister"; value = "outcall" }];
      body = switch post { case (?text) ?Text.encodeUtf8(text); case null null };
      transform = if transformed ?{ function = transform; context = Text.encodeUtf8("transformed:") } else null;
      is_replicated = null;
    };
    lastOutcome := "pending";
    lastOutcome := try {
      let response = await (with cycles) ic.http_request(request);
      let body = switch (Text.decodeUtf8(response.body)) { case (?t) t; case null "<binary>" };
      debug_show (response.status) # " " # body;
    } catch (e) {
      debug_show (Error.code(e)) # ": " # Error.message(e);
    };
    lastOutcome;
  };
};
