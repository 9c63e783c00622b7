;; Imports a function the IC does not provide: installing it must be refused with the IC's reject.
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "env" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "canister_update hello") (call $reply)))
