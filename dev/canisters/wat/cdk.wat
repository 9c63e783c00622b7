;; A hand-written wasm32 canister that uses the System API the way Rust ic-cdk canisters do: the method name,
;; accept_message, 128-bit cycles, certified data, data certificates, canister_version, in_replicated_execution,
;; the 32-bit stable memory API, is_controller, debug_print and trap; plus inter-canister calls with cleanup and
;; best-effort timeouts. The engine's xunit tests drive it.
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
  (import "ic0" "msg_method_name_size" (func $method_size (result i32)))
  (import "ic0" "msg_method_name_copy" (func $method_copy (param i32 i32 i32)))
  (import "ic0" "accept_message" (func $accept_message))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_cycles_add128" (func $call_cycles_add128 (param i64 i64)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_with_best_effort_response" (func $best_effort (param i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "msg_cycles_available128" (func $cycles_available (param i32)))
  (import "ic0" "msg_cycles_accept128" (func $cycles_accept (param i64 i64 i32)))
  (import "ic0" "msg_cycles_refunded128" (func $cycles_refunded (param i32)))
  (import "ic0" "canister_cycle_balance128" (func $balance (param i32)))
  (import "ic0" "certified_data_set" (func $certified_data_set (param i32 i32)))
  (import "ic0" "data_certificate_present" (func $certificate_present (result i32)))
  (import "ic0" "data_certificate_size" (func $certificate_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $certificate_copy (param i32 i32 i32)))
  (import "ic0" "canister_version" (func $canister_version (result i64)))
  (import "ic0" "in_replicated_execution" (func $replicated (result i32)))
  (import "ic0" "stable_size" (func $stable_size (result i32)))
  (import "ic0" "stable_grow" (func $stable_grow (param i32) (result i32)))
  (import "ic0" "stable_write" (func $stable_write (param i32 i32 i32)))
  (import "ic0" "stable_read" (func $stable_read (param i32 i32 i32)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (import "ic0" "debug_print" (func $debug_print (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "global_timer_set" (func $global_timer_set (param i64) (result i64)))

  (memory 1)
  (table 3 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_cleanup)
  ;; Counts bumps; a trap must restore it.
  (global $bumps (mut i32) (i32.const 0))
  ;; Length of the init argument.
  (global $init_len (mut i32) (i32.const 0))
  ;; Set by the cleanup callback.
  (global $cleanups (mut i32) (i32.const 0))
  ;; Counts global timer runs.
  (global $timer_runs (mut i32) (i32.const 0))

  (data (i32.const 1000) "accept")
  (data (i32.const 1010) "cdk trapped on purpose")
  (data (i32.const 1040) "hello from cdk")
  (data (i32.const 1060) "never")

  ;; Scratch: 0..999 general, 2000.. arguments, 8000.. reply building.
  (func $reply_bytes (param $ptr i32) (param $len i32)
    (call $reply_append (local.get $ptr) (local.get $len))
    (call $reply))

  (func $reply_i32 (param $v i32)
    (i32.store (i32.const 0) (local.get $v))
    (call $reply_bytes (i32.const 0) (i32.const 4)))

  (func $init (export "canister_init")
    (global.set $init_len (call $arg_size)))

  (func $inspect (export "canister_inspect_message")
    (call $accept_message))

  (func (export "canister_update method_name")
    (call $method_copy (i32.const 0) (i32.const 0) (call $method_size))
    (call $reply_bytes (i32.const 0) (call $method_size)))

  (func (export "canister_update bump")
    (global.set $bumps (i32.add (global.get $bumps) (i32.const 1)))
    (call $reply_i32 (global.get $bumps)))

  ;; Changes a global, the heap and stable memory, then traps: all three must be rolled back.
  (func (export "canister_update bump_then_trap")
    (global.set $bumps (i32.add (global.get $bumps) (i32.const 100)))
    (i32.store8 (i32.const 500) (i32.add (i32.load8_u (i32.const 500)) (i32.const 1)))
    (if (i32.eqz (call $stable_size)) (then (drop (call $stable_grow (i32.const 1)))))
    (i32.store (i32.const 0) (i32.const 0x55555555))
    (call $stable_write (i32.const 0) (i32.const 0) (i32.const 4))
    (call $trap (i32.const 1010) (i32.const 22)))

  ;; bumps (4) | heap byte 500 (4) | stable pages (4) | stable bytes 0..4 (4) | init_len (4) | cleanups (4)
  (func (export "canister_query read_state")
    (i32.store (i32.const 8000) (global.get $bumps))
    (i32.store (i32.const 8004) (i32.load8_u (i32.const 500)))
    (i32.store (i32.const 8008) (call $stable_size))
    (i32.store (i32.const 8012) (i32.const 0))
    (if (call $stable_size) (then (call $stable_read (i32.const 8012) (i32.const 0) (i32.const 4))))
    (i32.store (i32.const 8016) (global.get $init_len))
    (i32.store (i32.const 8020) (global.get $cleanups))
    (call $reply_bytes (i32.const 8000) (i32.const 24)))

  ;; Writes the argument at stable offset 0 (growing to one page first) and replies with what reads back.
  (func (export "canister_update stable_roundtrip")
    (local $n i32)
    (local.set $n (call $arg_size))
    (call $arg_copy (i32.const 2000) (i32.const 0) (local.get $n))
    (if (i32.eqz (call $stable_size)) (then (drop (call $stable_grow (i32.const 1)))))
    (call $stable_write (i32.const 0) (i32.const 2000) (local.get $n))
    (call $stable_read (i32.const 4000) (i32.const 0) (local.get $n))
    (call $reply_bytes (i32.const 4000) (local.get $n)))

  ;; version (8) | replicated (4) | certificate present (4) | balance (16) | caller is controller (4) | time (8)
  (func $info
    (i64.store (i32.const 8000) (call $canister_version))
    (i32.store (i32.const 8008) (call $replicated))
    (i32.store (i32.const 8012) (call $certificate_present))
    (call $balance (i32.const 8016))
    (call $caller_copy (i32.const 0) (i32.const 0) (call $caller_size))
    (i32.store (i32.const 8032) (call $is_controller (i32.const 0) (call $caller_size)))
    (i64.store (i32.const 8036) (call $time))
    (call $reply_bytes (i32.const 8000) (i32.const 44)))
  (func (export "canister_query info") (call $info))
  (func (export "canister_update info_update") (call $info))

  (func (export "canister_update certify")
    (call $arg_copy (i32.const 2000) (i32.const 0) (call $arg_size))
    (call $certified_data_set (i32.const 2000) (call $arg_size))
    (call $reply_bytes (i32.const 0) (i32.const 0)))

  (func (export "canister_query certificate")
    (if (call $certificate_present)
      (then
        (call $certificate_copy (i32.const 2000) (i32.const 0) (call $certificate_size))
        (call $reply_bytes (i32.const 2000) (call $certificate_size)))
      (else (call $reply_bytes (i32.const 0) (i32.const 0)))))

  ;; Accepts up to 1000 of the attached cycles; replies with the amount accepted (16 bytes).
  (func (export "canister_update accept")
    (call $cycles_available (i32.const 100))
    (call $cycles_accept (i64.const 0) (i64.const 1000) (i32.const 0))
    (call $reply_bytes (i32.const 0) (i32.const 16)))

  ;; The argument is: callee principal length (1 byte), callee, method name length (1 byte), method name,
  ;; then flags (1 byte: 1 = best effort with a 1 s timeout, 2 = attach 5000 cycles, 4 = trap in the reply), then
  ;; the payload.
  ;; The callback replies "R" + refunded cycles (16) + callee's reply, or "J" + reject code (4) + message.
  (func (export "canister_update call")
    (local $callee_len i32) (local $name_len i32) (local $flags i32)
    (call $arg_copy (i32.const 2000) (i32.const 0) (call $arg_size))
    (local.set $callee_len (i32.load8_u (i32.const 2000)))
    (local.set $name_len (i32.load8_u (i32.add (i32.const 2001) (local.get $callee_len))))
    (local.set $flags (i32.load8_u (i32.add (i32.add (i32.const 2002) (local.get $callee_len)) (local.get $name_len))))
    (i32.store (i32.const 600) (local.get $flags))
    (call $call_new
      (i32.const 2001) (local.get $callee_len)
      (i32.add (i32.const 2002) (local.get $callee_len)) (local.get $name_len)
      (i32.const 0) (i32.const 7) (i32.const 1) (i32.const 7))
    (call $call_data_append
      (i32.add (i32.add (i32.const 2003) (local.get $callee_len)) (local.get $name_len))
      (i32.sub (call $arg_size) (i32.add (i32.add (i32.const 3) (local.get $callee_len)) (local.get $name_len))))
    (call $call_on_cleanup (i32.const 2) (i32.const 7))
    (if (i32.and (local.get $flags) (i32.const 1)) (then (call $best_effort (i32.const 1))))
    (if (i32.and (local.get $flags) (i32.const 2)) (then (call $call_cycles_add128 (i64.const 0) (i64.const 5000))))
    (drop (call $call_perform)))

  (func $on_reply (param $env i32)
    (if (i32.ne (local.get $env) (i32.const 7)) (then unreachable))
    (if (i32.and (i32.load (i32.const 600)) (i32.const 4)) (then (call $trap (i32.const 1010) (i32.const 22))))
    (i32.store8 (i32.const 8000) (i32.const 82))
    (call $cycles_refunded (i32.const 8001))
    (call $arg_copy (i32.const 8017) (i32.const 0) (call $arg_size))
    (call $reply_bytes (i32.const 8000) (i32.add (i32.const 17) (call $arg_size))))

  (func $on_reject (param $env i32)
    (i32.store8 (i32.const 8000) (i32.const 74))
    (i32.store (i32.const 8001) (call $reject_code))
    (call $reject_msg_copy (i32.const 8005) (i32.const 0) (call $reject_msg_size))
    (call $reply_bytes (i32.const 8000) (i32.add (i32.const 5) (call $reject_msg_size))))

  (func $on_cleanup (param $env i32)
    (global.set $cleanups (i32.add (global.get $cleanups) (i32.const 1))))

  ;; Sets the global timer to now + the i64 in the argument (nanoseconds); replies with the previous deadline.
  (func (export "canister_update set_timer")
    (call $arg_copy (i32.const 2000) (i32.const 0) (i32.const 8))
    (i64.store (i32.const 0) (call $global_timer_set (i64.add (call $time) (i64.load (i32.const 2000)))))
    (call $reply_bytes (i32.const 0) (i32.const 8)))

  (func (export "canister_global_timer")
    (global.set $timer_runs (i32.add (global.get $timer_runs) (i32.const 1))))

  (func (export "canister_query timer_runs")
    (call $reply_i32 (global.get $timer_runs)))

  (func (export "canister_update spin")
    (loop $forever (br $forever)))

  ;; Grows the heap by the number of pages in the first argument byte; replies with memory.grow's result.
  (func (export "canister_update grow")
    (call $arg_copy (i32.const 2000) (i32.const 0) (i32.const 4))
    (call $reply_i32 (memory.grow (i32.load (i32.const 2000)))))

  ;; Returns without replying or calling: the IC answers "did not produce a response".
  (func (export "canister_update never"))

  (func (export "canister_update debug")
    (call $debug_print (i32.const 1040) (i32.const 14))
    (call $reply_bytes (i32.const 1040) (i32.const 14)))

  (func (export "canister_update reply_twice")
    (call $reply)
    (call $reply))

  (func (export "canister_update accept_outside_inspect")
    (call $accept_message)
    (call $reply))
)
