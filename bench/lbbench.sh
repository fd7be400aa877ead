#!/usr/bin/env bash
# lbbench.sh -- side-by-side benchmark of reverse-proxy load balancers.
#
# Adapted for Sluice's bench/ from the team's shared harness /work/shared/bench/lbbench.sh
# (same authors; its templates and tools/tlsnewconn.c are copied alongside). Changes here:
# a built-in "sluice" target (the Java LB started by this script, pinned like the peers,
# one process serving several listeners = several targets, e.g. one per TLS engine),
# apache2 only required when it is a target, resident memory (RSS) per run, ratio tables
# against NGINX and HAProxy, and the first error lines of a target's log when it had errors.
# bench/run.sh is the usual entry point.
#
# Starts (in a private temp work dir, never touching /etc or system services):
#   * one backend nginx serving two "nodes" (127.0.0.1:18081 node1, :18082 node2,
#     plus :18443 = node1 over TLS, used only for the direct-to-backend TLS ceiling)
#   * nginx LB   (28080 http / 28443 https+h2)
#   * HAProxy    (38080 / 38443)
#   * Apache httpd event MPM + mod_proxy_balancer (48080 / 48443)
#   * Sluice (java -jar $SLUICE_JAR run -c $SLUICE_CONF), targets from SLUICE_TARGETS
# then runs every load case against every target, interleaved (A B C A B C ...),
# REPS times, prints a markdown table, and stops every process it started, by pid.
#
# Usage:  lbbench.sh [options] [name=http_port,https_port[,/prefix] ...]
#   Extra positional targets are proxies that are ALREADY RUNNING (e.g. the Java LB);
#   they must forward to 127.0.0.1:18081/18082 (started by this script). Use "-" for
#   a port the target does not have. Prefix (e.g. /is-) is prepended to every path.
# Options:
#   --builtin "direct nginx haproxy apache sluice"   built-in targets to run
#                     (default "direct nginx haproxy apache"; "" = none)
#   --cases   "http-1k tls-1k tls-64k tls-newconn h2-1k"
#   --make-cert DIR   only create server.crt/server.key/server.pem/server.p12 (pass
#                     "changeit") in DIR and exit; reuse them with CERT_DIR=DIR
#   --setup-only      start backends+proxies, run smoke tests, wait for Ctrl-C
#   --report CSV      print the median and ratio tables again from a runs.csv and exit
#   -h|--help
# Environment knobs (defaults in brackets):
#   DURATION [7] s per measured run   WARMUP [2] s per warm-up run (built-ins)
#   EXT_WARMUP [10] s per warm-up run for external targets (JIT warm-up)
#   EXT_READY_WAIT [30] s to wait for an external target to answer 200 (its
#   backends, 18081/18082, only come up when this script starts)
#   REPS [3]  CONNS [64]  THREADS [2]  NEWCONN_CONNS [=CONNS]
#   H2_CLIENTS [16] H2_STREAMS [10] H2_THREADS [=THREADS]
#   PIN [1]  LOAD_CPUS [0] (load generator + backends)  PROXY_CPUS [1] (proxies)
#   PROXY_WORKERS [#PROXY_CPUS, or nproc if PIN=0]  BACKEND_WORKERS [#LOAD_CPUS | nproc]
#   MAX_OTHER [25] % of one core used by foreign (non-benchmark) processes: before
#   each run wait up to QUIET_MAX_WAIT [15] s (total QUIET_BUDGET [120] s) for the
#   machine to be that quiet; a run that saw more is repeated NOISE_RETRIES [1] times
#   CERT_DIR [] reuse cert   CERT_TYPE [rsa2048|ec256]   OUT_DIR [$TMPDIR/lbbench-runs/<ts>; run.sh: bench/runs/<ts>]
#   KEEP_WORK [0] keep the temp work dir   WORK_PARENT [/tmp]
#   NICE [0] nice level for everything started (e.g. -10 on a shared box; it starves
#   other users' processes, so it is off by default)
#   Sluice (built-in "sluice"): SLUICE_JAR, SLUICE_CONF (its listeners must match
#   SLUICE_TARGETS), SLUICE_JAVA [java], SLUICE_JAVA_OPTS [-XX:+UseParallelGC -Xms256m -Xmx256m],
#   SLUICE_TARGETS ["sluice=58080,58443"]: name=http_port,https_port per listener set
#   ("-" = none); JVM_WARMUP [=EXT_WARMUP] s per warm-up run for Sluice targets
#   RSS_SAMPLE [0.5] s between resident-memory samples of the proxy during a run
#   PROFILE [] e.g. "tls-1k:sluice-jdk tls-1k:sluice-openssl": after the measurement, one
#   extra PROFILE_SECS [20] s load run per entry with a JFR recording (settings=profile)
#   and one jcmd Thread.print of the JVM target; top frames go into the report (the
#   recording is not part of the measured figures)
#   PROFILER [jfr]: jfr, or async: async-profiler (ASYNC_PROFILER_LIB, the path of its
#   libasyncProfiler.so, loaded into the running JVM with jcmd JVMTI.agent_load) sampling
#   CPU with perf events as root (kernel frames included) or setitimer otherwise, so native
#   code (OpenSSL, the JVM, GC, libc) and the kernel are in the profile; collapsed stacks go to
#   OUT_DIR/profile-<case>-<target>.collapsed, summarised by tools/collapsed-summary.py
#   SLUICE_EXTRA [] more Sluice processes, one target each, on the proxy CPUs:
#   "name=http_port,https_port,config[,jar] ..." (jar: another build, for a before/after
#   interleaved in one run; SLUICE_JAR otherwise); SLUICE_SIDECARS [] Sluice processes that are
#   no target, on the load CPUs, started first (a cluster peer): "name=http_port,config";
#   their CPU per request of every run is in the CSV (sidecar_us_per_req).
#   SLUICE_ADMIN [] "name=http://admin ...": admin APIs read (GET /api/v1/cluster) before
#   and after every run of that target and at the end: sessions replicated per run
#   (repl_sent by the target, repl_recv by the sidecars) and a cluster table in the
#   report, with CPU per request divided by CLUSTER_BASE's (the same without a cluster)
#   Case names: <http|tls|h2>-<1k|64k>, tls-newconn (full TLS handshake per request,
#   tools/tlsnewconn.c), tls-resume (resumed handshake per request), http-newconn,
#   idle-<N>k and idle-tls-<N>k: N x 1000 kept-alive connections opened by
#   tools/idleconn.c (one request each, at most IDLE_OPEN_CONC [128] opening at a time,
#   all within IDLE_OPEN_TIMEOUT [60] s) and held idle for IDLE_SETTLE [2] + IDLE_HOLD [5]
#   s: RSS before and with them open, KiB per connection, CPU over the last IDLE_HOLD s,
#   how many stayed open; after the measured reps and the profiles, IDLE_REPS [1] times, into
#   OUT_DIR/idle.csv and a table of their own

set -u -o pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATES=${TEMPLATES:-$SCRIPT_DIR/templates}

DURATION=${DURATION:-7}
WARMUP=${WARMUP:-2}
EXT_WARMUP=${EXT_WARMUP:-10}
EXT_READY_WAIT=${EXT_READY_WAIT:-30}
REPS=${REPS:-3}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
NEWCONN_CONNS=${NEWCONN_CONNS:-$CONNS}
H2_CLIENTS=${H2_CLIENTS:-16}
H2_STREAMS=${H2_STREAMS:-10}
H2_THREADS=${H2_THREADS:-$THREADS}
WRK_TIMEOUT=${WRK_TIMEOUT:-5}
PIN=${PIN:-1}
LOAD_CPUS=${LOAD_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
MAX_OTHER=${MAX_OTHER:-25}
NOISE_RETRIES=${NOISE_RETRIES:-1}
CERT_DIR=${CERT_DIR:-}
CERT_TYPE=${CERT_TYPE:-rsa2048}
KEEP_WORK=${KEEP_WORK:-0}
NICE=${NICE:-0}
WORK_PARENT=${WORK_PARENT:-/tmp}
CASES=${CASES:-"http-1k tls-1k tls-64k tls-newconn h2-1k"}
BUILTIN=${BUILTIN-"direct nginx haproxy apache"}
SLUICE_JAR=${SLUICE_JAR:-}
SLUICE_CONF=${SLUICE_CONF:-}
SLUICE_JAVA=${SLUICE_JAVA:-java}
SLUICE_JAVA_OPTS=${SLUICE_JAVA_OPTS:-"-XX:+UseParallelGC -Xms256m -Xmx256m"}
SLUICE_TARGETS=${SLUICE_TARGETS:-"sluice=58080,58443"}
JVM_WARMUP=${JVM_WARMUP:-$EXT_WARMUP}
RSS_SAMPLE=${RSS_SAMPLE:-0.5}
PROFILE=${PROFILE:-}
PROFILE_SECS=${PROFILE_SECS:-20}
PROFILER=${PROFILER:-jfr}
ASYNC_PROFILER_LIB=${ASYNC_PROFILER_LIB:-}
SLUICE_EXTRA=${SLUICE_EXTRA:-}
SLUICE_SIDECARS=${SLUICE_SIDECARS:-}
SLUICE_ADMIN=${SLUICE_ADMIN:-}
CLUSTER_BASE=${CLUSTER_BASE:-}
IDLE_HOLD=${IDLE_HOLD:-5}
IDLE_SETTLE=${IDLE_SETTLE:-2}
IDLE_REPS=${IDLE_REPS:-1}
IDLE_OPEN_CONC=${IDLE_OPEN_CONC:-128}
IDLE_OPEN_TIMEOUT=${IDLE_OPEN_TIMEOUT:-60}   # below Sluice's idle-timeout (75 s): the first ones must not expire while the last open

BACKEND1_PORT=18081 BACKEND2_PORT=18082 BACKEND_TLS_PORT=18443
NGINX_HTTP=28080    NGINX_HTTPS=28443
HAPROXY_HTTP=38080  HAPROXY_HTTPS=38443
APACHE_HTTP=48080   APACHE_HTTPS=48443

EXTRA_SPECS=()
SETUP_ONLY=0
MAKE_CERT_DIR=
REPORT_CSV=
usage() { sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --builtin) BUILTIN=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --make-cert) MAKE_CERT_DIR=$2; shift 2 ;;
    --setup-only) SETUP_ONLY=1; shift ;;
    --report) REPORT_CSV=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *=*) EXTRA_SPECS+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

RUNLOG=
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; [[ -n $RUNLOG ]] && printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >>"$RUNLOG"; return 0; }
die() { log "ERROR: $*"; exit 1; }

cpu_count() { # "0-1,3" -> 3
  local n=0 part parts
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then n=$((n + ${part#*-} - ${part%-*} + 1)); else n=$((n + 1)); fi
  done
  echo "$n"
}

make_cert() { # dir
  local d=$1
  mkdir -p "$d"
  local keyopt=(-newkey rsa:2048)
  [[ $CERT_TYPE == ec256 ]] && keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  openssl req -x509 "${keyopt[@]}" -nodes -sha256 -days 30 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.crt" 2>/dev/null || return 1
  cat "$d/server.crt" "$d/server.key" >"$d/server.pem"
  openssl pkcs12 -export -in "$d/server.crt" -inkey "$d/server.key" -name lbbench \
    -passout pass:changeit -out "$d/server.p12" 2>/dev/null
  chmod 644 "$d"/server.*
}

median_tables() { # csv "cases" "targets" " subjects " -> markdown tables of medians and ratios
  awk -F, -v cases="$2" -v targets="$3" -v subjects="$4" -v maxother="$MAX_OTHER" '
    function med(key, col,   n, i, j, t, v) {
      n = cnt[key]; for (i = 1; i <= n; i++) v[i] = val[key, col, i] + 0
      for (i = 2; i <= n; i++) { t = v[i]; j = i - 1; while (j >= 1 && v[j] > t) { v[j + 1] = v[j]; j-- } v[j + 1] = t }
      if (n == 0) return ""; return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    function medtxt(key, col,   n, i, j, k, m, t, p, x, v, out) {   # element-wise median of "a/b" strings
      n = cnt[key]; if (!n) return ""; k = split(val[key, col, 1], p, "/"); out = ""
      for (i = 1; i <= k; i++) {
        for (j = 1; j <= n; j++) { split(val[key, col, j], x, "/"); v[j] = x[i] + 0 }
        for (j = 2; j <= n; j++) { t = v[j]; m = j - 1; while (m >= 1 && v[m] > t) { v[m + 1] = v[m]; m-- } v[m + 1] = t }
        out = out (i > 1 ? "/" : "") sprintf("%.0f", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }
      return out }
    function qmed(key,   n, i, j, t, v) {   # median CPU us/req over the quiet runs of key
      n = qcnt[key]; if (!n) return -1; for (i = 1; i <= n; i++) v[i] = qv[key, i]
      for (i = 2; i <= n; i++) { t = v[i]; j = i - 1; while (j >= 1 && v[j] > t) { v[j + 1] = v[j]; j-- } v[j + 1] = t }
      return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["phase"] == "meas" && $h["final"] == 1 {
      k = $h["case"] SUBSEP $h["target"]; n = ++cnt[k]
      split("rps p50_ms p99_ms proxy_cpu_pct proxy_us_per_req proxy_sys_us_per_req other_cpu_pct cpu_busy steal_pct rss_mib", cols, " ")
      for (c in cols) val[k, cols[c], n] = $h[cols[c]]
      errs[k] += $h["errors"]; if ($h["errors"] > 0) ed[k] = ed[k] " " $h["err_detail"]
      if ($h["other_cpu_pct"] + 0 <= maxother && $h["proxy_us_per_req"] != "-") { qn = ++qcnt[k]; qv[k, qn] = $h["proxy_us_per_req"] + 0 }
      if (!(k in mn) || $h["rps"] < mn[k]) mn[k] = $h["rps"]; if (!(k in mx) || $h["rps"] > mx[k]) mx[k] = $h["rps"] }
    END {
      nc = split(cases, C, " "); nt = split(targets, T, " ")
      print "| case | target | req/s | spread | x direct | p50 ms | p99 ms | errors | proxy CPU % | CPU us/req | of which kernel | CPU / nginx | CPU / haproxy | RSS MiB | cpu busy % | other % |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
      for (a = 1; a <= nc; a++) {
        d = (C[a] SUBSEP "direct"); dr = (d in cnt) ? med(d, "rps") : 0
        for (b = 1; b <= nt; b++) { k = C[a] SUBSEP T[b]; if (!(k in cnt)) continue
          r = med(k, "rps"); pc = med(k, "proxy_cpu_pct"); us = med(k, "proxy_us_per_req")
          if (val[k, "proxy_cpu_pct", 1] == "-") { pc = "-"; us = "-" } else { pc = sprintf("%.0f", pc); us = sprintf("%.1f", us) }
          rss = (val[k, "rss_mib", 1] == "-" || val[k, "rss_mib", 1] == "") ? "-" : sprintf("%.0f", med(k, "rss_mib"))
          ks = (val[k, "proxy_sys_us_per_req", 1] == "-" || val[k, "proxy_sys_us_per_req", 1] == "") ? "-" : sprintf("%.1f", med(k, "proxy_sys_us_per_req"))
          rn = "-"; rh = "-"; kn = C[a] SUBSEP "nginx"; kh = C[a] SUBSEP "haproxy"
          if (us != "-" && (kn in cnt) && med(kn, "proxy_us_per_req") > 0) rn = sprintf("%.2f", us / med(kn, "proxy_us_per_req"))
          if (us != "-" && (kh in cnt) && med(kh, "proxy_us_per_req") > 0) rh = sprintf("%.2f", us / med(kh, "proxy_us_per_req"))
          if (us != "-" && med(k, "other_cpu_pct") > maxother) us = us "*"
          printf "| %s | %s | %.0f | %.0f%% | %s | %.2f | %.2f | %d | %s | %s | %s | %s | %s | %s | %s | %.0f |\n", C[a], T[b], r,
            (r > 0 ? 100 * (mx[k] - mn[k]) / r : 0), (dr > 0 ? sprintf("%.2f", r / dr) : "-"),
            med(k, "p50_ms"), med(k, "p99_ms"), errs[k], pc, us, ks, rn, rh, rss, medtxt(k, "cpu_busy"), med(k, "other_cpu_pct")
          if (errs[k] > 0) errnote = errnote "\n- " C[a] "/" T[b] ": " ed[k] } }
      print ""
      print "Summary: median req/s (x direct)"
      print ""
      line = "| target |"; sep = "|---|"; for (a = 1; a <= nc; a++) { line = line " " C[a] " |"; sep = sep "---:|" }
      print line; print sep
      for (b = 1; b <= nt; b++) { line = "| " T[b] " |"
        for (a = 1; a <= nc; a++) { k = C[a] SUBSEP T[b]; d = C[a] SUBSEP "direct"
          if (!(k in cnt)) { line = line " n/a |"; continue }
          r = med(k, "rps"); dr = (d in cnt) ? med(d, "rps") : 0
          line = line sprintf(" %.0f%s |", r, (dr > 0 && T[b] != "direct") ? sprintf(" (%.2f)", r / dr) : "") }
        print line }
      print ""
      print "Summary: proxy CPU time per request, us (median; lower is better; robust against a busy machine;"
      print "* = the median run had more than " maxother "% of a core taken by foreign processes: CPU per request is inflated there)"
      print ""
      line = "| target |"; sep = "|---|"; for (a = 1; a <= nc; a++) { line = line " " C[a] " |"; sep = sep "---:|" }
      print line; print sep
      for (b = 1; b <= nt; b++) { if (T[b] == "direct") continue; line = "| " T[b] " |"
        for (a = 1; a <= nc; a++) { k = C[a] SUBSEP T[b]
          if (!(k in cnt) || val[k, "proxy_us_per_req", 1] == "-") { line = line " n/a |"; continue }
          line = line sprintf(" %.1f%s |", med(k, "proxy_us_per_req"), med(k, "other_cpu_pct") > maxother ? "*" : "") }
        print line }
      print ""
      print "Summary: proxy CPU time per request, us, over the QUIET runs only (foreign CPU <= " maxother "% of a core): median (number of quiet runs)"
      print ""
      line = "| target |"; sep = "|---|"
      for (a = 1; a <= nc; a++) { line = line " " C[a] " |"; sep = sep "---:|" }
      print line; print sep
      for (b = 1; b <= nt; b++) { if (T[b] == "direct") continue; line = "| " T[b] " |"
        for (a = 1; a <= nc; a++) { k = C[a] SUBSEP T[b]; x = qmed(k)
          line = line (x < 0 ? " none |" : sprintf(" %.1f (%d) |", x, qcnt[k])) }
        print line }
      print ""
      print "Summary: proxy RSS, MiB (largest during the run, median over reps)"
      print ""
      line = "| target |"; sep = "|---|"; for (a = 1; a <= nc; a++) { line = line " " C[a] " |"; sep = sep "---:|" }
      print line; print sep
      for (b = 1; b <= nt; b++) { if (T[b] == "direct") continue; line = "| " T[b] " |"
        for (a = 1; a <= nc; a++) { k = C[a] SUBSEP T[b]
          if (!(k in cnt) || val[k, "rss_mib", 1] == "-") { line = line " n/a |"; continue }
          line = line sprintf(" %.0f |", med(k, "rss_mib")) }
        print line }
      # ratios of each subject (Sluice) target against NGINX and HAProxy, and of the best
      # subject target against the better peer, per case (CPU and p99: lower is better)
      np = 0; if (index(" " targets " ", " nginx ")) P[++np] = "nginx"; if (index(" " targets " ", " haproxy ")) P[++np] = "haproxy"
      ns = split(subjects, S, " ")
      if (np > 0 && ns > 0) {
        print ""
        print "Ratios (medians; target / peer): CPU us/req and p99 below 1.00 = better than the peer, req/s above 1.00 = better"
        print ""
        line = "| target | ratio |"; sep = "|---|---|"; for (a = 1; a <= nc; a++) { line = line " " C[a] " |"; sep = sep "---:|" }
        print line; print sep
        split("proxy_us_per_req:CPU us/req;rps:req/s;p99_ms:p99;rss_mib:RSS", M, ";")
        for (s = 1; s <= ns; s++) for (m = 1; m <= 4; m++) for (q = 1; q <= np; q++) {
          split(M[m], mm, ":"); line = "| " S[s] " | " mm[2] " / " P[q] " |"
          for (a = 1; a <= nc; a++) { k = C[a] SUBSEP S[s]; kp = C[a] SUBSEP P[q]
            if (!(k in cnt) || !(kp in cnt) || val[k, mm[1], 1] == "-" || med(kp, mm[1]) <= 0) { line = line " n/a |"; continue }
            line = line sprintf(" %.2f |", med(k, mm[1]) / med(kp, mm[1])) }
          print line }
        if (ns > 1 || np > 1) {
          line = "| best of" subjects "| CPU us/req / better peer |"
          for (a = 1; a <= nc; a++) { bs = -1; bp = -1
            for (s = 1; s <= ns; s++) { k = C[a] SUBSEP S[s]; if ((k in cnt) && val[k, "proxy_us_per_req", 1] != "-") { x = med(k, "proxy_us_per_req"); if (bs < 0 || x < bs) { bs = x; bsn = S[s] } } }
            for (q = 1; q <= np; q++) { k = C[a] SUBSEP P[q]; if (k in cnt) { x = med(k, "proxy_us_per_req"); if (bp < 0 || x < bp) bp = x } }
            line = line ((bs > 0 && bp > 0) ? sprintf(" %.2f (%s) |", bs / bp, bsn) : " n/a |") }
          print line }
        line = "| best of" subjects "| CPU us/req / better peer, quiet runs only |"
        for (a = 1; a <= nc; a++) { bs = -1; bp = -1
          for (s = 1; s <= ns; s++) { x = qmed(C[a] SUBSEP S[s]); if (x > 0 && (bs < 0 || x < bs)) { bs = x; bsn = S[s] } }
          for (q = 1; q <= np; q++) { x = qmed(C[a] SUBSEP P[q]); if (x > 0 && (bp < 0 || x < bp)) bp = x }
          line = line ((bs > 0 && bp > 0) ? sprintf(" %.2f (%s) |", bs / bp, bsn) : " n/a |") }
        print line }
      if (errnote != "") { print ""; print "Error details (c=connect r=read w=write t=timeout x=non-2xx/3xx; h2load f=failed e=errored):" errnote } }
  ' "$1"
}

idle_table() { # idle.csv -> markdown table, one row per run
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { rows++
      if (rows == 1) {
        print "| case | target | open at end / opened | failed to open | closed / reset while idle | RSS before MiB | RSS open MiB | RSS KiB/conn | heap KiB/conn | CPU while idle, % of a core | CPU to open, us/conn | TLS resumed | released in s |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" }
      opened = $h["requested"] - $h["failed_to_open"]
      fl = $h["failed_to_open"] + 0; fld = (fl > 0) ? fl " (" $h["err_detail"] ")" : "0"
      cl = $h["closed_during_hold"] + $h["closed_at_check"] + (("closed_while_opening" in h) ? $h["closed_while_opening"] : 0)
      rs = $h["reset_during_hold"] + $h["reset_at_check"] + $h["data_during_hold"] + (("reset_while_opening" in h) ? $h["reset_while_opening"] : 0)
      printf "| %s | %s | %d / %d%s | %s | %d / %d | %.1f | %.1f | %s | %s | %.2f | %s | %s | %s |\n", $h["case"], $h["target"],
        $h["open_at_end"], opened, ($h["open_at_end"] < $h["requested"] ? " **of " $h["requested"] "**" : ""), fld, cl, rs,
        $h["rss_before_kib"] / 1024, $h["rss_open_kib"] / 1024, $h["rss_kib_per_conn"], $h["heap_kib_per_conn"],
        $h["idle_cpu_pct"], $h["open_cpu_us_per_conn"], ($h["case"] ~ /tls/ ? $h["resumed"] : "-"),
        (("release_secs" in h) ? $h["release_secs"] : "-") }
    END { if (!rows) print "(no idle runs)" }' "$1"
}

cluster_table() { # runs.csv base-target -> markdown: targets with replication figures beside the base
  awk -F, -v base="$2" '
    function med(key, col,   n, i, j, t, v) {
      n = cnt[key]; for (i = 1; i <= n; i++) v[i] = val[key, col, i] + 0
      for (i = 2; i <= n; i++) { t = v[i]; j = i - 1; while (j >= 1 && v[j] > t) { v[j + 1] = v[j]; j-- } v[j + 1] = t }
      if (n == 0) return 0; return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; if (!("repl_sent" in h)) exit; next }
    $h["phase"] == "meas" && $h["final"] == 1 && ($h["target"] == base || $h["repl_sent"] != "-") {
      k = $h["case"] SUBSEP $h["target"]; n = ++cnt[k]
      if (!(($h["case"]) in seenc)) { seenc[$h["case"]] = 1; C[++nc] = $h["case"] }
      if (!(($h["target"]) in seent)) { seent[$h["target"]] = 1; T[++nt] = $h["target"] }
      rq = $h["requests"] + 0
      val[k, "rps", n] = $h["rps"]; val[k, "us", n] = $h["proxy_us_per_req"]; val[k, "side", n] = $h["sidecar_us_per_req"]
      val[k, "sent", n] = (rq > 0 && $h["repl_sent"] != "-") ? $h["repl_sent"] / rq : 0
      val[k, "recv", n] = (rq > 0 && $h["repl_recv"] != "-") ? $h["repl_recv"] / rq : 0
      hasrepl[k] = ($h["repl_sent"] != "-") }
    END {
      if (!nt) exit
      print "| case | target | req/s | CPU us/req | / " base " | sessions sent per request | received by the peer per request | peer CPU us/req |"
      print "|---|---|---:|---:|---:|---:|---:|---:|"
      for (a = 1; a <= nc; a++) for (b = 1; b <= nt; b++) { k = C[a] SUBSEP T[b]; if (!(k in cnt)) continue
        kb = C[a] SUBSEP base; r = ((kb in cnt) && med(kb, "us") > 0) ? sprintf("%.2f", med(k, "us") / med(kb, "us")) : "-"
        printf "| %s | %s | %.0f | %.1f | %s | %s | %s | %s |\n", C[a], T[b], med(k, "rps"), med(k, "us"), r,
          hasrepl[k] ? sprintf("%.3f", med(k, "sent")) : "-", hasrepl[k] ? sprintf("%.3f", med(k, "recv")) : "-",
          hasrepl[k] ? sprintf("%.1f", med(k, "side")) : "-" } }' "$1"
}

if [[ -n $REPORT_CSV ]]; then   # --report: median tables again from a runs.csv (e.g. an older run)
  [[ -s $REPORT_CSV ]] || die "no such file: $REPORT_CSV"
  r_cases=$(awk -F, 'NR > 1 && $1 == "meas" && !s[$3]++ { printf "%s ", $3 }' "$REPORT_CSV")
  r_targets=$(awk -F, 'NR > 1 && $1 == "meas" && !s[$4]++ { printf "%s ", $4 }' "$REPORT_CSV")
  r_subjects=" "
  for t in $r_targets; do case $t in direct|nginx|haproxy|apache|sluice-learn|sluice-cluster) ;; *) r_subjects+="$t " ;; esac; done
  [[ -n $r_cases ]] && median_tables "$REPORT_CSV" "$r_cases" "$r_targets" "$r_subjects"
  if [[ -n $(cluster_table "$REPORT_CSV" "${CLUSTER_BASE:-sluice-learn}") ]]; then
    echo; echo "Cluster: CPU per request with learned-session replication on and off"; echo
    cluster_table "$REPORT_CSV" "${CLUSTER_BASE:-sluice-learn}"
  fi
  if [[ -s $(dirname "$REPORT_CSV")/idle.csv ]]; then
    echo; echo "Idle connections ($(dirname "$REPORT_CSV")/idle.csv)"; echo
    idle_table "$(dirname "$REPORT_CSV")/idle.csv"
  fi
  exit 0
fi

if [[ -n $MAKE_CERT_DIR ]]; then
  make_cert "$MAKE_CERT_DIR" || die "openssl failed"
  echo "created $MAKE_CERT_DIR/server.{crt,key,pem,p12} (p12 password: changeit)"
  exit 0
fi

need_bins=(nginx wrk h2load openssl curl taskset ss)   # nginx = the backends
[[ " $BUILTIN " == *" haproxy "* ]] && need_bins+=(haproxy)
[[ " $BUILTIN " == *" apache "* ]] && need_bins+=(apache2)
[[ " $BUILTIN " == *" sluice "* ]] && need_bins+=("$SLUICE_JAVA")
for b in "${need_bins[@]}"; do
  command -v "$b" >/dev/null || die "missing binary: $b"
done
if [[ " $BUILTIN " == *" sluice "* ]]; then
  [[ -s $SLUICE_JAR ]] || die "SLUICE_JAR '$SLUICE_JAR' not found (build it first)"
  [[ -s $SLUICE_CONF ]] || die "SLUICE_CONF '$SLUICE_CONF' not found"
fi

NCPU=$(nproc)
if [[ $PIN == 1 ]]; then
  PROXY_WORKERS=${PROXY_WORKERS:-$(cpu_count "$PROXY_CPUS")}
  BACKEND_WORKERS=${BACKEND_WORKERS:-$(cpu_count "$LOAD_CPUS")}
else
  PROXY_WORKERS=${PROXY_WORKERS:-$NCPU}
  BACKEND_WORKERS=${BACKEND_WORKERS:-$NCPU}
fi
CLK_TCK=$(getconf CLK_TCK)

idle_params() { # case -> sets I_SCHEME I_CONNS; 1 if not an idle-* case
  [[ $1 =~ ^idle-(tls-)?([0-9]+)k$ ]] || return 1
  I_SCHEME=http; [[ -n ${BASH_REMATCH[1]} ]] && I_SCHEME=https
  I_CONNS=$((BASH_REMATCH[2] * 1000))
}
# The idle-* cases hold thousands of connections in one client and in each proxy: every
# process started here inherits this shell's open-file limit, raised to the hard limit.
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=1048576
ulimit -Sn "$hard" 2>/dev/null
IDLE_MAX=0
for c in $CASES; do idle_params "$c" && ((I_CONNS > IDLE_MAX)) && IDLE_MAX=$I_CONNS; done
if ((IDLE_MAX > 0 && $(ulimit -Sn) < IDLE_MAX + 512)); then
  die "open-file limit $(ulimit -Sn) (hard $(ulimit -Hn)) is too low for the $IDLE_MAX connections of the idle cases; raise it (ulimit -Hn, or limits.conf) or leave those cases out of CASES"
fi
# NGINX worker_connections and HAProxy maxconn (templates/); Sluice's limits come from its config
MAXCONN=${MAXCONN:-16384}
((IDLE_MAX + 1024 <= MAXCONN)) || die "MAXCONN=$MAXCONN leaves too little room for the $IDLE_MAX idle connections (raise MAXCONN, and run.sh's SLUICE_MAX_CONNECTIONS)"

# ---------------------------------------------------------------- process control
WORK=$(mktemp -d "$WORK_PARENT/lbbench.XXXXXX") || die "mktemp failed"
chmod 755 "$WORK"
OUT_DIR=${OUT_DIR:-${TMPDIR:-/tmp}/lbbench-runs/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT_DIR" "$WORK/out" "$WORK/bin"
RUNLOG=$OUT_DIR/run.log

STARTED=()          # master pids started by us (in start order)
SIDECARS=()         # Sluice processes that are no target (SLUICE_SIDECARS), by name
SLUICE_PROCS=()     # Sluice processes that serve targets: the main one, then SLUICE_EXTRA
declare -A PID_OF=()
LOADGEN_PID=
RSS_PID=            # resident-memory sampler (a subshell of this script) during a run

is_alive() { # pid -> 0 if running (not zombie)
  local st
  [[ -r /proc/$1/stat ]] || return 1
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $st && $st != Z ]]
}
start_time() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
tree_pids() { # pid -> pid + all descendants
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END { q[1] = root; n = 1; h = 1
          while (h <= n) { p = q[h++]; print p; m = split(kids[p], a, " ")
                           for (i = 1; i <= m; i++) q[++n] = a[i] } }'
}
ours() { grep -qF "$WORK" "/proc/$1/cmdline" 2>/dev/null; }
kill_tree() { # pid: TERM the master (which stops its children), then KILL leftovers
  local pid=$1 p i
  is_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
  ours "$pid" || { log "not killing pid $pid: not started by this run"; return 0; }
  local -a kids=()
  for p in $(tree_pids "$pid"); do [[ $p == "$pid" ]] || kids+=("$p:$(start_time "$p")"); done
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do is_alive "$pid" || break; sleep 0.1; done
  is_alive "$pid" && { log "pid $pid ignored TERM, sending KILL"; kill -KILL "$pid" 2>/dev/null; }
  wait "$pid" 2>/dev/null
  for p in "${kids[@]}"; do   # only if still the very same process (pid + start time)
    if is_alive "${p%%:*}" && [[ $(start_time "${p%%:*}") == "${p#*:}" ]]; then
      kill -KILL "${p%%:*}" 2>/dev/null
    fi
  done
  return 0
}
cleanup() {
  trap - EXIT INT TERM
  [[ -n $LOADGEN_PID ]] && kill_tree "$LOADGEN_PID"
  [[ -n $RSS_PID ]] && { kill -TERM "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null; }
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do kill_tree "${STARTED[i]}"; done
  mkdir -p "$OUT_DIR/logs"
  local logs=(backend/error.log nginx-lb/error.log haproxy/stdout.log apache/error.log
              backend/stdout.log nginx-lb/stdout.log apache/stdout.log) name
  for name in "${SIDECARS[@]}" "${SLUICE_PROCS[@]}"; do logs+=("$name/stdout.log"); done
  for f in "${logs[@]}"; do
    [[ -s $WORK/$f ]] && cp "$WORK/$f" "$OUT_DIR/logs/${f//\//_}" 2>/dev/null
  done
  if [[ $KEEP_WORK == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  log "all started processes stopped"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

NICE_CMD=()
[[ $NICE != 0 ]] && NICE_CMD=(nice -n "$NICE")
start_bg() { # name cpus logfile cmd...
  local name=$1 cpus=$2 logf=$3; shift 3
  if [[ $PIN == 1 ]]; then taskset -c "$cpus" "${NICE_CMD[@]}" "$@" >"$logf" 2>&1 &
  else "${NICE_CMD[@]}" "$@" >"$logf" 2>&1 &
  fi
  PID_OF[$name]=$!
  STARTED+=("$!")
}
port_busy() { [[ -n $(ss -ltnH "sport = :$1" 2>/dev/null) ]]; }
wait_port() { # port [tls]
  local i scheme=http
  [[ ${2:-} == tls ]] && scheme=https
  for ((i = 0; i < 100; i++)); do
    curl -sk -o /dev/null --max-time 1 "$scheme://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  return 1
}
wait_jvm() { # port [tls]: a JVM target, which may take longer than wait_port allows
  local scheme=http
  [[ ${2:-} == tls ]] && scheme=https
  wait_http "$scheme://127.0.0.1:$1/" "$EXT_READY_WAIT"
}
render() { # template out
  sed -e "s|@WORK@|$WORK|g" -e "s|@CERT@|$CERT|g" -e "s|@KEY@|$KEY|g" -e "s|@PEM@|$PEM|g" \
      -e "s|@PROXY_WORKERS@|$PROXY_WORKERS|g" -e "s|@BACKEND_WORKERS@|$BACKEND_WORKERS|g" -e "s|@MAXCONN@|$MAXCONN|g" \
      -e "s|@BACKEND1_PORT@|$BACKEND1_PORT|g" -e "s|@BACKEND2_PORT@|$BACKEND2_PORT|g" \
      -e "s|@BACKEND_TLS_PORT@|$BACKEND_TLS_PORT|g" \
      -e "s|@NGINX_HTTP@|$NGINX_HTTP|g" -e "s|@NGINX_HTTPS@|$NGINX_HTTPS|g" \
      -e "s|@HAPROXY_HTTP@|$HAPROXY_HTTP|g" -e "s|@HAPROXY_HTTPS@|$HAPROXY_HTTPS|g" \
      -e "s|@APACHE_HTTP@|$APACHE_HTTP|g" -e "s|@APACHE_HTTPS@|$APACHE_HTTPS|g" \
      "$1" >"$2"
}

# ---------------------------------------------------------------- targets
# T_PROC: the process a JVM target belongs to (key of PID_OF); T_IDLE: 1 if the idle-*
# cases run against the target (not the direct backend, not the SLUICE_EXTRA processes,
# which exist for their own comparison)
T_NAME=() T_HTTP=() T_HTTPS=() T_PREFIX=() T_KIND=() T_H2=() T_PROC=() T_IDLE=()
add_target() { # name http https prefix kind [process [idle]]
  T_NAME+=("$1"); T_HTTP+=("$2"); T_HTTPS+=("$3"); T_PREFIX+=("$4"); T_KIND+=("$5"); T_H2+=(1)
  T_PROC+=("${6:-$1}"); T_IDLE+=("${7:-1}"); [[ $5 == direct ]] && T_IDLE[-1]=0; return 0
}
declare -A SLUICE_CONF_OF=() SLUICE_JAR_OF=()
for b in $BUILTIN; do
  case $b in
    direct)  add_target direct  "$BACKEND1_PORT" "$BACKEND_TLS_PORT" "" direct ;;
    nginx)   add_target nginx   "$NGINX_HTTP"    "$NGINX_HTTPS"      "" builtin ;;
    haproxy) add_target haproxy "$HAPROXY_HTTP"  "$HAPROXY_HTTPS"    "" builtin ;;
    apache)  add_target apache  "$APACHE_HTTP"   "$APACHE_HTTPS"     "" builtin ;;
    sluice)
      for s in $SLUICE_TARGETS; do
        IFS=, read -r hp sp <<<"${s#*=}"
        [[ $s == *=* && -n $hp ]] || die "bad SLUICE_TARGETS entry '$s' (want name=http_port,https_port)"
        add_target "${s%%=*}" "$hp" "${sp:--}" "" jvm sluice
      done
      SLUICE_PROCS+=(sluice); SLUICE_CONF_OF[sluice]=$SLUICE_CONF
      for s in $SLUICE_EXTRA; do
        IFS=, read -r hp sp cf jar <<<"${s#*=}"
        [[ $s == *=* && -n $hp && -s $cf ]] || die "bad SLUICE_EXTRA entry '$s' (want name=http_port,https_port,config[,jar])"
        [[ -z $jar || -s $jar ]] || die "SLUICE_EXTRA entry '$s': no jar at $jar"
        add_target "${s%%=*}" "$hp" "${sp:--}" "" jvm "${s%%=*}" 0
        SLUICE_PROCS+=("${s%%=*}"); SLUICE_CONF_OF[${s%%=*}]=$cf; SLUICE_JAR_OF[${s%%=*}]=${jar:-$SLUICE_JAR}
      done ;;
    *) die "unknown built-in target '$b'" ;;
  esac
done
for s in "${EXTRA_SPECS[@]}"; do
  name=${s%%=*}; rest=${s#*=}
  IFS=, read -r hp sp pfx <<<"$rest"
  [[ -n $name && -n $hp ]] || die "bad target spec '$s' (want name=http_port,https_port[,/prefix])"
  add_target "$name" "$hp" "${sp:--}" "${pfx:-}" external
done
((${#T_NAME[@]})) || die "no targets"

# ---------------------------------------------------------------- setup
log "work dir $WORK, results -> $OUT_DIR"
if [[ -n $CERT_DIR && -s $CERT_DIR/server.crt && -s $CERT_DIR/server.key ]]; then
  mkdir -p "$WORK/certs"
  cp "$CERT_DIR/server.crt" "$CERT_DIR/server.key" "$WORK/certs/"
  cat "$WORK/certs/server.crt" "$WORK/certs/server.key" >"$WORK/certs/server.pem"
else
  make_cert "$WORK/certs" || die "certificate generation failed"
fi
CERT=$WORK/certs/server.crt KEY=$WORK/certs/server.key PEM=$WORK/certs/server.pem

need_ports=("$BACKEND1_PORT" "$BACKEND2_PORT" "$BACKEND_TLS_PORT")
[[ " $BUILTIN " == *" nginx "* ]] && need_ports+=("$NGINX_HTTP" "$NGINX_HTTPS")
[[ " $BUILTIN " == *" haproxy "* ]] && need_ports+=("$HAPROXY_HTTP" "$HAPROXY_HTTPS")
[[ " $BUILTIN " == *" apache "* ]] && need_ports+=("$APACHE_HTTP" "$APACHE_HTTPS")
for ((i = 0; i < ${#T_NAME[@]}; i++)); do
  [[ ${T_KIND[i]} == jvm ]] || continue
  [[ ${T_HTTP[i]} != - ]] && need_ports+=("${T_HTTP[i]}")
  [[ ${T_HTTPS[i]} != - ]] && need_ports+=("${T_HTTPS[i]}")
done
for p in "${need_ports[@]}"; do port_busy "$p" && die "port $p already in use"; done

# backend
mkdir -p "$WORK/backend/www" "$WORK/backend/tmp"
head -c 1024 /dev/zero | tr '\0' 'a' >"$WORK/backend/www/small.html"
head -c 65536 /dev/zero | tr '\0' 'b' >"$WORK/backend/www/big.bin"
chmod -R a+rX "$WORK/backend"
render "$TEMPLATES/backend-nginx.conf" "$WORK/backend/nginx.conf"
nginx -t -q -e "$WORK/backend/error.log" -p "$WORK/backend/" -c "$WORK/backend/nginx.conf" ||
  die "backend nginx config test failed"
start_bg backend "$LOAD_CPUS" "$WORK/backend/stdout.log" \
  nginx -e "$WORK/backend/error.log" -p "$WORK/backend/" -c "$WORK/backend/nginx.conf" -g 'daemon off;'
wait_port "$BACKEND1_PORT" && wait_port "$BACKEND2_PORT" && wait_port "$BACKEND_TLS_PORT" tls ||
  die "backend did not come up (see $WORK/backend/error.log)"

if [[ " $BUILTIN " == *" nginx "* ]]; then
  mkdir -p "$WORK/nginx-lb/tmp"
  render "$TEMPLATES/nginx-lb.conf" "$WORK/nginx-lb/nginx.conf"
  nginx -t -q -e "$WORK/nginx-lb/error.log" -p "$WORK/nginx-lb/" -c "$WORK/nginx-lb/nginx.conf" ||
    die "nginx LB config test failed"
  start_bg nginx "$PROXY_CPUS" "$WORK/nginx-lb/stdout.log" \
    nginx -e "$WORK/nginx-lb/error.log" -p "$WORK/nginx-lb/" -c "$WORK/nginx-lb/nginx.conf" -g 'daemon off;'
fi
if [[ " $BUILTIN " == *" haproxy "* ]]; then
  mkdir -p "$WORK/haproxy"
  render "$TEMPLATES/haproxy.cfg" "$WORK/haproxy/haproxy.cfg"
  haproxy -q -c -f "$WORK/haproxy/haproxy.cfg" || die "haproxy config check failed"
  start_bg haproxy "$PROXY_CPUS" "$WORK/haproxy/stdout.log" haproxy -db -f "$WORK/haproxy/haproxy.cfg"
fi
if [[ " $BUILTIN " == *" apache "* ]]; then
  mkdir -p "$WORK/apache/run"
  render "$TEMPLATES/apache-lb.conf" "$WORK/apache/httpd.conf"
  apache2 -d "$WORK/apache" -f "$WORK/apache/httpd.conf" -t >"$WORK/apache/configtest.log" 2>&1 ||
    { cat "$WORK/apache/configtest.log" >&2; die "apache config test failed"; }
  start_bg apache "$PROXY_CPUS" "$WORK/apache/stdout.log" \
    apache2 -d "$WORK/apache" -f "$WORK/apache/httpd.conf" -DFOREGROUND
fi
start_sluice() { # name cpus config: one Sluice process, pid in PID_OF[name], log in WORK/name/stdout.log
  # -Dlbbench.work marks the process as ours for kill_tree
  local name=$1 cpus=$2 conf=$3 opts jar=${SLUICE_JAR_OF[$1]:-$SLUICE_JAR}
  mkdir -p "$WORK/$name"
  read -ra opts <<<"$SLUICE_JAVA_OPTS"
  "$SLUICE_JAVA" -jar "$jar" check -c "$conf" >"$WORK/$name/check.log" 2>&1 ||
    { cat "$WORK/$name/check.log" >&2; die "sluice check failed for $conf"; }
  start_bg "$name" "$cpus" "$WORK/$name/stdout.log" \
    "$SLUICE_JAVA" "${opts[@]}" "-Dlbbench.work=$WORK" -jar "$jar" run -c "$conf"
  log "$name: pid ${PID_OF[$name]} on CPU $cpus: $SLUICE_JAVA $SLUICE_JAVA_OPTS -jar $jar run -c $conf"
}
wait_http() { # url seconds: until it answers at all (a JVM, a cluster join, take a while)
  local k
  for ((k = 0; k < $2 * 4; k++)); do
    [[ $(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "$1") != 000 ]] && return 0
    sleep 0.25
  done
  return 1
}
if [[ " $BUILTIN " == *" sluice "* ]]; then
  # started after the backends, so that no member is ejected before they listen; the
  # sidecars (a cluster peer) first, so that the measured process joins a running cluster
  for s in $SLUICE_SIDECARS; do
    IFS=, read -r hp cf <<<"${s#*=}"
    [[ $s == *=* && -n $hp && -s $cf ]] || die "bad SLUICE_SIDECARS entry '$s' (want name=http_port,config)"
    start_sluice "${s%%=*}" "$LOAD_CPUS" "$cf"
    SIDECARS+=("${s%%=*}")
    wait_http "http://127.0.0.1:$hp/" "$EXT_READY_WAIT" || die "${s%%=*} did not come up (see $OUT_DIR/logs)"
  done
  for name in "${SLUICE_PROCS[@]}"; do start_sluice "$name" "$PROXY_CPUS" "${SLUICE_CONF_OF[$name]}"; done
fi
for ((i = 0; i < ${#T_NAME[@]}; i++)); do
  [[ ${T_KIND[i]} == builtin || ${T_KIND[i]} == jvm ]] || continue
  w=wait_port; [[ ${T_KIND[i]} == jvm ]] && w=wait_jvm
  if [[ ${T_HTTP[i]} != - ]]; then $w "${T_HTTP[i]}" || die "${T_NAME[i]} did not come up"; fi
  if [[ ${T_HTTPS[i]} != - ]]; then $w "${T_HTTPS[i]}" tls || die "${T_NAME[i]} did not come up"; fi
done
for name in "${SIDECARS[@]}" "${SLUICE_PROCS[@]}"; do sed "s/^/    $name: /" "$WORK/$name/stdout.log" >&2; done

# pids whose CPU is attributed to a target ("proxy CPU"); external: listener owner
T_PID=()
for ((i = 0; i < ${#T_NAME[@]}; i++)); do
  case ${T_KIND[i]} in
    direct) T_PID+=("${PID_OF[backend]}") ;;
    builtin) T_PID+=("${PID_OF[${T_NAME[i]}]}") ;;
    jvm) T_PID+=("${PID_OF[${T_PROC[i]}]}") ;;
    external)
      p=$(ss -ltnpH "sport = :${T_HTTP[i]}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
      [[ -z $p && ${T_HTTPS[i]} != - ]] &&
        p=$(ss -ltnpH "sport = :${T_HTTPS[i]}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
      T_PID+=("${p:-}")
      if [[ -n $p ]]; then
        aff=$(taskset -pc "$p" 2>/dev/null | sed 's/.*: //')
        log "external target ${T_NAME[i]}: pid $p, CPU affinity '$aff'"
        [[ $PIN == 1 && $aff != "$PROXY_CPUS" ]] &&
          log "WARNING: ${T_NAME[i]} is not pinned like the built-in proxies (start it with: taskset -c $PROXY_CPUS java ...)"
      else
        log "WARNING: could not find pid listening on ${T_HTTP[i]} (no proxy CPU figures for ${T_NAME[i]})"
      fi ;;
  esac
done

# ---------------------------------------------------------------- smoke tests
SMOKE=$WORK/out/smoke.md
{
  echo "| target | GET / | GET /big (TLS) | /is-/big | round-robin | sticky | TLS | ALPN h2 |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$SMOKE"
hdr() { grep -i "^$2:" <<<"$1" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
smoke() { # idx
  local i=$1 n=${T_NAME[i]} hp=${T_HTTP[i]} sp=${T_HTTPS[i]} pf=${T_PREFIX[i]}
  local get1=- big=- isbig=- rr=- sticky=- tls=- h2=- r h nodes="" ck node1 ok k
  if [[ $hp != - ]]; then
    r=$(curl -s -o /dev/null -w '%{http_code}/%{size_download}' --max-time 5 "http://127.0.0.1:$hp$pf/")
    [[ $r == 200/1024 ]] && get1=ok || get1="FAIL($r)"
  fi
  if [[ $sp != - ]]; then
    r=$(curl -sk -o /dev/null -w '%{http_code}/%{size_download}' --max-time 5 "https://127.0.0.1:$sp$pf/big")
    [[ $r == 200/65536 ]] && big=ok || big="FAIL($r)"
    tls=$(openssl s_client -brief -connect "127.0.0.1:$sp" -servername localhost </dev/null 2>&1 |
          awk -F': ' '/^Protocol version/{p=$2} /^Ciphersuite/{c=$2} /^(Server|Peer) Temp Key/{k=$2}
                      END{print p " " c " " k}' | sed 's/, [0-9]* bits//')
    r=$(curl -sk --http2 -o /dev/null -w '%{http_version}' --max-time 5 "https://127.0.0.1:$sp$pf/")
    if [[ $r == 2 ]]; then h2=yes; else h2=no; T_H2[i]=0; fi
  fi
  if [[ ${T_KIND[i]} != direct ]]; then
    local base="http://127.0.0.1:$hp" kopt=()
    [[ $hp == - ]] && base="https://127.0.0.1:$sp" kopt=(-k)
    r=$(curl -s "${kopt[@]}" -o /dev/null -w '%{http_code}/%{size_download}' --max-time 5 "$base/is-/big")
    [[ $r == 200/65536 ]] && isbig=ok || isbig="no($r)"
    for k in 1 2 3 4 5 6; do
      h=$(curl -s "${kopt[@]}" -D - -o /dev/null --max-time 5 "$base$pf/")
      nodes+=" $(hdr "$h" X-Node)"
      [[ $k == 1 ]] && { ck=$(hdr "$h" Set-Cookie | grep -o 'JSESSIONID=[^;]*'); node1=$(hdr "$h" X-Node); }
    done
    [[ $nodes == *node1* && $nodes == *node2* ]] && rr="ok:$nodes" || rr="FAIL:$nodes"
    if [[ -n ${ck:-} ]]; then
      ok=1
      for k in 1 2 3 4; do
        h=$(curl -s "${kopt[@]}" -D - -o /dev/null --max-time 5 -b "$ck" "$base$pf/")
        [[ $(hdr "$h" X-Node) == "$node1" ]] || ok=0
        [[ -n $(hdr "$h" Set-Cookie) ]] && ok=0   # backend must have seen the cookie
      done
      ((ok)) && sticky="ok($node1)" || sticky=FAIL
    else
      sticky="FAIL(no cookie)"
    fi
  fi
  echo "| $n | $get1 | $big | $isbig | $rr | $sticky | $tls | $h2 |" >>"$SMOKE"
}
for ((i = 0; i < ${#T_NAME[@]}; i++)); do   # external and JVM targets: wait until they answer 200
  [[ ${T_KIND[i]} == external || ${T_KIND[i]} == jvm ]] || continue
  if [[ ${T_HTTP[i]} != - ]]; then u="http://127.0.0.1:${T_HTTP[i]}${T_PREFIX[i]}/"; else u="https://127.0.0.1:${T_HTTPS[i]}${T_PREFIX[i]}/"; fi
  for ((k = 0; k < EXT_READY_WAIT * 2; k++)); do
    [[ $(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "$u") == 200 ]] && break
    ((k == 0)) && log "waiting up to ${EXT_READY_WAIT}s for ${T_NAME[i]} to answer 200 on $u"
    sleep 0.5
  done
done
for ((i = 0; i < ${#T_NAME[@]}; i++)); do smoke "$i"; done
log "smoke tests:"; cat "$SMOKE" >&2

if [[ $SETUP_ONLY == 1 ]]; then
  log "setup only: targets are up; press Ctrl-C to stop everything"
  while :; do sleep 1; done
fi

# ---------------------------------------------------------------- measurement
cat >"$WORK/bin/timed.sh" <<'EOF'
#!/bin/bash
# runs the load generator, then records its CPU time (children user+sys) with `times`
out=$1 tf=$2; shift 2
"$@" >"$out" 2>&1
rc=$?
times >"$tf"
exit $rc
EOF
chmod +x "$WORK/bin/timed.sh"

# full-handshake client (wrk/h2load resume TLS sessions on reconnect, see tools/tlsnewconn.c)
TLSNEW=${TLSNEW:-${TMPDIR:-/tmp}/lbbench-tlsnewconn}
if [[ ! -x $TLSNEW || $SCRIPT_DIR/tools/tlsnewconn.c -nt $TLSNEW ]]; then
  cc -O2 -o "$TLSNEW" "$SCRIPT_DIR/tools/tlsnewconn.c" -lssl -lcrypto -lpthread 2>"$WORK/out/cc.log" || {
    TLSNEW=""
    log "WARNING: cannot build tools/tlsnewconn (need cc + libssl-dev): tls-newconn falls back to wrk 'Connection: close' (RESUMED handshakes)"
  }
fi

# idle-* cases: the client holding the connections; in WORK/bin, so that kill_tree knows it as ours
IDLECONN=
if ((IDLE_MAX > 0)); then
  IDLECONN=${TMPDIR:-/tmp}/lbbench-idleconn
  if [[ ! -x $IDLECONN || $SCRIPT_DIR/tools/idleconn.c -nt $IDLECONN ]]; then
    cc -O2 -o "$IDLECONN" "$SCRIPT_DIR/tools/idleconn.c" -lssl -lcrypto 2>"$WORK/out/cc-idle.log" || {
      IDLECONN=""
      log "WARNING: cannot build tools/idleconn (need cc + libssl-dev): the idle cases are skipped"
    }
  fi
  [[ -n $IDLECONN ]] && cp "$IDLECONN" "$WORK/bin/idleconn"
fi

# per CPU: name busy(incl. irq+softirq) total steal user+nice+system
cpu_sample() { awk '/^cpu[0-9]/ {printf "%s %d %d %d %d ", $1, $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8+$9, $9, $2+$3+$4}' /proc/stat; }
expand_cpus() { # "0-1,3" -> " cpu0 cpu1 cpu3 "
  local out=" " part parts a
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then for ((a = ${part%-*}; a <= ${part#*-}; a++)); do out+="cpu$a "; done
    else out+="cpu$part "; fi
  done
  echo "$out"
}
LOAD_SET=$(expand_cpus "$LOAD_CPUS") PROXY_SET=$(expand_cpus "$PROXY_CPUS")
ticks_of() { # pids... -> utime+stime sum (clock ticks)
  (($#)) || { echo 0; return; }
  local p files=()
  for p in "$@"; do files+=("/proc/$p/stat"); done
  cat "${files[@]}" 2>/dev/null | awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }'
}
tree_ticks() { [[ -n ${1:-} ]] && ticks_of $(tree_pids "$1") || echo 0; }
tree_sys_ticks() { # pid -> stime sum (clock ticks) over the process tree: the kernel's share
  [[ -n ${1:-} ]] || { echo 0; return; }
  local p files=()
  for p in $(tree_pids "$1"); do files+=("/proc/$p/stat"); done
  cat "${files[@]}" 2>/dev/null | awk '{ sub(/^.*\) /, ""); s += $13 } END { print s + 0 }'
}
tree_rss_kib() { # pid -> sum of VmRSS (KiB) over the process tree (shared pages counted per process)
  [[ -n ${1:-} ]] || { echo 0; return; }
  local p files=()
  for p in $(tree_pids "$1"); do files+=("/proc/$p/status"); done
  awk '/^VmRSS:/ { s += $2 } END { print s + 0 }' "${files[@]}" 2>/dev/null
}
rss_sampler() { # pid outfile: keep the largest tree RSS seen until killed (runs on the load CPUs)
  # the process tree is listed once (it does not change during a run); the loop reads
  # /proc with bash builtins only, so sampling costs next to nothing on the load CPU
  local pid=$1 out=$2 max=0 r p k v _ pids
  [[ $PIN == 1 ]] && taskset -pc "$LOAD_CPUS" "$BASHPID" >/dev/null 2>&1
  pids=$(tree_pids "$pid")
  trap 'echo "$max" >"$out"; exit 0' TERM
  while :; do
    r=0
    for p in $pids; do
      while read -r k v _; do [[ $k == VmRSS: ]] && { r=$((r + v)); break; }; done <"/proc/$p/status" 2>/dev/null
    done
    ((r > max)) && { max=$r; echo "$max" >"$out"; }
    sleep "$RSS_SAMPLE" & wait $!
  done
}
# CPU used by processes that are NOT part of this benchmark ("other"), in clock ticks:
#   user+nice+system of all CPUs (/proc/stat; includes short-lived processes)
#   - kernel threads - everything we started - this shell incl. its reaped children
#     (load generator, sampling commands).  irq/softirq time is not counted at all.
foreign_ticks() {
  local ours=" " p
  for p in "${STARTED[@]}" "${T_PID[@]}"; do [[ -n $p ]] && ours+="$(tree_pids "$p" | tr '\n' ' ') "; done
  { awk '/^cpu /{ print "SYS", $2 + $3 + $4 }' /proc/stat; awk '{ print "UP", $1 }' /proc/uptime
    cat /proc/[0-9]*/stat 2>/dev/null; } |
    awk -v ours="$ours" -v self="$$" '
      $1 == "SYS" { sys = $2; next }
      $1 == "UP" { up = $2; next }
      { pid = $1; sub(/^.*\) /, "")
        if (pid == 2 || $2 == 2) kt += $12 + $13
        else if (pid == self) us += $12 + $13 + $14 + $15
        else if (index(ours, " " pid " ")) us += $12 + $13 }
      END { print sys - kt - us, up }'
}
wait_quiet() { # wait (bounded) until foreign CPU load is below MAX_OTHER % of one core
  local waited=0 f0 f1 pct
  while :; do
    f0=$(foreign_ticks); sleep "$QUIET_SAMPLE"; f1=$(foreign_ticks)   # "ticks uptime"
    pct=$(awk -v a="$f0" -v b="$f1" -v hz="$CLK_TCK" 'BEGIN { split(a, x, " "); split(b, y, " "); el = y[2] - x[2]
      if (el <= 0) el = 1; printf "%d", 100 * (y[1] - x[1]) / hz / el }')
    ((pct <= MAX_OTHER)) && return 0
    if ((waited >= QUIET_MAX_WAIT || QUIET_USED >= QUIET_BUDGET)); then
      log "  machine busy (foreign CPU ${pct}% of a core), running anyway"; return 1
    fi
    ((waited == 0)) && log "  foreign CPU ${pct}% of a core: waiting for a quiet machine (max ${QUIET_MAX_WAIT}s)"
    sleep 2; waited=$((waited + 2 + ${QUIET_SAMPLE%.*})); QUIET_USED=$((QUIET_USED + 2 + ${QUIET_SAMPLE%.*}))
  done
}
QUIET_SAMPLE=${QUIET_SAMPLE:-1}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-15}
QUIET_BUDGET=${QUIET_BUDGET:-120}
QUIET_USED=0

to_ms() { awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); x = v + 0
  if (u == "us") x /= 1000; else if (u == "s") x *= 1000; else if (u == "m") x *= 60000
  printf "%.3f", x }'; }

CSV=$OUT_DIR/runs.csv
echo "phase,rep,case,target,attempt,tool,rps,p50_ms,p99_ms,requests,errors,err_detail,cpu_busy,steal_pct,proxy_cpu_pct,backend_cpu_pct,loadgen_cpu_pct,other_cpu_pct,proxy_us_per_req,elapsed_s,other_split,rss_mib,sidecar_us_per_req,repl_sent,repl_recv,proxy_sys_us_per_req,final" >"$CSV"

sidecar_ticks() { local n t=0; for n in "${SIDECARS[@]}"; do t=$((t + $(tree_ticks "${PID_OF[$n]}"))); done; echo "$t"; }
admin_of() { local a; for a in $SLUICE_ADMIN; do [[ ${a%%=*} == "$1" ]] && { echo "${a#*=}"; return; }; done; }
cluster_field() { # name field: a counter of GET /api/v1/cluster of that process, empty without one
  local url; url=$(admin_of "$1"); [[ -n $url ]] || return 0
  curl -s --max-time 2 "$url/api/v1/cluster" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}
repl_counts() { # target -> "sent received": the target's sessions sent, the sidecars' received
  local sent rcv=0 n x
  sent=$(cluster_field "$1" sent)
  [[ -n $sent ]] || { echo "- 0"; return; }
  for n in "${SIDECARS[@]}"; do x=$(cluster_field "$n" received); rcv=$((rcv + ${x:-0})); done
  echo "${sent:--} $rcv"
}

case_params() { # case -> sets C_TOOL C_SCHEME C_PATH C_CONNS C_CLOSE C_RESUME
  local proto=${1%%-*} kind=${1#*-}
  C_CLOSE=0 C_CONNS=$CONNS C_PATH=/ C_RESUME=0
  case $proto in
    http) C_TOOL=wrk C_SCHEME=http ;;
    tls) C_TOOL=wrk C_SCHEME=https ;;
    h2) C_TOOL=h2load C_SCHEME=https ;;
    *) return 1 ;;
  esac
  case $kind in
    1k) ;;
    64k) C_PATH=/big ;;
    newconn|resume)
      C_CONNS=$NEWCONN_CONNS
      [[ $proto == h2 ]] && return 1
      [[ $kind == resume ]] && C_RESUME=1
      if [[ $proto == tls && -n $TLSNEW ]]; then C_TOOL=tlsnewconn
      else C_CLOSE=1; fi ;;
    *) return 1 ;;
  esac
}

run_one() { # idx case rep phase duration attempt
  local i=$1 c=$2 rep=$3 phase=$4 dur=$5 attempt=${6:-1}
  local n=${T_NAME[i]} port url out tf cmd
  case_params "$c" || { log "unknown case $c"; return 2; }
  [[ $C_SCHEME == http ]] && port=${T_HTTP[i]} || port=${T_HTTPS[i]}
  [[ $port == - ]] && return 3
  [[ $C_TOOL == h2load && ${T_H2[i]} == 0 ]] && return 3
  url="$C_SCHEME://127.0.0.1:$port${T_PREFIX[i]}$C_PATH"
  out=$WORK/out/$phase-$rep-$c-$n-$attempt.txt
  tf=$out.times
  case $C_TOOL in
    wrk)
      cmd=(wrk -t"$THREADS" -c"$C_CONNS" -d"${dur}s" --latency --timeout "${WRK_TIMEOUT}s")
      ((C_CLOSE)) && cmd+=(-H 'Connection: close')
      cmd+=("$url") ;;
    h2load) cmd=(h2load -t "$H2_THREADS" -c "$H2_CLIENTS" -m "$H2_STREAMS" -D "$dur" --log-file "$out.log" "$url") ;;
    tlsnewconn)
      cmd=("$TLSNEW" -c "$C_CONNS" -d "$dur")
      ((C_RESUME)) && cmd+=(-r)
      cmd+=("$url") ;;
  esac
  local c0 p0 b0 f0 t0 c1 p1 b1 f1 t1 rss=- s0 s1 r0 r1
  r0=$(repl_counts "$n")
  RSS_PID=
  if [[ $phase == meas && ${T_KIND[i]} != direct && -n ${T_PID[i]} ]]; then
    rss_sampler "${T_PID[i]}" "$out.rss" &
    RSS_PID=$!
  fi
  c0=$(cpu_sample); p0=$(tree_ticks "${T_PID[i]}"); k0=$(tree_sys_ticks "${T_PID[i]}"); b0=$(tree_ticks "${PID_OF[backend]}"); f0=$(foreign_ticks); s0=$(sidecar_ticks)
  t0=$(date +%s%N)
  if [[ $PIN == 1 ]]; then taskset -c "$LOAD_CPUS" "${NICE_CMD[@]}" "$WORK/bin/timed.sh" "$out" "$tf" "${cmd[@]}" &
  else "${NICE_CMD[@]}" "$WORK/bin/timed.sh" "$out" "$tf" "${cmd[@]}" &
  fi
  LOADGEN_PID=$!
  wait "$LOADGEN_PID"
  LOADGEN_PID=
  t1=$(date +%s%N)
  if [[ -n $RSS_PID ]]; then   # stopped (and reaped) before the CPU samples: its time is ours
    kill -TERM "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null; RSS_PID=
    rss=$(awk '{ printf "%.0f", $1 / 1024 }' "$out.rss" 2>/dev/null); rss=${rss:--}
  fi
  c1=$(cpu_sample); p1=$(tree_ticks "${T_PID[i]}"); k1=$(tree_sys_ticks "${T_PID[i]}"); b1=$(tree_ticks "${PID_OF[backend]}"); f1=$(foreign_ticks); s1=$(sidecar_ticks)
  # replication runs in batches (every 20 ms): the last one is out after a moment
  [[ ${r0%% *} != - ]] && sleep 0.3
  r1=$(repl_counts "$n")
  [[ $phase == warm ]] && { rm -f "$out.log"; return 0; }

  local el; el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
  local rps=0 p50=0 p99=0 reqs=0 errs=0 detail=""
  case $C_TOOL in
    wrk)
      read -r rps p50 p99 reqs errs detail < <(awk '
        $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
        /requests in/ { reqs = $1 }
        /Socket errors/ { gsub(/,/, ""); ec = $4; er = $6; ew = $8; et = $10 }
        /Non-2xx/ { nx = $NF }
        /^Requests\/sec/ { rps = $2 }
        END { printf "%s %s %s %d %d c%d/r%d/w%d/t%d/x%d\n", rps + 0, (p50 == "" ? "0us" : p50), (p99 == "" ? "0us" : p99),
                     reqs, ec + er + ew + et + nx, ec, er, ew, et, nx }' "$out")
      p50=$(to_ms "$p50"); p99=$(to_ms "$p99") ;;
    tlsnewconn)
      read -r rps p50 p99 reqs errs detail < <(awk '{ v[$1] = $2 }
        END { printf "%s %s %s %d %d %s\n", v["rps"] + 0, v["p50_ms"] + 0, v["p99_ms"] + 0, v["requests"], v["errors"], v["err_detail"] }' "$out") ;;
    h2load)
      read -r rps reqs errs detail < <(awk '
        /^finished in/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) rps = $i }
        /^requests:/ { for (i = 1; i <= NF; i++) { if ($(i + 1) ~ /^succeeded/) ok = $i; if ($(i + 1) ~ /^failed/) fl = $i
                                                 if ($(i + 1) ~ /^errored/) er = $i; if ($(i + 1) ~ /^timeout/) to = $i } }
        /^status codes:/ { for (i = 1; i <= NF; i++) { if ($(i + 1) ~ /^4xx/) x4 = $i; if ($(i + 1) ~ /^5xx/) x5 = $i } }
        END { printf "%s %d %d f%d/e%d/t%d/4xx%d/5xx%d\n", rps + 0, ok, fl + x4 + x5, fl, er, to, x4, x5 }' "$out")
      if [[ -s $out.log ]]; then
        read -r p50 p99 < <(awk -F'\t' '$2 >= 200 && $2 < 400 { print $3 }' "$out.log" | sort -n |
          awk '{ v[NR] = $1 } END { if (NR) { a = int(NR * 0.50); if (a < 1) a = 1; b = int(NR * 0.99); if (b < 1) b = 1
                                              printf "%.3f %.3f\n", v[a] / 1000, v[b] / 1000 } else print "0 0" }')
        rm -f "$out.log"
      fi ;;
  esac
  local lg; lg=$(awk 'NR == 2 { n = split($1 " " $2, a, " "); s = 0
      for (i = 1; i <= n; i++) { split(a[i], b, "m"); sub(/s$/, "", b[2]); s += b[1] * 60 + b[2] } print s }' "$tf" 2>/dev/null)
  local cpu_busy steal
  read -r cpu_busy steal < <(awk -v a="$c0" -v b="$c1" 'BEGIN {
      n = split(a, x, " "); split(b, y, " "); s = ""; st = 0; tt = 0
      for (i = 1; i <= n; i += 5) { dt = y[i + 2] - x[i + 2]; if (dt <= 0) dt = 1
        s = s (s == "" ? "" : "/") sprintf("%.0f", 100 * (y[i + 1] - x[i + 1]) / dt); st += y[i + 3] - x[i + 3]; tt += dt }
      printf "%s %.1f\n", s, 100 * st / tt }')
  # "other" = CPU used by foreign processes.  PIN=1: per CPU group, from user+nice+system of
  # the load CPUs minus backend and load generator, and of the proxy CPUs minus the proxy;
  # only the CPUs this run uses count (direct runs leave the proxy CPU idle).  PIN=0: whole box.
  local pc bc lc oc us osplit
  local sus=- rsent=- rrecv=-
  ((${#SIDECARS[@]})) && ((reqs > 0)) && sus=$(awk -v t="$((s1 - s0))" -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.1f", 1e6 * t / hz / r }')
  local ksus=-
  [[ ${T_KIND[i]} != direct && -n ${T_PID[i]:-} ]] && ((reqs > 0)) && ksus=$(awk -v t="$((k1 - k0))" -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.1f", 1e6 * t / hz / r }')
  if [[ ${r0%% *} != - && ${r1%% *} != - ]]; then rsent=$((${r1%% *} - ${r0%% *})); rrecv=$((${r1#* } - ${r0#* })); fi
  read -r pc bc lc oc us osplit < <(awk -v el="$el" -v hz="$CLK_TCK" -v p="$((p1 - p0))" -v b="$((b1 - b0))" -v sc="$((s1 - s0))" -v f="$((${f1%% *} - ${f0%% *}))" \
      -v lg="${lg:-0}" -v reqs="$reqs" -v direct="$([[ ${T_KIND[i]} == direct ]] && echo 1 || echo 0)" -v havep="${T_PID[i]:+1}" \
      -v pin="$PIN" -v a="$c0" -v z="$c1" -v lset="$LOAD_SET" -v pset="$PROXY_SET" 'BEGIN {
      pc = (direct || !havep) ? "-" : sprintf("%.0f", 100 * p / hz / el)
      us = (direct || !havep || reqs == 0) ? "-" : sprintf("%.1f", 1e6 * p / hz / reqs)
      if (pin) {
        n = split(a, x, " "); split(z, y, " "); ul = 0; up = 0
        for (i = 1; i <= n; i += 5) { d = y[i + 4] - x[i + 4]
          if (index(lset, " " x[i] " ")) ul += d; else if (index(pset, " " x[i] " ")) up += d }
        o0 = ul - (direct ? 0 : b) - sc - lg * hz; if (direct) o0 -= p
        o1 = up - ((direct || !havep) ? 0 : p)
        if (o0 < 0) o0 = 0; if (o1 < 0) o1 = 0
        f = o0 + ((direct || !havep) ? 0 : o1)
        split_ = sprintf("%.0f/%.0f", 100 * o0 / hz / el, 100 * o1 / hz / el)
      } else { if (f < 0) f = 0; split_ = "-" }
      printf "%s %.0f %.0f %.0f %s %s\n", pc, 100 * b / hz / el, 100 * lg / el, 100 * f / hz / el, us, split_ }')
  echo "$phase,$rep,$c,$n,$attempt,$C_TOOL,$rps,$p50,$p99,$reqs,$errs,$detail,$cpu_busy,$steal,$pc,$bc,$lc,$oc,$us,$el,$osplit,$rss,$sus,$rsent,$rrecv,$ksus,1" >>"$CSV"
  LAST_OTHER=$oc
  log "$(printf '%-12s %-11s rep%s: %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  err %-5s cpu%% %-7s proxy %3s%% %6s us/req (kernel %5s) rss %4s MiB other %3s%% (%s)' \
    "$c" "$n" "$rep" "$rps" "$p50" "$p99" "$errs" "$cpu_busy" "$pc" "$us" "$ksus" "$rss" "$oc" "$osplit")$([[ $rsent != - ]] && echo " replicated: $rsent sessions sent, $rrecv received (peer $sus us/req)")"
  if ((errs > 0)) && [[ ${T_KIND[i]} == jvm ]]; then
    log "  $n had $errs errors ($detail) in $c rep $rep ($phase); load generator said:"
    grep -iE 'error|fail|non-2xx|status codes|timeout' "$out" | head -5 | sed 's/^/      /' >&2
  fi
  return 0
}

heap_used_kib() { # pid: a JVM's live heap after a full GC (jcmd GC.run, GC.heap_info), KiB
  local run=()
  [[ $PIN == 1 ]] && run=(taskset -c "$LOAD_CPUS")
  "${run[@]}" jcmd "$1" GC.run >/dev/null 2>&1
  "${run[@]}" jcmd "$1" GC.heap_info 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); print v + 0; exit } }'
}
run_idle() { # idx case rep: one idle-* run, one line in idle.csv
  local i=$1 c=$2 rep=$3 n=${T_NAME[i]} pid=${T_PID[i]} port
  idle_params "$c" || return 2
  [[ $I_SCHEME == http ]] && port=${T_HTTP[i]} || port=${T_HTTPS[i]}
  [[ $port == - || -z $pid ]] && return 3
  [[ -n $IDLECONN ]] || { log "idle: no tools/idleconn (see $WORK/out/cc-idle.log): $c skipped"; return 3; }
  local url="$I_SCHEME://127.0.0.1:$port${T_PREFIX[i]}/" out=$WORK/out/idle-$rep-$c-$n.txt
  local hb=- ho=- rb ro p0 p1 p3 po t0 t1 t3 run=()
  [[ $PIN == 1 ]] && run=(taskset -c "$LOAD_CPUS")
  [[ ${T_KIND[i]} == jvm ]] && hb=$(heap_used_kib "$pid")
  rb=$(tree_rss_kib "$pid")
  p0=$(tree_ticks "$pid"); t0=$(date +%s%N)
  "${run[@]}" "${NICE_CMD[@]}" "$WORK/bin/idleconn" -n "$I_CONNS" -c "$IDLE_OPEN_CONC" -T "$IDLE_OPEN_TIMEOUT" "$url" >"$out" 2>&1 &
  LOADGEN_PID=$!
  until grep -q '^ready' "$out" 2>/dev/null || ! is_alive "$LOADGEN_PID"; do sleep 0.2; done
  p1=$(tree_ticks "$pid"); t1=$(date +%s%N); po=$((p1 - p0))
  if ! grep -q '^ready' "$out"; then
    wait "$LOADGEN_PID"; LOADGEN_PID=
    log "idle: $c on $n: idleconn ended before its connections were open:"; head -5 "$out" | sed 's/^/      /' >&2
    return 1
  fi
  # the hold: nothing is sent; after IDLE_SETTLE s (work left over from opening them: JIT,
  # GC, deferred frees), the proxy's CPU over IDLE_HOLD s and its memory with all of them open
  sleep "$IDLE_SETTLE"
  p1=$(tree_ticks "$pid"); t1=$(date +%s%N)
  sleep "$IDLE_HOLD"
  p3=$(tree_ticks "$pid"); t3=$(date +%s%N)
  ro=$(tree_rss_kib "$pid")
  [[ ${T_KIND[i]} == jvm ]] && ho=$(heap_used_kib "$pid")
  kill -USR1 "$LOADGEN_PID" 2>/dev/null
  wait "$LOADGEN_PID"; LOADGEN_PID=
  # the client has closed them all: wait (at most 60 s) until the proxy holds fewer than 16,
  # so that the next run's "before" starts from a settled process; the time is a figure too
  local tc held release
  tc=$(date +%s%N)
  while :; do
    held=$(ss -tanH "( sport = :$port )" 2>/dev/null | grep -vcE '^(LISTEN|TIME-WAIT)')
    ((held < 16 || $(date +%s%N) - tc > 60000000000)) && break
    sleep 0.1
  done
  release=$(awk -v a="$tc" -v b="$(date +%s%N)" -v h="$held" 'BEGIN { printf (h < 16 ? "%.1f" : ">%.0f"), (b - a) / 1e9 }')
  local row
  row=$(awk -v rep="$rep" -v c="$c" -v n="$n" -v rb="$rb" -v ro="$ro" -v hb="$hb" -v ho="$ho" -v hz="$CLK_TCK" \
      -v po="$po" -v ph="$((p3 - p1))" -v rel="$release" -v to="$t0" -v tr="$t1" -v te="$t3" '{ v[$1] = $2 }
    END {
      open = v["open_at_end"] + 0; opened = v["requested"] - v["failed_to_open"]; hs = (te - tr) / 1e9
      kpc = open > 0 ? sprintf("%.2f", (ro - rb) / open) : "-"
      hpc = (open > 0 && hb != "-" && ho != "-") ? sprintf("%.2f", (ho - hb) / open) : "-"
      ocpu = opened > 0 ? sprintf("%.1f", 1e6 * po / hz / opened) : "-"
      printf "%s,%s,%s,%d,%d,%d,%s,%d,%d,%d,%d,%d,%d,%.3f,%s,%d,%d,%s,%s,%s,%s,%.3f,%.1f,%.3f,%d,%d,%s\n", rep, c, n,
        v["requested"], open, v["failed_to_open"], v["err_detail"], v["closed_during_hold"], v["reset_during_hold"],
        v["data_during_hold"], v["closed_at_check"], v["reset_at_check"], v["resumed"], v["open_secs"], ocpu,
        rb, ro, kpc, hb, ho, hpc, hs, 1000 * ph / hz, 100 * ph / hz / hs,
        v["closed_while_opening"], v["reset_while_opening"] + v["data_while_opening"], rel }' "$out")
  echo "$row" >>"$IDLE_CSV"
  IFS=, read -ra f <<<"$row"
  log "$(printf '%-12s %-14s: %5s of %5s open at the end (failed to open %s, closed/reset while idle %s/%s), RSS %6.1f -> %6.1f MiB = %s KiB/conn, heap %s KiB/conn, idle CPU %s%% of a core, open %s us/conn, released in %s s' \
    "$c" "$n" "${f[4]}" "${f[3]}" "${f[5]}" "$((f[7] + f[10] + f[24]))" "$((f[8] + f[9] + f[11] + f[25]))" "$(awk -v k="$rb" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$ro" 'BEGIN { print k / 1024 }')" "${f[17]}" "${f[20]}" "${f[23]}" "${f[14]}" "$release")"
  return 0
}

# warm-up (not recorded); a JVM target warms up on every measured case (its JIT compiles
# what each case runs), the others on one case per protocol
for ((i = 0; i < ${#T_NAME[@]}; i++)); do
  w=$WARMUP wcases="http-1k tls-1k tls-newconn h2-1k"
  [[ ${T_KIND[i]} == external ]] && w=$EXT_WARMUP
  [[ ${T_KIND[i]} == jvm ]] && w=$JVM_WARMUP wcases=$CASES
  ((w > 0)) || continue
  log "warm-up ${T_NAME[i]} (${w}s per case)"
  for c in $wcases; do
    [[ " $CASES " == *" ${c%%-*}-"* ]] || continue
    idle_params "$c" && continue
    run_one "$i" "$c" 0 warm "$w"
  done
done

# measurement: rep -> case -> target (targets interleaved A B C A B C)
START_TS=$(date +%s)
for ((rep = 1; rep <= REPS; rep++)); do
  for c in $CASES; do
    idle_params "$c" && continue
    for ((i = 0; i < ${#T_NAME[@]}; i++)); do
      wait_quiet
      LAST_OTHER=0
      run_one "$i" "$c" "$rep" meas "$DURATION" 1
      rc=$?
      ((rc == 3)) && continue
      a=1
      while ((rc == 0 && LAST_OTHER > MAX_OTHER && a <= NOISE_RETRIES)); do
        log "  foreign CPU ${LAST_OTHER}% of a core during the run (> ${MAX_OTHER}%): repeating it"
        sed -i '$ s/,1$/,0/' "$CSV"   # mark the noisy attempt as not final
        a=$((a + 1))
        wait_quiet
        run_one "$i" "$c" "$rep" meas "$DURATION" "$a"; rc=$?
      done
    done
  done
done
MEAS_SECS=$(($(date +%s) - START_TS))
# ---------------------------------------------------------------- optional JFR profile
PROFILE_MD=$WORK/out/profile.md
: >"$PROFILE_MD"
jfr_top() { # file.jfr -> markdown: top self frames and top inclusive frames
  local f=$1 txt=$1.txt
  jfr print --stack-depth 64 --events jdk.ExecutionSample,jdk.NativeMethodSample "$f" >"$txt" 2>/dev/null || {
    echo "(jfr print failed for $f)"; return; }
  awk '
    /^jdk\.(ExecutionSample|NativeMethodSample)/ { ev = $1; sub(/ .*/, "", ev) }
    /stackTrace = \[/ { inst = 1; first = 1; delete seen; n++; next }
    inst && /^ *\]/ { inst = 0; next }
    inst && NF { fr = $0; sub(/^ +/, "", fr); sub(/ +line:.*/, "", fr); sub(/\(.*/, "", fr)
      if (fr == "...") next
      if (first) { first = 0
        # a thread blocked in native code (waiting, not running) is no CPU: leave it out
        if (fr ~ /EPoll\.wait|Unsafe\.park|Net\.accept|Net\.poll|Object\.wait|Thread\.sleep|FileDispatcherImpl\.read0|socketRead0|ServerSocketChannelImpl\.accept/ && ev ~ /Native/) { idle++; inst = 0; n--; next }
        self[fr]++; if (ev ~ /Native/) nat++ }
      if (!(fr in seen)) { seen[fr] = 1; incl[fr]++ } }
    END {
      if (n <= 0) { print "no CPU samples"; exit }
      printf "%d samples of running threads (%d of them in native code, jdk.NativeMethodSample); %d native samples of waiting threads (epoll, park, accept) left out\n\n", n, nat, idle
      print "| self % | top frame |"; print "|---:|---|"
      k = 0; for (m in self) { key[++k] = m } 
      for (i = 2; i <= k; i++) { t = key[i]; j = i - 1; while (j >= 1 && self[key[j]] < self[t]) { key[j + 1] = key[j]; j-- } key[j + 1] = t }
      for (i = 1; i <= k && i <= 20; i++) printf "| %.1f | `%s` |\n", 100 * self[key[i]] / n, key[i]
      print ""; print "| total % | frame anywhere on the stack |"; print "|---:|---|"
      k = 0; delete key; for (m in incl) { key[++k] = m }
      for (i = 2; i <= k; i++) { t = key[i]; j = i - 1; while (j >= 1 && incl[key[j]] < incl[t]) { key[j + 1] = key[j]; j-- } key[j + 1] = t }
      for (i = 1; i <= k && i <= 30; i++) printf "| %.1f | `%s` |\n", 100 * incl[key[i]] / n, key[i] }' "$txt"
}
for spec in $PROFILE; do
  pc=${spec%%:*} pn=${spec#*:} pi=-1
  for ((i = 0; i < ${#T_NAME[@]}; i++)); do [[ ${T_NAME[i]} == "$pn" ]] && pi=$i; done
  if ((pi < 0)) || [[ ${T_KIND[pi]} != jvm || -z ${T_PID[pi]} ]]; then log "PROFILE: $spec: no such JVM target"; continue; fi
  if [[ $PROFILER == async ]]; then
    [[ -s $ASYNC_PROFILER_LIB ]] || { log "PROFILE: PROFILER=async needs ASYNC_PROFILER_LIB (libasyncProfiler.so)"; continue; }
    pf=$OUT_DIR/profile-$pc-$pn.collapsed
    # perf events see the kernel's own frames (TCP/IP, scheduler) where the system allows them;
    # setitimer otherwise
    ev=itimer
    if [[ $(id -u) == 0 || $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3) -le 1 ]]; then ev=cpu; fi
    log "profile: $pc on $pn for ${PROFILE_SECS}s with async-profiler ($ev) -> $pf"
    jcmd "${T_PID[pi]}" JVMTI.agent_load "$ASYNC_PROFILER_LIB" "\"start,event=$ev,interval=1ms,threads\"" >/dev/null 2>&1 ||
      { log "PROFILE: async-profiler did not start"; continue; }
  else
    pf=$OUT_DIR/profile-$pc-$pn.jfr
    log "profile: $pc on $pn for ${PROFILE_SECS}s with JFR -> $pf"
    jcmd "${T_PID[pi]}" JFR.start name=lbbench settings=profile "filename=$pf" >/dev/null 2>&1 ||
      { log "PROFILE: JFR.start failed"; continue; }
  fi
  ( sleep $((PROFILE_SECS / 2)); jcmd "${T_PID[pi]}" Thread.print >"$OUT_DIR/threads-$pc-$pn.txt" 2>&1 ) &
  tp=$!
  run_one "$pi" "$pc" 0 prof "$PROFILE_SECS"
  wait "$tp"
  if [[ $PROFILER == async ]]; then
    jcmd "${T_PID[pi]}" JVMTI.agent_load "$ASYNC_PROFILER_LIB" "\"stop,file=$pf,collapsed,lib\"" >/dev/null 2>&1
  else
    jcmd "${T_PID[pi]}" JFR.stop name=lbbench >/dev/null 2>&1
  fi
  prps=$(awk -F, -v c="$pc" -v n="$pn" '$1 == "prof" && $3 == c && $4 == n { r = $7; u = $19 } END { print r " req/s, " u " us/req" }' "$CSV")
  {
    echo "#### $pc on $pn (${PROFILE_SECS}s, $prps; $PROFILER, CPU time incl. profiling)"
    echo
    if [[ $PROFILER == async ]]; then
      [[ -s $pf ]] && python3 "$SCRIPT_DIR/tools/collapsed-summary.py" "$pf" || echo "(no profile)"
    else
      [[ -s $pf ]] && jfr_top "$pf" || echo "(no recording)"
    fi
    echo
    echo "IO threads in jcmd Thread.print at mid-run (state and top frames):"
    echo
    echo '```'
    awk '/^"/ { show = ($0 ~ /I\/O|XNIO|worker/); n = 0 } show && n < 6 { print; n++ }' "$OUT_DIR/threads-$pc-$pn.txt" | head -40
    echo '```'
    echo
  } >>"$PROFILE_MD"
done

# ---------------------------------------------------------------- idle connections
# After the measured reps and the profiles, so that the thousands of connections opened
# and closed here touch neither, and a proxy that runs out of memory here (Sluice's fixed
# heap) has done everything else first; each target in turn, IDLE_REPS times.
IDLE_CSV=$OUT_DIR/idle.csv
IDLE_SECS=0
if ((IDLE_MAX > 0)); then
  START_TS=$(date +%s)
  echo "rep,case,target,requested,open_at_end,failed_to_open,err_detail,closed_during_hold,reset_during_hold,data_during_hold,closed_at_check,reset_at_check,resumed,open_secs,open_cpu_us_per_conn,rss_before_kib,rss_open_kib,rss_kib_per_conn,heap_before_kib,heap_open_kib,heap_kib_per_conn,hold_secs,idle_cpu_ms,idle_cpu_pct,closed_while_opening,reset_while_opening,release_secs" >"$IDLE_CSV"
  for ((rep = 1; rep <= IDLE_REPS; rep++)); do
    for c in $CASES; do
      idle_params "$c" || continue
      for ((i = 0; i < ${#T_NAME[@]}; i++)); do
        [[ ${T_IDLE[i]} == 1 ]] || continue
        wait_quiet
        run_idle "$i" "$c" "$rep"
      done
    done
  done
  IDLE_SECS=$(($(date +%s) - START_TS))
fi
NOISY_RUNS=$(awk -F, -v m="$MAX_OTHER" 'NR > 1 && $1 == "meas" && $NF == 1 && $18 > m' "$CSV" | wc -l)
RETRIED_RUNS=$(awk -F, 'NR > 1 && $1 == "meas" && $NF == 0' "$CSV" | wc -l)

# ---------------------------------------------------------------- report
REPORT=$OUT_DIR/results.md
{
  echo "## lbbench results ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "- host: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -r)"
  echo "- pinning: $([[ $PIN == 1 ]] && echo "load generator + backends on CPU $LOAD_CPUS, proxies on CPU $PROXY_CPUS" || echo none)"
  echo "- proxy workers: $PROXY_WORKERS, backend workers: $BACKEND_WORKERS, nice $NICE"
  echo "- cases: *-1k = GET / (1 KiB), *-64k = GET /big (64 KiB); http/tls = wrk -t$THREADS -c$CONNS HTTP/1.1 keep-alive;"
  echo "  tls-newconn = $([[ -n $TLSNEW ]] && echo "tools/tlsnewconn -c$NEWCONN_CONNS: new TCP+TLS connection per request, FULL handshake (no session resumption), latency includes connect+handshake" || echo "wrk -c$NEWCONN_CONNS 'Connection: close' (wrk RESUMES TLS sessions)");"
  echo "  tls-resume = same with session resumption; h2-1k = h2load -t$H2_THREADS -c$H2_CLIENTS -m$H2_STREAMS (HTTP/2 over TLS, ALPN h2)"
  echo "- ${DURATION}s per run, $REPS reps, targets interleaved per case; measurement wall time ${MEAS_SECS}s; cert $CERT_TYPE; TLS as negotiated (see smoke tests)"
  echo "- noise control: before each run wait (max ${QUIET_MAX_WAIT}s) until foreign CPU <= ${MAX_OTHER}% of a core; runs with more foreign CPU repeated up to ${NOISE_RETRIES}x: $RETRIED_RUNS repeated, $NOISY_RUNS final runs still noisy; waited ${QUIET_USED}s in total"
  vers="$(nginx -v 2>&1 | sed 's/.*: //')"
  command -v haproxy >/dev/null && vers+=", HAProxy $(haproxy -v | head -1 | awk '{print $3}')"
  [[ " $BUILTIN " == *" apache "* ]] && vers+=", $(apache2 -v | head -1 | sed 's/.*: //')"
  vers+=", wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(h2load --version | head -1), $(openssl version | awk '{print $1, $2}')"
  echo "- versions: $vers"
  if [[ " $BUILTIN " == *" sluice "* ]]; then
    echo "- sluice: $("$SLUICE_JAVA" -jar "$SLUICE_JAR" version 2>&1 | head -1) on $("$SLUICE_JAVA" -version 2>&1 | sed -n 2p)"
    echo "  pid ${PID_OF[sluice]}, started as: $SLUICE_JAVA $SLUICE_JAVA_OPTS -jar $SLUICE_JAR run -c $SLUICE_CONF"
    echo "  targets: $SLUICE_TARGETS (one process; its RSS and CPU are the same process for every Sluice target)"
    grep -E 'bound|engine' "$WORK/sluice/stdout.log" | head -6 | sed 's/^/  log: /'
    for name in "${SLUICE_PROCS[@]:1}"; do echo "  $name: pid ${PID_OF[$name]} on CPU $PROXY_CPUS, config ${SLUICE_CONF_OF[$name]}"; done
    for s in $SLUICE_SIDECARS; do echo "  ${s%%=*} (no target; its CPU is sidecar_us_per_req): pid ${PID_OF[${s%%=*}]} on CPU $LOAD_CPUS, config ${s##*,}"; done
  fi
  if ((IDLE_MAX > 0)); then
    echo "- idle cases: tools/idleconn opens the connections (at most $IDLE_OPEN_CONC at a time, one GET / each; TLS: one full handshake, then resumed ones)"
    echo "  and holds them idle for ${IDLE_SETTLE}+${IDLE_HOLD}s, after the measured reps and the profiles, $IDLE_REPS time(s) per target; wall time ${IDLE_SECS}s"
  fi
  echo
  echo "### Smoke tests"
  echo
  cat "$SMOKE"
  echo
  echo "### Medians of $REPS runs"
  echo
  echo "req/s, p50/p99 = medians; spread = (max-min)/median of req/s; x direct = median req/s / median direct req/s for the same case;"
  echo "proxy CPU = CPU used by the proxy process tree (% of one core), CPU us/req = proxy CPU time per request, of which kernel = its system time (stime: system calls, TCP/IP on loopback);"
  echo "cpu busy = per-CPU busy % (cpu0/cpu1...); other = CPU taken by foreign (not benchmark) processes on the CPUs the run uses, % of one core;"
  echo "RSS = largest resident set of the proxy process tree seen during the run (sampled every ${RSS_SAMPLE}s, VmRSS summed over its processes), median over reps."
  echo
  jvm_targets=" "
  all_jvm=" "   # the ratio tables compare the main Sluice process; the cluster table the SLUICE_EXTRA ones
  for ((i = 0; i < ${#T_NAME[@]}; i++)); do
    [[ ${T_KIND[i]} == jvm || ${T_KIND[i]} == external ]] && all_jvm+="${T_NAME[i]} "
    [[ (${T_KIND[i]} == jvm && ${T_PROC[i]} == sluice) || ${T_KIND[i]} == external ]] && jvm_targets+="${T_NAME[i]} "
  done
  meas_cases=""
  for c in $CASES; do idle_params "$c" || meas_cases+="$c "; done
  [[ -n $meas_cases ]] && median_tables "$CSV" "$meas_cases" "${T_NAME[*]}" "$jvm_targets"
  if [[ -n $SLUICE_ADMIN ]]; then
    echo
    echo "### Cluster: CPU per request with learned-session replication on and off"
    echo
    echo "Medians of the final runs. Sessions sent per request: GET /api/v1/cluster of the target before and after each run"
    echo "(1.000 = every request's new session replicated); received: the same on the peer (sidecar), whose CPU is on CPU $LOAD_CPUS."
    echo
    cluster_table "$CSV" "$CLUSTER_BASE"
    echo
    echo "GET /api/v1/cluster at the end:"
    echo
    for a in $SLUICE_ADMIN; do
      j=$(curl -s --max-time 3 "${a#*=}/api/v1/cluster")
      echo "- ${a%%=*}: \`${j:-no answer}\`"
      if [[ $j == *'"enabled":true'* ]]; then
        members=$(grep -o '"members":\[[^]]*\]' <<<"$j" | grep -o '"[^"]*:[0-9]*"' | wc -l)
        sent=$(grep -o '"sent":[0-9]*' <<<"$j" | cut -d: -f2) rcvd=$(grep -o '"received":[0-9]*' <<<"$j" | cut -d: -f2)
        ((members >= 2)) || echo "  - **WARNING: ${a%%=*} sees $members cluster member(s): the cluster did not form, the figures above measure no replication**"
        ((${sent:-0} + ${rcvd:-0} > 0)) || echo "  - **WARNING: ${a%%=*} sent and received no sessions**"
      fi
    done
  fi
  if [[ -s $IDLE_CSV ]]; then
    echo
    echo "### Idle connections"
    echo
    echo "Per run: connections opened (one GET / each, kept alive) and held idle for ${IDLE_SETTLE}+${IDLE_HOLD}s. RSS before = the proxy process tree"
    echo "before opening, RSS open = at the end of the hold; RSS KiB/conn = the difference per connection open at the end. Heap KiB/conn (JVM):"
    echo "live heap after a full GC (jcmd GC.run) with them open minus before. CPU while idle = the proxy's CPU over the last ${IDLE_HOLD}s."
    echo "CPU to open = the proxy's CPU from the first connect until all were open, per connection (TLS handshake + one request)."
    echo "Released in = seconds from the client closing them all until the proxy holds fewer than 16 (ss; > = still more after 60 s)."
    echo
    idle_table "$IDLE_CSV"
  fi
  if [[ " $BUILTIN " == *" sluice "* ]]; then
    s_errs=$(awk -F, -v subj="$all_jvm" 'NR > 1 && $1 == "meas" && index(subj, " " $4 " ") { e += $11 } END { print e + 0 }' "$CSV")
    echo
    echo "### Sluice log"
    echo
    echo "errors seen by the load generators against Sluice targets: ${s_errs}"
    for name in "${SLUICE_PROCS[@]}" "${SIDECARS[@]}"; do
      s_bad=$(grep -cE ' (ERROR|WARN)|Exception|^\s+at ' "$WORK/$name/stdout.log" 2>/dev/null)
      echo
      echo "$name: ERROR/WARN/exception lines in its log: ${s_bad:-0}"
      if is_alive "${PID_OF[$name]}"; then echo "$name (pid ${PID_OF[$name]}) was still running at the end."
      else echo "$name (pid ${PID_OF[$name]}) was NOT running at the end (crashed or exited)."; fi
      if ((${s_bad:-0} > 0)); then
        echo; echo "First such lines:"; echo; echo '```'
        grep -m 30 -E ' (ERROR|WARN)|Exception|^\s+at ' "$WORK/$name/stdout.log" | cut -c1-400
        echo '```'
      fi
    done
  fi
  if [[ -s $PROFILE_MD ]]; then
    echo
    echo "### Profiles"
    echo
    cat "$PROFILE_MD"
  fi
} >"$REPORT"
cp "$SMOKE" "$OUT_DIR/smoke.md"
cat "$REPORT"
log "raw runs: $CSV ; report: $REPORT"
