# Global options anywhere: `-c CONFIG` and `--porcelain` are the same
# before and after the command name, for every ebbactl command that takes
# them (as git, systemctl and most tools accept them).  Each pair of runs
# must print the same bytes and exit the same; and each output must really
# be the porcelain form (tab-separated), so that a --porcelain ignored in
# both positions cannot pass.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" 2>"$T_TMP/setup.log" ||
	{ fail "demo setup"; cat "$T_TMP/setup.log"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
DATA=$T_TMP/demo/data
"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log" || fail "ebbad --once"

app=$(ls "$DATA"/applications/*.xml | head -1)
case_id=$(grep -o 'case="[^"]*"' "$app" | cut -d'"' -f2)
referred=$(psql_val "select id from ebba.decisions where outcome = 'referred' order by id limit 1")
decided=$(psql_val "select id from ebba.decisions order by id limit 1")

# same NAME TABREGEX ARGS... (TABREGEX "": an error line, not porcelain): runs `ebbactl -c CFG --porcelain ARGS` and
# `ebbactl ARGS -c CFG --porcelain` (the options after the command's own
# arguments) and compares output and exit status.
same() {
	local name=$1 want=$2; shift 2
	local before after rb ra
	before=$("$EBBACTL" -c "$CFG" --porcelain "$@" 2>&1); rb=$?
	after=$("$EBBACTL" "$@" -c "$CFG" --porcelain 2>&1); ra=$?
	check_eq "$name: the same output and exit status with the options before and after" \
		"$rb $before" "$ra $after"
	[ -n "$want" ] && check_match "$name: the output is porcelain" "$want" "$after"
	# Mixed: -c before the command, --porcelain right after its name.
	local mixed rm
	mixed=$("$EBBACTL" -c "$CFG" "$1" --porcelain "${@:2}" 2>&1); rm=$?
	check_eq "$name: -c before, --porcelain after the command name" "$rb $before" "$rm $mixed"
}

T=$'\t'
same "calc" "^outcome${T}" calc "$app" --case "$DATA/cases/$case_id.yaml" --registers "$DATA/registers" --today 2026-11-25
same "validate" "${T}ok$" validate "$app"
same "review list" "${T}referred${T}" review list
same "review show" "^outcome${T}referred$" review show "$referred"
same "replay" "${T}" replay "$decided"
same "status" "^pending${T}" status
same "rules check" "^sha256${T}[0-9a-f]{64}$" rules check "$ROOT/rules"
# submit: the refusal of a document already in the inbox, both ways ...
same "submit (already there)" "" submit "$app"
# ... and two new documents, one submitted each way, say the same but the id.
for n in 1 2; do
	sed "0,/id=\"[^\"]*\"/s//id=\"EB-GLOBAL-$n\"/" "$app" >"$T_TMP/g$n.xml"
done
a=$("$EBBACTL" -c "$CFG" --porcelain submit "$T_TMP/g1.xml" 2>&1); ra=$?
b=$("$EBBACTL" submit "$T_TMP/g2.xml" -c "$CFG" --porcelain 2>&1); rb=$?
check_eq "submit: new documents, options before and after" "0 $T_TMP/g1.xml${T}submitted${T}EB-GLOBAL-1" "$ra $a"
check_eq "submit: the same with the options after" "0 $T_TMP/g2.xml${T}submitted${T}EB-GLOBAL-2" "$rb $b"

# -c alone after the command: the config is used (a missing file is an
# environment error naming it, in either position).
out=$("$EBBACTL" status -c "$T_TMP/no-such.yaml" 2>&1); rc=$?
check_eq "-c after the command is read: a missing config is exit 2" 2 "$rc"
check_match "and the error names the file" "no-such.yaml" "$out"
out=$("$EBBACTL" -c "$T_TMP/no-such.yaml" status 2>&1); rc=$?
check_eq "-c before the command: the same exit 2" 2 "$rc"

# After "--" every argument is the command's own.
out=$("$EBBACTL" -c "$CFG" validate -- --porcelain 2>&1); rc=$?
check_eq "after --, --porcelain is a file name for validate" 2 "$rc"
check_match "and the error names it as a file" "^--porcelain: " "$out"

check_match "--help says where global options may stand" "before or after the command name" \
	"$("$EBBACTL" --help)"
