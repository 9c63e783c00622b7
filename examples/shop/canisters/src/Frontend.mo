// The shop's frontend: signs customers up and sells items. It finds the ledger and the catalog by service name
// through the environment's registry canister (whose id is its init argument), never by a canister id of its own.
import Error "mo:core/Error";
import Principal "mo:core/Principal";

persistent actor class Frontend(registry : Principal) {
  type Registry = actor {
    lookup : query Text -> async ?[Principal];
    pick : query (Text, Text) -> async ?Principal;
  };
  type Quote = { sku : Text; price : Nat; quotedAt : Int };
  type Ledger = actor {
    mint : (Text, Nat) -> async { #ok : Nat; #err : Text };
    transfer : (Text, Text, Nat) -> async { #ok : Nat; #err : Text };
    balance : query Text -> async Nat;
  };
  type Catalog = actor { quote : Text -> async { #ok : Quote; #err : Text } };

  public type Receipt = { sku : Text; price : Nat; balance : Nat; ledger : Principal; catalog : Principal };

  /// What a new account gets.
  transient let welcome = 1_000;
  /// The account the shop's takings go to.
  transient let shop = "shop";

  transient let services : Registry = actor (Principal.toText(registry));

  // One replica of the service for this key (the registry's stable choice), or a reject saying what is missing.
  func find(service : Text, key : Text) : async* Principal {
    switch (await services.pick(service, key)) {
      case (?id) id;
      case null throw Error.reject("the registry knows no service " # service);
    };
  };

  public func signup(account : Text) : async { #ok : Nat; #err : Text } {
    let ledger : Ledger = actor (Principal.toText(await* find("ledger", account)));
    await ledger.mint(account, welcome);
  };

  public func balance(account : Text) : async Nat {
    let ledger : Ledger = actor (Principal.toText(await* find("ledger", account)));
    await ledger.balance(account);
  };

  /// Quotes the item with the catalog and pays its price from the account to the shop on the ledger.
  public func buy(account : Text, sku : Text) : async { #ok : Receipt; #err : Text } {
    let catalogId = await* find("catalog", sku);
    let ledgerId = await* find("ledger", account);
    let catalog : Catalog = actor (Principal.toText(catalogId));
    let ledger : Ledger = actor (Principal.toText(ledgerId));
    switch (await catalog.quote(sku)) {
      case (#err e) #err(e);
      case (#ok q) {
        switch (await ledger.transfer(account, shop, q.price)) {
          case (#err e) #err(e);
          case (#ok balance) #ok({ sku; price = q.price; balance; ledger = ledgerId; catalog = catalogId });
        };
      };
    };
  };

  public query func registryId() : async Principal { registry };
};
