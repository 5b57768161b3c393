#ifndef CVSICU_H
#define CVSICU_H

// A small, version-independent C interface over the system ICU.
//
// This header deliberately includes no ICU header: Swift modules that import CICU may also
// import Foundation (whose own copy of the ICU headers would clash with the system's), and
// ICU's versioned symbol names (ubrk_open_72, ...) stay inside cvsicu.c.

#include <stdint.h>

/// Word-segment kinds, from ICU's word-break rule status.
enum {
    CVS_KIND_NONE = 0,    ///< spaces, punctuation, symbols, emoji
    CVS_KIND_NUMBER = 1,  ///< a word that ICU classifies as a number (may contain letters: "Qwen2.5")
    CVS_KIND_LETTER = 2,  ///< a word of letters (Latin, Cyrillic, Hangul, ...)
    CVS_KIND_KANA = 3,    ///< Hiragana/Katakana
    CVS_KIND_IDEO = 4,    ///< Han ideographs (dictionary-segmented words)
};

/// The longest UTF-8 result of `cvs_fold` for one code point.
#define CVS_FOLD_MAX 64

/// An ICU word-break iterator over UTF-8 text. Not thread-safe: one per thread or tokenizer.
typedef struct cvs_segmenter cvs_segmenter;

/// Opens a segmenter (cloned from a shared prototype, so this is cheap). NULL on failure.
cvs_segmenter *cvs_segmenter_open(void);
void cvs_segmenter_close(cvs_segmenter *s);

/// Points the segmenter at `len` bytes of UTF-8. The bytes must outlive the iteration.
/// Invalid UTF-8 is tolerated (ICU reads it as U+FFFD); offsets stay byte offsets. 0 on success.
int cvs_segmenter_set_text(cvs_segmenter *s, const char *utf8, int32_t len);

/// Advances to the next segment that is not CVS_KIND_NONE. Returns 1 and fills the byte
/// range and kind, or 0 at the end of the text.
int cvs_segmenter_next(cvs_segmenter *s, int32_t *start, int32_t *end, int32_t *kind);

/// Folds one code point for search: NFKC case folding, Latin-style diacritics removed,
/// Traditional Chinese to Simplified (ICU's "Traditional-Simplified" transform).
/// Writes UTF-8 to `out` (CVS_FOLD_MAX bytes) and returns its length (0: the code point folds
/// away, e.g. a combining accent), or -1 on an ICU error. Thread-safe; BMP results are cached.
int32_t cvs_fold(uint32_t c, uint8_t *out);

/// Folds a whole UTF-8 string (used for combining sequences, which fold as a unit).
/// Returns the length written to `out` (at most `cap`), or -1 on error or overflow.
int32_t cvs_fold_utf8(const char *utf8, int32_t len, uint8_t *out, int32_t cap);

/// Makes the fold of a code point known without ICU (for example read back from an index,
/// where it was computed by `cvs_fold`): the cache slot is filled as if `cvs_fold` had run.
void cvs_fold_preload(uint32_t c, const uint8_t *utf8, int32_t length);

/// Declares that every code point of the unified Han blocks (U+3400-U+4DBF, U+4E00-U+9FFF)
/// whose fold was not preloaded folds to itself: folding them then never opens ICU's
/// Traditional-Simplified transliterator, which takes 12-15 ms to build.
void cvs_fold_han_preloaded(void);

/// ICU's version, e.g. "72.1".
const char *cvs_icu_version(void);

#endif
