#!/usr/bin/env bash
# make deb: builds the ebba binary package from a copy of the tree in
# OUT/src (dpkg-buildpackage writes to the parent directory, so the .deb
# lands in OUT, under build/, never in the repository's parent), then
# runs lintian on it and prints the result.  Fails on any lintian error.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/deb}
rm -rf "$OUT"
mkdir -p "$OUT/src"
# The tracked files only (no build directories or local work).
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z --cached | tar --null -T - -cf - | tar -xf - -C "$OUT/src"
else
	tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$OUT/src"
fi
echo "deb: building in $OUT/src (log: $OUT/build.log)"
if ! (cd "$OUT/src" && dpkg-buildpackage -b -us -uc) >"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log"
	echo "deb: dpkg-buildpackage failed" >&2
	exit 1
fi
deb=$(ls "$OUT"/ebba_*.deb)
echo "deb: $deb"
rc=0
lintian --fail-on error "$OUT"/*.changes >"$OUT/lintian.log" 2>&1 || rc=$?
cat "$OUT/lintian.log"
e=$(grep -c '^E:' "$OUT/lintian.log" || true)
w=$(grep -c '^W:' "$OUT/lintian.log" || true)
echo "lintian: $e errors, $w warnings ($([ $rc -eq 0 ] && echo pass || echo FAIL))"
exit $rc
