#!/bin/bash
# The under-payment report (ebbactl whatif --under-paid): the demo's
# December 2026 decided with the estimated 2026 riksnorm (the table ebba
# shipped before the ordinance's, tests/data/rules-estimated-2026/), then
# re-decided under the shipped rules.  Every approval the official table
# pays more is listed per household and month with the difference, and the
# differences are the official amounts (contrib/demo/expected.tsv) minus
# what was paid; the households without children are not under-paid.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml

# the rule set as it was: the shipped one with the estimated riksnorm
cp -r "$ROOT/rules" "$T_TMP/old"
cp "$ROOT/tests/data/rules-estimated-2026/riksnorm.yaml" "$T_TMP/old/riksnorm.yaml"
check "the estimated rule set loads" "$EBBACTL" rules check "$T_TMP/old"
sed -i "s|^rules_dir: .*|rules_dir: $T_TMP/old|" "$CFG"
"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log" || { fail "ebbad --once with the estimated table"; exit 0; }
n=$(psql_val "select count(*) from ebba.decisions where inbox_id is not null")
check_eq "the demo was decided with the estimated table" 50 "$n"

out=$(ctl --porcelain whatif --rules "$ROOT/rules" --period 2026-12 --under-paid); rc=$?
check_eq "whatif --under-paid exits 0" 0 "$rc"
under=$(awk -F'\t' '$1 == "underpaid"' <<<"$out")
check "some households were under-paid" test -n "$under"

# Each line against the official amount: golden amount - stored amount.
bad=0 lines=0 expected_total=0
while IFS=$'\t' read -r _ case period decision paid should diff; do
	lines=$((lines + 1))
	ext=$(psql_val "select external_id from ebba.decisions where id = $decision")
	stored=$(psql_val "select outcome || ' ' || amount || ' ' || case_id || ' ' || period from ebba.decisions where id = $decision")
	official=$(awk -F'\t' -v id="$ext" '$1 == id {print $3}' "$ROOT/contrib/demo/expected.tsv")
	[ "$stored" = "approved $paid $case $period" ] || { bad=$((bad + 1)); echo "# $decision: stored '$stored', listed $paid $case $period"; }
	[ "$should" = "$official" ] && [ "$diff" = "$((official - paid))" ] ||
		{ bad=$((bad + 1)); echo "# $ext: should $should diff $diff, official $official paid $paid"; }
	expected_total=$((expected_total + official - paid))
done <<<"$under"
check_eq "every listed household and month: the official amount minus what was paid" 0 "$bad"

# Every stored approval the official table pays more is listed, and no other.
want=0
while IFS=$'\t' read -r ext outcome amount; do
	official=$(awk -F'\t' -v id="$ext" '$1 == id {print $3}' "$ROOT/contrib/demo/expected.tsv")
	[ "$outcome" = approved ] && [ "$official" -gt "$amount" ] && want=$((want + 1))
done < <(psql -XAt -F$'\t' -c "select external_id, outcome, amount from ebba.decisions where inbox_id is not null and amount is not null")
check_eq "every under-paid approval is listed, none other" "$want" "$lines"
check_eq "the total is the sum of the differences" \
	"$(awk -F'\t' '$1 == "underpaid_total" {print $4}' <<<"$out")" "$expected_total"

# A household worked by hand: EB-2026-12-000009, a couple with children,
# got 27 860 kr under the estimate; the ordinance's table gives 27 960 kr.
d9=$(psql_val "select id from ebba.decisions where external_id = 'EB-2026-12-000009'")
check_match "EB-2026-12-000009: 27 860 paid, 27 960 owed, 100 kr under-paid" \
	"^underpaid	[^	]+	2026-12	$d9	27860	27960	100\$" "$under"
# Households without children pay the same: single 3 950 + 1 270 = 3 940 + 1 280.
single=$(psql_val "select d.id from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id
	where d.inbox_id is not null and d.outcome = 'approved' and convert_from(i.payload, 'UTF8') not like '%role=\"child\"%'
	and convert_from(i.payload, 'UTF8') not like '%co-applicant%' order by d.id limit 1")
check "a single adult without children is not under-paid" bash -c "! grep -qP '\t$single\t' <<<'$under'"

human=$(ctl whatif --rules "$ROOT/rules" --period 2026-12 --under-paid)
check_match "the report for people names household, month and the difference" \
	"Underbetalt: beviljade beslut där beloppet enligt kandidaten är högre" "$human"
check_match "with the total owed" "Totalt: [0-9]+ hushåll, $lines månader, .* kr att betala ut" "$human"
check_match "and why each changed: the norm" "normen 2[0-9 ]+ → 2[0-9 ]+ kr \\(\\+[0-9]+\\)" "$human"
sed "s/^/# /" <<<"$human"   # the report, in the test log
