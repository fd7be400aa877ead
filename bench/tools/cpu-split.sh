#!/usr/bin/env bash
# bench/tools/cpu-split.sh -- a proxy's CPU per request split into user and kernel time.
#
#   bench/tools/cpu-split.sh NAME PID URL [SECONDS]
#
# Runs wrk (2 threads, 64 connections, keep-alive, pinned to CPU 0 like lbbench.sh) against
# URL for SECONDS (default 10) and reads utime and stime of PID and its threads from
# /proc before and after. Prints one line: name, req/s, user µs/request, kernel µs/request.
# Use it on targets that `bench/run.sh --setup-only` started (their pids are in its log).
# On loopback the kernel time includes the TCP receive path of the peer a write wakes, so
# compare it only between proxies measured the same way.
set -euo pipefail
name=$1 pid=$2 url=$3 secs=${4:-10}
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14, $15 }' "/proc/$pid/stat"; }
read -r u0 s0 < <(ticks)
out=$(taskset -c 0 wrk -t2 -c64 -d"${secs}s" "$url")
read -r u1 s1 < <(ticks)
requests=$(awk '/requests in/ { print $1 }' <<<"$out")
(( requests > 0 )) || { echo "$name: no requests completed" >&2; exit 1; }
awk -v n="$name" -v r="$requests" -v s="$secs" -v du=$((u1 - u0)) -v ds=$((s1 - s0)) -v hz="$hz" 'BEGIN {
  printf "%-16s %8.0f req/s  user %6.1f us/req  kernel %6.1f us/req  total %6.1f us/req\n",
    n, r / s, du * 1e6 / hz / r, ds * 1e6 / hz / r, (du + ds) * 1e6 / hz / r }'
