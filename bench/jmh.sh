#!/usr/bin/env bash
# bench/jmh.sh -- JMH micro-benchmarks of every per-request step Sluice adds (issue 7, part 2):
# route match, prefix rewrite, Location/Set-Cookie rewriting, sticky parsing and choice,
# member selection, request header handling, metrics; time and allocation per operation.
#
#   bench/jmh.sh                         # build (-Pjmh) and run everything (about 7 min on 2 vCPU)
#   FILTER=RouteBenchmark bench/jmh.sh   # only benchmarks matching a JMH regex
#   SKIP_BUILD=1 bench/jmh.sh            # reuse target/benchmarks.jar
#   JMH_ARGS="-prof stack" bench/jmh.sh  # anything else for JMH (java -jar target/benchmarks.jar -h)
#
# 1. builds target/benchmarks.jar of the repository this script sits in with
#    ./mvnw -B -q -Pjmh -DskipTests package (the jmh profile compiles src/jmh/java; the
#    default build never does);
# 2. runs it with short settings suited to a 2-core machine, -prof gc and
#    -prof io.sluice.bench.CpuTimeProfiler, so every benchmark reports ns/op (wall clock),
#    CPU ns/op (the benchmark thread's CPU time, robust to other load) and B/op;
# 3. writes bench/results/jmh-<date>.json (JMH's full result) and bench/results/jmh-<date>.txt
#    (date, commit, JDK, CPU, the command, and one table: benchmark, ns/op, CPU ns/op, B/op).
#    The JMH console log goes to bench/runs/jmh-<date-time>.log.
set -euo pipefail
export LC_ALL=C

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)

# ------------------------------------------------------------------ knobs
FORKS=${FORKS:-1}                  # JVM forks per benchmark
WARMUP_ITERATIONS=${WARMUP_ITERATIONS:-4}
WARMUP_TIME=${WARMUP_TIME:-1s}
ITERATIONS=${ITERATIONS:-5}
TIME=${TIME:-1s}                   # per measured iteration
THREADS=${THREADS:-1}
FILTER=${FILTER:-}                 # JMH benchmark regex; empty = all
JMH_ARGS=${JMH_ARGS:-}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:-}           # for the JMH harness JVM; forks take -jvmArgs via JMH_ARGS
SKIP_BUILD=${SKIP_BUILD:-0}
# QUIET_BUDGET (s, default 120): how long to wait for other processes' CPU load to pass
MVN_ARGS=${MVN_ARGS:-}             # e.g. -o (offline)
COMMIT=${COMMIT:-}                 # what was measured, for the header; default: git HEAD of the repository
DAY=$(date +%Y-%m-%d)
RESULTS=${RESULTS:-$BENCH/results}
JSON=${JSON:-$RESULTS/jmh-$DAY.json}
TXT=${TXT:-$RESULTS/jmh-$DAY.txt}
LOG=${LOG:-$BENCH/runs/jmh-$(date +%Y%m%d-%H%M%S).log}

log() { printf '[%(%H:%M:%S)T] jmh.sh: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
T0=$(date +%s)

command -v "$JAVA" >/dev/null 2>&1 || die "no $JAVA on PATH (Debian: openjdk-17-jdk-headless)"
command -v jq >/dev/null 2>&1 || die "no jq on PATH, needed for the results table (Debian: jq)"

# ------------------------------------------------------------------ 1. build
JAR=$REPO/target/benchmarks.jar
if [[ $SKIP_BUILD != 1 ]]; then
  log "building $JAR (./mvnw -B -q -Pjmh -DskipTests package $MVN_ARGS)"
  (cd "$REPO" && ./mvnw -B -q -Pjmh -DskipTests package $MVN_ARGS) || die "build failed"
fi
[[ -f $JAR ]] || die "no $JAR: run without SKIP_BUILD=1"

# ------------------------------------------------------------------ 2. run
# Other processes' CPU skews ns/op on 2 cores (B/op does not move): wait up to
# QUIET_BUDGET s for the machine to be idle (< 0.3 of a core busy over 2 s), and say so.
busy_cores() {  # CPU busy over 2 s, in cores (whoever uses it; nothing of ours runs yet)
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 2
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local total=0 idle i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  idle=$(( b[4] - a[4] + b[5] - a[5] ))
  awk -v t="$total" -v i="$idle" -v n="$(nproc)" 'BEGIN { printf "%.2f", (t > 0 ? (t - i) / t * n : 0) }'
}
QUIET_BUDGET=${QUIET_BUDGET:-120}
waited=0
busy=$(busy_cores)
while awk -v b="$busy" 'BEGIN { exit !(b >= 0.3) }' && (( waited < QUIET_BUDGET )); do
  log "other processes use $busy cores; waiting for a quiet machine ($waited/$QUIET_BUDGET s)"
  sleep 8; waited=$(( waited + 10 ))
  busy=$(busy_cores)
done
QUIET_NOTE="CPU busy before the run: $busy cores"
awk -v b="$busy" 'BEGIN { exit !(b >= 0.3) }' && QUIET_NOTE+=" (NOT quiet: ns/op are skewed; B/op are not)"
log "$QUIET_NOTE"
mkdir -p "$RESULTS" "$(dirname "$LOG")"
args=(-f "$FORKS" -wi "$WARMUP_ITERATIONS" -w "$WARMUP_TIME" -i "$ITERATIONS" -r "$TIME" -t "$THREADS"
      -prof gc -prof io.sluice.bench.CpuTimeProfiler -rf json -rff "$JSON" -foe true)
# shellcheck disable=SC2206
[[ -n $JMH_ARGS ]] && args+=($JMH_ARGS)
[[ -n $FILTER ]] && args+=("$FILTER")
COMMAND="java -jar target/benchmarks.jar ${args[*]}"
COMMAND=${COMMAND//$REPO\//}   # repository-relative paths in the results header
log "running: $COMMAND"
log "console log: $LOG"
set +e
# shellcheck disable=SC2086
"$JAVA" $JAVA_OPTS -jar "$JAR" "${args[@]}" 2>&1 | tee "$LOG" | grep --line-buffered -E '^# (Benchmark:|Run complete)' >&2
status=("${PIPESTATUS[@]}")
set -e
[[ ${status[0]} == 0 ]] || die "JMH failed (exit ${status[0]}); see $LOG"
[[ -s $JSON ]] || die "JMH wrote no $JSON; see $LOG"

# ------------------------------------------------------------------ 3. table
if [[ -z ${COMMIT:-} ]]; then
  COMMIT="commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | head -c1) ]] \
    && COMMIT+=" (working tree with uncommitted changes)"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
jdk=$(jq -r '.[0] | "\(.vmName) \(.jdkVersion) (\(.vmVersion))"' "$JSON")
{
  echo "# Sluice JMH micro-benchmarks, $DAY"
  echo "# $COMMIT, JMH $(jq -r '.[0].jmhVersion' "$JSON"), $jdk"
  echo "# machine: $(nproc) vCPU, $cpu; $(uname -sr); $QUIET_NOTE; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: bench/jmh.sh, i.e. $COMMAND"
  echo "# ns/op: wall-clock time per operation; cpu ns/op: CPU time of the benchmark thread per operation"
  echo "# (io.sluice.bench.CpuTimeProfiler; unlike ns/op it does not grow while other processes hold the cores);"
  echo "# ± is the 99.9% confidence interval over $ITERATIONS iterations; B/op: gc.alloc.rate.norm (bytes allocated per op)"
  echo
  printf '%-58s %10s %9s %10s %9s %8s\n' benchmark ns/op '±' 'cpu ns/op' '±' B/op
  jq -r 'def r1: if type == "number" then . * 10 | round / 10 | tostring else "-" end;
         .[] | [(.benchmark | sub("^io\\.sluice\\."; "")),
                (.primaryMetric.score | r1), (.primaryMetric.scoreError | r1),
                (.secondaryMetrics["cpu.time.norm"].score // null | r1),
                (.secondaryMetrics["cpu.time.norm"].scoreError // null | r1),
                (.secondaryMetrics["gc.alloc.rate.norm"].score // null | if type == "number" then round | tostring else "-" end)]
         | @tsv' "$JSON" | while IFS=$'\t' read -r name score err cputime cpuerr bytes; do
    printf '%-58s %10s %9s %10s %9s %8s\n' "$name" "$score" "$err" "$cputime" "$cpuerr" "$bytes"
  done
} > "$TXT"
cat "$TXT"
log "wrote $TXT and $JSON in $(( $(date +%s) - T0 )) s"
