;; Imports a System API function with the wrong signature (i64 addresses in a wasm32 module).
(module
  (import "ic0" "msg_reply_data_append" (func $append (param i64 i64)))
  (memory 1)
  (func (export "canister_update hello") (call $append (i64.const 0) (i64.const 0))))
