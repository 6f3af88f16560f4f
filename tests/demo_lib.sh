# Shared by the tests over the demo households (55_stats, 56_whatif,
# 80_web_stats); sourced after lib.sh.
. "$ROOT/contrib/demo/setup.sh"

# demo_decided: in the database new_db made, the demo households (2026-12)
# with their register simulator, decided by ebbad --once (its log in
# $T_TMP/ebbad.log); sets CFG.  Returns 1, having said which step failed,
# if one does.
demo_decided() {
	demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; return 1; }
	T_PIDS+=("$DEMO_REGSIM_PID")
	CFG=$T_TMP/demo/ebba.yaml
	"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log" || { fail "ebbad --once (demo)"; return 1; }
}

ctl() { "$EBBACTL" -c "$CFG" "$@"; }

# golden CHECK: the demo households the golden file says are referred for
# CHECK (a comma-separated list when more than one check failed).
golden() { awk -F'\t' -v c="$1" '$2 == "referred" && $4 == c {print $1}' "$ROOT/contrib/demo/expected.tsv"; }

# demo_copies EXTERNAL_ID: twelve copies of that household (T-1 .. T-12,
# 2026-12) and a copy of every demo household for 2027-01 (N-EB-...),
# decided by ebbad --once.  Returns 1, having said which step failed, if
# one does.
demo_copies() {
	psql -XAtq -v ON_ERROR_STOP=1 -c "
	insert into ebba.inbox (external_id, case_id, period, payload)
	select 'T-' || g, case_id, period,
		convert_to(replace(convert_from(payload, 'UTF8'), 'id=\"$1\"', 'id=\"T-' || g || '\"'), 'UTF8')
	from ebba.inbox, generate_series(1, 12) g where external_id = '$1';
	insert into ebba.inbox (external_id, case_id, period, payload)
	select 'N-' || external_id, case_id, '2027-01',
		convert_to(replace(replace(convert_from(payload, 'UTF8'), 'id=\"' || external_id || '\"',
			'id=\"N-' || external_id || '\"'), '<period>2026-12</period>', '<period>2027-01</period>'), 'UTF8')
	from ebba.inbox where external_id like 'EB-%'" || { fail "inserting copies"; return 1; }
	"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log" || { fail "ebbad --once (copies)"; return 1; }
}

did() { psql_val "select id from ebba.decisions where inbox_id is not null and external_id = '$1'"; }
amount() { psql_val "select amount from ebba.decisions where id = $1"; }
# applied_rent DECISION: the rent its application applied for, in kronor.
applied_rent() {
	psql_val "select (xpath('//e:cost[@type=\"rent\"]/@amount', convert_from(i.payload, 'UTF8')::xml,
		'{{e,urn:ebba:application:1}}'))[1]::text from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id
		where d.id = $1"
}
# resolve DECISION approve|reject|less KRONOR: a person's decision, line by
# line with its letter: approve accepts every failed check (the rule set's
# amount); reject refuses the whole (needs-not-shown); less accepts the
# rent KRONOR below what was applied for and every failed check (delvis
# bifall).
resolve() {
	local a=()
	case $2 in
	approve) a=(--verdict approve) ;;
	reject) a=(--reason needs-not-shown) ;;
	less) a=(--cost "rent=$(( $(applied_rent "$1") - $3 )):cost-over-reasonable" --verdict partly) ;;
	esac
	ctl review resolve "$1" "${a[@]}" --note "Utredd i test" >/dev/null ||
		fail "review resolve $1 $2 ${3:-}"
}

# review_two_samples: the first two sampled approvals of 2026-12 reviewed,
# one confirmed and one with its rent accepted 250 kr below what was
# applied for (delvis bifall: an error found).  Returns 1,
# having said so, if there are not two.
review_two_samples() {
	local sampled
	mapfile -t sampled < <(psql_val "select d.id from ebba.decisions d where d.inbox_id is not null and d.outcome = 'approved'
	and d.period = '2026-12' and exists (select 1 from ebba.audit_flags f where f.decision_id = d.id and f.kind = 'sample')
	order by d.id limit 2")
	[ ${#sampled[@]} -eq 2 ] || { fail "the demo has two sampled approvals"; return 1; }
	resolve "${sampled[0]}" approve
	resolve "${sampled[1]}" less 250
}
