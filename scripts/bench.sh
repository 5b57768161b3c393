#!/usr/bin/env bash
# Every figure of BENCHMARKS.md, in one run, on this machine.
#
#   apt-get install -y manpages-zh groff wrk          # once
#   python3 scripts/build-bench-corpus.py             # bench-data/manzh-{1,3,10,14}x.jsonl
#   scripts/bench.sh 2>&1 | tee bench.log             # about 5 minutes on 2 cores
#
# Each benchmark measures cvsearch and its baseline (FTS5 unicode61, or the server's trivial
# route) in the same run, so the ratios hold even on a noisy machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
for n in 1 3 10 14; do
  [ -f "bench-data/manzh-${n}x.jsonl" ] || { echo "missing bench-data/manzh-${n}x.jsonl: run python3 scripts/build-bench-corpus.py" >&2; exit 2; }
done
swift build -c release --product cvsearch-bench >/dev/null
swift build -c release --product cvsearch >/dev/null
bench=.build/release/cvsearch-bench

step() { echo; echo "== $*"; "$@"; }
step uname -srm
step nproc
step "$bench" tokenizer --corpus bench-data/manzh-1x.jsonl
step "$bench" build --corpus bench-data/manzh-1x.jsonl
step "$bench" build --corpus bench-data/manzh-10x.jsonl
step "$bench" latency --rounds 20 --baseline
for n in 1 3 10 14; do
  step "$bench" latency --corpus "bench-data/manzh-${n}x.jsonl" --queries scripts/bench-queries.txt --rounds 10 --baseline
done
step "$bench" cli
step "$bench" server-rss --corpus corpus
step "$bench" server-rss --corpus bench-data/manzh-14x.jsonl
step scripts/bench-http.sh corpus 10
step scripts/bench-http.sh bench-data/manzh-14x.jsonl 10
