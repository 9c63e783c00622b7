using Platform.Engine.Runtime;

namespace Platform.Engine.SystemApi;

/// <summary>
/// The <c>ic0</c> functions the engine provides, with their signatures as the interface specification writes
/// them: <c>I</c> is an address or size (i32 in a wasm32 module, i64 in a memory64 one), <c>i</c> is always i32
/// and <c>l</c> always i64. Anything a module imports beyond this list is refused at install.
/// </summary>
internal static class SystemApiImports
{
    public const string Module = "ic0";

    private static readonly Dictionary<string, (string Params, string Results)> Signatures = new(StringComparer.Ordinal)
    {
        ["msg_arg_data_size"] = ("", "I"),
        ["msg_arg_data_copy"] = ("III", ""),
        ["msg_caller_size"] = ("", "I"),
        ["msg_caller_copy"] = ("III", ""),
        ["msg_reject_code"] = ("", "i"),
        ["msg_reject_msg_size"] = ("", "I"),
        ["msg_reject_msg_copy"] = ("III", ""),
        ["msg_deadline"] = ("", "l"),
        ["msg_reply_data_append"] = ("II", ""),
        ["msg_reply"] = ("", ""),
        ["msg_reject"] = ("II", ""),
        ["msg_cycles_available128"] = ("I", ""),
        ["msg_cycles_refunded128"] = ("I", ""),
        ["msg_cycles_accept128"] = ("llI", ""),
        ["msg_method_name_size"] = ("", "I"),
        ["msg_method_name_copy"] = ("III", ""),
        ["accept_message"] = ("", ""),
        ["canister_self_size"] = ("", "I"),
        ["canister_self_copy"] = ("III", ""),
        ["canister_cycle_balance128"] = ("I", ""),
        ["canister_liquid_cycle_balance128"] = ("I", ""),
        ["canister_status"] = ("", "i"),
        ["canister_version"] = ("", "l"),
        ["subnet_self_size"] = ("", "I"),
        ["subnet_self_copy"] = ("III", ""),
        ["call_new"] = ("IIIIIIII", ""),
        ["call_on_cleanup"] = ("II", ""),
        ["call_data_append"] = ("II", ""),
        ["call_with_best_effort_response"] = ("i", ""),
        ["call_cycles_add128"] = ("ll", ""),
        ["call_perform"] = ("", "i"),
        ["stable_size"] = ("", "i"),
        ["stable_grow"] = ("i", "i"),
        ["stable_write"] = ("iii", ""),
        ["stable_read"] = ("iii", ""),
        ["stable64_size"] = ("", "l"),
        ["stable64_grow"] = ("l", "l"),
        ["stable64_write"] = ("lll", ""),
        ["stable64_read"] = ("lll", ""),
        ["certified_data_set"] = ("II", ""),
        ["data_certificate_present"] = ("", "i"),
        ["data_certificate_size"] = ("", "I"),
        ["data_certificate_copy"] = ("III", ""),
        ["time"] = ("", "l"),
        ["global_timer_set"] = ("l", "l"),
        ["performance_counter"] = ("i", "l"),
        ["is_controller"] = ("II", "i"),
        ["in_replicated_execution"] = ("", "i"),
        ["debug_print"] = ("II", ""),
        ["trap"] = ("II", ""),
    };

    public static IEnumerable<string> Names => Signatures.Keys;

    /// <summary>The signature the module must declare for <paramref name="name"/>, or null for an unknown function.</summary>
    public static WasmFunctionType? Expected(string name, bool memory64)
    {
        if (!Signatures.TryGetValue(name, out var s)) return null;
        byte Map(char c) => c switch { 'I' => memory64 ? (byte)0x7E : (byte)0x7F, 'i' => 0x7F, _ => 0x7E };
        return new WasmFunctionType(s.Params.Select(Map).ToArray(), s.Results.Select(Map).ToArray());
    }

    /// <summary>Checks every import; returns the IC's message for the first one the engine cannot provide.</summary>
    public static string? Validate(WasmModuleInfo info)
    {
        foreach (var import in info.Imports)
        {
            if (import.Module != Module || import.Function is null)
            {
                return $"Wasm module has an invalid import section. Module imports function '{import.Name}' from '{import.Module}' that is not exported by the runtime.";
            }
            var expected = Expected(import.Name, info.IsMemory64);
            if (expected is null)
            {
                return $"Wasm module has an invalid import section. Module imports function '{import.Name}' from '{import.Module}' that is not exported by the runtime.";
            }
            if (!expected.Parameters.SequenceEqual(import.Function.Parameters) || !expected.Results.SequenceEqual(import.Function.Results))
            {
                return $"Wasm module has an invalid import section. Module imports function '{import.Name}' from '{import.Module}' with signature {import.Function}, expected {expected}.";
            }
        }
        return null;
    }
}
