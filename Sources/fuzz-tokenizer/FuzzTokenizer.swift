// libFuzzer target for FuzzChecks.tokenizer (the properties and the driver are in
// Sources/CVSearchCore/FuzzChecks.swift; scripts/fuzz.sh builds and runs it). Built normally
// (swift build), it replays files: fuzz-tokenizer CRASH_FILE…
import CVSearchCore

@main
struct FuzzTokenizer {
    static func main() {
        FuzzChecks.main(.tokenizer)
    }
}
