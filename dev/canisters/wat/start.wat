;; Has a start function that writes the heap and a mutable global: the engine runs it as canister_start, and
;; the global is exported by the rewriter so traps and upgrades can restore it.
(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (global $started (mut i32) (i32.const 0))
  (func $start
    (global.set $started (i32.add (global.get $started) (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 0x2a)))
  (start $start)
  (func (export "canister_query started")
    (i32.store (i32.const 4) (global.get $started))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply)))
