#!/usr/bin/env bash
# Coverage-guided fuzzing of cvsearch with libFuzzer and AddressSanitizer.
#
# usage: scripts/fuzz.sh [-t SECONDS] [TARGET…] [-- LIBFUZZER_OPTION…]
#
#   TARGET      tokenizer, query, corpus (or fuzz-tokenizer, …); default: all three, one after
#               the other
#   -t SECONDS  how long each target runs (libFuzzer's -max_total_time); default 60, or
#               $FUZZ_SECONDS
#   -- …        passed to libFuzzer, e.g. `-- -max_len=512` or `-- -fork=2 -ignore_crashes=1`
#               (keep going after a crash, to collect several)
#   FUZZ_CONFIG=release   build with optimizations (faster; default debug)
#
#   scripts/fuzz.sh                  # 60 s per target
#   scripts/fuzz.sh -t 600 query     # 10 minutes of the query target
#
# The targets (Sources/fuzz-*/) run the properties of Sources/CVSearchCore/FuzzChecks.swift:
#   tokenizer  Analyzer.tokenize on arbitrary bytes: token ranges, order, checkpoints
#   query      QueryParser + QueryPlan: every FTS5 expression accepted by SQLite, highlights, search
#   corpus     Markdown front matter, JSON Lines and glossary parsing: problems and entries sound
#
# For each target the script
#   1. builds fuzz-<target> into .build-fuzz (never the default .build):
#        swift build --scratch-path .build-fuzz -c debug --product fuzz-<target>
#          -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address
#      (Swift code gets coverage and ASan from -sanitize, the C targets (CICU, CFTS5, Yams' C
#      parser) from -Xcc; swiftc links libFuzzer and the ASan runtime);
#   2. runs it for SECONDS on the evolving corpus .build-fuzz/corpus/<target>/, seeded from the
#      checked-in Fuzz/seeds/<target>/ and Tests/CVSearchCoreTests/Fixtures/fuzz-regressions/<target>/
#      (read, never written), with the dictionary Fuzz/dicts/<target>.dict when there is one;
#      the log is .build-fuzz/logs/<target>.log, crash inputs go to .build-fuzz/artifacts/<target>/;
#   3. prints executions, execs/s, duration, coverage (cov: edges, ft: features), corpus size
#      and the crash files of this run.
#
# Exit status: 0 when no target found anything, 1 when one crashed (the crash files are listed),
# 2 on a usage or build error.
#
# A crash file replays with the normal build of the target (no libFuzzer):
#   swift build --scratch-path .build-fuzztest --product fuzz-query
#   .build-fuzztest/debug/fuzz-query .build-fuzz/artifacts/query/crash-…
# or with the fuzz binary itself: .build-fuzz/debug/fuzz-query .build-fuzz/artifacts/query/crash-…
# Once fixed, copy it to Tests/CVSearchCoreTests/Fixtures/fuzz-regressions/<target>/: the
# FuzzRegressionTests replay that folder (and the seeds) in `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

seconds="${FUZZ_SECONDS:-60}"
config="${FUZZ_CONFIG:-debug}"
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) [ $# -ge 2 ] || { echo "fuzz.sh: -t needs a number of seconds" >&2; exit 2; }
        seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    fuzz-*) targets+=("${1#fuzz-}"); shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(tokenizer query corpus)
for t in "${targets[@]}"; do
  case "$t" in tokenizer|query|corpus) ;; *) echo "fuzz.sh: unknown target '$t' (tokenizer, query, corpus)" >&2; exit 2 ;; esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: seconds must be a whole number, not '$seconds'" >&2; exit 2; }
case "$config" in debug|release) ;; *) echo "fuzz.sh: FUZZ_CONFIG must be debug or release" >&2; exit 2 ;; esac

scratch=.build-fuzz
build_flags=(
  --scratch-path "$scratch" -c "$config"
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
  -Xcc -fsanitize=fuzzer-no-link,address
)
mkdir -p "$scratch/logs"

# Build everything first, so a build error stops the run before any fuzzing.
for t in "${targets[@]}"; do
  echo "== building fuzz-$t ($config, libFuzzer + ASan)"
  # The ASan runtime's local symbols make gold warn by the hundred; keep only what matters.
  if ! swift build "${build_flags[@]}" --product "fuzz-$t" >"$scratch/logs/build-$t.log" 2>&1; then
    grep -E "error|warning: unable" "$scratch/logs/build-$t.log" | grep -v "Cannot export local symbol" | head -40 >&2 || true
    echo "fuzz.sh: building fuzz-$t failed (full log: $scratch/logs/build-$t.log)" >&2
    exit 2
  fi
done
bin="$(swift build "${build_flags[@]}" --show-bin-path)"

# LeakSanitizer stays on (libFuzzer's -detect_leaks); symbolized stack traces need llvm-symbolizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_stack_use_after_return=0}"
# Swift's own crash backtracer can hang under libFuzzer's -minimize_crash; ASan prints the stack.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x "$(dirname "$(command -v swift)")/llvm-symbolizer" ]; then
  export ASAN_SYMBOLIZER_PATH="$(dirname "$(command -v swift)")/llvm-symbolizer"
fi

summary=()
crashed=0
for t in "${targets[@]}"; do
  corpus="$scratch/corpus/$t"
  artifacts="$scratch/artifacts/$t"
  log="$scratch/logs/$t.log"
  mkdir -p "$corpus" "$artifacts"
  inputs=("$corpus" "Fuzz/seeds/$t")
  regressions="Tests/CVSearchCoreTests/Fixtures/fuzz-regressions/$t"
  [ -d "$regressions" ] && inputs+=("$regressions")
  options=(
    "-max_total_time=$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
    "-artifact_prefix=$artifacts/"
  )
  [ -f "Fuzz/dicts/$t.dict" ] && options+=("-dict=Fuzz/dicts/$t.dict")
  marker="$scratch/logs/.$t.started"
  touch "$marker"
  echo "== fuzzing fuzz-$t for ${seconds}s (corpus $corpus, log $log)"
  started=$(date +%s)
  status=0
  "$bin/fuzz-$t" "${options[@]}" ${extra[@]+"${extra[@]}"} "${inputs[@]}" >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - started ))

  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [ -z "$execs" ]; then  # no final stats (killed): the last status line
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  fi
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  units=$(find "$corpus" -type f | wc -l | tr -d ' ')
  found=()
  while IFS= read -r f; do found+=("$f"); done < <(find "$artifacts" -type f -newer "$marker" | sort)

  line="fuzz-$t: ${execs:-?} executions in ${elapsed}s (${rate:-?} exec/s), coverage cov ${cov:-?} ft ${ft:-?}, corpus $units files"
  if [ ${#found[@]} -gt 0 ] || [ "$status" -ne 0 ]; then
    crashed=1
    line+=", FOUND (libFuzzer exit status $status):"
    for f in ${found[@]+"${found[@]}"}; do line+=$'\n'"    $f"; done
    [ ${#found[@]} -gt 0 ] || line+=$'\n'"    (no crash file; see $log)"
    # The property violated, or the sanitizer's report, for the summary.
    # (a violated property: the fatal error and its messages; else the sanitizer's first lines)
    reason=$(grep -m1 -A6 -E 'Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log" \
               | sed '/^$/,$d; /Backtracing/,$d; /Current stack trace/,$d' | cut -c1-400 | sed 's/^/    /' || true)
    [ -n "$reason" ] && line+=$'\n'"$reason"
  else
    line+=", no crash"
  fi
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "$crashed" -ne 0 ]; then
  echo "fuzz.sh: crashes found; replay one with $bin/fuzz-<target> FILE, and once fixed copy it to"
  echo "  Tests/CVSearchCoreTests/Fixtures/fuzz-regressions/<target>/"
  exit 1
fi
