#!/usr/bin/env bash
# Stages the files both packages ship into target/pkgroot (Debian layout) and packs them
# into target/sluice-image.tar.gz with the right modes and root ownership: jdeb takes that
# archive as is (its directory mode would drop execute bits), rpmbuild unpacks it.
#
#   packaging/stage.sh TARGET_DIR VERSION        (run by `./mvnw -Ppackages package`)
#
# The Java runtime is a jlink image of the JDK running the build (JAVA_HOME), with only
# the modules Sluice needs and a CDS archive of the JDK's classes for a fast start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
target=${1:?usage: stage.sh TARGET_DIR VERSION}
version=${2:?usage: stage.sh TARGET_DIR VERSION}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}

root=$target/pkgroot
rm -rf "$root"
install -d "$root/usr/lib/sluice/lib" "$root/usr/lib/sluice/native" "$root/usr/bin"

# Modules: jdeps over the jars gives these (java.desktop left out: only typesafe-config's
# bean binding, which Sluice does not use, needs java.beans); plus jdk.crypto.ec for EC
# keys and ECDHE with JSSE (a separate module up to JDK 21); jdk.naming.dns for the cluster's
# DNS discovery (JGroups' DNS_PING asks JNDI's DNS provider). JGroups' java.desktop and
# java.scripting uses are its Swing demos and SWIFT_PING, which Sluice does not use.
modules=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.unsupported
jlink_args=(--add-modules "$modules" --strip-debug --no-header-files --no-man-pages --generate-cds-archive)
if [ -d "$java_home/jmods" ] && "$java_home/bin/jlink" --version | grep -q '^17\.'; then
  jlink_args+=(--compress=2)
else
  jlink_args+=(--compress=zip-6)
fi
"$java_home/bin/jlink" "${jlink_args[@]}" --output "$root/usr/lib/sluice/runtime"
# jlink leaves its files read-only (0444); packages want 0644 like everything else.
chmod -R u+w "$root/usr/lib/sluice/runtime"

install -m 0644 "$target/sluice.jar" "$target"/lib/*.jar "$root/usr/lib/sluice/lib/"
install -m 0644 "$target/native/linux-x86_64/libwfssl.so" "$root/usr/lib/sluice/native/"
install -m 0755 "$here/files/sluice" "$root/usr/bin/sluice"
# Debug symbols (4 MB in libjvm alone) serve nobody on an appliance.
find "$root/usr/lib/sluice" -type f \( -name '*.so' -o -perm -u+x \) -exec strip --strip-unneeded {} +

# Class-data sharing: a training run of the demo (two nodes, https, the admin) serves a few
# requests while the JVM records every class it loads; the package turns that list into an
# archive on install (`sluice cds-archive`), where the jars' final paths are known. Without
# it (the demo's ports taken, or no curl) start-up just takes longer.
train_cds() {
  local lib=$root/usr/lib/sluice cp="" jar port pid i
  for jar in "$lib"/lib/*.jar; do cp=${cp:+$cp:}$jar; done
  command -v curl >/dev/null || { echo "no curl: no CDS class list" >&2; return 0; }
  for port in 8443 8080 9900 18081 18082; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is taken: no CDS class list" >&2; return 0
    fi
  done
  "$lib/runtime/bin/java" -XX:DumpLoadedClassList="$lib/sluice.classlist" \
    -Dorg.wildfly.openssl.libwfssl.path="$lib/native/libwfssl.so" -Dorg.jboss.logging.provider=slf4j \
    -cp "$cp" io.sluice.Sluice demo > "$target/cds-training.log" 2>&1 &
  pid=$!
  for i in $(seq 1 300); do curl -skf -o /dev/null https://127.0.0.1:8443/ && break; sleep 0.1; done
  for i in 1 2 3; do
    curl -skf -o /dev/null -b "JSESSIONID=x.node1" "https://127.0.0.1:8443/a?b=c" || true
    curl -sf -o /dev/null http://127.0.0.1:8080/ || true
    curl -sf -o /dev/null http://127.0.0.1:9900/api/v1/pools || true
    curl -sf -o /dev/null http://127.0.0.1:9900/metrics || true
    curl -sf -o /dev/null http://127.0.0.1:9900/ || true
  done
  kill -TERM "$pid"
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  echo "CDS class list: $(wc -l < "$lib/sluice.classlist") classes"
}
train_cds

install -D -m 0644 "$here/files/sluice.conf" "$root/etc/sluice/sluice.conf"
install -D -m 0644 "$here/files/default" "$root/etc/default/sluice"
install -D -m 0644 "$here/files/logrotate" "$root/etc/logrotate.d/sluice"
install -D -m 0644 "$here/files/sysusers.conf" "$root/usr/lib/sysusers.d/sluice.conf"
# Debian 12 keeps units in /lib/systemd/system (dpkg does not know /lib is /usr/lib).
install -D -m 0644 "$repo/systemd/sluice.service" "$root/lib/systemd/system/sluice.service"
install -D -m 0644 "$repo/systemd/sluice@.service" "$root/lib/systemd/system/sluice@.service"

doc=$root/usr/share/doc/sluice
install -D -m 0644 "$here/files/copyright" "$doc/copyright"
install -m 0644 "$repo/README.md" "$doc/README.md"
gzip -9n < "$here/files/changelog" > "$doc/changelog.gz"
install -D -m 0644 "$here/files/lintian-overrides" "$root/usr/share/lintian/overrides/sluice"
install -d "$root/usr/share/man/man1"
gzip -9n < "$here/files/sluice.1" > "$root/usr/share/man/man1/sluice.1.gz"

# Reproducible archive: sorted, root-owned, one fixed time.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
find "$root" -type d -exec chmod 0755 {} +
tar --sort=name --owner=root:0 --group=root:0 --mtime="@$epoch" \
  -C "$root" -czf "$target/sluice-image.tar.gz" .
echo "staged $version: $(du -sh "$root" | cut -f1) in $root"
