// XenABI: Xen's public guest ABI (xen/include/public) for x86_64 PV,
// mirrored in Swift one file per header (Xen.swift is public/xen.h,
// EventChannel.swift public/event_channel.h, IOConsole.swift
// public/io/console.h, ...).
//
// What it is: numbers (RawRepresentable structs, so an unknown guest
// value survives to be rejected with an errno), constants (caseless enum
// namespaces), and wire structures with their x86_64 size, the byte
// offset of every member, and unaligned load/store.
//
// May depend on: nothing. It imports no module and is also compiled with
// Embedded Swift for the ring-0 shim, so it holds no classes, existentials,
// arrays, dictionaries or String (only StaticString).
//
// Must not: allocate, perform I/O, or hold state. Values are copied in with
// `init(loadingFrom:)` and out with `store(to:)`; the caller owns bounds.
//
// Errors: `XenErrno`, with public/errno.h's values. Concurrency: every type
// is a Sendable value.
//
// Tests (Tests/XenABITests) check each size, offset and constant against
// the C headers of libxen-dev, as Xen's BUILD_BUG_ON checks do.
