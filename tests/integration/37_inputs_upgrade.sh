# Replay over a database written by the version before schema 032 (issue
# 30 item 1): the previous commit is built from the repository's own
# history, its ebbactl migrates a fresh database (to 031) and its ebbad
# decides the demo's 50 applications (approved, referred, households of
# several persons, a register outage, a case without a frame); then the
# current ebbactl migrates it (032 backfills ebba.decision_inputs from the
# traces) and replays every decision: 0 differences each, and a what-if
# with the unchanged rule set changes nothing.  The same applications
# decided by the current ebbad into another database give the same
# decision_inputs rows as the backfill, so backfill and hot path cannot
# drift apart.
#
# EBBA_OLD_BUILD=DIR uses that directory's ebbad and ebbactl instead of
# building them (they must be of the commit before schema 032).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"

# The last commit without schema/032: the parent of the one that added it,
# or HEAD while it is not committed yet.
added=$(git -C "$ROOT" log --diff-filter=A --format=%H -- schema/032_decision_inputs.sql 2>/dev/null | tail -1)
old_commit=$(git -C "$ROOT" rev-parse --verify -q "${added:-HEAD}${added:+^}")
old=${EBBA_OLD_BUILD:-}
if [ -z "$old" ]; then
	if [ -z "$old_commit" ] || git -C "$ROOT" cat-file -e "$old_commit:schema/032_decision_inputs.sql" 2>/dev/null; then
		fail "the commit before schema 032 is in the repository's history (a full clone is needed)"
		exit 0
	fi
	mkdir -p "$T_TMP/old"
	# A plain build of the old version, whatever this run's BUILD (check-san
	# exports build-san) or flags: it is only the writer of the old database.
	if ! git -C "$ROOT" archive "$old_commit" | tar -x -C "$T_TMP/old" ||
	   ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$T_TMP/old" -j2 BUILD=build CC=cc \
		build/ebbad build/ebbactl >"$T_TMP/old-build.log" 2>&1; then
		fail "the version before schema 032 ($old_commit) builds"
		tail -20 "$T_TMP/old-build.log" | sed 's/^/#   /'
		exit 0
	fi
	old=$T_TMP/old/build
fi
ok "the version before schema 032 is built (${old_commit:0:7})"

# The old binaries with today's data generator and register simulator.
mkdir -p "$T_TMP/oldbin"
ln -s "$old/ebbad" "$old/ebbactl" "$T_TMP/oldbin/"
ln -s "$ROOT/$BUILD/ebba-gen" "$ROOT/$BUILD/ebba-regsim" "$T_TMP/oldbin/"

name="t_37_inputs_upgrade_$RANDOM"
createdb "$name" || exit 2
export PGDATABASE=$name
demo_setup "$ROOT" "$T_TMP/oldbin" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup with the old ebbactl"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
check_eq "the old ebbactl migrated to 031" 31 "$(psql_val "select max(version) from ebba.schema_migrations")"
"$old/ebbad" -c "$CFG" --once 2>"$T_TMP/ebbad-old.log"
check_eq "the old ebbad decided all 50" 50 "$(psql_val "select count(*) from ebba.decisions where decided_by = 'ebba'")"
check_eq "of varied outcomes" "approved referred" \
	"$(psql_val "select string_agg(distinct outcome, ' ' order by outcome) from ebba.decisions")"

"$EBBACTL" -c "$CFG" db migrate >/dev/null
# To the newest migration this tree has (032 or later).
latest=$(ls "$ROOT"/schema/[0-9]*.sql | tail -1 | sed 's|.*/0*\([0-9]*\)_.*|\1|')
check_eq "the current ebbactl migrated past 032, to $latest" "$latest" "$(psql_val "select max(version) from ebba.schema_migrations")"
check_eq "every decision of ebba's has its inputs backfilled" 0 \
	"$(psql_val "select count(*) from ebba.decisions d where d.inbox_id is not null
		and not exists (select 1 from ebba.decision_inputs x where x.decision_id = d.id)")"
check_eq "the backfill took the date, the frame (one case has none) and the registers flag" "50 49 50" \
	"$(psql_val "select count(decided_on) || ' ' || count(frame) || ' ' || count(registers_configured) from ebba.decision_inputs")"

ids=$(psql_val "select string_agg(id::text, ' ' order by id) from ebba.decisions where inbox_id is not null")
# shellcheck disable=SC2086
out=$("$EBBACTL" -c "$CFG" --porcelain replay $ids 2>&1); rc=$?
check_eq "the current replay of every old decision exits 0" 0 "$rc"
check_eq "every old decision replays with 0 differences" "50" \
	"$(grep -c '^differences	0$' <<<"$out")"
check_eq "no difference reported at all" "" "$(grep -v '^differences	0$' <<<"$out" | head -5)"

out=$("$EBBACTL" -c "$CFG" --porcelain whatif --rules "$ROOT/rules" --period 2026-12); rc=$?
check_eq "what-if over the old decisions exits 0" 0 "$rc"
check_eq "the unchanged rule set changes none of the old decisions" \
	"total	decisions	50	changed	0	amount_delta	0" "$(head -1 <<<"$out")"
check_eq "none of them is skipped" "skipped	0" "$(sed -n 2p <<<"$out")"

# The same applications decided by the current ebbad: the rows it writes
# are the rows the backfill made.
inputs_sql="select d.external_id, x.inputs_version, x.decided_on, x.registers_configured,
	x.frame, x.history, x.register_reasons
	from ebba.decision_inputs x join ebba.decisions d on d.id = x.decision_id order by 1"
backfilled=$(psql -XAt -c "$inputs_sql")
name2="${name}_new"
createdb "$name2" || exit 2
export PGDATABASE=$name2
"$EBBACTL" -c "$CFG" db migrate >/dev/null
for f in "$T_TMP"/demo/data/cases/*.yaml; do "$EBBACTL" -c "$CFG" case set "$f" >/dev/null; done
"$EBBACTL" -c "$CFG" submit "$T_TMP"/demo/data/applications/*.xml >/dev/null
"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad-new.log"
written=$(psql -XAt -c "$inputs_sql")
check_eq "the current ebbad wrote inputs for all 50" 50 "$(psql_val "select count(*) from ebba.decision_inputs")"
if [ "$backfilled" = "$written" ]; then
	ok "the backfilled rows equal the rows the current ebbad writes for the same applications"
else
	fail "the backfilled rows equal the rows the current ebbad writes for the same applications"
	# the first line that differs, field by field
	paste -d '\n' <(echo "$backfilled") <(echo "$written") | awk -F'|' '
		NR % 2 { split($0, a, "|"); line = $0; next }
		$0 != line { for (i = 1; i <= NF; i++) if ($i != a[i]) printf "#   %s field %d: backfilled %s\n#   %*s written    %s\n", $1, i, substr(a[i], 1, 200), length($1) + 8 + length(i), "", substr($i, 1, 200); exit }'
fi
# shellcheck disable=SC2046
check_eq "and the new decisions replay with 0 differences too" 50 \
	"$("$EBBACTL" -c "$CFG" --porcelain replay $(psql_val "select string_agg(id::text, ' ' order by id) from ebba.decisions where inbox_id is not null") | grep -c '^differences	0$')"
export PGDATABASE=$name
dropdb "$name2" 2>/dev/null || true
