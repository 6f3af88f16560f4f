# ebbactl stats against the rows: the demo households (2026-12), twelve
# more copies of one aktivitetskrav referral (2026-12) and a copy of every
# household for 2027-01, through ebbad; known referrals are resolved in
# known ways, and every count of the report is checked against counts
# computed here from the rows, by other queries than the store's.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_decided || exit 0

# The golden file says which households are referred for what.
mapfile -t akt < <(golden aktivitetskrav)
mapfile -t akt_reg < <(golden plan-registered,aktivitetskrav-plan)
mapfile -t nochg < <(golden no-changes)
mapfile -t attend < <(golden plan-attendance,aktivitetskrav-franvaro)
[ ${#akt[@]} -ge 2 ] && [ ${#akt_reg[@]} -ge 3 ] && [ ${#nochg[@]} -ge 3 ] && [ ${#attend[@]} -ge 1 ] ||
	{ fail "the demo has the referrals this test resolves"; exit 0; }
demo_copies "${akt[0]}" || exit 0
check_eq "every copy decided" "12 50" "$(psql_val "select count(*) filter (where external_id like 'T-%') || ' ' ||
	count(*) filter (where external_id like 'N-%') from ebba.decisions where inbox_id is not null")"
check "the January copies are decided as January" test "$(psql_val "select count(*) from ebba.decisions
	where inbox_id is not null and period = '2027-01' and outcome = 'referred'")" -gt 0

# aktivitetskrav (2026-12): the twelve copies and both demo referrals
# approved as applied; of those without a plan (aktivitetskrav-plan, 12 kap.
# 4 e §) one approved, one adjusted (delvis bifall: the rent accepted 500 kr
# below what was applied for), the others left open.
for ext in "${akt[@]}" $(seq -f 'T-%g' 1 12); do resolve "$(did "$ext")" approve; done
resolve "$(did "${akt_reg[0]}")" approve
resolve "$(did "${akt_reg[1]}")" less 500
# no-changes: one of each; plan-attendance: one rejected.
resolve "$(did "${nochg[0]}")" approve
resolve "$(did "${nochg[1]}")" less 100
resolve "$(did "${nochg[2]}")" reject
resolve "$(did "${attend[0]}")" reject
# January: the first two referrals approved as applied.
for d in $(psql_val "select id from ebba.decisions where inbox_id is not null and period = '2027-01'
		and outcome = 'referred' order by id limit 2"); do resolve "$d" approve; done
# Audit flags: of the sampled approvals one confirmed, one adjusted (an
# error found); of the targeted flags on unreviewed decisions one rejected.
# (Approvals only, so the referrals left open above stay open.)
review_two_samples || exit 0
mapfile -t targeted < <(psql_val "select d.id from ebba.decisions d where d.inbox_id is not null and d.outcome = 'approved'
	and d.period = '2026-12' and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)
	and exists (select 1 from ebba.audit_flags f where f.decision_id = d.id and f.kind = 'targeted') order by d.id limit 1")
[ ${#targeted[@]} -eq 1 ] || { fail "the demo has a flagged approval"; exit 0; }
resolve "${targeted[0]}" reject

# --- independent counts -----------------------------------------------------
# ebba's decisions are those that review none; the first review of each
# decision is found by DISTINCT ON rather than LATERAL;
# "as applied" by comparing with a sentinel rather than IS NOT DISTINCT FROM.
REV="(select distinct on (reviews_decision_id) reviews_decision_id as of, outcome, amount from ebba.decisions
	where reviews_decision_id is not null order by reviews_decision_id, id)"
SAME="(r.outcome = 'approved' and coalesce(r.amount, -1) = coalesce(e.amount, -1))"
expect_checks() {  # expect_checks FROM TO: the check records, sorted
	psql -XAt -F$'\t' -c "select 'check', c.check_id, e.period, 'referred', count(*),
		'approved_as_applied', sum(case when $SAME then 1 else 0 end),
		'adjusted', sum(case when r.outcome in ('approved', 'partly_approved') and not $SAME then 1 else 0 end),
		'rejected', sum(case when r.outcome = 'rejected' then 1 else 0 end),
		'open', sum(case when r.outcome is null and rd.id is null then 1 else 0 end),
		'redecided', sum(case when r.outcome is null and rd.id is not null then 1 else 0 end)
		from ebba.decisions e join ebba.decision_checks c on c.decision_id = e.id
		left join (select redecides_decision_id as of, id from ebba.decisions
		           where redecides_decision_id is not null) rd on rd.of = e.id
		left join $REV r on r.of = e.id
		where e.reviews_decision_id is null and e.outcome = 'referred' and c.result not in ('pass', 'skip')
		and e.period between '$1' and '$2'
		group by c.check_id, e.period" | LC_ALL=C sort
}
expect_audit() {  # expect_audit FROM TO
	local kind
	for kind in sample targeted; do
		psql -XAt -F$'\t' -c "select 'audit', '$kind', 'raised', count(*), 'resolved',
			coalesce(sum(case when f.resolved_at is null then 0 else 1 end), 0), 'found_error',
			coalesce(sum(case when f.resolved_at is not null and not $SAME then 1 else 0 end), 0)
			from ebba.audit_flags f join ebba.decisions e on e.id = f.decision_id left join $REV r on r.of = e.id
			where f.kind = '$kind' and e.period between '$1' and '$2'"
	done
}
expect_realised() {  # expect_realised FROM TO: sampled/approved as 0.nnnn, or -
	psql -XAt -c "select case when count(*) = 0 then '-' else to_char(
		count(*) filter (where e.id in (select decision_id from ebba.audit_flags where kind = 'sample'))::numeric
		/ count(*), 'FM0.0000') end
		from ebba.decisions e where e.reviews_decision_id is null and e.outcome = 'approved' and e.period between '$1' and '$2'"
}
compare() {  # compare WHAT FROM TO ARGS...: stats ARGS against the rows in [FROM, TO]
	local what=$1 from=$2 to=$3; shift 3
	local out rc
	out=$(ctl --porcelain stats "$@"); rc=$?
	check_eq "stats $what: exit 0" 0 "$rc"
	check_eq "stats $what: every check count agrees with the rows" "$(expect_checks "$from" "$to")" \
		"$(grep '^check	' <<<"$out" | LC_ALL=C sort)"
	check_eq "stats $what: every audit count agrees with the rows" "$(expect_audit "$from" "$to")" \
		"$(grep '^audit	' <<<"$out")"
	check_eq "stats $what: realised and configured sample rate" \
		"sample_rate	realised	$(expect_realised "$from" "$to")	configured	0.1000" \
		"$(grep '^sample_rate	' <<<"$out")"
	check_eq "stats $what: referred = approved as applied + adjusted + rejected + open + re-decided on every line" "" \
		"$(awk -F'\t' '$1 == "check" && $5 != $7 + $9 + $11 + $13 + $15' <<<"$out")"
	printf '%s\n' "$out" >"$T_TMP/last.out"
}
compare "(everything)" 0000-00 9999-99
compare "--period 2026-12" 2026-12 2026-12 --period 2026-12
compare "--period 2027-01" 2027-01 2027-01 --period 2027-01
compare "--from 2026-12 --to 2027-01" 2026-12 2027-01 --from 2026-12 --to 2027-01
compare "--from 2027-01" 2027-01 9999-99 --from 2027-01
compare "--to 2026-12" 0000-00 2026-12 --to 2026-12
compare "--period 2026-11 (nothing)" 2026-11 2026-11 --period 2026-11
check_eq "an empty month has no check records" "" "$(grep '^check' "$T_TMP/last.out")"
check_eq "an empty month: no approvals, no realised rate" "sample_rate	realised	-	configured	0.1000" \
	"$(grep '^sample_rate' "$T_TMP/last.out")"

# --- the known resolutions, by hand ---------------------------------------
out=$(ctl --porcelain stats --period 2026-12)
n_akt=$(( ${#akt[@]} + 12 ))
check_eq "aktivitetskrav 2026-12: $n_akt as applied, none adjusted, rejected or open" \
	"check	aktivitetskrav	2026-12	referred	$n_akt	approved_as_applied	$n_akt	adjusted	0	rejected	0	open	0	redecided	0" \
	"$(grep -P '^check\taktivitetskrav\t' <<<"$out")"
check_eq "aktivitetskrav-plan 2026-12: 1 as applied, 1 adjusted, 0 rejected, the rest open" \
	"check	aktivitetskrav-plan	2026-12	referred	${#akt_reg[@]}	approved_as_applied	1	adjusted	1	rejected	0	open	$((${#akt_reg[@]} - 2))	redecided	0" \
	"$(grep -P '^check\taktivitetskrav-plan\t' <<<"$out")"
check_match "no-changes 2026-12: one of each" \
	"^check	no-changes	2026-12	referred	${#nochg[@]}	approved_as_applied	1	adjusted	1	rejected	1	open	$((${#nochg[@]} - 3))	redecided	0$" \
	"$(grep -P '^check\tno-changes\t' <<<"$out")"
check_match "plan-attendance 2026-12: one rejected" "	rejected	1	" "$(grep -P '^check\tplan-attendance\t' <<<"$out")"
check_eq "sample flags: the two resolved, the adjusted one found an error" "2 1" \
	"$(grep -P '^audit\tsample\t' <<<"$out" | cut -f6,8 | tr '\t' ' ')"
check_match "targeted flags: the rejected one found an error" "found_error	[1-9]" "$(grep -P '^audit\ttargeted\t' <<<"$out")"
check_eq "aktivitetskrav is the one check to tune (>= 90 % of >= 10 decided approved as applied)" \
	"tune	aktivitetskrav	decided	$n_akt	approved_as_applied	$n_akt" \
	"$(grep '^tune' <<<"$out")"
check_eq "with the January referrals too, aktivitetskrav is still to tune" "aktivitetskrav" \
	"$(ctl --porcelain stats | awk -F'\t' '$1 == "tune" {print $2}')"

human=$(ctl stats --period 2026-12)
sed 's/^/# /' <<<"$human"
check_match "for people: a table with Swedish headings" "KONTROLL +PERIOD +HÄNVISADE" "$human"
check_match "for people: the share approved as applied" "aktivitetskrav +2026-12 .* %" "$human"
check_match "for people: the hint in Swedish" "Att se över: aktivitetskrav" "$human"
check_match "for people: the audit table" "stickprov +[0-9]+ +2 +1" "$human"
check_match "for people: the sample rate" "Stickprov: [0-9]+ av [0-9]+ automatiska beviljanden.*inställd andel 10.0 %" "$human"

# ebba.yaml's audit.sample_approved overrides the rule set's rate.
sed 's/^audit:$/audit:\n  sample_approved: 0.25/' "$CFG" >"$T_TMP/override.yaml"
check_match "the configured rate is ebba.yaml's when it sets one" "configured	0.2500$" \
	"$("$EBBACTL" -c "$T_TMP/override.yaml" --porcelain stats | grep '^sample_rate')"

# --- exit codes ----------------------------------------------------------------
for bad in "--period 2026-13" "--period 202612" "--period 2026-1" "--from 2027-01 --to 2026-12" \
	"--period 2026-12 --from 2026-12" "--to x" "extra" "--bogus"; do
	# shellcheck disable=SC2086
	ctl stats $bad >/dev/null 2>"$T_TMP/err"
	check_eq "stats $bad: exit 2" 2 "$?"
done
check_match "a bad month is named" "'2026-13' is not a month written YYYY-MM" "$(ctl stats --period 2026-13 2>&1)"
check_eq "stats --help: exit 0" 0 "$(ctl stats --help >/dev/null; echo $?)"
check_match "ebbactl --help lists stats" "^  stats " "$("$EBBACTL" --help)"
PGDATABASE=no_such_database_here ctl stats >/dev/null 2>&1
check_eq "stats without a database: exit 2" 2 "$?"
demo_stop_regsim
