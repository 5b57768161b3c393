// libFuzzer target for FuzzChecks.tokenizer (the properties are in Sources/CVSearchCore/FuzzChecks.swift).
//
// Built by scripts/fuzz.sh with -DFUZZING and -sanitize=fuzzer,address, it is a libFuzzer binary
// (fuzz-tokenizer [libFuzzer options] [CORPUS_DIR…]). Built normally (swift build), it replays the
// files, or folders of files, given as arguments: fuzz-tokenizer CRASH_FILE…; exit status 1 when a
// property does not hold.
import CVSearchCore
import Foundation

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.check(.tokenizer, bytes)
    return 0
}

/// libFuzzer's driver (in libclang_rt.fuzzer, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable with its `main` renamed to `<module>_main` (so that tests can
/// import it), which leaves libFuzzer's own `main` out: this entry point starts its driver.
@main
struct FuzzTokenizerDriver {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
    }
}
#else
@main
struct FuzzTokenizerReplay {
    static func main() {
        exit(FuzzChecks.replay(.tokenizer, paths: Array(CommandLine.arguments.dropFirst())))
    }
}
#endif
