#!/usr/bin/env bash
# Builds (once) the Debian 12 root file system the appliance and Ansible tests boot with
# systemd-nspawn, and caches it as a tar.zst: debootstrap takes a minute or more, unpacking
# the cache two seconds. Prints the path of the cached tarball.
#
#   packaging/test/make-rootfs.sh            # build if missing, print the tarball path
#   FRESH=1 packaging/test/make-rootfs.sh    # rebuild
set -euo pipefail

cache_dir=${SLUICE_ROOTFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}
tarball=$cache_dir/rootfs-bookworm.tar.zst
# Bump when the package list changes so a stale cache is not reused.
recipe=3
stamp=$cache_dir/rootfs-bookworm.recipe

if [ -z "${FRESH:-}" ] && [ -s "$tarball" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$recipe" ]; then
  echo "$tarball"
  exit 0
fi

# The mirror this machine's apt uses (the only Debian mirror it can reach).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
  | grep -oE '^(URIs:|deb) +https?://[^ ]+/debian/?$' | head -1 | awk '{print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache_dir"
work=$(mktemp -d "$cache_dir/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# What the target needs: systemd as PID 1, the OpenSSL the package depends on, curl and
# openssl for the checks, python3 + python3-apt for Ansible modules, keepalived for the
# HA role (the containers run without network, so nothing can be fetched inside).
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,libssl3,openssl,curl,ca-certificates,iproute2,procps,python3,python3-apt,keepalived,logrotate \
  bookworm "$work/root" "$mirror" >&2

rm -f "$work"/root/var/cache/apt/archives/*.deb
# A hermetic target: no apt sources that cannot be reached from a private network.
: > "$work/root/etc/apt/sources.list"
rm -f "$work"/root/etc/apt/sources.list.d/*
# No getty on the container console; the tests talk to the container through nsenter.
rm -f "$work"/root/etc/systemd/system/getty.target.wants/* 2>/dev/null || true

tar -C "$work/root" -cf - . | zstd -q -3 -T0 -o "$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "$recipe" > "$stamp"
echo "$tarball"
