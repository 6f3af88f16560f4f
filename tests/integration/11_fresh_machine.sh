# A newcomer's first steps on a fresh Debian server, as root: the clone may
# sit in a home directory closed to others, and any target may be typed
# first.
#  - The private cluster of make demo and make bench (tests/pg.sh) starts
#    from inside a 0700 directory that the postgres user cannot pass, and
#    stopping and removing it leaves nothing behind.
#  - Every target that compiles or runs the programs installs what is
#    missing first (make deps), as demo and check do: bench on a fresh
#    machine once stopped at a missing jansson.h.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" = 0 ]; then
	home=$T_TMP/home
	mkdir -p "$home" && chmod 0700 "$home"
	out=$(
		. "$ROOT/tests/pg.sh"
		pg_start "$home/ebba/build/demo/pg" >"$T_TMP/pg.log" 2>&1 || { echo "start failed"; exit 0; }
		psql -XAtq -c "select 'up'"
		real=$(pg_real_dir "$home/ebba/build/demo/pg")
		echo "real=$real"
		PG_DIR=$real PG_BIN=$(pg_bindir) pg_stop
		pg_remove "$home/ebba/build/demo/pg"
		[ -e "$real" ] && echo "left=$real"
		[ -e "$home/ebba/build/demo/pg" ] && echo "left link"
		true
	)
	check_match "a cluster starts for a clone in a 0700 home directory" '^up$' "$out"
	check_eq "stopping and removing it leaves no files behind" "" \
		"$(printf '%s\n' "$out" | grep '^left' || true)"
	cat "$T_TMP/pg.log" 2>/dev/null | sed 's/^/#   /' | head -5
else
	ok "a cluster in a closed home directory # SKIP needs root"
fi

for target in bench torture fuzz fuzz-ci deb security check-san demo check; do
	plan=$(make -C "$ROOT" -n "$target" 2>/dev/null | head -3)
	check_match "make $target installs what is missing first" 'contrib/deps\.sh' "$plan"
done
check_eq "no stray files at the top of the tree" "" \
	"$(cd "$ROOT" && git ls-files 2>/dev/null | grep -vE '/|^(\.|Makefile|README\.md|RELIABILITY\.md|LICENSE|package(-lock)?\.json)' || true)"
