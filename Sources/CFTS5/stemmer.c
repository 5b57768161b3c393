// Access to FTS5's built-in porter tokenizer as a word stemmer.
//
// FTS5 hands out tokenizers only through an `fts5_api`, which belongs to a connection. One
// private in-memory connection is opened on first use and kept for the life of the process;
// each cvs_stemmer is its own porter instance (porter keeps a scratch buffer per instance,
// so instances must not be shared between threads).
#include "cvsfts5.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sqlite3 *stem_db;
static fts5_api *stem_api;
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static void stem_init(void) {
    if (sqlite3_open_v2(":memory:", &stem_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK) {
        sqlite3_close(stem_db);
        stem_db = NULL;
        return;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(stem_db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK) return;
    sqlite3_bind_pointer(stmt, 1, (void *)&stem_api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
}

struct cvs_stemmer {
    fts5_tokenizer module;
    Fts5Tokenizer *instance;
};

cvs_stemmer *cvs_stemmer_open(void) {
    pthread_once(&once, stem_init);
    if (stem_api == NULL) return NULL;
    cvs_stemmer *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    void *userData = NULL;
    const char *args[] = {"ascii"};
    pthread_mutex_lock(&create_lock);
    int rc = stem_api->xFindTokenizer(stem_api, "porter", &userData, &s->module);
    if (rc == SQLITE_OK) rc = s->module.xCreate(userData, args, 1, &s->instance);
    pthread_mutex_unlock(&create_lock);
    if (rc != SQLITE_OK || s->instance == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void cvs_stemmer_close(cvs_stemmer *s) {
    if (s == NULL) return;
    if (s->instance) s->module.xDelete(s->instance);
    free(s);
}

typedef struct {
    char *out;
    int cap;
    int len;
} StemResult;

static int take_token(void *ctx, int flags, const char *token, int n, int start, int end) {
    (void)flags;
    (void)start;
    (void)end;
    StemResult *r = ctx;
    if (r->len >= 0) return SQLITE_OK;  // a word gives one token; keep the first
    if (n > r->cap) return SQLITE_TOOBIG;
    memcpy(r->out, token, n);
    r->len = n;
    return SQLITE_OK;
}

int cvs_stem(cvs_stemmer *s, const char *word, int len, char *out, int cap) {
    StemResult r = {out, cap, -1};
    int rc = s->module.xTokenize(s->instance, &r, FTS5_TOKENIZE_DOCUMENT, word, len, take_token);
    if (rc != SQLITE_OK) return -1;
    return r.len;
}
