// The only file that includes ICU headers. See include/cvsicu.h for the interface.
#include "cvsicu.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utrans.h>
#include <unicode/uversion.h>

// MARK: - Shared ICU objects, created once

static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static UBreakIterator *prototype_breaker;   // cloned per segmenter
static const UNormalizer2 *nfkc_cf, *nfd, *nfc;
static UTransliterator *t2s;               // not thread-safe: used under t2s_lock, opened lazily
static pthread_mutex_t t2s_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int han_preloaded;           // see cvs_fold_han_preloaded

static void shared_init(void) {
    UErrorCode e = U_ZERO_ERROR;
    prototype_breaker = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
    if (U_FAILURE(e)) prototype_breaker = NULL;
    e = U_ZERO_ERROR;
    nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e)) nfkc_cf = NULL;
    e = U_ZERO_ERROR;
    nfd = unorm2_getNFDInstance(&e);
    if (U_FAILURE(e)) nfd = NULL;
    e = U_ZERO_ERROR;
    nfc = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e)) nfc = NULL;
}

// Building the Traditional-Simplified transliterator takes 12-15 ms: only when first needed.
static pthread_once_t t2s_once = PTHREAD_ONCE_INIT;

static void t2s_init(void) {
    UErrorCode e = U_ZERO_ERROR;
    static const UChar id[] = u"Traditional-Simplified";
    t2s = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &e);
    if (U_FAILURE(e)) t2s = NULL;
}

static int is_unified_han(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

// MARK: - Segmenter

struct cvs_segmenter {
    UBreakIterator *bi;
    UText *text;
    int32_t position;
};

cvs_segmenter *cvs_segmenter_open(void) {
    pthread_once(&shared_once, shared_init);
    if (prototype_breaker == NULL) return NULL;
    cvs_segmenter *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    UErrorCode e = U_ZERO_ERROR;
    s->bi = ubrk_clone(prototype_breaker, &e);
    if (U_FAILURE(e) || s->bi == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void cvs_segmenter_close(cvs_segmenter *s) {
    if (s == NULL) return;
    ubrk_close(s->bi);
    if (s->text) utext_close(s->text);
    free(s);
}

int cvs_segmenter_set_text(cvs_segmenter *s, const char *utf8, int32_t len) {
    UErrorCode e = U_ZERO_ERROR;
    // utext_openUTF8 reuses the UText when given one; offsets it reports are byte offsets.
    s->text = utext_openUTF8(s->text, len > 0 ? utf8 : "", len > 0 ? len : 0, &e);
    if (U_FAILURE(e)) return -1;
    ubrk_setUText(s->bi, s->text, &e);
    if (U_FAILURE(e)) return -1;
    s->position = ubrk_first(s->bi);
    return 0;
}

static int32_t kind_of_status(int32_t status) {
    if (status >= UBRK_WORD_IDEO && status < UBRK_WORD_IDEO_LIMIT) return CVS_KIND_IDEO;
    if (status >= UBRK_WORD_KANA && status < UBRK_WORD_KANA_LIMIT) return CVS_KIND_KANA;
    if (status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT) return CVS_KIND_LETTER;
    if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT) return CVS_KIND_NUMBER;
    return CVS_KIND_NONE;
}

int cvs_segmenter_next(cvs_segmenter *s, int32_t *start, int32_t *end, int32_t *kind) {
    for (;;) {
        int32_t next = ubrk_next(s->bi);
        if (next == UBRK_DONE) return 0;
        int32_t k = kind_of_status(ubrk_getRuleStatus(s->bi));
        int32_t from = s->position;
        s->position = next;
        if (k != CVS_KIND_NONE) {
            *start = from;
            *end = next;
            *kind = k;
            return 1;
        }
    }
}

// MARK: - Folding

static int is_han_uchars(const UChar *u, int32_t n) {
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(u, i, n, c);
        UErrorCode e = U_ZERO_ERROR;
        if (uscript_getScript(c, &e) == USCRIPT_HAN) return 1;
    }
    return 0;
}

/// Folds UTF-16 `src` into UTF-8 `out`. Returns the byte length or -1.
static int32_t fold_uchars(const UChar *src, int32_t n, uint8_t *out, int32_t cap) {
    pthread_once(&shared_once, shared_init);
    if (nfkc_cf == NULL || nfd == NULL || nfc == NULL) return -1;
    UErrorCode e = U_ZERO_ERROR;
    UChar a[256], b[256], d[256];
    int32_t na = unorm2_normalize(nfkc_cf, src, n, a, 256, &e);
    if (U_FAILURE(e)) return -1;
    int32_t nb = unorm2_normalize(nfd, a, na, b, 256, &e);
    if (U_FAILURE(e)) return -1;
    // Drop combining diacritics (nonspacing marks of the Inherited script) that follow a
    // Latin, Greek or Cyrillic base, or stand alone: "é" -> "e", as unicode61 does.
    int32_t nc = 0;
    UScriptCode base = USCRIPT_LATIN;
    for (int32_t i = 0; i < nb;) {
        UChar32 c;
        int32_t at = i;
        U16_NEXT(b, i, nb, c);
        UErrorCode se = U_ZERO_ERROR;
        UScriptCode script = uscript_getScript(c, &se);
        if (u_charType(c) == U_NON_SPACING_MARK && script == USCRIPT_INHERITED) {
            if (base == USCRIPT_LATIN || base == USCRIPT_GREEK || base == USCRIPT_CYRILLIC) continue;
        } else {
            base = script;
        }
        for (int32_t j = at; j < i; j++) b[nc++] = b[j];
    }
    int32_t nd = unorm2_normalize(nfc, b, nc, d, 256, &e);
    if (U_FAILURE(e)) return -1;
    if (is_han_uchars(d, nd)) {
        pthread_once(&t2s_once, t2s_init);
    }
    if (t2s != NULL && is_han_uchars(d, nd)) {
        int32_t limit = nd;
        pthread_mutex_lock(&t2s_lock);
        utrans_transUChars(t2s, d, &nd, 256, 0, &limit, &e);
        pthread_mutex_unlock(&t2s_lock);
        if (U_FAILURE(e)) return -1;
    }
    int32_t length = 0;
    u_strToUTF8((char *)out, cap, &length, d, nd, &e);
    if (U_FAILURE(e)) return -1;  // includes U_BUFFER_OVERFLOW_ERROR
    return length;
}

// Cache of folded BMP code points. A slot is 0 until computed, then:
// bit 31 set, bits 24..25 the UTF-8 length (0...3), bits 0..23 the bytes; or bit 30 set when
// the result is longer than 3 bytes (recomputed each time: rare, e.g. U+337F -> 株式会社).
static _Atomic uint32_t fold_cache[0x10000];

int32_t cvs_fold(uint32_t c, uint8_t *out) {
    if (c < 0x10000 && is_unified_han(c) && atomic_load_explicit(&han_preloaded, memory_order_acquire)) {
        uint32_t slot = atomic_load_explicit(&fold_cache[c], memory_order_relaxed);
        if (!(slot & 0xC0000000u)) {  // not preloaded: folds to itself
            out[0] = (uint8_t)(0xE0 | (c >> 12));
            out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            out[2] = (uint8_t)(0x80 | (c & 0x3F));
            return 3;
        }
    }
    if (c < 0x10000) {
        uint32_t slot = atomic_load_explicit(&fold_cache[c], memory_order_relaxed);
        if (slot & 0x80000000u) {
            int32_t n = (int32_t)((slot >> 24) & 3);
            for (int32_t i = 0; i < n; i++) out[i] = (uint8_t)(slot >> (16 - 8 * i));
            return n;
        }
        if (!(slot & 0x40000000u)) {
            UChar u = (UChar)c;
            int32_t n = fold_uchars(&u, 1, out, CVS_FOLD_MAX);
            if (n < 0) return -1;
            uint32_t packed;
            if (n <= 3) {
                packed = 0x80000000u | ((uint32_t)n << 24);
                for (int32_t i = 0; i < n; i++) packed |= (uint32_t)out[i] << (16 - 8 * i);
            } else {
                packed = 0x40000000u;
            }
            atomic_store_explicit(&fold_cache[c], packed, memory_order_relaxed);
            return n;
        }
        UChar u = (UChar)c;
        return fold_uchars(&u, 1, out, CVS_FOLD_MAX);
    }
    if (c > 0x10FFFF) return -1;
    UChar u[2];
    int32_t n = 0;
    U16_APPEND_UNSAFE(u, n, c);
    return fold_uchars(u, n, out, CVS_FOLD_MAX);
}

int32_t cvs_fold_utf8(const char *utf8, int32_t len, uint8_t *out, int32_t cap) {
    UChar u[128];
    int32_t n = 0;
    UErrorCode e = U_ZERO_ERROR;
    u_strFromUTF8WithSub(u, 128, &n, utf8, len, 0xFFFD, NULL, &e);
    if (U_FAILURE(e) || n > 128) return -1;
    return fold_uchars(u, n, out, cap);
}

void cvs_fold_preload(uint32_t c, const uint8_t *utf8, int32_t length) {
    if (c >= 0x10000 || length < 0) return;
    uint32_t packed;
    if (length <= 3) {
        packed = 0x80000000u | ((uint32_t)length << 24);
        for (int32_t i = 0; i < length; i++) packed |= (uint32_t)utf8[i] << (16 - 8 * i);
    } else {
        packed = 0x40000000u;  // recomputed by ICU when needed (never for Han: results are one character)
    }
    atomic_store_explicit(&fold_cache[c], packed, memory_order_relaxed);
}

void cvs_fold_han_preloaded(void) {
    atomic_store_explicit(&han_preloaded, 1, memory_order_release);
}

static char icu_version[U_MAX_VERSION_STRING_LENGTH];
static pthread_once_t version_once = PTHREAD_ONCE_INIT;

static void version_init(void) {
    UVersionInfo info;
    u_getVersion(info);
    u_versionToString(info, icu_version);
}

const char *cvs_icu_version(void) {
    pthread_once(&version_once, version_init);
    return icu_version;
}
