// Test.swift — XTF-style reporting: `check` prints "FAIL: <message>" and records a failure;
// `finish` prints the result line and powers the domain off. The last console line of every test
// guest is exactly `Test result: SUCCESS|SKIP|FAILURE|ERROR` (andyhhp/xtf common/report.c has the
// same four outcomes and precedence: ERROR > FAILURE > SKIP > SUCCESS).
// Shutdown: SCHEDOP_shutdown with struct sched_shutdown {reason}, public/sched.h.

enum TestResult: UInt8 {
    case success = 0, skip, failure, error
}

enum Test {
    nonisolated(unsafe) static var result = TestResult.success
    nonisolated(unsafe) static var finishing = false

    static func record(_ r: TestResult) {
        if r.rawValue > result.rawValue { result = r }
    }
}

/// Records a failure with "FAIL: <message>" unless `ok`. Returns `ok`.
@discardableResult
func check(_ ok: Bool, _ message: StaticString) -> Bool {
    if !ok { fail(message, FormatArgs()) }
    return ok
}
@discardableResult
func check(_ ok: Bool, _ message: StaticString, _ a: some FixedWidthInteger) -> Bool {
    if !ok { fail(message, FormatArgs(a)) }
    return ok
}
@discardableResult
func check(_ ok: Bool, _ message: StaticString, _ a: some FixedWidthInteger,
           _ b: some FixedWidthInteger) -> Bool {
    if !ok { fail(message, FormatArgs(a, b)) }
    return ok
}
@discardableResult
func check(_ ok: Bool, _ message: StaticString, _ a: some FixedWidthInteger,
           _ b: some FixedWidthInteger, _ c: some FixedWidthInteger) -> Bool {
    if !ok { fail(message, FormatArgs(a, b, c)) }
    return ok
}

@discardableResult
func check(_ ok: Bool, _ message: StaticString, _ a: some FixedWidthInteger,
           _ b: some FixedWidthInteger, _ c: some FixedWidthInteger, _ d: some FixedWidthInteger) -> Bool {
    if !ok { fail(message, FormatArgs(a, b, c, d)) }
    return ok
}

func fail(_ message: StaticString, _ args: FormatArgs) {
    Test.record(.failure)
    Format.emit("FAIL: ", FormatArgs())
    Format.emit(message, args)
    Console.put(UInt8(ascii: "\n"))
    Console.flush()
}

/// Ends the test as SKIP (if nothing failed so far) with "SKIP: <reason>".
func skip(_ reason: StaticString) -> Never {
    Test.record(.skip)
    Console.write("SKIP: ")
    Console.write(reason)
    Console.write("\n")
    finish()
}

/// Ends the test as ERROR: the test itself could not run (not a verdict on the hypervisor).
func testError(_ reason: StaticString) -> Never {
    Test.record(.error)
    Console.write("ERROR: ")
    Console.write(reason)
    Console.write("\n")
    finish()
}

/// Prints the result line, waits for the console backend to take it, and powers off.
func finish() -> Never {
    if Test.finishing {
        // A fault while finishing: give up without risking a loop.
        _ = HYPERVISOR.shutdown(ShutdownReason.crash)
    }
    Test.finishing = true
    switch Test.result {
    case .success: Console.write("Test result: SUCCESS\n")
    case .skip: Console.write("Test result: SKIP\n")
    case .failure: Console.write("Test result: FAILURE\n")
    case .error: Console.write("Test result: ERROR\n")
    }
    Console.drain()
    _ = HYPERVISOR.shutdown(ShutdownReason.poweroff)
    // SCHEDOP_shutdown(poweroff) does not return; if it does, crash instead.
    while true { _ = HYPERVISOR.shutdown(ShutdownReason.crash) }
}
