#ifndef CVSFTS5_H
#define CVSFTS5_H

// C helpers over SQLite's FTS5 extension API (sqlite3.h stays out of this header, so Swift
// callers pass GRDB's `Database.sqliteConnection` as an opaque pointer).

/// Registers the `cvsrank` and `cvsinfo` FTS5 auxiliary functions (see rank.c) on a
/// connection (`sqlite3 *`). Returns an SQLite result code.
int cvs_register_rank(void *db);

/// Keeps the database's -wal and -shm files when the last connection closes
/// (SQLITE_FCNTL_PERSIST_WAL), so that readers without write access to the index folder (a
/// server on a read-only mount, or run as another user) can still open it. SQLite result code.
int cvs_persist_wal(void *db);

/// FTS5's own porter stemmer, used word by word. Not thread-safe: one per tokenizer.
typedef struct cvs_stemmer cvs_stemmer;

/// Creates a stemmer: an instance of FTS5's built-in `porter` tokenizer (over `ascii`),
/// found through a private in-memory SQLite connection opened once per process.
/// NULL on failure.
cvs_stemmer *cvs_stemmer_open(void);
void cvs_stemmer_close(cvs_stemmer *s);

/// Stems `len` bytes of a lowercase ASCII word. Writes the stem to `out` (`cap` bytes) and
/// returns its length, or -1 on error. Words shorter than 3 or longer than 64 bytes come back
/// unchanged, as FTS5's porter passes them through.
int cvs_stem(cvs_stemmer *s, const char *word, int len, char *out, int cap);

#endif
