/// Decoding of UTF-8 bytes that may be invalid.
///
/// The tokenizer sees whatever bytes SQLite hands it, so decoding never traps: an invalid or
/// truncated sequence reads as one U+FFFD of one byte, and offsets always stay on the
/// boundaries of the input's own sequences.
enum UTF8Scalars {
    static let replacement: UInt32 = 0xFFFD

    /// Decodes the scalar starting at `i` (< `end`). Returns its value and byte length.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (value: UInt32, length: Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xC2 { return (replacement, 1) }
        if b0 < 0xE0 {
            guard i + 1 < end, p[i + 1] & 0xC0 == 0x80 else { return (replacement, 1) }
            return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2)
        }
        if b0 < 0xF0 {
            guard i + 2 < end, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return (replacement, 1) }
            let v = (b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F)
            if v < 0x800 || (v >= 0xD800 && v <= 0xDFFF) { return (replacement, 1) }
            return (v, 3)
        }
        if b0 < 0xF5 {
            guard i + 3 < end, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else {
                return (replacement, 1)
            }
            let v = (b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                | UInt32(p[i + 3] & 0x3F)
            if v < 0x10000 || v > 0x10FFFF { return (replacement, 1) }
            return (v, 4)
        }
        return (replacement, 1)
    }

    /// Appends the UTF-8 encoding of `v` to `out`.
    @inline(__always)
    static func append(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | v >> 6))
            out.append(UInt8(0x80 | v & 0x3F))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | v >> 12))
            out.append(UInt8(0x80 | (v >> 6) & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        } else {
            out.append(UInt8(0xF0 | v >> 18))
            out.append(UInt8(0x80 | (v >> 12) & 0x3F))
            out.append(UInt8(0x80 | (v >> 6) & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        }
    }

    /// Whether `v` is a combining mark, which folds together with the scalar before it. The
    /// half-width katakana voiced marks count as marks: NFKC joins `ｶﾞ` into `ガ`.
    @inline(__always)
    static func isCombiningMark(_ v: UInt32) -> Bool {
        if v < 0x300 { return false }
        if v == 0xFF9E || v == 0xFF9F { return true }
        // Fast rejects for the big blocks without marks: CJK, Hangul syllables, full-width forms.
        if (v >= 0x3400 && v <= 0x9FFF) || (v >= 0xAC00 && v <= 0xD7A3) || (v >= 0xFF00 && v <= 0xFFEF) {
            return false
        }
        guard let scalar = Unicode.Scalar(v) else { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}
