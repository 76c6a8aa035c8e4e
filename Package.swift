// swift-tools-version: 6.2
//
// Xenolith: runs unmodified Xen PV guests on Linux/KVM without Xen.
// Targets are listed lowest first; each depends only on targets above it
// (see docs/architecture.md). The ring-0 shim is a separate package in shim/
// and the PV test guests live in guests/; both are built by scripts/build.
import PackageDescription

let package = Package(
    name: "xenolith",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xenolith", targets: ["xenolith"]),
        .executable(name: "xenolith-bench", targets: ["XenolithBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
    ],
    targets: [
        // Xen's public ABI (xen/include/public), no dependencies, no Foundation.
        .target(name: "XenABI"),
        // The CPU half of PV, shared by the shim and the host. No allocation.
        .target(name: "XenPV", dependencies: ["XenABI"]),
        // memfd-backed guest RAM with bounds-checked access.
        .target(name: "CHostSys"),
        .target(name: "GuestMemory", dependencies: ["XenABI", "CHostSys", .product(name: "Atomics", package: "swift-atomics")]),
        // <linux/kvm.h> and the KVM_* ioctl numbers.
        .target(name: "CKVM"),
        // The only code that issues KVM ioctls.
        .target(name: "KVM", dependencies: ["CKVM"]),
        // liblzma / zlib / libzstd for bzImage payloads.
        .systemLibrary(name: "CLibCompress"),
        // ELF/bzImage loaders, Xen ELF notes, start_info, page tables.
        .target(name: "DomainBuilder", dependencies: ["XenABI", "XenPV", "GuestMemory", "CLibCompress"]),
        // Host half of the hypercalls.
        .target(name: "Platform", dependencies: ["XenABI", "XenPV", "GuestMemory", "CHostSys",
                                                 .product(name: "Logging", package: "swift-log")]),
        // The xenstore daemon core: store, transactions, watches, domains, ring transport.
        .target(name: "Xenstore", dependencies: ["XenABI", .product(name: "Logging", package: "swift-log"), .product(name: "Atomics", package: "swift-atomics")], swiftSettings: [.strictMemorySafety()]),
        .target(name: "Backends", dependencies: ["XenABI", "GuestMemory", .product(name: "Logging", package: "swift-log")], swiftSettings: [.strictMemorySafety()]),
        // One running domain: vCPU threads, exit loop, the shim <-> host channel.
        .target(name: "VMM", dependencies: ["XenABI", "XenPV", "GuestMemory", "KVM", "Platform", "Xenstore", "Backends", "CHostSys",
                                            "DomainBuilder",
                                            .product(name: "Logging", package: "swift-log")]),
        // xl.cfg parsing and the commands.
        .target(name: "Toolstack", dependencies: ["XenABI", "DomainBuilder", "VMM",
                                                  .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "xenolith", dependencies: [
            "Toolstack",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Test-only view of /usr/include/xen (libxen-dev) for layout checks.
        .target(name: "CXenHeaders"),
        .testTarget(name: "XenABITests", dependencies: ["XenABI", "CXenHeaders"]),
        .testTarget(name: "XenPVTests", dependencies: ["XenPV", "XenABI"]),
        .testTarget(name: "DomainBuilderTests", dependencies: ["DomainBuilder", "GuestMemory", "XenABI"]),
        .testTarget(name: "ToolstackTests", dependencies: ["Toolstack", "XenolithTestSupport"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "GuestMemory", "XenABI", "XenPV"]),
        .testTarget(name: "XenstoreTests", dependencies: ["Xenstore"]),
        .testTarget(name: "BackendsTests", dependencies: ["Backends", "GuestMemory", "XenABI"]),
        .testTarget(name: "KVMTests", dependencies: ["KVM"]),
        // Runs the built executable (shared by the executable-level suites).
        .target(name: "XenolithTestSupport", path: "Tests/Support"),
        .testTarget(name: "GuestTests", dependencies: ["XenolithTestSupport"]),
        // bench/xbench.c three ways: host, Xenolith, QEMU/KVM (scripts/bench).
        .executableTarget(name: "XenolithBench", dependencies: ["XenolithTestSupport"]),
    ]
)
