# Shared by the appliance and Ansible tests: boots the Debian 12 root file system from
# make-rootfs.sh under systemd-nspawn (systemd as PID 1, private network) and runs commands
# inside it through nsenter. Source it; needs root, systemd-container, zstd.
#
#   ct_boot NAME [nspawn args...]   unpack a fresh rootfs, boot it; sets CT_ROOT, CT_PID, CT_LEADER
#   ct CMD...                       run CMD inside the container (all namespaces)
#   ct_sh 'shell text'              run a shell snippet inside
#   ct_shutdown                     power the container off and delete its rootfs
# Facts behind the flags: ../shared/notes/packaging-ci.md (no machined here: --register=no;
# a bare `wait` in a script with nspawn in the background would wait for the container).

CT_WORK=${CT_WORK:-$(mktemp -d /var/tmp/sluice-ct.XXXXXX)}
CT_PIDS=()

log() { printf '\n== %s\n' "$*" >&2; }
fail() { printf '\nFAIL: %s\n' "$*" >&2; exit 1; }

ct_boot() {
  local name=$1; shift
  local tarball
  tarball=$("$(dirname "${BASH_SOURCE[0]}")/make-rootfs.sh")
  CT_ROOT=$CT_WORK/$name
  rm -rf "$CT_ROOT"; mkdir -p "$CT_ROOT"
  zstd -q -d -c "$tarball" | tar -C "$CT_ROOT" -xf -
  echo "$name" > "$CT_ROOT/etc/hostname"
  systemd-nspawn --quiet --register=no --keep-unit --private-network -b -D "$CT_ROOT" \
    --machine="$name" --console=passive "$@" > "$CT_WORK/$name.console.log" 2>&1 &
  CT_PID=$!
  CT_PIDS+=("$CT_PID")
  local i state
  for i in $(seq 1 300); do
    CT_LEADER=$(pgrep -P "$CT_PID" -x systemd || true)
    if [ -n "$CT_LEADER" ]; then
      state=$(nsenter -t "$CT_LEADER" -a systemctl is-system-running 2>/dev/null || true)
      case "$state" in running|degraded) break ;; esac
    fi
    kill -0 "$CT_PID" 2>/dev/null || { cat "$CT_WORK/$name.console.log" >&2; fail "container $name did not boot"; }
    sleep 0.1
  done
  [ "${state:-}" = running ] || [ "${state:-}" = degraded ] || fail "container $name: system state '${state:-none}'"
  log "container $name booted (systemd $state, leader pid $CT_LEADER)"
}

ct() { nsenter -t "$CT_LEADER" -a "$@"; }
ct_sh() { nsenter -t "$CT_LEADER" -a /bin/bash -c "$1"; }

ct_shutdown() {
  local pid
  for pid in "${CT_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${CT_PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  CT_PIDS=()
  # never recurse into a file system a test mounted (a chroot's /proc)
  grep -o " $CT_WORK/[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$CT_WORK"
}
