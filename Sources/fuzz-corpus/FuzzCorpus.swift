// libFuzzer target for FuzzChecks.corpus (the properties and the driver are in
// Sources/CVSearchCore/FuzzChecks.swift; scripts/fuzz.sh builds and runs it). Built normally
// (swift build), it replays files: fuzz-corpus CRASH_FILE…
import CVSearchCore

@main
struct FuzzCorpus {
    static func main() {
        FuzzChecks.main(.corpus)
    }
}
