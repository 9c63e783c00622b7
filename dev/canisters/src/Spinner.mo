// Loops for as long as it is told: with a large n it runs out of instructions.
persistent actor {
  var total : Nat = 0;

  public func spin(n : Nat) : async Nat {
    var i = 0;
    while (i < n) { total += i; i += 1 };
    total;
  };

  public query func getTotal() : async Nat { total };
};
