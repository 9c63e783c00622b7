// A counter with an init argument, a trap that must be rolled back, a stable-memory marker and an
// upgrade path (CounterV2.mo is the same state with a new `version`). Built in both persistence modes.
import Region "mo:core/Region";
import Runtime "mo:core/Runtime";
import Principal "mo:core/Principal";

persistent actor class Counter(start : Nat) {
  var count : Nat = start;
  var region : ?Region.Region = null;

  public func inc() : async Nat { count += 1; count };

  public query func get() : async Nat { count };

  public query func version() : async Nat { 1 };

  // Changes the state, then traps: the engine must roll the increment back.
  public func incThenTrap() : async () { count += 1; Runtime.trap("counter trapped on purpose") };

  // Writes `bytes` at offset 0 of a region, so stable memory has content a test can read back.
  public func writeStable(bytes : Blob) : async () {
    let r = switch region { case (?r) r; case null { let r = Region.new(); region := ?r; r } };
    if (Region.size(r) == 0) { ignore Region.grow(r, 1) };
    Region.storeBlob(r, 0, bytes);
  };

  public shared query ({ caller }) func whoami() : async Principal { caller };

  // Queries may change state while they run; the engine discards it.
  public query func bumpInQuery() : async Nat { count += 1000; count };
};
