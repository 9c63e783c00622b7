// Balances by account name, shared by both versions of the ledger (the state an upgrade must keep).
import Map "mo:core/Map";
import Nat "mo:core/Nat";
import Text "mo:core/Text";

module {
  public type Balances = Map.Map<Text, Nat>;

  /// The account that collects transfer fees.
  public let feeAccount = "fees";

  public func balanceOf(balances : Balances, account : Text) : Nat {
    switch (Map.get(balances, Text.compare, account)) { case (?b) b; case null 0 };
  };

  public func credit(balances : Balances, account : Text, amount : Nat) {
    Map.add(balances, Text.compare, account, balanceOf(balances, account) + amount);
  };

  /// Moves amount from one account to another and the fee to the fee account; the sender's new balance, or why not.
  public func transfer(balances : Balances, from : Text, to : Text, amount : Nat, fee : Nat) : { #ok : Nat; #err : Text } {
    let available = balanceOf(balances, from);
    if (amount == 0) return #err("the amount must be positive");
    if (available < amount + fee) {
      return #err("insufficient funds: " # from # " has " # Nat.toText(available) # ", the transfer needs " # Nat.toText(amount + fee));
    };
    Map.add(balances, Text.compare, from, available - amount - fee);
    credit(balances, to, amount);
    if (fee > 0) credit(balances, feeAccount, fee);
    #ok(available - amount - fee);
  };
};
