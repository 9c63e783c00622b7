// The shop's token ledger, version 2: version 1's balances (kept across the upgrade) and, new, a record of every
// transfer since the upgrade.
import List "mo:core/List";
import Map "mo:core/Map";
import Principal "mo:core/Principal";
import Accounts "Accounts";

persistent actor class Ledger(init : { owner : Principal; fee : Nat }) {
  public type Transfer = { from : Text; to : Text; amount : Nat };

  // The same stable field as version 1, so the upgrade keeps it; the history is new.
  let balances : Accounts.Balances = Map.empty();
  let history = List.empty<Transfer>();

  func allowed(caller : Principal) : Bool { caller == init.owner or Principal.isController(caller) };

  public shared ({ caller }) func mint(account : Text, amount : Nat) : async { #ok : Nat; #err : Text } {
    if (not allowed(caller)) return #err("only the ledger's owner mints");
    Accounts.credit(balances, account, amount);
    #ok(Accounts.balanceOf(balances, account));
  };

  public shared ({ caller }) func transfer(from : Text, to : Text, amount : Nat) : async { #ok : Nat; #err : Text } {
    if (not allowed(caller)) return #err("only the ledger's owner transfers");
    let result = Accounts.transfer(balances, from, to, amount, init.fee);
    switch result { case (#ok _) List.add(history, { from; to; amount }); case (#err _) {} };
    result;
  };

  public query func balance(account : Text) : async Nat { Accounts.balanceOf(balances, account) };

  public query func fee() : async Nat { init.fee };

  public query func transfers() : async [Transfer] { List.toArray(history) };

  public query func version() : async Nat { 2 };
};
