#!/usr/bin/env python3
"""Search QUALITY of peer search engines side by side with cvsearch, on the project's own corpus.

What it measures
    Every query of the quality table (Tests/CVSearchCoreTests/Fixtures/quality-queries.tsv: category,
    query, relevant entry ids) is run against cvsearch and against each peer engine of
    /work/shared/bench/peers (SQLite FTS5 unicode61 and trigram, jieba + FTS5, Groonga, tantivy default
    and n-gram, Xapian CJK n-gram), each indexing the same portfolio corpus (corpus/**/*.md). From the
    top-10 ids of each engine it computes, per category and overall (mean over queries):
      - nDCG@10, binary relevance: DCG = sum of 1/log2(rank+1) over the relevant hits in the top 10,
        divided by the ideal DCG, i.e. the DCG of min(|relevant|, 10) relevant hits ranked first;
      - MRR over the top 10: 1/rank of the first relevant hit, 0 when none is in the top 10;
      - success@1: 1 when the first hit is relevant, else 0.
    (An id repeated in one engine's list counts once, at its first rank.) It prints one Markdown table
    (rows = engines; columns = success@1 per category, then overall nDCG@10 / MRR / success@1), then the
    queries that every peer misses at rank 1 but cvsearch gets, and those cvsearch misses at rank 1 but
    some peer gets.

    The peers see the same text cvsearch indexes: each entry becomes one JSON line
    {"id", "type", "lang", "title", "body"} with title = the front-matter title and
    body = the tags joined with spaces + "\\n" + the Markdown body. The entry id is the front-matter `id`
    if present, else the path relative to corpus/ without ".md". corpus/README.md is skipped.
    cvsearch itself indexes the Markdown folder directly (into a temporary index, so corpus/../index is
    not touched); its query-side features (glossary expansion, prefix matching, typo tolerance) are part
    of what is measured. The peers are run unchanged in their qrels mode (`NAME.py CORPUS.jsonl
    QRELS.tsv`: fresh index under /tmp/peers/idx, one JSON line {"qid","hits":[{"id"}]} per query).
    Pagefind is not run (it needs npm, which is unreachable here). A peer whose dependency is missing is
    reported as skipped; a peer that crashes on a query is re-run without that query, which then counts
    as a miss and is reported.

Setup (once, as root)
    apt-get update && apt-get install -y groonga-bin python3-xapian
    pip install jieba tantivy
    python3 here is pyenv's 3.11; Debian's python3-xapian installs the module into
    /usr/lib/python3/dist-packages for /usr/bin/python3 (also CPython 3.11, same ABI). xapian_peer.py
    appends that folder to sys.path itself when `import xapian` fails, so nothing else is needed; this
    script checks importability the same way (and runs every peer with the interpreter running it).

Run (from /work/main, after the cvsearch binary has been built)
    python3 scripts/peer-quality.py --out /tmp/peer-quality.md
Options: --cvsearch BIN (default .build/debug/cvsearch), --corpus DIR (corpus), --queries TSV,
--peers-dir DIR (/work/shared/bench/peers), --peers a,b,... (a subset), --keep (keep the temp folder).
"""
import argparse, glob, importlib.util, json, math, os, re, shutil, subprocess, sys, tempfile, time

import yaml

PEERS = ["fts5_unicode61", "fts5_trigram", "jieba_fts5", "groonga_cli", "tantivy_default",
         "tantivy_ngram", "xapian_peer"]
PEER_LABEL = {"fts5_unicode61": "FTS5 unicode61", "fts5_trigram": "FTS5 trigram",
              "jieba_fts5": "jieba + FTS5", "groonga_cli": "Groonga (TokenBigram)",
              "tantivy_default": "tantivy default", "tantivy_ngram": "tantivy n-gram",
              "xapian_peer": "Xapian CJK n-gram"}
# What each peer needs: Python modules (importable by this interpreter) and executables on PATH.
NEEDS = {"jieba_fts5": (["jieba"], []), "groonga_cli": ([], ["groonga"]),
         "tantivy_default": (["tantivy"], []), "tantivy_ngram": (["tantivy"], []),
         "xapian_peer": (["xapian"], [])}
DEBIAN_DIST = "/usr/lib/python3/dist-packages"  # where apt's python3-xapian lives (see xapian_peer.py)
K = 10


# ---------------------------------------------------------------- corpus and queries

def split_front_matter(text, path):
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise SystemExit(f"{path}: no front matter")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return yaml.safe_load("\n".join(lines[1:i])) or {}, "\n".join(lines[i + 1:])
    raise SystemExit(f"{path}: front matter not closed")


def detect_lang(text):
    letters = [c for c in text if c.isalpha()]
    han = sum(1 for c in letters if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")
    return "zh" if letters and han * 4 >= len(letters) else "en"


def load_corpus(corpus_dir):
    docs = []
    for path in sorted(glob.glob(os.path.join(corpus_dir, "**", "*.md"), recursive=True)):
        rel = os.path.relpath(path, corpus_dir)
        if rel == "README.md":
            continue
        with open(path, encoding="utf-8") as f:
            meta, body = split_front_matter(f.read().lstrip("\ufeff"), path)
        tags = meta.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        tags = [str(t) for t in tags]
        title = str(meta.get("title", ""))
        docs.append({"id": str(meta.get("id") or rel[:-3].replace(os.sep, "/")),
                     "type": str(meta.get("type") or "page"),
                     "lang": str(meta.get("lang") or detect_lang(title + " " + body)),
                     "title": title,
                     "body": " ".join(tags) + "\n" + body.strip("\n")})
    return docs


def load_queries(path):
    queries = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise SystemExit(f"{path}:{n}: expected category<TAB>query<TAB>ids")
        cat, query, rel = parts
        queries.append({"qid": f"q{len(queries) + 1:03d}", "cat": cat, "query": query,
                        "rel": [r for r in rel.split("|") if r]})
    return queries


# ---------------------------------------------------------------- engines

def peer_missing(peer, peers_dir):
    if not os.path.exists(os.path.join(peers_dir, peer + ".py")):
        return f"adapter {peer}.py not found in {peers_dir}"
    mods, bins = NEEDS.get(peer, ([], []))
    for b in bins:
        if not shutil.which(b):
            return f"`{b}` not on PATH (apt-get install -y groonga-bin)"
    for m in mods:
        if importlib.util.find_spec(m) is None:
            if m == "xapian" and os.path.isdir(os.path.join(DEBIAN_DIST, "xapian")):
                continue  # xapian_peer.py adds DEBIAN_DIST to sys.path by itself
            hint = "apt-get install -y python3-xapian" if m == "xapian" else f"pip install {m}"
            return f"Python module `{m}` missing ({hint})"
    return None


def in_query(stderr):
    """True when the traceback passes through common.main's per-query line `... search(query) ...`."""
    lines = stderr.splitlines()
    return any("common.py" in l and i + 1 < len(lines) and "search(query)" in lines[i + 1]
               for i, l in enumerate(lines))


def run_peer(peer, peers_dir, corpus_jsonl, queries, tmp, timeout):
    """Returns ({qid: [ids]}, [notes]). Re-runs without a query that makes the peer crash."""
    runs, notes, todo = {}, [], list(queries)
    while todo:
        qrels = os.path.join(tmp, f"qrels-{peer}.tsv")
        with open(qrels, "w", encoding="utf-8") as f:
            for q in todo:
                f.write(f"{q['qid']}\t{q['cat']}\t{q['query']}\t{'|'.join(q['rel'])}\n")
        try:
            p = subprocess.run([sys.executable, os.path.join(peers_dir, peer + ".py"), corpus_jsonl, qrels],
                               cwd=peers_dir, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            notes.append(f"timed out after {timeout}s; remaining {len(todo)} queries count as misses")
            break
        done = set()
        for line in p.stdout.splitlines():
            if line.strip():
                r = json.loads(line)
                runs[r["qid"]] = [h["id"] for h in r["hits"]]
                done.add(r["qid"])
        rest = [q for q in todo if q["qid"] not in done]
        if p.returncode == 0:
            break
        err = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        if "ModuleNotFoundError" in p.stderr or "ImportError" in p.stderr:
            return None, [f"skipped: {err}"]  # a dependency the pre-check did not see
        if not in_query(p.stderr):
            return None, [f"FAILED before its first query (build/open): {err}"]
        if not rest:
            break
        bad = rest[0]  # the driver prints in order, so the crash came on the first missing query
        runs[bad["qid"]] = []
        notes.append(f"crashed on {bad['cat']} `{bad['query']}` ({err}); counted as a miss")
        todo = rest[1:]
    return runs, notes


def run_cvsearch(binary, corpus_dir, queries, tmp, wait=120):
    deadline = time.time() + wait
    while not os.path.exists(binary):  # it may be mid-rebuild by someone else
        if time.time() > deadline:
            raise SystemExit(f"{binary} not found (build it with `swift build` first)")
        time.sleep(5)
    index = os.path.join(tmp, "cvsearch-index", "cvsearch.db")
    os.makedirs(os.path.dirname(index), exist_ok=True)
    runs, notes = {}, []
    for q in queries:
        cmd = [binary, "--json", "--limit", str(K), "--corpus", corpus_dir, "--index", index, "--", q["query"]]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if p.returncode not in (0, 1):
            runs[q["qid"]] = []
            notes.append(f"error on `{q['query']}` (exit {p.returncode}): {p.stderr.strip()[:200]}")
            continue
        runs[q["qid"]] = [h["id"] for h in json.loads(p.stdout)["hits"]]
    return runs, notes


# ---------------------------------------------------------------- metrics

def scores(hits, rel):
    rel, seen, ranked = set(rel), set(), []
    for h in hits:
        if h not in seen:
            seen.add(h)
            ranked.append(h)
    ranked = ranked[:K]
    dcg = sum(1 / math.log2(i + 2) for i, h in enumerate(ranked) if h in rel)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), K)))
    first = next((i + 1 for i, h in enumerate(ranked) if h in rel), None)
    return {"ndcg": dcg / idcg if idcg else 0.0, "mrr": 1 / first if first else 0.0,
            "s1": 1.0 if ranked and ranked[0] in rel else 0.0}


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


# ---------------------------------------------------------------- report

def report(engines, queries, categories, skipped, extra_notes, ndocs, binary):
    per = {name: {q["qid"]: scores(run.get(q["qid"], []), q["rel"]) for q in queries}
           for name, run in engines.items()}
    counts = ", ".join(f"{c} {sum(q['cat'] == c for q in queries)}" for c in categories)
    out = [f"Search quality on corpus/ ({ndocs} entries), {len(queries)} queries "
           f"({counts}); "
           f"top {K}, binary relevance.", ""]
    head = ["engine"] + [f"{c} s@1" for c in categories] + ["nDCG@10", "MRR", "s@1"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for name in engines:
        s = per[name]
        row = [name]
        for c in categories:
            row.append(f"{mean([s[q['qid']]['s1'] for q in queries if q['cat'] == c]):.2f}")
        for m in ("ndcg", "mrr", "s1"):
            row.append(f"{mean([s[q['qid']][m] for q in queries]):.3f}")
        if name == "cvsearch":
            row = [f"**{x}**" for x in row]
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("s@1 = success@1 (first hit relevant); nDCG@10, MRR and s@1 on the right are over all queries.")
    for peer, why in skipped:
        out.append(f"- {peer}: {why}")
    for line in extra_notes:
        out.append(f"- {line}")

    peers = [n for n in engines if n != "cvsearch"]
    if peers and "cvsearch" in engines:
        def first(name, q):
            hits = engines[name].get(q["qid"], [])
            return hits[0] if hits else "(no hits)"
        win = [q for q in queries if per["cvsearch"][q["qid"]]["s1"]
               and not any(per[p][q["qid"]]["s1"] for p in peers)]
        loss = [q for q in queries if not per["cvsearch"][q["qid"]]["s1"]
                and any(per[p][q["qid"]]["s1"] for p in peers)]
        out += ["", f"Queries every peer misses at rank 1 but cvsearch gets ({len(win)}):", ""]
        out += [f"- {q['cat']}: `{q['query']}`" for q in win] or ["- (none)"]
        out += ["", f"Queries cvsearch misses at rank 1 but some peer gets ({len(loss)}):", ""]
        for q in loss:
            got = [p for p in peers if per[p][q["qid"]]["s1"]]
            who = "every peer" if len(got) == len(peers) else ", ".join(got)
            out.append(f"- {q['cat']}: `{q['query']}` (want {'|'.join(q['rel'])}; cvsearch #1 "
                       f"{first('cvsearch', q)}; right at #1: {who})")
        if not loss:
            out.append("- (none)")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cvsearch", default=".build/debug/cvsearch")
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--queries", default="Tests/CVSearchCoreTests/Fixtures/quality-queries.tsv")
    ap.add_argument("--peers-dir", default="/work/shared/bench/peers")
    ap.add_argument("--peers", help="comma-separated subset of: " + ",".join(PEERS))
    ap.add_argument("--timeout", type=int, default=900, help="seconds per peer run")
    ap.add_argument("--out", help="also write the Markdown to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (corpus JSONL, qrels, runs)")
    a = ap.parse_args()

    corpus_dir = os.path.abspath(a.corpus)
    binary = os.path.abspath(a.cvsearch)
    peers_dir = os.path.abspath(a.peers_dir)
    docs = load_corpus(corpus_dir)
    queries = load_queries(a.queries)
    categories = list(dict.fromkeys(q["cat"] for q in queries))
    ids = {d["id"] for d in docs}
    notes = [f"query table names unknown id `{r}` (query `{q['query']}`)"
             for q in queries for r in q["rel"] if r not in ids]

    tmp = tempfile.mkdtemp(prefix="peer-quality-")
    # The peers put their index in /tmp/peers/idx/NAME-<corpus file name>: make that name unique.
    corpus_name = f"cvportfolio-{os.getpid()}"
    corpus_jsonl = os.path.join(tmp, corpus_name + ".jsonl")
    with open(corpus_jsonl, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(os.path.join(tmp, "qrels.tsv"), "w", encoding="utf-8") as f:
        for q in queries:
            f.write(f"{q['qid']}\t{q['cat']}\t{q['query']}\t{'|'.join(q['rel'])}\n")

    engines, skipped = {}, []
    try:
        t0 = time.time()
        engines["cvsearch"], cv_notes = run_cvsearch(binary, corpus_dir, queries, tmp)
        notes += [f"cvsearch: {n}" for n in cv_notes]
        print(f"cvsearch: {len(queries)} queries in {time.time() - t0:.1f}s", file=sys.stderr)
        for peer in (a.peers.split(",") if a.peers else PEERS):
            why = peer_missing(peer, peers_dir)
            if why:
                skipped.append((PEER_LABEL.get(peer, peer), f"skipped: {why}"))
                print(f"{peer}: skipped ({why})", file=sys.stderr)
                continue
            t0 = time.time()
            run, pnotes = run_peer(peer, peers_dir, corpus_jsonl, queries, tmp, a.timeout)
            shutil.rmtree(os.path.join("/tmp/peers/idx", f"{peer}-{corpus_name}"), ignore_errors=True)
            if run is None:  # pnotes = ["skipped: ..."] or ["FAILED ..."]
                skipped.append((PEER_LABEL.get(peer, peer), "; ".join(pnotes)))
                print(f"{peer}: {'; '.join(pnotes)}", file=sys.stderr)
                continue
            engines[PEER_LABEL.get(peer, peer)] = run
            notes += [f"{PEER_LABEL.get(peer, peer)}: {n}" for n in pnotes]
            print(f"{peer}: {len(run)} queries in {time.time() - t0:.1f}s", file=sys.stderr)
        skipped.append(("Pagefind", "skipped: not run by this script (needs npm, unreachable here)"))
        with open(os.path.join(tmp, "runs.json"), "w", encoding="utf-8") as f:
            json.dump(engines, f, ensure_ascii=False, indent=1)
    finally:
        if a.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    md = report(engines, queries, categories, skipped, notes, len(docs), binary)
    sys.stdout.write(md)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(md)


if __name__ == "__main__":
    main()
