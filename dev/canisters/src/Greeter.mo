// Finds another service by name through the environment's registry canister (Deploy passes the registry's id as
// {{canisterId:registry}}) and calls it: no canister id is compiled in or configured.
import Error "mo:core/Error";
import Principal "mo:core/Principal";

persistent actor class Greeter(registry : Principal) {
  type Registry = actor {
    lookup : shared query Text -> async ?[Principal];
    pick : shared query (Text, Text) -> async ?Principal;
  };
  type Counter = actor { inc : () -> async Nat };

  let directory : Registry = actor (Principal.toText(registry));

  // Increments the counter the registry names first for `service`.
  public func incService(service : Text) : async Nat {
    switch (await directory.lookup(service)) {
      case (?ids) {
        if (ids.size() == 0) throw Error.reject(service # " has no replicas");
        let counter : Counter = actor (Principal.toText(ids[0]));
        await counter.inc();
      };
      case null throw Error.reject("the registry knows no service " # service);
    };
  };

  // What the registry picks for a shard key, asked from a canister (an update-context call of the query).
  public func pickService(service : Text, key : Text) : async ?Principal {
    await directory.pick(service, key);
  };

  public query func registryId() : async Principal { registry };
};
