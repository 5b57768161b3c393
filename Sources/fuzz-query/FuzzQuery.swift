// libFuzzer target for FuzzChecks.query (the properties and the driver are in
// Sources/CVSearchCore/FuzzChecks.swift; scripts/fuzz.sh builds and runs it). Built normally
// (swift build), it replays files: fuzz-query CRASH_FILE…
import CVSearchCore

@main
struct FuzzQuery {
    static func main() {
        FuzzChecks.main(.query)
    }
}
