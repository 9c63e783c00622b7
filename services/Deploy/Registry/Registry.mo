// An environment's on-chain service discovery: service name -> the canister ids of its replicas (or shards).
// Deploy installs it first in every environment, passes its id to every service as {{canisterId:registry}} and
// calls `set` after every release; application canisters call `lookup` and `pick` instead of hard-coding ids.
// Canisters call the queries as ordinary inter-canister (update-context) calls.
import Error "mo:core/Error";
import Iter "mo:core/Iter";
import Map "mo:core/pure/Map";
import Nat64 "mo:core/Nat64";
import Nat8 "mo:core/Nat8";
import Principal "mo:core/Principal";
import Text "mo:core/Text";

persistent actor Registry {
  var directory : Map.Map<Text, [Principal]> = Map.empty();

  public query func lookup(name : Text) : async ?[Principal] {
    Map.get(directory, Text.compare, name);
  };

  // Rendezvous hashing exactly as Platform.Contracts.KeyRing: the replica with the highest score for the key,
  // ties to the lowest id text, so Deploy's discovery and this canister agree on every key.
  public query func pick(name : Text, key : Text) : async ?Principal {
    switch (Map.get(directory, Text.compare, name)) {
      case null null;
      case (?replicas) {
        var best : ?(Principal, Text, Nat64) = null;
        for (replica in replicas.vals()) {
          let member = Principal.toText(replica);
          let s = score(key, member);
          best := switch best {
            case null ?(replica, member, s);
            case (?(_, bestMember, bestScore)) {
              if (s > bestScore or (s == bestScore and member < bestMember)) ?(replica, member, s) else best;
            };
          };
        };
        switch best { case null null; case (?(replica, _, _)) ?replica };
      };
    };
  };

  public query func services() : async [(Text, [Principal])] {
    Iter.toArray(Map.entries(directory)); // by name
  };

  // Replaces the whole map in one step, so a reader never sees half of a release. Only the canister's
  // controllers (Deploy) may change it.
  public shared ({ caller }) func set(entries : [(Text, [Principal])]) : async () {
    if (not Principal.isController(caller)) {
      throw Error.reject("set: " # Principal.toText(caller) # " is not a controller of the registry");
    };
    var next : Map.Map<Text, [Principal]> = Map.empty();
    for ((name, replicas) in entries.vals()) {
      if (Map.get(next, Text.compare, name) != null) {
        throw Error.reject("set: the service " # name # " is named twice");
      };
      next := Map.add(next, Text.compare, name, replicas);
    };
    directory := next;
  };

  // FNV-1a 64 of UTF-8(key) ++ [0] ++ UTF-8(member), then SplitMix64's finaliser (see KeyRing.cs).
  func score(key : Text, member : Text) : Nat64 {
    var h : Nat64 = 0xcbf29ce484222325;
    let prime : Nat64 = 0x100000001b3;
    for (b in key.encodeUtf8().vals()) { h := (h ^ Nat8.toNat64(b)) *% prime };
    h := h *% prime; // the 0x00 separator: h ^ 0 = h
    for (b in member.encodeUtf8().vals()) { h := (h ^ Nat8.toNat64(b)) *% prime };
    h ^= h >> 30;
    h *%= 0xbf58476d1ce4e5b9;
    h ^= h >> 27;
    h *%= 0x94d049bb133111eb;
    h ^= h >> 31;
    h;
  };
};
