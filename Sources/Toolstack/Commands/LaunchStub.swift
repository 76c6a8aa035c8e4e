// TEMPORARY: stands in for `launchDomain` until the lead implements it in
// Sources/Toolstack/Launch.swift. Delete this file then.

/// TEMPORARY stub of the VMM entry point; always fails with "not implemented".
public func launchDomain(_ config: DomainConfig, _ options: CreateOptions) throws -> DomainExit {
    .hypervisorError("not implemented")
}
