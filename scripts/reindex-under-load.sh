#!/usr/bin/env bash
# Re-indexing while the server is under load: wrk sends rotating /search requests on loopback
# while `cvsearch index` runs again and again, each time after changing the corpus (an entry
# added, edited, then removed in turn). Prints the requests sent, the re-indexes done, and
# every failure wrk saw (non-2xx answers, socket errors). Goal: zero.
#
#   apt-get install -y wrk                      # once
#   swift build -c release --product cvsearch
#   scripts/reindex-under-load.sh [SECONDS]     # default 20
#
# Consistency of each answer (old or new corpus, never a mix) is checked by the test
# ServerProcessTests.reindexUnderLoadNeverFailsARequest; this script gives the volume.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
binary=$PWD/.build/release/cvsearch
[ -x "$binary" ] || { echo "build the server first: swift build -c release --product cvsearch" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r corpus "$work/corpus"
cd "$work"
"$binary" index >/dev/null
# The answer cache off: every request reads the index.
"$binary" serve --port 0 --log-level notice --answer-cache 0 2>server.log &
server=$!
for _ in $(seq 100); do grep -q "serving http" server.log && break; sleep 0.1; done
port=$(sed -n 's/.*serving http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' server.log | head -1)

cat > rotate.lua <<'LUA'
local queries = {"RAG+Qwen", "%E6%A3%80%E7%B4%A2", "loadmarker", "knowledge+graph", "Qw", "%E4%BA%AC%E4%B8%9C", "bge-small"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/search?q=" .. queries[(i - 1) % #queries + 1])
end
LUA
wrk -t1 -c8 -d"${seconds}s" -s rotate.lua "http://127.0.0.1:$port" > wrk.txt 2>&1 &
load=$!
reindexes=0 failed=0
end=$(( $(date +%s) + seconds - 1 ))
while [ "$(date +%s)" -lt "$end" ]; do
  case $(( reindexes % 3 )) in
    0) printf -- '---\ntitle: Load %s loadmarker\n---\nloadmarker %s\n' "$reindexes" "$reindexes" > corpus/load.md ;;
    1) printf -- '---\ntitle: Load %s loadmarker, edited\n---\nloadmarker edited %s\n' "$reindexes" "$reindexes" > corpus/load.md ;;
    2) rm -f corpus/load.md ;;
  esac
  "$binary" index >/dev/null || failed=$((failed + 1))
  reindexes=$((reindexes + 1))
  sleep 0.2
done
wait $load
requests=$(awk '/requests in/ {print $1}' wrk.txt)
non2xx=$(awk '/Non-2xx/ {print $5}' wrk.txt)
sockets=$(awk '/Socket errors/ {print}' wrk.txt)
echo "re-index under load: $requests requests in ${seconds}s during $reindexes re-indexes ($failed failed);" \
     "non-2xx answers: ${non2xx:-0}; socket errors: ${sockets:-none}"
grep -q "status=500" server.log && echo "the server log has 500s" && exit 1
[ "${non2xx:-0}" = 0 ] && [ -z "$sockets" ] && [ "$failed" = 0 ]
