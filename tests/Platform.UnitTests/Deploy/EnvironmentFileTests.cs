using Platform.Deploy.Environments;
using Platform.Deploy.Planning;

namespace Platform.UnitTests.Deploy;

public sealed class EnvironmentFileTests
{
    private const string Staging = """
        apiVersion: platform/v1
        kind: Environment
        metadata: { name: staging, namespace: shop }
        spec:
          protected: true                      # releases need approvals
          approvals: { required: 2, approvers: [alice, bob, carol], expiresAfter: 72h }
          services:
            ledger:
              module: shop/ledger@main:latest
              init: '(record { owner = principal "{{canisterId:frontend}}"; fee = 10 : nat })'
              subnet: any
              cycles: 2T
              upgrade: { persistence: keep }
            frontend:
              module: shop/frontend@v1.4.0
              replicas: { min: 1, max: 4 }
        """;

    [Fact]
    public void The_issue_s_example_reads_whole()
    {
        var doc = EnvironmentFile.Parse(Staging);
        Assert.Equal(("staging", "shop", true), (doc.Name, doc.Namespace, doc.Protected));
        Assert.Equal(new ApprovalPolicy(2, ["alice", "bob", "carol"], TimeSpan.FromHours(72)) with { Approvers = doc.Approvals!.Approvers }, doc.Approvals);
        Assert.Equal(["alice", "bob", "carol"], doc.Approvals.Approvers);
        var ledger = doc.Services.Single(s => s.Name == "ledger");
        Assert.Equal(("shop/ledger", "main:latest", "keep"), (ledger.Module, ledger.Selector, ledger.Persistence));
        Assert.Equal(2_000_000_000_000, ledger.Cycles);
        var frontend = doc.Services.Single(s => s.Name == "frontend");
        Assert.Equal(new Platform.Contracts.ReplicaBounds(1, 4), frontend.Replicas);
        Assert.Equal("any", frontend.Subnet);
    }

    [Fact]
    public void Json_is_read_too()
    {
        var doc = EnvironmentFile.Parse("""
            {"apiVersion": "platform/v1", "kind": "Environment", "metadata": {"name": "dev", "namespace": "shop"},
             "spec": {"services": {"ledger": {"module": "shop/ledger@sha256:abc", "init": "(1)"}}}}
            """);
        Assert.Equal("sha256:abc", doc.Services[0].Selector);
        Assert.False(doc.Protected);
    }

    [Fact]
    public void A_syntax_error_says_line_and_column()
    {
        var e = Assert.Throws<EnvironmentFileException>(() => EnvironmentFile.Parse("apiVersion: platform/v1\nmetadata: { name: x\nspec: ["));
        Assert.True(e.Syntax);
        Assert.NotNull(e.Problems[0].Line);
        Assert.NotNull(e.Problems[0].Column);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_field_path_and_position()
    {
        var e = Assert.Throws<EnvironmentFileException>(() => EnvironmentFile.Parse("""
            apiVersion: platform/v2
            kind: Environment
            metadata: { name: Bad_Name, namespace: shop }
            spec:
              protected: yes
              colour: blue
              services:
                ledger:
                  module: no-selector
                  cycles: lots
                  upgrade: { persistence: maybe }
                  replicas: { min: 3, max: 2 }
                registry:
                  module: shop/x@v1
            """));
        Assert.False(e.Syntax);
        var paths = e.Problems.Select(p => p.Path).ToList();
        Assert.Contains("apiVersion", paths);
        Assert.Contains("metadata.name", paths);
        Assert.Contains("spec.protected", paths);
        Assert.Contains("spec.colour", paths);
        Assert.Contains("spec.services.ledger.module", paths);
        Assert.Contains("spec.services.ledger.cycles", paths);
        Assert.Contains("spec.services.ledger.upgrade.persistence", paths);
        Assert.Contains("spec.services.ledger.replicas.max", paths);
        Assert.Contains("spec.services.registry", paths);
        Assert.Equal(1, e.Problems.Single(p => p.Path == "apiVersion").Line);
        Assert.Equal(10, e.Problems.Single(p => p.Path == "spec.services.ledger.cycles").Line);
    }

    [Fact]
    public void A_protected_environment_needs_an_approval_policy_it_can_meet()
    {
        var missing = Assert.Throws<EnvironmentFileException>(() => EnvironmentFile.Parse("""
            apiVersion: platform/v1
            kind: Environment
            metadata: { name: prod, namespace: shop }
            spec: { protected: true, services: { a: { module: shop/a@v1 } } }
            """));
        Assert.Contains(missing.Problems, p => p.Path == "spec.approvals");
        var unmeetable = Assert.Throws<EnvironmentFileException>(() => EnvironmentFile.Parse("""
            apiVersion: platform/v1
            kind: Environment
            metadata: { name: prod, namespace: shop }
            spec: { protected: true, approvals: { required: 3, approvers: [alice, bob] }, services: { a: { module: shop/a@v1 } } }
            """));
        Assert.Contains(unmeetable.Problems, p => p.Path == "spec.approvals.required");
    }

    [Theory]
    [InlineData("2T", "2000000000000")]
    [InlineData("1.5T", "1500000000000")]
    [InlineData("500B", "500000000000")]
    [InlineData("1_000", "1000")]
    public void Cycles_read_with_their_units(string text, string expected) =>
        Assert.Equal(System.Numerics.BigInteger.Parse(expected), EnvironmentFile.Cycles(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-1T")]
    [InlineData("0.1")]
    [InlineData("T")]
    public void Bad_cycles_are_refused(string text) => Assert.Null(EnvironmentFile.Cycles(text));

    private static EnvironmentDocument Doc(params (string Name, string? Init)[] services) => new("e", "ns", false, null, false,
        [.. services.Select(s => new ServiceSpec(s.Name, "ns/m", "v1", s.Init, "any", null, null, false, null, null, null))]);

    [Fact]
    public void Placeholders_order_installs_after_the_services_they_name()
    {
        var problems = new List<FileProblem>();
        var order = Placeholders.InstallOrder(Doc(("frontend", "(principal \"{{canisterId:ledger}}\", principal \"{{ canisterId:catalog }}\")"),
            ("ledger", null), ("catalog", "(principal \"{{canisterId:ledger}}\")")), problems);
        Assert.Empty(problems);
        Assert.Equal(["ledger", "catalog", "frontend"], order);
    }

    [Fact]
    public void A_placeholder_naming_no_service_and_a_cycle_are_problems()
    {
        var problems = new List<FileProblem>();
        Placeholders.InstallOrder(Doc(("a", "({{canisterId:nobody}})")), problems);
        Assert.Contains("nobody", Assert.Single(problems).Message);

        problems.Clear();
        Placeholders.InstallOrder(Doc(("a", "({{canisterId:b}})"), ("b", "({{canisterId:c}})"), ("c", "({{canisterId:a}})")), problems);
        Assert.Contains("a -> b -> c -> a", Assert.Single(problems).Message);
    }

    [Fact]
    public void The_registry_placeholder_is_always_known_and_substitution_replaces_every_one()
    {
        var problems = new List<FileProblem>();
        Placeholders.InstallOrder(Doc(("a", "({{canisterId:registry}})")), problems);
        Assert.Empty(problems);
        Assert.Equal("(x, x)", Placeholders.Substitute("({{canisterId:a}}, {{canisterId:a}})", _ => "x"));
    }

    private const string CounterDid = "service : (start: nat) -> { get: () -> (nat) query }";

    [Fact]
    public void Init_arguments_are_typed_by_the_module_s_interface()
    {
        var bytes = ReleasePlanner.EncodeInit("(41)", CounterDid, _ => "aaaaa-aa");
        Assert.Equal(41, Platform.Candid.CandidBinary.Decode(bytes, Platform.Candid.CandidType.Nat).AsNat());
        Assert.ThrowsAny<Exception>(() => ReleasePlanner.EncodeInit("(\"text\")", CounterDid, _ => "aaaaa-aa"));
        Assert.Throws<InvalidOperationException>(() => ReleasePlanner.EncodeInit(null, CounterDid, _ => "aaaaa-aa"));
        Assert.Throws<InvalidOperationException>(() => ReleasePlanner.EncodeInit("(1)", null, _ => "aaaaa-aa"));
        // No init and no interface: empty arguments.
        Assert.Equal(Platform.Candid.CandidBinary.Encode(Platform.Candid.CandidArgs.Empty), ReleasePlanner.EncodeInit(null, null, _ => ""));
    }
}
