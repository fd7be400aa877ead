#!/usr/bin/env bash
# The appliance test: builds the .deb and .rpm, lints them, boots Debian 12 with systemd as
# PID 1 in a container and runs the package the way an operator does (apt/dpkg, systemctl
# start / reload / stop, purge). Needs root and the host tools .ci/run installs
# (systemd-container debootstrap zstd lintian rpm rpmlint). About 5-10 minutes.
#
#   packaging/test/appliance.sh              build, lint, test deb and rpm
#   SKIP_BUILD=1 packaging/test/appliance.sh use the packages already in target/
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
trap ct_shutdown EXIT
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || fail "needs root (systemd-nspawn)"

# ---------------------------------------------------------------- build and lint
if [ -z "${SKIP_BUILD:-}" ]; then
  log "building the packages: ./mvnw -B -q -Ppackages -DskipTests package"
  (cd "$repo" && ./mvnw -B -q -Ppackages -DskipTests package)
fi
deb=$(ls "$repo"/target/sluice_*_amd64.deb)
rpm=$(ls "$repo"/target/rpm/RPMS/x86_64/sluice-*.x86_64.rpm)
log "packages: $(basename "$deb") $(du -h "$deb" | cut -f1), $(basename "$rpm") $(du -h "$rpm" | cut -f1)"

log "dpkg-deb: modes survive packing"
dpkg-deb -c "$deb" > "$CT_WORK/deb.list"
grep -E '^-rwxr-xr-x (root/root|0/0) .* \./usr/bin/sluice$' "$CT_WORK/deb.list" >/dev/null || fail "/usr/bin/sluice not 0755"
grep -E '^-rwxr-xr-x (root/root|0/0) .* \./usr/lib/sluice/runtime/bin/java$' "$CT_WORK/deb.list" >/dev/null || fail "runtime java not 0755"
grep -E '^-rwxr-xr-x (root/root|0/0) .* \./usr/lib/sluice/runtime/lib/jspawnhelper$' "$CT_WORK/deb.list" >/dev/null || fail "jspawnhelper not 0755"

log "lintian (errors fail; overrides with reasons ship in the package)"
lintian --fail-on error --allow-root --tag-display-limit 0 "$deb" | tee "$CT_WORK/lintian.log"

log "rpmlint (errors fail; filters with reasons in packaging/rpm/sluice.rpmlintrc)"
rpmlint -r "$repo/packaging/rpm/sluice.rpmlintrc" "$rpm" | tee "$CT_WORK/rpmlint.log"
rpm -qp --dump "$rpm" 2>/dev/null | grep -E '^/usr/bin/sluice .* 0100755 ' >/dev/null || fail "rpm: /usr/bin/sluice not 0755"

log "systemd-analyze verify on the host (it exits 0 on parse errors: any output fails)"
out=$(cd "$CT_WORK" && cp "$repo"/systemd/sluice.service "$repo"/systemd/sluice@.service . \
  && systemd-analyze verify --man=no ./sluice.service ./sluice@foo.service 2>&1 | grep -v -E 'is not executable' || true)
[ -z "$out" ] || fail "systemd-analyze verify: $out"

# ---------------------------------------------------------------- DEB in a booted Debian 12
ct_boot deb --bind-ro="$deb:/root/sluice.deb" --bind-ro="$here/backend.py:/usr/local/bin/backend.py"
for n in 1 2; do
  ct systemd-run --quiet --unit="backend$n" /usr/bin/python3 /usr/local/bin/backend.py "976$((2 + n))" "node$n"
done
ct_sh 'for i in $(seq 50); do curl -fsS 127.0.0.1:9763/health >/dev/null 2>&1 && curl -fsS 127.0.0.1:9764/health >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1' \
  || fail "backends did not start"

log "dpkg -i: installs, creates the user, enables and starts the unit"
ct dpkg -i /root/sluice.deb
[ "$(ct systemctl is-active sluice)" = active ] || { ct journalctl -u sluice --no-pager | tail -30; fail "sluice not active after install"; }
[ "$(ct systemctl is-enabled sluice)" = enabled ] || fail "sluice not enabled"
ct id sluice >/dev/null || fail "no sluice user"
[ "$(ct stat -c %U:%G:%a /etc/sluice/admin.token)" = root:sluice:640 ] || fail "admin token owner/mode"
ct journalctl -u sluice --no-pager | grep -E 'listener|OpenSSL|engine' | head -5 >&2 || true

log "a request through Sluice to the backend in the container"
body=$(ct curl -fsS http://127.0.0.1/hello)
echo "$body" | grep 'node=node1 path=/hello' >/dev/null || fail "unexpected answer: $body"

log "class-data sharing archive built on install and mapped by the JVM"
ct test -s /var/cache/sluice/sluice.jsa || fail "no CDS archive"
ct_sh 'grep -q sluice.jsa /proc/$(systemctl show -p MainPID --value sluice)/maps' || fail "the service does not use the CDS archive"

log "start to first proxied response (best of 3)"
best=999999; best_check=999999
for _ in 1 2 3; do
  ms=$(ct_sh 'systemctl stop sluice; t0=$(date +%s%N); systemctl start sluice;
    until curl -fsS -o /dev/null http://127.0.0.1/; do sleep 0.01; done; echo $(( ($(date +%s%N) - t0) / 1000000 ))')
  check=$(ct_sh 't0=$(date +%s%N); sluice check -c /etc/sluice/sluice.conf >/dev/null; echo $(( ($(date +%s%N) - t0) / 1000000 ))')
  [ "$ms" -lt "$best" ] && best=$ms
  [ "$check" -lt "$best_check" ] && best_check=$check
done
log "systemctl start to first proxied response: ${best} ms, of which ExecStartPre=sluice check ~${best_check} ms"
# Reported, not asserted: a duration on a shared CI machine says more about its load than
# about Sluice. What is asserted above is the mechanism (the archive is built and mapped).

log "sluice ctl with the generated token"
pools=$(ct sluice ctl -c /etc/sluice/sluice.conf pools)
echo "$pools" >&2   # (not tee /dev/stderr: reopening it would truncate a log file it points to)
echo "$pools" | grep node1 >/dev/null || fail "ctl pools"

log "config edit + systemctl reload: applied, same PID"
pid=$(ct systemctl show -p MainPID --value sluice)
ct sed -i 's#http://127.0.0.1:9763#http://127.0.0.1:9764#; s#route = node1#route = node2#' /etc/sluice/sluice.conf
ct systemctl reload sluice
[ "$(ct systemctl show -p MainPID --value sluice)" = "$pid" ] || fail "PID changed on reload"
ct curl -fsS http://127.0.0.1/ | grep node=node2 >/dev/null || fail "reload not applied"

log "broken config + systemctl reload: fails visibly, the old config still serves"
ct cp /etc/sluice/sluice.conf /root/good.conf
ct sed -i 's#pool = app#pool = no-such-pool#' /etc/sluice/sluice.conf
if ct systemctl reload sluice 2>"$CT_WORK/reload.err"; then fail "broken config reload succeeded"; fi
ct journalctl -u sluice --no-pager -n 20 | grep -i 'no-such-pool' >/dev/null || fail "refusal not in the journal"
[ "$(ct systemctl is-active sluice)" = active ] || fail "not active after a refused reload"
[ "$(ct systemctl show -p MainPID --value sluice)" = "$pid" ] || fail "PID changed on refused reload"
ct curl -fsS http://127.0.0.1/ | grep node=node2 >/dev/null || fail "old config not serving"
ct cp /root/good.conf /etc/sluice/sluice.conf

log "restart + reload race, three times"
for i in 1 2 3; do
  # the timing above and these races start the unit more often than systemd's default
  # start limit (5 in 10 s) allows; reset-failed clears that counter, not the test
  ct systemctl reset-failed sluice
  ct_sh 'systemctl restart --no-block sluice; systemctl reload sluice' || true
  sleep 0.5
  ct_sh 'for i in $(seq 100); do [ "$(systemctl is-active sluice)" = active ] && exit 0; sleep 0.1; done; exit 1' \
    || { ct journalctl -u sluice --no-pager | tail -20; fail "race $i: not active"; }
  ct curl -fsS -o /dev/null http://127.0.0.1/ || fail "race $i: not serving"
done
[ "$(ct systemctl show -p NRestarts --value sluice)" = 0 ] || fail "the unit restarted itself (a crash) during the races"

log "TLS on :443 as the sluice user"
ct_sh 'set -e; mkdir -p /etc/sluice/tls; cd /etc/sluice/tls
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout privkey.pem -out fullchain.pem 2>/dev/null
  chgrp sluice privkey.pem; chmod 0640 privkey.pem
  sed -i "s|^    # { name = https, bind = \"0.0.0.0:443\",|    { name = https, bind = \"0.0.0.0:443\",|;
          s|^    #   tls { certificate = /etc/sluice/tls/fullchain.pem, key = /etc/sluice/tls/privkey.pem } }|      tls { certificate = /etc/sluice/tls/fullchain.pem, key = /etc/sluice/tls/privkey.pem } }|" /etc/sluice/sluice.conf
  sluice check -c /etc/sluice/sluice.conf
  systemctl reload sluice'
ct curl -fsS --cacert /etc/sluice/tls/fullchain.pem https://localhost/tls | grep 'path=/tls' >/dev/null || fail "https on :443"
ct_sh 'ss -ltnpH "sport = :443"' | grep java >/dev/null || fail "nothing on :443"
[ "$(ct ps -o user= -p "$(ct systemctl show -p MainPID --value sluice)")" = sluice ] || fail "not running as sluice"
ct_sh 'grep CapEff /proc/$(systemctl show -p MainPID --value sluice)/status' | grep 0000000000000400 >/dev/null \
  || fail "effective capabilities are not exactly CAP_NET_BIND_SERVICE"
ct journalctl -u sluice --no-pager | grep -i -m2 'engine' >&2 || true

log "a client loop through Sluice while it reloads every second for 20 s: 0 failures"
ct_sh 'end=$(( $(date +%s) + 20 )); ok=0; bad=0
  ( while [ $(date +%s) -lt $end ]; do systemctl reload sluice || echo "reload failed" >&2; sleep 1; done ) &
  reloader=$!
  while [ $(date +%s) -lt $end ]; do
    if curl -fsS -o /dev/null --max-time 5 http://127.0.0.1/; then ok=$((ok+1)); else bad=$((bad+1)); fi
  done
  wait $reloader
  echo "requests ok=$ok failed=$bad"; [ $bad -eq 0 ] && [ $ok -gt 100 ]' || fail "requests failed during reloads"

log "systemd-analyze verify and security inside the container"
out=$(ct systemd-analyze verify --man=no sluice.service 'sluice@x.service' 2>&1 || true)
[ -z "$out" ] || fail "systemd-analyze verify sluice.service: $out"
ct systemd-analyze security --no-pager sluice.service > "$CT_WORK/security.txt" || true
tail -1 "$CT_WORK/security.txt" >&2
score=$(grep -oE 'Overall exposure level for sluice.service: [0-9.]+' "$CT_WORK/security.txt" | awk '{print $NF}')
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' || { cat "$CT_WORK/security.txt" >&2; fail "exposure $score > 2.0"; }

log "systemctl stop while a slow request is in flight: it completes"
ct_sh 'curl -fsS -o /root/slow.out -w "%{http_code}" "http://127.0.0.1/slow?ms=3000" > /root/slow.code 2>/root/slow.err & echo $! > /root/slow.pid'
sleep 1
ct systemctl stop sluice
ct_sh 'while kill -0 $(cat /root/slow.pid) 2>/dev/null; do sleep 0.1; done'
[ "$(ct cat /root/slow.code)" = 200 ] || fail "slow request cut: $(ct cat /root/slow.code /root/slow.err)"
ct grep 'path=/slow' /root/slow.out >/dev/null || fail "slow body"
[ "$(ct systemctl show -p Result --value sluice)" = success ] || fail "stop result $(ct systemctl show -p Result --value sluice)"
[ "$(ct systemctl show -p ExecMainStatus --value sluice)" = 0 ] || fail "exit status not 0"

log "template unit: a second instance beside the first"
ct_sh 'set -e; sed -e "s#0.0.0.0:80#127.0.0.1:8081#; s#127.0.0.1:9900#127.0.0.1:9901#; s#/run/sluice/control.sock#/run/sluice-b/control.sock#;
  s#/var/lib/sluice/state.json#/var/lib/sluice/b/state.json#; /name = https/,+1d" /etc/sluice/sluice.conf > /etc/sluice/b.conf
  systemctl start sluice sluice@b; systemctl reload sluice@b; curl -fsS http://127.0.0.1:8081/b | grep path=/b; systemctl stop sluice@b'

log "dpkg --purge: no unit, no config, no state left"
ct dpkg --purge sluice
ct_sh 'systemctl daemon-reload; systemctl list-unit-files "sluice*" --no-legend || true' > "$CT_WORK/units.txt"
[ ! -s "$CT_WORK/units.txt" ] || fail "units left: $(cat "$CT_WORK/units.txt")"
ct_sh '! ls -d /etc/sluice/sluice.conf /etc/sluice/admin.token /etc/default/sluice /var/lib/sluice /var/log/sluice /var/cache/sluice /usr/lib/sluice \
  /lib/systemd/system/sluice.service /etc/systemd/system/multi-user.target.wants/sluice.service 2>/dev/null' \
  || fail "files left after purge"
# What the operator added (certificates, another instance's config) stays, as dpkg does.
[ "$(ct ls /etc/sluice | tr '\n' ' ')" = "b.conf tls " ] || fail "/etc/sluice after purge: $(ct ls /etc/sluice)"
ct_shutdown

# ---------------------------------------------------------------- RPM: scriptlets and unit
log "rpm -i --root into a Debian 12 root (scriptlets run), then boot it"
CT_WORK=$(mktemp -d /var/tmp/sluice-ct.XXXXXX)
tarball=$("$here/make-rootfs.sh")
mkdir -p "$CT_WORK/rpm"
zstd -q -d -c "$tarball" | tar -C "$CT_WORK/rpm" -xf -
# %post runs java, whose $ORIGIN rpath ld.so resolves through /proc/self/exe: a real system
# has /proc, a bare chroot does not.
mount -t proc proc "$CT_WORK/rpm/proc"
rpm -i --root "$CT_WORK/rpm" --dbpath /var/lib/rpm --nodeps "$rpm" 2>&1 | grep -v -E 'should not be used directly|assuming you know what you are doing' || true
umount "$CT_WORK/rpm/proc"
chroot "$CT_WORK/rpm" id sluice >/dev/null || fail "rpm %pre created no user"
[ -s "$CT_WORK/rpm/etc/sluice/admin.token" ] || fail "rpm %post created no token"
[ -s "$CT_WORK/rpm/var/cache/sluice/sluice.jsa" ] || fail "rpm %post built no CDS archive"
[ -f "$CT_WORK/rpm/usr/lib/systemd/system/sluice.service" ] || fail "rpm: no unit"
rm -rf "$CT_WORK/rpm-root"; mv "$CT_WORK/rpm" "$CT_WORK/rpm-root"
# boot the rootfs the rpm was installed into (ct_boot unpacks a fresh one otherwise)
CT_ROOT=$CT_WORK/rpm-root
systemd-nspawn --quiet --register=no --keep-unit --private-network -b -D "$CT_ROOT" --machine=rpm --console=passive \
  --bind-ro="$here/backend.py:/usr/local/bin/backend.py" > "$CT_WORK/rpm.console.log" 2>&1 &
CT_PID=$!; CT_PIDS+=("$CT_PID")
for _ in $(seq 1 300); do
  CT_LEADER=$(pgrep -P "$CT_PID" -x systemd || true)
  [ -n "$CT_LEADER" ] && [ "$(ct systemctl is-system-running 2>/dev/null || true)" = running ] && break
  sleep 0.1
done
ct systemd-run --quiet --unit=backend1 /usr/bin/python3 /usr/local/bin/backend.py 9763 node1
ct_sh 'for i in $(seq 50); do curl -fsS 127.0.0.1:9763/health >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1'
ct systemctl enable --now sluice
ct curl -fsS http://127.0.0.1/rpm | grep 'node=node1 path=/rpm' >/dev/null || fail "rpm install does not serve"
ct systemctl reload sluice
ct systemctl stop sluice
[ "$(ct systemctl show -p Result --value sluice)" = success ] || fail "rpm unit stop result"
ct_shutdown
CT_WORK=$(mktemp -d /var/tmp/sluice-ct.XXXXXX)

log "appliance test passed in $(( $(date +%s) - started )) s"
