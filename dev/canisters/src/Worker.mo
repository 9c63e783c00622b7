// A service for the scaling tests: `work` burns instructions in proportion to n (so a load generator can make it
// hot), counts what it served (each replica's share), and traps on every call once `fail` was called (a replica
// that has gone bad and must be replaced).
import Runtime "mo:core/Runtime";

persistent actor {
  var served : Nat = 0;
  var failing : Bool = false;

  public func work(n : Nat) : async Nat {
    if (failing) { Runtime.trap("worker is failing on purpose") };
    var i = 0;
    var acc = 0;
    while (i < n) { acc += i; i += 1 };
    served += 1;
    served;
  };

  public func fail() : async () { failing := true };

  public query func getServed() : async Nat { served };
};
