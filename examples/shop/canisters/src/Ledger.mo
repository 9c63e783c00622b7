// The shop's token ledger (version 1): balances by account, transfers with a fee. Only its owner (the frontend
// canister, named in the init argument) and its controllers move tokens; anyone reads a balance.
import Map "mo:core/Map";
import Principal "mo:core/Principal";
import Accounts "Accounts";

persistent actor class Ledger(init : { owner : Principal; fee : Nat }) {
  let balances : Accounts.Balances = Map.empty();

  func allowed(caller : Principal) : Bool { caller == init.owner or Principal.isController(caller) };

  /// New tokens for an account (a welcome balance); the account's balance.
  public shared ({ caller }) func mint(account : Text, amount : Nat) : async { #ok : Nat; #err : Text } {
    if (not allowed(caller)) return #err("only the ledger's owner mints");
    Accounts.credit(balances, account, amount);
    #ok(Accounts.balanceOf(balances, account));
  };

  public shared ({ caller }) func transfer(from : Text, to : Text, amount : Nat) : async { #ok : Nat; #err : Text } {
    if (not allowed(caller)) return #err("only the ledger's owner transfers");
    Accounts.transfer(balances, from, to, amount, init.fee);
  };

  public query func balance(account : Text) : async Nat { Accounts.balanceOf(balances, account) };

  public query func fee() : async Nat { init.fee };

  public query func version() : async Nat { 1 };
};
