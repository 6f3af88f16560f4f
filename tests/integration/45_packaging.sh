# The shipped unit, man pages and default configuration: exposure under
# systemd-analyze, man pages without warnings, every setting documented.
# (make deb checks the package with lintian; it runs from .ci/run.)
. "$(dirname "$0")/../lib.sh"

if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	for name in ebba ebba-web ebba-deliver; do
		out=$(systemd-analyze security --offline=true --threshold=15 "$ROOT/packaging/$name.service" 2>&1); rc=$?
		check_eq "$name.service: systemd-analyze security --offline: exposure at most 1.5" 0 "$rc"
		check_match "... and it says OK" "Overall exposure level for $name.service: (0\.[0-9]|1\.[0-5]) " "$out"
	done
else
	ok "systemd-analyze security --offline # SKIP not available here"
fi

for m in "$ROOT"/man/*.[1-8]; do
	w=$(groff -man -ww -z "$m" 2>&1)
	check_eq "man page $(basename "$m") formats without warnings" "" "$w"
done

# Every setting the loader knows is in the default file and in ebba.yaml(5).
keys=$(sed -nE 's/^\s*S\("([a-z_]+)".*/\1/p' "$ROOT/daemon/lib/config.c")
check "the config loader's settings were found" test "$(printf '%s\n' $keys | wc -l)" -ge 20
missing_yaml= missing_man=
for k in $keys; do
	grep -qE "^\s*#$k:" "$ROOT/packaging/ebba.yaml" || missing_yaml="$missing_yaml $k"
	grep -qE "^\.B $(printf '%s' "$k" | sed 's/_/_/g')\$" "$ROOT/man/ebba.yaml.5" || missing_man="$missing_man $k"
done
check_eq "packaging/ebba.yaml shows every setting" "" "$missing_yaml"
check_eq "ebba.yaml(5) documents every setting" "" "$missing_man"
# And nothing that the loader does not know.
extra=
for k in $(sed -nE 's/^\s*#([a-z_]+):.*/\1/p' "$ROOT/packaging/ebba.yaml"); do
	case " registers audit web deliver retention $(echo $keys) " in *" $k "*) ;; *) extra="$extra $k";; esac
done
check_eq "packaging/ebba.yaml has no unknown setting" "" "$extra"
