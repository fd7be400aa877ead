#!/usr/bin/env bash
# The Ansible test: the roles and playbooks applied for real to Debian 12 booted with
# systemd as PID 1 in a container (systemd-nspawn, private network, no apt sources),
# through the community.docker.nsenter connection. Needs root, ansible, ansible-lint,
# dpkg-dev (dpkg-scanpackages), systemd-container, zstd, debootstrap. About 4 minutes.
#
#   ansible/test/run.sh                       build the .deb if target/ has none
#   DEB=path/to/sluice_X_amd64.deb ansible/test/run.sh
#
# What it shows: syntax-check and ansible-lint (production profile) pass; site.yml run 1
# changes things and serves (TLS, redirect, plain), run 2 changes nothing, --check --diff
# shows a change without making it, run 3 with a new route and weight reloads Sluice
# (same PID) and the new route is served; keepalived from sluice_ha holds the virtual IP,
# hands it to a VRRP peer when Sluice stops and takes it back when Sluice is ready again;
# rolling-restart.yml restarts both stand-in WSO2 nodes in turn while a client loop sees
# 0 failed requests; the cluster variables render a block that a second instance (started
# by hand: the test has one Sluice host) joins, both seeing 2 members, the secret file is
# root:sluice 0640 and never in the output, turning the cluster on or a new secret restarts
# Sluice and another change reloads it; the example inventories (000, 002) apply cleanly; and the package
# installs from an apt repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ans=$(cd "$here/.." && pwd)
repo=$(cd "$ans/.." && pwd)
. "$repo/packaging/test/lib.sh"
trap ct_shutdown EXIT
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || fail "needs root (systemd-nspawn)"
for tool in ansible-playbook ansible-lint dpkg-scanpackages systemd-nspawn zstd; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install ansible ansible-lint dpkg-dev systemd-container zstd)"
done

export ANSIBLE_CONFIG=$ans/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_HOST_KEY_CHECKING=0
cd "$ans"

# Runs a playbook, keeps its output in $CT_WORK/NAME.log, fails on failed or unreachable
# hosts; sets CHANGED (the sum over the PLAY RECAP) and SECS. play_fails: the playbook
# must fail.
play() {
  local name=$1; shift
  local t0=$SECONDS rc=0
  ansible-playbook "$@" > "$CT_WORK/$name.log" 2>&1 || rc=$?
  SECS=$((SECONDS - t0))
  if [ "$rc" -ne 0 ] || ! grep -E '^[^ ].* : ok=' "$CT_WORK/$name.log" >/dev/null \
      || grep -E ' : ok=.*(unreachable=[1-9]|failed=[1-9])' "$CT_WORK/$name.log" >/dev/null; then
    tail -60 "$CT_WORK/$name.log" >&2
    fail "ansible-playbook $name: rc=$rc"
  fi
  CHANGED=$(awk '/ : ok=/ { for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) { sub("changed=", "", $i); s += $i } } END { print s + 0 }' "$CT_WORK/$name.log")
  echo "$name: changed=$CHANGED in ${SECS}s" | tee -a "$CT_WORK/summary" >&2
}
play_fails() {
  local name=$1; shift
  local t0=$SECONDS
  if ansible-playbook "$@" > "$CT_WORK/$name.log" 2>&1; then
    tail -40 "$CT_WORK/$name.log" >&2
    fail "ansible-playbook $name succeeded; it must fail"
  fi
  echo "$name: failed as it must, in $((SECONDS - t0))s" | tee -a "$CT_WORK/summary" >&2
}

# ---------------------------------------------------------------- static checks
log "syntax-check of both playbooks with both example inventories"
for inv in 000-apim-is 002-is-cluster; do
  ansible-playbook -i "inventories/$inv" --syntax-check site.yml rolling-restart.yml >/dev/null
done

log "ansible-lint --offline, production profile (ansible/.ansible-lint)"
ansible-lint --nocolor

# ---------------------------------------------------------------- package and files
deb=${DEB:-$(ls "$repo"/target/sluice_*_amd64.deb 2>/dev/null | tail -1 || true)}
if [ -z "$deb" ]; then
  log "no .deb in target/: ./mvnw -B -q -Ppackages -DskipTests package"
  (cd "$repo" && ./mvnw -B -q -Ppackages -DskipTests package)
  deb=$(ls "$repo"/target/sluice_*_amd64.deb | tail -1)
fi
deb=$(readlink -f "$deb")
log "package: $deb"

# A local apt repository (a flat one: Packages only, trusted=yes) for the repo install path.
mkdir -p "$CT_WORK/repo" "$CT_WORK/tls" "$CT_WORK/inv/group_vars"
cp "$deb" "$CT_WORK/repo/"
(cd "$CT_WORK/repo" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$CT_WORK/tls/test.key" -out "$CT_WORK/tls/test.crt" 2>/dev/null

# ---------------------------------------------------------------- the target
ct_boot ans-site --bind-ro="$CT_WORK/repo:/srv/repo" --bind-ro="$repo/packaging/test/backend.py:/usr/local/bin/backend.py"

# Two stand-in WSO2 nodes as real units (restartable, each start a new InvocationID);
# a veth pair for VRRP, its far end in a network namespace where a second keepalived
# plays the other Sluice host (priority 100, no track script).
ct_sh 'set -e
  for n in 1 2; do
    printf "[Unit]\nDescription=stand-in WSO2 node %s\n[Service]\nExecStart=/usr/bin/python3 /usr/local/bin/backend.py %s node%s\n" \
      $n $((9762 + n)) $n > /etc/systemd/system/backend$n.service
  done
  systemctl daemon-reload
  systemctl start backend1 backend2
  ip link add vrrp0 type veth peer name vrrp1
  ip addr add 192.168.77.2/24 dev vrrp0
  ip link set vrrp0 up
  ip netns add peer
  ip link set vrrp1 netns peer
  ip -n peer addr add 192.168.77.3/24 dev vrrp1
  ip -n peer link set vrrp1 up
  cat > /root/peer.conf <<EOF
global_defs {
  router_id peer
}
vrrp_instance sluice {
  state BACKUP
  interface vrrp1
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.168.77.10/24 dev vrrp1
  }
}
EOF
  systemd-run --quiet --unit=peer-keepalived keepalived --dont-fork --log-console --namespace=peer -f /root/peer.conf
  for i in $(seq 50); do curl -fsS 127.0.0.1:9763/health >/dev/null 2>&1 && curl -fsS 127.0.0.1:9764/health >/dev/null 2>&1 && exit 0; sleep 0.1; done
  exit 1' || fail "backends or VRRP peer did not start"

# The test inventory: one Sluice host (lb) and the two backends as the WSO2 nodes, all
# reached through nsenter into the container (the nodes share the container with lb).
cat > "$CT_WORK/inv/hosts.yml" <<EOF
all:
  vars:
    ansible_connection: community.docker.nsenter
    ansible_nsenter_pid: $CT_LEADER
    ansible_python_interpreter: /usr/bin/python3
    # nsenter runs as root already; the container has no sudo
    ansible_become: false
  children:
    sluice:
      hosts:
        lb:
    sluice_ha:
      hosts:
        lb:
    # The cluster section: lb, and a second Sluice instance in the same container that the
    # test starts itself (sluice@peer.service); the role reads its address from here.
    sluice_cluster:
      hosts:
        lb:
          sluice_cluster_address: 127.0.0.1
        peer:
          sluice_cluster_address: 127.0.0.2
    wso2:
      hosts:
        node1:
          rolling_restart_members: [{ pool: app, member: node1 }]
          # slow enough for Sluice's health check to see it down, and back
          rolling_restart_command: systemctl stop backend1 && sleep 3 && systemctl start backend1
        node2:
          rolling_restart_members: [{ pool: app, member: node2 }]
          rolling_restart_command: systemctl restart backend2
EOF
cat > "$CT_WORK/inv/group_vars/sluice.yml" <<EOF
sluice_install_from: file
sluice_package_file: $deb
sluice_tls_files:
  - { src: $CT_WORK/tls/test.crt, dest: /etc/sluice/tls/test.crt }
  - { src: $CT_WORK/tls/test.key, dest: /etc/sluice/tls/test.key }
sluice_listeners:
  - { name: https, bind: "0.0.0.0:443", tls: { certificate: /etc/sluice/tls/test.crt, key: /etc/sluice/tls/test.key } }
  - { name: http, bind: "0.0.0.0:80", redirect-to: https }
  - { name: plain, bind: "127.0.0.1:8080" }
sluice_routes:
  - { prefix: /, pool: app }
sluice_pools:
  app:
    members:
      - { url: "http://127.0.0.1:9763", route: node1 }
      - { url: "http://127.0.0.1:9764", route: node2 }
    health: { path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
EOF
cat > "$CT_WORK/inv/group_vars/sluice_ha.yml" <<EOF
sluice_ha_vip: 192.168.77.10/24
sluice_ha_interface: vrrp0
EOF
cat > "$CT_WORK/inv/group_vars/wso2.yml" <<EOF
rolling_restart_drain_timeout: 60s
rolling_restart_drain_idle: 2s
rolling_restart_healthy_timeout: 60
EOF
# Run 3's change: a new route with a prefix rewrite, and node2's weight.
cat > "$CT_WORK/change.yml" <<EOF
sluice_routes:
  - { prefix: /, pool: app }
  - { prefix: /new, pool: app, rewrite: /rewritten }
sluice_pools:
  app:
    members:
      - { url: "http://127.0.0.1:9763", route: node1 }
      - { url: "http://127.0.0.1:9764", route: node2, weight: 3 }
    health: { path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
EOF
inv=(-i "$CT_WORK/inv/hosts.yml")

# ---------------------------------------------------------------- site.yml
log "site.yml, run 1: installs from the package file, configures, starts, verifies"
play site-1 "${inv[@]}" site.yml
[ "$CHANGED" -gt 0 ] || fail "run 1 changed nothing"
[ "$(ct systemctl is-active sluice)" = active ] || fail "sluice not active"
[ "$(ct systemctl is-enabled sluice)" = enabled ] || fail "sluice not enabled"
[ "$(ct stat -c %U:%G:%a /etc/sluice/sluice.conf)" = root:sluice:640 ] || fail "config owner/mode"
[ "$(ct stat -c %U:%G:%a /etc/sluice/tls/test.key)" = root:sluice:640 ] || fail "key owner/mode"
[ "$(ct stat -c %U:%G:%a /etc/sluice/tls/test.crt)" = root:sluice:644 ] || fail "certificate owner/mode"
[ "$(ct stat -c %U:%G:%a /etc/sluice/tls)" = root:sluice:750 ] || fail "tls directory owner/mode"
ct sluice check -c /etc/sluice/sluice.conf >/dev/null || fail "the rendered file does not pass sluice check"
ct curl -fsS --cacert /etc/sluice/tls/test.crt https://localhost/a | grep -E '^node=node[12] path=/a$' >/dev/null || fail "https through Sluice"
ct curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\n' http://127.0.0.1/b?c=1 | grep -x '308 https://127.0.0.1/b?c=1' >/dev/null \
  || fail "http listener does not redirect"
ct curl -fsS http://127.0.0.1:8080/c | grep 'path=/c' >/dev/null || fail "plain listener"

log "site.yml, run 2: nothing to change"
play site-2 "${inv[@]}" site.yml
[ "$CHANGED" -eq 0 ] || { grep -E '^(changed|TASK)' "$CT_WORK/site-2.log" | grep -B1 '^changed' >&2; fail "run 2 changed $CHANGED things"; }

log "site.yml --check --diff with a changed variable: shows the change, makes none"
sum_before=$(ct md5sum /etc/sluice/sluice.conf)
play site-check "${inv[@]}" site.yml --check --diff -e "@$CT_WORK/change.yml"
[ "$CHANGED" -gt 0 ] || fail "check mode saw no change"
grep -E '^\+ +"prefix": "/new",' "$CT_WORK/site-check.log" >/dev/null || fail "check mode diff does not show the new route"
[ "$(ct md5sum /etc/sluice/sluice.conf)" = "$sum_before" ] || fail "check mode changed the file"

log "site.yml, run 3: a new route and weight; the handler reloads Sluice, same PID"
pid=$(ct systemctl show -p MainPID --value sluice)
reloads=$(ct journalctl -u sluice --no-pager -o cat | grep -c '^Reloaded sluice.service' || true)
play site-3 "${inv[@]}" site.yml -e "@$CT_WORK/change.yml"
[ "$CHANGED" -gt 0 ] || fail "run 3 changed nothing"
grep -E 'RUNNING HANDLER \[sluice : Reload sluice\]' "$CT_WORK/site-3.log" >/dev/null || fail "the reload handler did not run"
[ "$(ct systemctl show -p MainPID --value sluice)" = "$pid" ] || fail "MainPID changed: not a reload"
[ "$(ct journalctl -u sluice --no-pager -o cat | grep -c '^Reloaded sluice.service')" -gt "$reloads" ] || fail "no reload in the journal"
ct curl -fsS --cacert /etc/sluice/tls/test.crt 'https://localhost/new/x?y=1' | grep -E '^node=node[12] path=/rewritten/x\?y=1$' >/dev/null \
  || fail "the new route is not served"
ct sluice ctl -c /etc/sluice/sluice.conf pools --json | grep -E '"name":"node2"[^}]*"configuredWeight":3' >/dev/null || fail "node2's new weight not applied"
log "run 3 served: $(ct curl -fsS --cacert /etc/sluice/tls/test.crt 'https://localhost/new/x?y=1')"

log "a file sluice check accepts but the running Sluice refuses (a new listener on a taken port)"
ct systemd-run --quiet --unit=port-taker /usr/bin/python3 -m http.server --bind 127.0.0.1 8443
ct_sh 'for i in $(seq 50); do curl -fsS -o /dev/null 127.0.0.1:8443/ 2>/dev/null && exit 0; sleep 0.1; done; exit 1' || fail "port-taker"
cat > "$CT_WORK/refused.yml" <<EOF
sluice_listeners:
  - { name: https, bind: "0.0.0.0:443", tls: { certificate: /etc/sluice/tls/test.crt, key: /etc/sluice/tls/test.key } }
  - { name: http, bind: "0.0.0.0:80", redirect-to: https }
  - { name: plain, bind: "127.0.0.1:8080" }
  - { name: taken, bind: "127.0.0.1:8443" }
EOF
play_fails refused "${inv[@]}" site.yml -e "@$CT_WORK/change.yml" -e "@$CT_WORK/refused.yml"
grep -A6 'RUNNING HANDLER \[sluice : Reload sluice\]' "$CT_WORK/refused.log" | grep -E '^fatal' >/dev/null || fail "the reload handler did not fail"
[ "$(ct systemctl show -p MainPID --value sluice)" = "$pid" ] || fail "MainPID changed on the refused reload"
ct curl -fsS --cacert /etc/sluice/tls/test.crt 'https://localhost/new/x' >/dev/null || fail "not serving after the refused reload"
# The next run has nothing to change, so no handler runs: the verification still sees it.
play_fails refused-again "${inv[@]}" site.yml -e "@$CT_WORK/change.yml" -e "@$CT_WORK/refused.yml" \
  --start-at-task 'Verify that Sluice is ready and serves the configured pools'
grep 'Sluice does not run what /etc/sluice/sluice.conf says' "$CT_WORK/refused-again.log" >/dev/null \
  || { tail -30 "$CT_WORK/refused-again.log" >&2; fail "the verification did not see the refused file"; }
ct systemctl stop port-taker
play site-restore "${inv[@]}" site.yml -e "@$CT_WORK/change.yml"
[ "$CHANGED" -gt 0 ] || fail "restoring changed nothing"

# ---------------------------------------------------------------- sluice_ha
log "sluice_ha: keepalived.conf validates, keepalived runs and holds the virtual IP"
ct keepalived -t -f /etc/keepalived/keepalived.conf || fail "keepalived -t refuses the rendered file"
[ "$(ct systemctl is-active keepalived)" = active ] || fail "keepalived not active"
has_vip() { ct_sh "ip -br addr show $1 2>/dev/null; ip -n peer -br addr show $1 2>/dev/null; true" | grep -F '192.168.77.10/24' >/dev/null; }
wait_for() { local i; for i in $(seq 1 "$1"); do if "${@:2}"; then return 0; fi; sleep 0.5; done; return 1; }
wait_for 30 has_vip vrrp0 || { ct journalctl -u keepalived --no-pager | tail -20 >&2; fail "the virtual IP is not on vrrp0"; }
ct journalctl -u keepalived --no-pager -o cat | grep 'Entering MASTER STATE' >/dev/null || fail "keepalived never became MASTER"
log "Sluice stopping with a 12 s request in flight: readiness fails at once, the VRRP peer takes the address while it drains"
ct_sh 'rm -f /root/slow.*; (curl -sS -o /root/slow.out -w "%{http_code}" "http://127.0.0.1:8080/slow?ms=12000" > /root/slow.code 2>/root/slow.err &)'
sleep 1
t0=$SECONDS
ct systemctl stop --no-block sluice
wait_for 40 has_vip vrrp1 || { ct journalctl -u keepalived --no-pager | tail -20 >&2; fail "the peer did not take the virtual IP"; }
moved=$((SECONDS - t0))
has_vip vrrp0 && fail "the virtual IP is on both hosts"
[ "$(ct systemctl is-active sluice || true)" = deactivating ] || fail "the address moved only once Sluice had stopped, not while it drained"
echo "VIP moved to the peer ${moved} s after the stop began, while Sluice still drained a request" | tee -a "$CT_WORK/summary" >&2
ct_sh 'while [ "$(systemctl is-active sluice)" = deactivating ]; do sleep 0.2; done'
[ "$(ct cat /root/slow.code)" = 200 ] || fail "the request in flight was cut: $(ct cat /root/slow.code /root/slow.err)"
t0=$SECONDS
ct systemctl start sluice
wait_for 40 has_vip vrrp0 || { ct journalctl -u keepalived --no-pager | tail -20 >&2; fail "the virtual IP did not come back"; }
echo "VIP back $((SECONDS - t0)) s after sluice started" | tee -a "$CT_WORK/summary" >&2
ct journalctl -u keepalived --no-pager -o cat | grep -E 'FAULT|MASTER|BACKUP' | tail -4 >&2

# ---------------------------------------------------------------- rolling-restart.yml
log "rolling-restart.yml while a client loop sends requests through Sluice"
inv1=$(ct systemctl show -p InvocationID --value backend1)
inv2=$(ct systemctl show -p InvocationID --value backend2)
ct_sh 'wait_ok() { for i in $(seq 100); do curl -fsS -o /dev/null http://127.0.0.1:8080/ && return 0; sleep 0.1; done; return 1; }; wait_ok'
ct systemd-run --quiet --unit=client-loop /bin/bash -c 'ok=0; bad=0
  while [ ! -e /root/loop.stop ]; do
    if curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:8080/; then ok=$((ok+1)); else bad=$((bad+1)); fi
  done
  echo "ok=$ok failed=$bad" > /root/loop.result'
since=$(ct date '+%Y-%m-%d %H:%M:%S')
play rolling-restart "${inv[@]}" rolling-restart.yml
ct touch /root/loop.stop
ct_sh 'for i in $(seq 100); do [ -e /root/loop.result ] && exit 0; sleep 0.1; done; exit 1' || fail "the client loop did not stop"
result=$(ct cat /root/loop.result)
echo "client loop during the rolling restart: $result" | tee -a "$CT_WORK/summary" >&2
[ "$(ct systemctl show -p InvocationID --value backend1)" != "$inv1" ] || fail "backend1 was not restarted"
[ "$(ct systemctl show -p InvocationID --value backend2)" != "$inv2" ] || fail "backend2 was not restarted"
echo "$result" | grep -E '^ok=[0-9]{2,} failed=0$' >/dev/null || fail "requests failed during the rolling restart: $result"
# node1 went down long enough for the health check: the playbook enabled it only after
# Sluice saw it back. Each node was drained and enabled, node1 before node2.
ct journalctl -u sluice --no-pager -o cat --since "$since" \
  | grep -E 'member node[12]: state|member node1 \(.*\) is (unhealthy|back in rotation)' > "$CT_WORK/rr-events.log" || true
cat "$CT_WORK/rr-events.log" >&2
sed -E 's/.*(member node[12].*)/\1/; s/ \(http[^)]*\)//; s/ is unhealthy.*/ unhealthy/; s/ is back in rotation.*/ back/' \
  "$CT_WORK/rr-events.log" > "$CT_WORK/rr-order.log"
diff <(printf '%s\n' 'member node1: state active -> draining' 'member node1 unhealthy' 'member node1 back' \
  'member node1: state draining -> active' 'member node2: state active -> draining' 'member node2: state draining -> active') \
  "$CT_WORK/rr-order.log" >&2 || fail "the rolling restart did not go drain -> down -> healthy -> enable, node by node"

# ---------------------------------------------------------------- cluster
# The test has one Sluice host, so the cluster has lb, configured by the role, and a second
# instance in the same container on 127.0.0.2 (sluice@peer.service), whose file is lb's
# rendered one with its own listener, admin address, state file and cluster bind: the
# role's peers list and secret file are what both join with.
log "cluster: refused without a secret, or with a short one"
play_fails cluster-nosecret "${inv[@]}" site.yml -e sluice_cluster_enabled=true -e sluice_cluster_group=sluice_cluster
grep -F 'sluice_cluster_secret is not set' "$CT_WORK/cluster-nosecret.log" >/dev/null || fail "no clear message for a missing secret"
play_fails cluster-shortsecret "${inv[@]}" site.yml -e sluice_cluster_enabled=true -e sluice_cluster_group=sluice_cluster \
  -e sluice_cluster_secret=0123456789abcdef
grep -F 'sluice_cluster_secret is shorter than 32 characters' "$CT_WORK/cluster-shortsecret.log" >/dev/null || fail "no clear message for a short secret"
ct test ! -e /etc/sluice/cluster.secret || fail "a refused run wrote the secret"

log "cluster: site.yml with the cluster on restarts Sluice (a reload would keep it alone)"
secret=$(openssl rand -hex 32)
cat > "$CT_WORK/cluster.yml" <<EOF
sluice_cluster_enabled: true
sluice_cluster_group: sluice_cluster
sluice_cluster_secret: "$secret"
EOF
pid=$(ct systemctl show -p MainPID --value sluice)
play cluster-1 "${inv[@]}" site.yml -e "@$CT_WORK/cluster.yml"
[ "$CHANGED" -gt 0 ] || fail "enabling the cluster changed nothing"
grep -A2 'RUNNING HANDLER \[sluice : Restart sluice\]' "$CT_WORK/cluster-1.log" | grep -E '^changed' >/dev/null || fail "the restart handler did not run"
grep -A2 'RUNNING HANDLER \[sluice : Reload sluice\]' "$CT_WORK/cluster-1.log" | grep -E '^changed' >/dev/null && fail "the reload handler ran too"
[ "$(ct systemctl show -p MainPID --value sluice)" != "$pid" ] || fail "MainPID unchanged: not restarted"
[ "$(ct stat -c %U:%G:%a /etc/sluice/cluster.secret)" = root:sluice:640 ] || fail "secret owner/mode"
[ "$(ct cat /etc/sluice/cluster.secret)" = "$secret" ] || fail "the secret file does not hold the secret"
grep -lF "$secret" "$CT_WORK"/*.log && fail "the secret is in the output"
ct sluice check -c /etc/sluice/sluice.conf >/dev/null || fail "the rendered file with the cluster does not pass sluice check"
cluster_block() {
  ct python3 -c 'import json, sys; t = open(sys.argv[1]).read(); print(json.dumps(json.loads("{" + t.split("sluice {", 1)[1])["cluster"], sort_keys=True))' "$1"
}
[ "$(cluster_block /etc/sluice/sluice.conf)" = '{"bind": "127.0.0.1:7800", "name": "sluice", "peers": ["127.0.0.1:7800", "127.0.0.2:7800"], "secret-file": "/etc/sluice/cluster.secret"}' ] \
  || fail "the cluster block is not lb's bind with both peers: $(cluster_block /etc/sluice/sluice.conf)"

log "cluster: a second instance (sluice@peer) from lb's file; both see 2 members"
ct python3 -c 'import json
text = open("/etc/sluice/sluice.conf").read()
config = json.loads("{" + text.split("sluice {", 1)[1])
config["listeners"] = [{"name": "plain", "bind": "127.0.0.2:8080"}]
config["control-socket"] = "/run/sluice-peer/control.sock"
config["admin"].update({"bind": "127.0.0.2:9900", "state-file": "/var/lib/sluice/peer/state.json"})
config["cluster"]["bind"] = "127.0.0.2:7800"
with open("/etc/sluice/peer.conf", "w") as out:
    out.write("sluice " + json.dumps(config, indent=2) + "\n")'
ct chgrp sluice /etc/sluice/peer.conf
ct chmod 0640 /etc/sluice/peer.conf
ct systemctl start sluice@peer || { ct journalctl -u sluice@peer --no-pager | tail -20 >&2; fail "sluice@peer did not start"; }
members() {
  ct_sh "curl -fsS -H \"Authorization: Bearer \$(cat /etc/sluice/admin.token)\" http://$1:9900/api/v1/cluster" \
    | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["members"]))'
}
sees_two() { [ "$(members "$1" 2>/dev/null)" = 2 ]; }
wait_for 120 sees_two 127.0.0.1 || { ct journalctl -u sluice --no-pager | grep -i cluster | tail -10 >&2; fail "lb does not see 2 members"; }
wait_for 120 sees_two 127.0.0.2 || { ct journalctl -u sluice@peer --no-pager | grep -i cluster | tail -10 >&2; fail "peer does not see 2 members"; }
ct sluice ctl -c /etc/sluice/sluice.conf cluster >&2
ct curl -fsS http://127.0.0.2:8080/p | grep 'path=/p' >/dev/null || fail "the peer does not serve"
echo "cluster: lb and peer each see 2 members" | tee -a "$CT_WORK/summary" >&2

log "cluster: run 2 changes nothing; a route change reloads (same PID) and the cluster stays"
play cluster-2 "${inv[@]}" site.yml -e "@$CT_WORK/cluster.yml"
[ "$CHANGED" -eq 0 ] || { grep -E '^(changed|TASK)' "$CT_WORK/cluster-2.log" | grep -B1 '^changed' >&2; fail "cluster run 2 changed $CHANGED things"; }
pid=$(ct systemctl show -p MainPID --value sluice)
play cluster-3 "${inv[@]}" site.yml -e "@$CT_WORK/cluster.yml" -e "@$CT_WORK/change.yml"
grep -A2 'RUNNING HANDLER \[sluice : Reload sluice\]' "$CT_WORK/cluster-3.log" | grep -E '^changed' >/dev/null || fail "the reload handler did not run"
[ "$(ct systemctl show -p MainPID --value sluice)" = "$pid" ] || fail "MainPID changed: a restart, not a reload"
sees_two 127.0.0.1 || fail "lb left the cluster on the reload"

log "cluster: a new secret restarts lb, which then refuses the peer still holding the old one"
pid=$(ct systemctl show -p MainPID --value sluice)
old_secret=$secret
secret=$(openssl rand -hex 32)
sed -i "s/$old_secret/$secret/" "$CT_WORK/cluster.yml"
play cluster-4 "${inv[@]}" site.yml -e "@$CT_WORK/cluster.yml" -e "@$CT_WORK/change.yml"
[ "$CHANGED" -eq 2 ] || fail "a new secret changed $CHANGED things, not only the secret file and the restart"
grep -A2 'RUNNING HANDLER \[sluice : Restart sluice\]' "$CT_WORK/cluster-4.log" | grep -E '^changed' >/dev/null || fail "the restart handler did not run"
[ "$(ct systemctl show -p MainPID --value sluice)" != "$pid" ] || fail "MainPID unchanged: not restarted"
sees_one() { [ "$(members "$1" 2>/dev/null)" = 1 ]; }
wait_for 60 sees_one 127.0.0.1 || fail "lb still has the peer with the old secret: $(members 127.0.0.1)"
ct systemctl restart sluice@peer
wait_for 120 sees_two 127.0.0.1 || fail "the restarted peer did not join with the new secret"
grep -lF -e "$secret" -e "$old_secret" "$CT_WORK"/*.log && fail "a secret is in the output"
ct systemctl stop sluice@peer

# ---------------------------------------------------------------- the example inventories
# Applied to the same container (connection and package file overridden): their variables
# render configurations that `sluice check` accepts and Sluice serves.
cat > "$CT_WORK/example-overrides.yml" <<EOF
ansible_connection: community.docker.nsenter
ansible_nsenter_pid: $CT_LEADER
ansible_python_interpreter: /usr/bin/python3
ansible_become: false
sluice_install_from: file
sluice_package_file: $deb
sluice_ha_interface: vrrp0
sluice_ha_vip: 192.168.77.10/24
EOF
log "the 000 inventory (lb1: Sluice and keepalived)"
play example-000 -i inventories/000-apim-is site.yml --limit lb1 -e "@$CT_WORK/example-overrides.yml"
ct sluice ctl -c /etc/sluice/sluice.conf pools --json | grep -o '"name":"[a-z-]*","method"' | tr '\n' ' ' >&2; echo >&2
[ "$(ct curl -sk -o /dev/null -w '%{http_code}' -X TRACE https://localhost/is-commonauth)" = 403 ] || fail "000: TRACE not denied"
log "the 002 inventory"
play example-002 -i inventories/002-is-cluster site.yml -e "@$CT_WORK/example-overrides.yml"
[ "$(ct curl -sk -o /dev/null -w '%{http_code}' https://localhost/balancer-manager)" = 404 ] || fail "002: /balancer-manager not 404"

# ---------------------------------------------------------------- install from an apt repository
log "install from an apt repository (deb [trusted=yes] file:/srv/repo ./) after a purge"
ct dpkg --purge sluice >/dev/null 2>&1
play site-repo "${inv[@]}" site.yml -e sluice_install_from=repo -e 'sluice_apt_repository="deb [trusted=yes] file:/srv/repo ./"'
[ "$CHANGED" -gt 0 ] || fail "the repo install changed nothing"
ct_sh 'apt-cache policy sluice' | grep -F 'file:/srv/repo' >/dev/null || fail "sluice not known from the repository"
ct curl -fsS --cacert /etc/sluice/tls/test.crt https://localhost/repo | grep 'path=/repo' >/dev/null || fail "not serving after the repo install"

log "summary"
cat "$CT_WORK/summary" >&2
ct_shutdown
log "Ansible test passed in $(( $(date +%s) - started )) s"
