#!/usr/bin/env bash
# bench/run.sh -- Sluice beside NGINX and HAProxy, one command (issue 7, part 1).
#
#   bench/run.sh            # from anywhere; see bench/README.md for the knobs
#
# 1. checks the tools; as root installs the missing Debian packages (apt-get), otherwise
#    names them and stops;
# 2. builds target/sluice.jar of the repository this script sits in (./mvnw -B -q
#    -DskipTests package), unless SKIP_BUILD=1 or SLUICE_JAR points at a jar;
# 3. makes an RSA-2048 certificate in bench/cert (shared by every proxy);
# 4. writes sluice-bench.conf into the run directory, Sluice's equivalent of templates/nginx-lb.conf and
#    templates/haproxy.cfg (round robin over node1/node2, JSESSIONID route stickiness,
#    /is-/ -> / prefix rewrite, no access log), with one https listener per TLS engine;
#    With SLUICE_CLUSTER=1 also sluice-learn.conf, sluice-cluster.conf and sluice-peer.conf
#    (learn-mode stickiness, cluster off and on) in the run's directory;
# 5. runs bench/lbbench.sh: backends on CPU 0, NGINX, HAProxy and Sluice on CPU 1, the
#    five cases interleaved and repeated, one table with ratios against NGINX and HAProxy;
#    then the idle-connections cases (10 000 kept-alive connections held idle per proxy).
# Every process is started by lbbench.sh and stopped by it, by pid.
set -euo pipefail
export LC_ALL=C

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)

# ------------------------------------------------------------------ knobs
export DURATION=${DURATION:-5}          # s per measured run
export REPS=${REPS:-3}                  # interleaved repetitions
export WARMUP=${WARMUP:-2}              # s per warm-up run, NGINX/HAProxy
export JVM_WARMUP=${JVM_WARMUP:-20}     # s per warm-up run and case, each Sluice target (JIT; steady state, as a long-running server)
export CASES=${CASES:-"http-1k tls-1k tls-64k tls-newconn h2-1k idle-10k idle-tls-10k"}
export IDLE_HOLD=${IDLE_HOLD:-5}        # s the idle-* cases hold their connections open and idle
export IDLE_REPS=${IDLE_REPS:-1}        # runs of each idle-* case per target, after the measured reps
SLUICE_CLUSTER=${SLUICE_CLUSTER:-0}     # 1: add the sluice-learn and sluice-cluster targets (+ a passive peer)
export SLUICE_BASELINE_JAR=${SLUICE_BASELINE_JAR:-}  # another build's sluice.jar: target sluice-base, same config, interleaved
SLUICE_MAX_CONNECTIONS=${SLUICE_MAX_CONNECTIONS:-16384}   # = NGINX worker_connections, HAProxy maxconn in templates/
PEERS=${PEERS-"nginx haproxy"}          # add "direct" for the no-proxy ceiling, "apache" for httpd
ENGINES=${ENGINES:-"openssl jdk"}       # Sluice TLS engines to measure, one https listener each
SLUICE_HTTP_PORT=${SLUICE_HTTP_PORT:-58080}
SLUICE_HTTPS_OPENSSL_PORT=${SLUICE_HTTPS_OPENSSL_PORT:-58443}
SLUICE_HTTPS_JDK_PORT=${SLUICE_HTTPS_JDK_PORT:-58444}
SLUICE_IO_THREADS=${SLUICE_IO_THREADS:-1}   # = NGINX worker_processes / HAProxy nbthread (1 CPU)
export SLUICE_JAVA=${SLUICE_JAVA:-java}
# Default: the flags /usr/bin/sluice (packaging/files/sluice) gives `sluice run`, so the bench
# measures what the packages ship.
export SLUICE_JAVA_OPTS=${SLUICE_JAVA_OPTS:-"-Xms96m -Xmx192m -XX:+UseG1GC -XX:MaxGCPauseMillis=50 -XX:MaxDirectMemorySize=64m"}
export QUIET_BUDGET=${QUIET_BUDGET:-60}  # s in all to wait for other people's CPU load to pass
SKIP_BUILD=${SKIP_BUILD:-0}
MVN_ARGS=${MVN_ARGS:-}                  # e.g. -o (offline)
SAVE=${SAVE:-0}                         # 1: also write bench/results/<date>.txt
export OUT_DIR=${OUT_DIR:-$BENCH/runs/$(date +%Y%m%d-%H%M%S)}

log() { printf '[%(%H:%M:%S)T] run.sh: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
T0=$(date +%s)

# ------------------------------------------------------------------ 1. tools
declare -A PKG_OF=([nginx]=nginx [haproxy]=haproxy [wrk]=wrk [h2load]=nghttp2-client
                   [openssl]=openssl [curl]=curl [cc]=gcc [taskset]=util-linux [ss]=iproute2
                   [java]=openjdk-17-jdk-headless [jcmd]=openjdk-17-jdk-headless)
missing=()
bins=(nginx wrk h2load openssl curl cc taskset ss java)
[[ " $PEERS " == *" haproxy "* ]] && bins+=(haproxy)
[[ " $PEERS " == *" apache "* ]] && bins+=(apache2) && PKG_OF[apache2]=apache2
for b in "${bins[@]}"; do
  command -v "$b" >/dev/null 2>&1 || missing+=("${PKG_OF[$b]}")
done
[[ -e /usr/include/openssl/ssl.h ]] || missing+=(libssl-dev)   # for tools/tlsnewconn.c
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing: ${missing[*]}"
    # Debian's nginx/haproxy packages try to start their system service (port 80); the
    # benchmark never uses it and starts its own instances on other ports.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  else
    die "missing Debian packages: ${missing[*]} (run as root to install them, or: apt-get install ${missing[*]})"
  fi
fi

# ------------------------------------------------------------------ 2. build
if [[ -n ${SLUICE_JAR:-} ]]; then
  [[ -s $SLUICE_JAR ]] || die "SLUICE_JAR=$SLUICE_JAR does not exist"
elif [[ $SKIP_BUILD == 1 ]]; then
  SLUICE_JAR=$REPO/target/sluice.jar
  [[ -s $SLUICE_JAR ]] || die "SKIP_BUILD=1 but $SLUICE_JAR does not exist"
else
  log "building $REPO/target/sluice.jar (./mvnw -B -q -DskipTests $MVN_ARGS package)"
  (cd "$REPO" && ./mvnw -B -q -DskipTests $MVN_ARGS package) || die "build failed"
  SLUICE_JAR=$REPO/target/sluice.jar
fi
export SLUICE_JAR
SLUICE_COMMIT=$(git -C "$(dirname "$SLUICE_JAR")/.." rev-parse --short HEAD 2>/dev/null || echo unknown)
SLUICE_DIRTY=$(git -C "$(dirname "$SLUICE_JAR")/.." status --porcelain -- src pom.xml 2>/dev/null | head -1 || true)
log "sluice jar: $SLUICE_JAR (commit $SLUICE_COMMIT${SLUICE_DIRTY:+, with uncommitted changes under src/ or pom.xml})"

# PROFILER=async: async-profiler's agent library from Maven Central (the jar carries it)
export PROFILER=${PROFILER:-jfr}
ASYNC_PROFILER_VERSION=${ASYNC_PROFILER_VERSION:-4.2}
if [[ $PROFILER == async && -z ${ASYNC_PROFILER_LIB:-} ]]; then
  ap_jar=$HOME/.m2/repository/tools/profiler/async-profiler/$ASYNC_PROFILER_VERSION/async-profiler-$ASYNC_PROFILER_VERSION.jar
  [[ -s $ap_jar ]] || (cd "$REPO" && ./mvnw -B -q $MVN_ARGS dependency:get -Dartifact=tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION) ||
    die "cannot fetch tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION"
  ap_dir=$BENCH/.async-profiler/$ASYNC_PROFILER_VERSION
  mkdir -p "$ap_dir"
  unzip -o -q -j "$ap_jar" "linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')/libasyncProfiler.so" -d "$ap_dir" ||
    die "no libasyncProfiler.so for $(uname -m) in $ap_jar"
  ASYNC_PROFILER_LIB=$ap_dir/libasyncProfiler.so
fi
export ASYNC_PROFILER_LIB=${ASYNC_PROFILER_LIB:-}

# ------------------------------------------------------------------ 3. certificate
CERT_DIR=$BENCH/cert
if [[ ! -s $CERT_DIR/server.crt || ! -s $CERT_DIR/server.key ]] ||
   ! openssl x509 -checkend 86400 -noout -in "$CERT_DIR/server.crt" >/dev/null 2>&1; then
  CERT_TYPE=rsa2048 "$BENCH/lbbench.sh" --make-cert "$CERT_DIR" >/dev/null || die "certificate generation failed"
fi
export CERT_DIR CERT_TYPE=rsa2048
log "certificate: $CERT_DIR/server.crt ($(openssl x509 -noout -text -in "$CERT_DIR/server.crt" | grep -o 'Public-Key: ([0-9]* bit)'))"

# ------------------------------------------------------------------ 4. Sluice config
CONF=$OUT_DIR/sluice-bench.conf
mkdir -p "$OUT_DIR"
# sluice_conf FILE LISTENERS STICKY-MODES [EXTRA]: writes and checks a bench configuration;
# EXTRA (admin, cluster) goes in at the top level, everything else is the same for every
# Sluice process.
sluice_conf() {
  cat >"$1" <<EOF
# Written by bench/run.sh (do not edit here; edit run.sh). Sluice's equivalent of
# bench/templates/nginx-lb.conf and bench/templates/haproxy.cfg:
#   round robin over the two backend nodes; stickiness on the ".nodeN" route suffix of
#   JSESSIONID (the backends set JSESSIONID=<id>.node1 / .node2, like Tomcat jvmRoute);
#   /is-/... -> /... (prefix stripped) like the peers' rewrite / replace-path;
#   access log off like the peers (access_log off; no HAProxy log target);
#   no X-Request-ID (the peers add none); X-Forwarded-For/-Proto are set, as the peers do;
#   one IO thread, like NGINX worker_processes 1 and HAProxy nbthread 1 on one CPU;
#   backend connections: up to 128 per member kept alive (NGINX keepalive 128 per worker;
#   HAProxy maxconn 4000 + http-reuse always), so no request waits for a connection;
#   up to $SLUICE_MAX_CONNECTIONS client connections in all and per listener, like NGINX
#   worker_connections and HAProxy maxconn in templates/: the idle-10k case holds 10 000
#   open, and the shipped default (10 000) leaves no room above exactly that many.
# One https listener per TLS engine (${ENGINES}), same certificate (RSA-2048, bench/cert/).
sluice {
  io-threads = $SLUICE_IO_THREADS
  access-log { enabled = off }
  headers { request-id = "" }
  limits { max-connections = $SLUICE_MAX_CONNECTIONS }
${4:+$4
}  listeners = [
$2
  ]
  routes = [
    { prefix = "/is-/", pool = wso2-identity, rewrite = "/" }
    { prefix = "/", pool = wso2-identity }
  ]
  pools {
    wso2-identity {
      method = round-robin
      sticky { modes = [$3], cookies = [JSESSIONID] }
      members = [
        { url = "http://127.0.0.1:18081", route = node1 }
        { url = "http://127.0.0.1:18082", route = node2 }
      ]
      connections-per-thread = 128
      cached-connections-per-thread = 128
    }
  }
}
EOF
  "$SLUICE_JAVA" -jar "$SLUICE_JAR" check -c "$1" >/dev/null || {
    "$SLUICE_JAVA" -jar "$SLUICE_JAR" check -c "$1" >&2; die "sluice check failed for $1"; }
}
listener() { # name port [tls-engine]
  local l="    { name = $1, bind = \"127.0.0.1:$2\", http2 = on, max-connections = $SLUICE_MAX_CONNECTIONS"
  if [[ -n ${3:-} ]]; then
    l+=$'\n'"      tls { engine = $3, certificate = \"$CERT_DIR/server.crt\", key = \"$CERT_DIR/server.key\" } }"
  else
    l+=" }"
  fi
  printf '%s' "$l"
}
listeners=$(listener http "$SLUICE_HTTP_PORT")
targets=()
first=1
for e in $ENGINES; do
  case $e in
    openssl) port=$SLUICE_HTTPS_OPENSSL_PORT ;;
    jdk) port=$SLUICE_HTTPS_JDK_PORT ;;
    *) die "unknown TLS engine '$e' in ENGINES (openssl, jdk)" ;;
  esac
  listeners+=$'\n'"$(listener "https-$e" "$port" "$e")"
  # the plain-http cases run once, on the first engine's target (no TLS involved)
  if ((first)); then targets+=("sluice-$e=$SLUICE_HTTP_PORT,$port"); first=0
  else targets+=("sluice-$e=-,$port"); fi
done
((${#targets[@]})) || targets=("sluice=$SLUICE_HTTP_PORT,-")
sluice_conf "$CONF" "$listeners" route
export SLUICE_CONF=$CONF SLUICE_TARGETS="${targets[*]}"
log "config: $CONF (targets: $SLUICE_TARGETS)"

# SLUICE_CLUSTER=1: two more Sluice processes that differ only in the cluster block (and
# their ports), one plain-http target each, and a passive peer for the second, which
# lbbench.sh pins to the load CPUs: the measured process pays for sending, not for the
# peer's receiving. Learn mode: the backends set a fresh JSESSIONID whenever a request
# carries none, and wrk sends none, so every response is a newly learned session, one
# replicated entry per request: the worst case.
export SLUICE_EXTRA="" SLUICE_SIDECARS="" SLUICE_ADMIN="" CLUSTER_BASE=""
admin_block() { printf '  admin { bind = "127.0.0.1:%s", open-read = on }' "$1"; }
if [[ $SLUICE_CLUSTER == 1 ]]; then
  secret=$OUT_DIR/cluster.secret
  (umask 077 && openssl rand -hex 32 >"$secret")
  # ports below Linux's ephemeral range (32768-60999): no client socket of the idle cases or
  # of JGroups can be holding them when these processes bind
  cluster_block() {
    printf '  cluster { bind = "127.0.0.1:%s", peers = ["127.0.0.1:17800", "127.0.0.1:17801"], secret-file = "%s" }' "$1" "$secret"
  }
  sluice_conf "$OUT_DIR/sluice-learn.conf" "$(listener http 19180)" learn "$(admin_block 19901)"
  sluice_conf "$OUT_DIR/sluice-cluster.conf" "$(listener http 19181)" learn "$(admin_block 19902)"$'\n'"$(cluster_block 17800)"
  sluice_conf "$OUT_DIR/sluice-peer.conf" "$(listener http 19182)" learn "$(admin_block 19903)"$'\n'"$(cluster_block 17801)"
  SLUICE_EXTRA="sluice-learn=19180,-,$OUT_DIR/sluice-learn.conf sluice-cluster=19181,-,$OUT_DIR/sluice-cluster.conf"
  SLUICE_SIDECARS="sluice-peer=19182,$OUT_DIR/sluice-peer.conf"
  SLUICE_ADMIN="sluice-learn=http://127.0.0.1:19901 sluice-cluster=http://127.0.0.1:19902 sluice-peer=http://127.0.0.1:19903"
  CLUSTER_BASE=sluice-learn
  log "cluster targets: sluice-learn (learn mode, no cluster), sluice-cluster (the same + a cluster with sluice-peer); configs in $OUT_DIR"
fi

# SLUICE_BASELINE_JAR: the same configuration served by another build (the commit before a
# change) as one more target, run interleaved with the others: a before/after from one run,
# where two runs back to back on this machine differ by up to a third in the peers' figures.
# It gets the plain listener and the first engine's https listener.
if [[ -n $SLUICE_BASELINE_JAR ]]; then
  [[ -s $SLUICE_BASELINE_JAR ]] || die "SLUICE_BASELINE_JAR: no jar at $SLUICE_BASELINE_JAR"
  base_engine=${ENGINES%% *}
  sluice_conf "$OUT_DIR/sluice-base.conf" "$(listener http 19280)"$'\n'"$(listener "https-$base_engine" 19443 "$base_engine")" route "$(admin_block 19904)"
  SLUICE_EXTRA+="${SLUICE_EXTRA:+ }sluice-base=19280,19443,$OUT_DIR/sluice-base.conf,$SLUICE_BASELINE_JAR"
  log "baseline target: sluice-base ($SLUICE_BASELINE_JAR, engine $base_engine)"
fi

# ------------------------------------------------------------------ 5. run
CONSOLE=$OUT_DIR/console.txt
CMDLINE="$0${*:+ $*}"
{
  echo "# bench/run.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# settings (effective environment): $(env | grep -E '^(SLUICE_JAR|QUIET_BUDGET|DURATION|REPS|WARMUP|JVM_WARMUP|CASES|PEERS|ENGINES|SKIP_BUILD|MVN_ARGS|SAVE|SLUICE_JAVA_OPTS|SLUICE_IO_THREADS|SLUICE_CLUSTER|SLUICE_BASELINE_JAR|SLUICE_MAX_CONNECTIONS|IDLE_HOLD|IDLE_SETTLE|IDLE_REPS|IDLE_OPEN_CONC|IDLE_OPEN_TIMEOUT|MAXCONN|CONNS|THREADS|H2_CLIENTS|H2_STREAMS|NEWCONN_CONNS|PIN|PROFILE|PROFILE_SECS|PROFILER|ASYNC_PROFILER_LIB)=' | sort | sed "s/=\(.*\)/='\1'/" | tr '\n' ' ')"
  echo "# command: $CMDLINE"
  echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
  echo "# java: $("$SLUICE_JAVA" -version 2>&1 | tr '\n' ' ')"
  echo "# nginx: $(nginx -v 2>&1 | sed 's/.*: //'); haproxy: $(haproxy -v 2>/dev/null | head -1)"
  echo "# sluice: $("$SLUICE_JAVA" -jar "$SLUICE_JAR" version 2>&1 | head -1), commit $SLUICE_COMMIT${SLUICE_DIRTY:+ (+uncommitted changes)}, JVM flags: $SLUICE_JAVA_OPTS"
} >"$CONSOLE"
cat "$CONSOLE" >&2
set +e
BUILTIN="$PEERS sluice" "$BENCH/lbbench.sh" "$@" 2>&1 | tee -a "$CONSOLE"
rc=${PIPESTATUS[0]}
set -e
T1=$(date +%s)
echo "# run.sh wall time: $((T1 - T0)) s (exit $rc)" | tee -a "$CONSOLE" >&2
for f in runs.csv logs/sluice_stdout.log; do
  [[ -s $OUT_DIR/$f ]] && { echo; echo "## $f"; echo; cat "$OUT_DIR/$f"; } >>"$CONSOLE"
done
if [[ $SAVE == 1 ]]; then
  mkdir -p "$BENCH/results"
  dest=$BENCH/results/$(date +%F).txt
  [[ -e $dest ]] && dest=$BENCH/results/$(date +%F-%H%M).txt
  cp "$CONSOLE" "$dest"
  log "saved $dest"
fi
log "console output, report and raw runs: $OUT_DIR"
exit "$rc"
