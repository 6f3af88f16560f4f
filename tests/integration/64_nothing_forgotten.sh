# Nothing forgotten (issue 28, item 5): every table in schema ebba, from the
# catalogue.  A table holds case data when it has a column that ties it to
# a case or a person (case_id, decision_id, inbox_id, pnr, payload) or is
# named below as holding such data otherwise.  Each of those must have
#  - a retention rule: the retention function's code deletes from it (or,
#    for a what-if run, takes the removed decisions out of it);
#  - a place in the export: ebba.person_export (or what it calls) reads it,
#    or the table is listed below with where its data goes instead;
#  - a row-level policy (pg_policies), once item 1 of the issue has landed:
#    CHECK_POLICIES below switches that check on.
# A new table with case data fails here until it has all of them, or is
# named below with the reason it needs none; a stale name fails too.
. "$(dirname "$0")/../lib.sh"
new_db || exit 2

# >>> Switch to 1 when row-level security (issue 28 item 1, ebba.case_protection)
# >>> is merged: every case-data table must then have a policy in pg_policies.
CHECK_POLICIES=1

# Case-data tables that need no row-level policy once CHECK_POLICIES is on:
# TABLE=why (for the merger of item 1 to fill, e.g. retention_log).
declare -A NO_POLICY_NEEDED=(
	[access_log]="no one reads it directly but the retention function: auditors through schema 024's functions, which return log facts only, and a view of a protected case is marked there"
	[case_protection_log]="only members of ebba_protected and auditors may read it at all (60_security_grants)"
	[whatif_runs]="a supervisor's run; protected decisions are left out of what a non-member's run lists (schema 023)"
)
# Tables that hold case data without a tell-tale column.
HOLDS_CASE_DATA="access_log whatif_runs"
# Case-data tables whose data reaches the export another way: TABLE=why.
declare -A EXPORTED_ELSEWHERE=(
	[case_frames]="the frame as it stands is its newest version in case_frame_versions, every version of which is exported"
	[letter_pdfs]="ebbactl export-person adds each letter's PDF through letter_pdf_get (rendered and stored if it never was)"
	[open_work]="a copy of the decisions' open state, rebuilt from decisions, checks and flags, which are exported"
	[decision_feed]="the feed's sequence number of a decision, no data of its own"
	[retention_log]="counts of rows removed per case and table, never content: the record of what retention did"
	[whatif_runs]="a supervisor's simulation; retention takes the removed decisions out of its result"
)
# Case-data tables retention does not delete from: TABLE=why.
declare -A KEPT_BY_DESIGN=(
	[retention_log]="what retention removed is kept: counts only, no content"
)

src() {  # the code of the named functions in schema ebba
	psql_val "select string_agg(prosrc, E'\n') from pg_proc where pronamespace = 'ebba'::regnamespace
		and proname = any (string_to_array('$1', ' '))"
}
RETENTION_SRC=$(src "retention_run retention_remove_case")
EXPORT_SRC=$(src "person_export person_decisions person_applications")
mentions() { grep -qE "ebba\.$2([^a-z_]|$)" <<<"$1"; }

holds_case_data() {
	local cols
	cols=$(psql_val "select count(*) from pg_attribute where attrelid = 'ebba.$1'::regclass and not attisdropped
		and attname in ('case_id', 'decision_id', 'inbox_id', 'pnr', 'payload')")
	[ "$cols" -gt 0 ] || [[ " $HOLDS_CASE_DATA " == *" $1 "* ]]
}

judge() {  # judge TABLE: the ok / not ok lines for one case-data table
	local t=$1
	if [ -n "${KEPT_BY_DESIGN[$t]:-}" ] || mentions "$RETENTION_SRC" "$t"; then
		ok "ebba.$t has a retention rule${KEPT_BY_DESIGN[$t]:+ (kept: ${KEPT_BY_DESIGN[$t]})}"
	else
		fail "ebba.$t holds case data but retention (ebba.retention_run) never removes it"
	fi
	if [ -n "${EXPORTED_ELSEWHERE[$t]:-}" ] || mentions "$EXPORT_SRC" "$t"; then
		ok "ebba.$t has a place in the export${EXPORTED_ELSEWHERE[$t]:+ (${EXPORTED_ELSEWHERE[$t]})}"
	else
		fail "ebba.$t holds case data but ebba.person_export never reads it"
	fi
	if [ "$CHECK_POLICIES" = 1 ] && [ -z "${NO_POLICY_NEEDED[$t]:-}" ]; then
		check_eq "ebba.$t has row-level security and a policy" "1 1" \
			"$(psql_val "select c.relrowsecurity::int || ' ' || (exists (select 1 from pg_policies p
				where p.schemaname = 'ebba' and p.tablename = '$t'))::int from pg_class c where c.oid = 'ebba.$t'::regclass")"
	fi
}

mapfile -t TABLES < <(psql_val "select relname from pg_class where relnamespace = 'ebba'::regnamespace
	and relkind in ('r', 'p') order by relname collate \"C\"")
check "the catalogue lists the tables" test "${#TABLES[@]}" -gt 15
case_tables=()
for t in "${TABLES[@]}"; do
	if holds_case_data "$t"; then case_tables+=("$t"); else echo "# ebba.$t: no case data"; fi
done
echo "# case data in: ${case_tables[*]}"
for t in "${case_tables[@]}"; do judge "$t"; done
for t in "${!EXPORTED_ELSEWHERE[@]}" "${!KEPT_BY_DESIGN[@]}" $HOLDS_CASE_DATA; do
	[[ " ${case_tables[*]} " == *" $t "* ]] || fail "the exception for ebba.$t names no case-data table (stale)"
done
# the check can fail: a new table with a case column that nothing knows of
psql_val "create table ebba.t_forgotten (case_id text)" >/dev/null
holds_case_data t_forgotten && out=$(judge t_forgotten) || out=
check_eq "a new case table that nothing knows is caught (retention, export and policy)" $((2 + CHECK_POLICIES)) "$(grep -c '^not ok' <<<"$out")"
psql_val "drop table ebba.t_forgotten" >/dev/null
