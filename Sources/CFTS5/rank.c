// cvsrank / cvsinfo: FTS5 auxiliary functions that rank cvsearch queries.
//
// A cvsearch MATCH expression is built by the query layer from "units" (one per query term)
// and "alternatives" (the ways a unit may match: exact, prefix, corrected, glossary
// synonym). FTS5 numbers the phrases of the expression in order; the query layer passes a
// spec that maps each phrase to its unit and the weight of its kind of match:
//
//     c=<w_title>,<w_tags>,<w_body>;u=<units>;p=<unit>:<weight>,<unit>:<weight>,...
//
// A phrase with unit -1 is not scored (an excluded term, a filter).
//
// cvsrank(spec) returns minus the score (FTS5 sorts `rank` ascending), where the score is
//   1000 x (number of units matched)           -- partial matches rank after full ones
// + sum over units of max over its alternatives of weight x BM25(phrase)
// + proximity: for each pair of consecutive units, 3 / (1 + gap) where gap is the smallest
//   number of tokens between an instance of the first and one of the second in one column
//   (0 when adjacent, as in the phrase the user typed).
// BM25(phrase) sums, over the columns, the column's weight times the phrase's BM25 in that
// column alone (k1 = 1.2, b = 0.75, lengths normalized by the column's average): a short
// title that contains the term counts for much more than one more mention in a long body.
//
// cvsinfo(spec) returns, for the current row, a text the query layer parses for partial
// matches, --explain and snippets:
//   <matched-units-mask>;<prox>;<unit>:<best-phrase>:<score>:<columns-mask>|...;<first>:<last>
// where <first>:<last> are the token positions of the densest window of matches in the column
// named by the spec's `w=<column>:<width>` (most distinct units within <width> positions, then
// most matches, then the earliest), or -1:-1 when that column has no match.

#include "cvsfts5.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UNITS 64
#define MAX_COLS 8

typedef struct {
    int nCol;
    double colWeight[MAX_COLS];
    int nUnit;
    int nPhrase;
    int *phraseUnit;      // [nPhrase]
    double *phraseWeight; // [nPhrase]
    int *phraseSize;      // [nPhrase] tokens in each phrase
    double *idf;          // [nPhrase]
    double avgdl[MAX_COLS];
    int idfGiven;         // the spec gave the IDFs
    int windowColumn;     // column of the snippet window (-1: none)
    int windowWidth;
    // per-row scratch
    double *freq;         // [nPhrase * MAX_COLS]
    unsigned *phraseCols; // [nPhrase] columns where the phrase occurs
} RankData;

typedef struct {
    double score;
    double prox;
    unsigned long long mask;
    double unitScore[MAX_UNITS];
    int unitBest[MAX_UNITS];
    unsigned unitCols[MAX_UNITS];
} RowResult;

static void rank_data_free(void *p) {
    RankData *d = p;
    if (!d) return;
    free(d->phraseUnit);
    free(d->phraseWeight);
    free(d->phraseSize);
    free(d->idf);
    free(d->freq);
    free(d->phraseCols);
    free(d);
}

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx) {
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)ctx)++;
    return SQLITE_OK;
}

// Parses the spec and computes per-query data (IDF of every phrase) once per statement.
static int rank_data_get(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value *spec,
                         RankData **out) {
    RankData *d = api->xGetAuxdata(fts, 0);
    if (d) {
        *out = d;
        return SQLITE_OK;
    }
    d = calloc(1, sizeof *d);
    if (!d) return SQLITE_NOMEM;
    int rc = SQLITE_OK;
    d->nCol = api->xColumnCount(fts);
    if (d->nCol > MAX_COLS) d->nCol = MAX_COLS;
    for (int i = 0; i < d->nCol; i++) d->colWeight[i] = 1.0;
    d->nPhrase = api->xPhraseCount(fts);
    int n = d->nPhrase > 0 ? d->nPhrase : 1;
    d->phraseUnit = calloc(n, sizeof(int));
    d->phraseWeight = calloc(n, sizeof(double));
    d->phraseSize = calloc(n, sizeof(int));
    d->idf = calloc(n, sizeof(double));
    d->freq = calloc((size_t)n * MAX_COLS, sizeof(double));
    d->phraseCols = calloc(n, sizeof(unsigned));
    if (!d->phraseUnit || !d->phraseWeight || !d->phraseSize || !d->idf || !d->freq || !d->phraseCols) {
        rank_data_free(d);
        return SQLITE_NOMEM;
    }
    for (int i = 0; i < d->nPhrase; i++) {
        d->phraseUnit[i] = i < MAX_UNITS ? i : -1;  // default: every phrase its own unit
        d->phraseWeight[i] = 1.0;
        d->phraseSize[i] = api->xPhraseSize(fts, i);
    }
    d->nUnit = d->nPhrase < MAX_UNITS ? d->nPhrase : MAX_UNITS;
    d->windowColumn = -1;
    d->windowWidth = 40;

    const char *s = spec ? (const char *)sqlite3_value_text(spec) : NULL;
    while (s && *s) {
        if (s[0] == 'c' && s[1] == '=') {
            s += 2;
            for (int i = 0; i < MAX_COLS && *s && *s != ';'; i++) {
                char *end;
                double w = strtod(s, &end);
                if (end == s) break;
                if (i < d->nCol) d->colWeight[i] = w;
                s = end;
                if (*s == ',') s++;
            }
        } else if (s[0] == 'u' && s[1] == '=') {
            s += 2;
            char *end;
            long u = strtol(s, &end, 10);
            if (end != s) d->nUnit = u < 0 ? 0 : (u > MAX_UNITS ? MAX_UNITS : (int)u);
            s = end;
        } else if (s[0] == 'w' && s[1] == '=') {
            s += 2;
            char *end;
            long column = strtol(s, &end, 10);
            s = end;
            if (*s == ':') {
                long width = strtol(s + 1, &end, 10);
                s = end;
                if (width > 0 && width < 100000) d->windowWidth = (int)width;
            }
            d->windowColumn = column >= 0 && column < MAX_COLS ? (int)column : -1;
        } else if (s[0] == 'i' && s[1] == '=') {
            // Inverse document frequencies given by the caller (from the index vocabulary), in
            // phrase order: no pass over every matching row to count them.
            s += 2;
            d->idfGiven = 1;
            for (int i = 0; *s && *s != ';'; i++) {
                char *end;
                double v = strtod(s, &end);
                if (end == s) break;
                if (i < d->nPhrase) d->idf[i] = v > 0 ? v : 1e-6;
                s = end;
                if (*s == ',') s++;
            }
        } else if (s[0] == 'p' && s[1] == '=') {
            s += 2;
            for (int i = 0; *s && *s != ';'; i++) {
                char *end;
                long u = strtol(s, &end, 10);
                if (end == s) break;
                s = end;
                double w = 1.0;
                if (*s == ':') {
                    s++;
                    w = strtod(s, &end);
                    s = end;
                }
                if (i < d->nPhrase) {
                    d->phraseUnit[i] = (u >= 0 && u < MAX_UNITS) ? (int)u : -1;
                    d->phraseWeight[i] = w;
                }
                if (*s == ',') s++;
            }
        }
        while (*s && *s != ';') s++;
        if (*s == ';') s++;
    }

    sqlite3_int64 nRow = 0;
    rc = api->xRowCount(fts, &nRow);
    for (int c = 0; rc == SQLITE_OK && c < d->nCol; c++) {
        sqlite3_int64 nToken = 0;
        rc = api->xColumnTotalSize(fts, c, &nToken);
        d->avgdl[c] = nRow > 0 && nToken > 0 ? (double)nToken / (double)nRow : 1.0;
    }
    for (int i = 0; rc == SQLITE_OK && !d->idfGiven && i < d->nPhrase; i++) {
        if (d->phraseUnit[i] < 0) continue;
        sqlite3_int64 nHit = 0;
        rc = api->xQueryPhrase(fts, i, &nHit, count_hit);
        double idf = log((nRow - nHit + 0.5) / (nHit + 0.5));
        d->idf[i] = idf <= 0.0 ? 1e-6 : idf;
    }
    if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, d, rank_data_free);
    if (rc != SQLITE_OK) {
        rank_data_free(d);
        return rc;
    }
    *out = d;
    return SQLITE_OK;
}

// Scores the current row.
static int score_row(const Fts5ExtensionApi *api, Fts5Context *fts, RankData *d, RowResult *r) {
    const double k1 = 1.2, b = 0.75;
    int nInst = 0, rc;
    int nUnit = d->nUnit;
    r->score = 0;
    r->prox = 0;
    r->mask = 0;
    for (int u = 0; u < nUnit; u++) {
        r->unitBest[u] = -1;
        r->unitScore[u] = 0;
        r->unitCols[u] = 0;
    }
    memset(d->freq, 0, sizeof(double) * (size_t)(d->nPhrase > 0 ? d->nPhrase : 1) * MAX_COLS);
    for (int i = 0; i < d->nPhrase; i++) d->phraseCols[i] = 0;
    rc = api->xInstCount(fts, &nInst);
    if (rc != SQLITE_OK) return rc;

    // One pass over the instances (ordered by column, then offset): weighted frequencies,
    // and the smallest gap between consecutive units.
    int lastCol[MAX_UNITS], lastEnd[MAX_UNITS];
    int bestGap[MAX_UNITS];
    for (int u = 0; u < nUnit; u++) {
        lastCol[u] = -1;
        lastEnd[u] = 0;
        bestGap[u] = -1;
    }
    for (int k = 0; k < nInst; k++) {
        int phrase, col, off;
        rc = api->xInst(fts, k, &phrase, &col, &off);
        if (rc != SQLITE_OK) return rc;
        if (phrase < 0 || phrase >= d->nPhrase) continue;
        int u = d->phraseUnit[phrase];
        if (u < 0 || u >= d->nUnit) continue;
        if (col < 0 || col >= d->nCol) continue;
        d->freq[phrase * MAX_COLS + col] += 1.0;
        d->phraseCols[phrase] |= 1u << col;
        // unit u-1 before this one, in the same column
        if (u > 0 && lastCol[u - 1] == col && lastEnd[u - 1] <= off) {
            int gap = off - lastEnd[u - 1];
            if (bestGap[u] < 0 || gap < bestGap[u]) bestGap[u] = gap;
        }
        // unit u+1 before this one (reversed order): one token worse
        if (u + 1 < d->nUnit && lastCol[u + 1] == col && lastEnd[u + 1] <= off) {
            int gap = off - lastEnd[u + 1] + 1;
            if (bestGap[u + 1] < 0 || gap < bestGap[u + 1]) bestGap[u + 1] = gap;
        }
        int end = off + d->phraseSize[phrase];
        if (lastCol[u] != col || end > lastEnd[u]) {
            lastCol[u] = col;
            lastEnd[u] = end;
        }
    }

    double norm[MAX_COLS];
    for (int c = 0; c < d->nCol; c++) {
        int dl = 0;
        rc = api->xColumnSize(fts, c, &dl);
        if (rc != SQLITE_OK) return rc;
        norm[c] = k1 * (1 - b + b * (double)dl / d->avgdl[c]);
    }
    for (int i = 0; i < d->nPhrase; i++) {
        int u = d->phraseUnit[i];
        if (u < 0 || u >= d->nUnit || d->phraseCols[i] == 0) continue;
        double s = 0;
        for (int c = 0; c < d->nCol; c++) {
            double f = d->freq[i * MAX_COLS + c];
            if (f > 0) s += d->colWeight[c] * (f * (k1 + 1.0)) / (f + norm[c]);
        }
        s *= d->phraseWeight[i] * d->idf[i];
        if (r->unitBest[u] < 0 || s > r->unitScore[u]) {
            r->unitScore[u] = s;
            r->unitBest[u] = i;
        }
        r->unitCols[u] |= d->phraseCols[i];
        r->mask |= 1ull << u;
    }
    int matched = 0;
    double sum = 0;
    for (int u = 0; u < d->nUnit; u++) {
        if (r->unitBest[u] < 0) continue;
        matched++;
        sum += r->unitScore[u];
        if (u > 0 && bestGap[u] >= 0 && r->unitBest[u - 1] >= 0) r->prox += 3.0 / (1.0 + bestGap[u]);
    }
    r->score = 1000.0 * matched + sum + r->prox;
    return SQLITE_OK;
}

static void cvsrank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                    int nVal, sqlite3_value **apVal) {
    RankData *d;
    RowResult r;
    int rc = rank_data_get(api, fts, nVal > 0 ? apVal[0] : NULL, &d);
    if (rc == SQLITE_OK) rc = score_row(api, fts, d, &r);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_result_double(ctx, -r.score);
}

// The densest window of matches in the window column: a two-pointer pass over its instances
// (xInst orders them by column, then position).
static int best_window(const Fts5ExtensionApi *api, Fts5Context *fts, RankData *d, int *first, int *last) {
    *first = -1;
    *last = -1;
    if (d->windowColumn < 0) return SQLITE_OK;
    int nInst = 0, rc = api->xInstCount(fts, &nInst);
    if (rc != SQLITE_OK || nInst == 0) return rc;
    int *off = sqlite3_malloc(sizeof(int) * nInst * 3);
    if (!off) return SQLITE_NOMEM;
    int *end = off + nInst, *unit = off + 2 * nInst, n = 0;
    for (int k = 0; k < nInst; k++) {
        int phrase, col, o;
        rc = api->xInst(fts, k, &phrase, &col, &o);
        if (rc != SQLITE_OK) break;
        if (col != d->windowColumn || phrase < 0 || phrase >= d->nPhrase) continue;
        int u = d->phraseUnit[phrase];
        if (u < 0 || u >= d->nUnit) continue;
        off[n] = o;
        end[n] = o + (d->phraseSize[phrase] > 0 ? d->phraseSize[phrase] : 1) - 1;
        unit[n] = u;
        n++;
    }
    if (rc == SQLITE_OK && n > 0) {
        int count[MAX_UNITS] = {0};
        int distinct = 0, bestScore = -1, j = 0;
        for (int i = 0; i < n; i++) {
            while (j < n && end[j] - off[i] < d->windowWidth) {
                if (count[unit[j]]++ == 0) distinct++;
                j++;
            }
            int score = distinct * 100000 + (j - i);
            if (score > bestScore) {
                bestScore = score;
                *first = off[i];
                *last = off[i];
                for (int k = i; k < j; k++) if (end[k] > *last) *last = end[k];
            }
            if (j > i && --count[unit[i]] == 0) distinct--;
        }
    }
    sqlite3_free(off);
    return rc;
}

static void cvsinfo(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                    int nVal, sqlite3_value **apVal) {
    RankData *d;
    RowResult r;
    int rc = rank_data_get(api, fts, nVal > 0 ? apVal[0] : NULL, &d);
    if (rc == SQLITE_OK) rc = score_row(api, fts, d, &r);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_str *out = sqlite3_str_new(NULL);
    sqlite3_str_appendf(out, "%llu;%.6f;", r.mask, r.prox);
    int first = 1;
    for (int u = 0; u < d->nUnit; u++) {
        if (r.unitBest[u] < 0) continue;
        sqlite3_str_appendf(out, "%s%d:%d:%.6f:%u", first ? "" : "|", u, r.unitBest[u], r.unitScore[u],
                            r.unitCols[u]);
        first = 0;
    }
    int windowFirst, windowLast;
    rc = best_window(api, fts, d, &windowFirst, &windowLast);
    if (rc != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(out));
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_str_appendf(out, ";%d:%d", windowFirst, windowLast);
    int n = sqlite3_str_length(out);
    char *text = sqlite3_str_finish(out);
    if (!text) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, text, n, sqlite3_free);
}

int cvs_register_rank(void *handle) {
    sqlite3 *db = handle;
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    rc = sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) return rc;
    if (!api || api->iVersion < 2) return SQLITE_ERROR;
    rc = api->xCreateFunction(api, "cvsrank", NULL, cvsrank, NULL);
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "cvsinfo", NULL, cvsinfo, NULL);
    return rc;
}

int cvs_persist_wal(void *handle) {
    int persist = 1;
    return sqlite3_file_control((sqlite3 *)handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}
