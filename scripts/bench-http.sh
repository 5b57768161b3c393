#!/usr/bin/env bash
# /search against the same server's trivial route (/ping), with wrk on loopback, in one run.
#
#   apt-get install -y wrk                      # once
#   swift build -c release --product cvsearch   # the server under test
#   scripts/bench-http.sh [CORPUS] [SECONDS] [QUERIES]
#
# default: corpus/, 10 s per run, and the queries of the test fixtures (153, portfolio queries);
# for any other corpus the queries default to scripts/bench-queries.txt (one per line).
#
# For the corpus (a folder or a JSON Lines file, e.g. bench-data/manzh-10x.jsonl) it builds an
# index in a temporary folder, starts `cvsearch serve` on a free port and runs wrk (1 thread,
# 16 connections: the other core is left to the server) on
#   1. GET /ping                       the framework's own ceiling
#   2. GET /search?q=<first query>     one query, answered from the server's answer cache
#   3. GET /search?q=<rotating>        every query of the list in turn (cached after the first
#                                      round)
#   4. the same rotating queries on a second server started with --answer-cache 0 (no cache)
# and prints requests/s, p50/p99 latency and non-2xx answers, and /search as a % of /ping.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-corpus}
seconds=${2:-10}
if [ "$corpus" = corpus ]; then queries=${3:-fixtures}; else queries=${3:-scripts/bench-queries.txt}; fi
binary=.build/release/cvsearch
[ -x "$binary" ] || { echo "build the server first: swift build -c release --product cvsearch" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
"$binary" index --corpus "$corpus" --index "$work/index.db" >/dev/null
"$binary" serve --port 0 --index "$work/index.db" --log-level notice 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q "serving http" "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.*serving http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$work/server.log" | head -1)
base="http://127.0.0.1:$port"

python3 - "$work/queries.txt" "$queries" <<'PY'
import sys, urllib.parse
if sys.argv[2] == "fixtures":
    sources = [("Tests/CVSearchCoreTests/Fixtures/sample-queries.tsv", 0),
               ("Tests/CVSearchCoreTests/Fixtures/quality-queries.tsv", 1)]
else:
    sources = [(sys.argv[2], 0)]
out = []
for path, column in sources:
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        out.append(urllib.parse.quote_plus(line.rstrip("\n").split("\t")[column]))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
first=$(head -1 "$work/queries.txt")
cat > "$work/rotate.lua" <<LUA
local queries = {}
for line in io.lines("$work/queries.txt") do queries[#queries + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/search?q=" .. queries[(i - 1) % #queries + 1])
end
LUA

run() {  # name, wrk arguments…
  local name=$1; shift
  local out
  out=$(wrk -t1 -c16 -d"${seconds}s" --latency "$@")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf "%-34s %10s req/s  p50 %-9s p99 %-9s non-2xx %s\n" "$name" "$rps" "$p50" "$p99" "${errors:-0}"
  echo "$rps" > "$work/$name.rps"
}

echo "corpus $corpus, $(wc -l < "$work/queries.txt") queries ($queries), first: $first; $(nproc) cores, wrk -t1 -c16 -d${seconds}s"
run ping "$base/ping"
run search-one "$base/search?q=$first"
run search-rotating -s "$work/rotate.lua" "$base"
"$binary" serve --port 0 --index "$work/index.db" --log-level notice --answer-cache 0 2>"$work/server2.log" &
uncached=$!
trap 'kill $server $uncached 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "serving http" "$work/server2.log" && break; sleep 0.1; done
port2=$(sed -n 's/.*serving http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$work/server2.log" | head -1)
run search-uncached -s "$work/rotate.lua" "http://127.0.0.1:$port2"
ping=$(cat "$work/ping.rps")
for name in search-one search-rotating search-uncached; do
  awk -v a="$(cat "$work/$name.rps")" -v b="$ping" -v n="$name" 'BEGIN { printf "%-34s %.0f%% of /ping\n", n, 100 * a / b }'
done
