#!/usr/bin/env bash
# Builds the .rpm with rpmbuild from target/pkgroot (run after packaging/stage.sh).
#   packaging/rpm/build.sh TARGET_DIR VERSION  ->  TARGET_DIR/rpm/RPMS/x86_64/sluice-*.rpm
# Skipped, with a message, where rpmbuild is not installed (apt-get install rpm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: build.sh TARGET_DIR VERSION}
version=${2:?usage: build.sh TARGET_DIR VERSION}
if ! command -v rpmbuild >/dev/null; then
  echo "rpmbuild not found: no .rpm built (Debian/Ubuntu: apt-get install rpm)" >&2
  exit 0
fi
# 0.1.0-SNAPSHOT -> Version 0.1.0, Release 0.snapshot (sorts before the 0.1.0-1 release).
rpm_version=${version%-SNAPSHOT}
release=1
[ "$rpm_version" = "$version" ] || release=0.snapshot
top=$target/rpm
rm -rf "$top"
mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT}
rpmbuild -bb --quiet \
  --define "_topdir $top" \
  --define "_unitdir /usr/lib/systemd/system" \
  --define "_binary_payload w6.xzdio" \
  --define "sluice_version $rpm_version" \
  --define "sluice_release $release" \
  --define "sluice_pkgroot $target/pkgroot" \
  "$here/sluice.spec"
ls "$top"/RPMS/x86_64/*.rpm
