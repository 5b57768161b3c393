import Foundation

/// A cheap fingerprint of the corpus files (paths, sizes, modification times), to tell whether
/// the index may be older than the corpus without reading every file.
public enum CorpusFingerprint {
    public static func compute(at path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        var hash = FNV1a64()
        func add(_ file: String, _ name: String) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else { return }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            hash.combine("\(name)\u{1F}\(size)\u{1F}\(modified)\u{1E}")
        }
        if !isDirectory.boolValue {
            add(path, (path as NSString).lastPathComponent)
            return hash.hex
        }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return nil }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            files.append(relative)
        }
        for relative in files.sorted() {
            add((path as NSString).appendingPathComponent(relative), relative)
        }
        return hash.hex
    }
}
