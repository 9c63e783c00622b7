// Calls a Counter (on another subnet in the tests) and returns what it answered.
import Error "mo:core/Error";
import Principal "mo:core/Principal";

persistent actor {
  type Counter = actor { inc : () -> async Nat; get : query () -> async Nat };

  public func incOther(target : Principal) : async Nat {
    let counter : Counter = actor (Principal.toText(target));
    await counter.inc();
  };

  // Reports the reject code and message of a failed call as text instead of trapping.
  public func tryIncOther(target : Principal) : async Text {
    let counter : Counter = actor (Principal.toText(target));
    try { debug_show (await counter.inc()) } catch (e) { debug_show (Error.code(e)) # ": " # Error.message(e) };
  };
};
