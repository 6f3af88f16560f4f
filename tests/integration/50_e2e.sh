# End to end: the demo households through ebbad, the register simulator and
# a real PostgreSQL.  Every application's outcome, amount and failed checks
# are asserted against contrib/demo/expected.tsv, and each generated
# deviation must produce the check that catches it.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
DATA=$T_TMP/demo/data
ctl() { "$EBBACTL" -c "$CFG" "$@"; }

"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log"
check_eq "ebbad --once exits 0" 0 "$?"
check_eq "50 applications, 50 decisions" "50 50" \
	"$(psql_val "select count(*) || ' ' || (select count(*) from ebba.decisions where decided_by = 'ebba') from ebba.inbox")"
check_eq "none left pending" 0 "$(psql_val "select count(*) from ebba.inbox where state <> 'decided'")"

# outcome, amount, failed checks and their messages, one line each
actual=$(psql -XAt -F$'\t' -c "select i.external_id, d.outcome, coalesce(d.amount::text, '-'),
	coalesce((select string_agg(c.check_id, ',' order by c.ordinal) from ebba.decision_checks c
		where c.decision_id = d.id and c.result in ('fail', 'error')), '-'),
	coalesce((select string_agg(c.message, ' | ' order by c.ordinal) from ebba.decision_checks c
		where c.decision_id = d.id and c.result in ('fail', 'error')), '-')
	from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id order by 1")
GOLDEN=$ROOT/contrib/demo/expected.tsv
if [ -n "${EBBA_UPDATE_GOLDEN:-}" ]; then
	# Rewriting the golden file is a deliberate act: review the diff, and
	# this run never counts as green.
	printf '%s\n' "$actual" >"$GOLDEN"
	fail "EBBA_UPDATE_GOLDEN: wrote $GOLDEN; review git diff and run again without it"
fi
while IFS=$'\t' read -r id outcome amount failed messages; do
	got=$(grep -P "^$id\t" <<<"$actual" | cut -f2-)
	check_eq "$id: $outcome $amount ${failed/-/}" "$outcome	$amount	$failed	$messages" "$got"
done <"$GOLDEN"
check_eq "the golden file covers every decision" "$(wc -l <"$GOLDEN")" "$(printf '%s\n' "$actual" | wc -l)"

# Independently of the golden file: each deviation is caught by its check.
declare -A catches=([af_missing]=af-registered [low_attendance]=plan-attendance
	[undeclared_income]=income-matches-registers [changes]=no-changes
	[rent_over_frame]=costs-within-frame [no_plan]=plan-registered [part_time_plan]=aktivitetskrav)
while IFS=$'\t' read -r id case n dev; do
	[ "$dev" = none ] || [ "${id:0:1}" = "#" ] && continue
	failed=$(grep -P "^$id\t" <<<"$actual" | cut -f4)
	check_match "$id ($dev) is referred by ${catches[$dev]}" "(^|,)${catches[$dev]}(,|$)" "$failed"
done <"$DATA/manifest.tsv"
declare -A altered=(["new application"]=kind-repeat ["message to caseworker"]=no-message
	["no case frame"]=frame-exists ["manual handling"]=automation-allowed ["register outage"]=registers-answered)
while IFS=$'\t' read -r id what; do
	failed=$(grep -P "^$id\t" <<<"$actual" | cut -f4)
	check_match "$id ($what) is referred by ${altered[$what]}" "(^|,)${altered[$what]}(,|$)" "$failed"
done <"$DATA/altered.tsv"
outage=$(grep 'register outage' "$DATA/altered.tsv" | cut -f1)
check_match "the outage names the agencies" "Register ej tillgängligt: AF" \
	"$(psql_val "select message from ebba.decision_checks c join ebba.decisions d on d.id = c.decision_id where d.external_id = '$outage' and c.check_id = 'registers-answered'")"

check_eq "every approval has an amount = norm + costs - incomes" 0 \
	"$(psql_val "select count(*) from ebba.decisions where outcome = 'approved' and amount <> norm + costs - incomes")"
check_eq "every approval has a letter, no referral has one" 0 \
	"$(psql_val "select count(*) from ebba.decisions d where (outcome = 'approved') <> exists (select 1 from ebba.letters l where l.decision_id = d.id)")"
letter=$(psql_val "select body from ebba.letters l join ebba.decisions d on d.id = l.decision_id order by d.id limit 1")
check_match "the letter says how to appeal" "förvaltningsrätten" "$letter"
check_match "the letter gives the amount" "[0-9] kr" "$letter"
check_eq "sample flags only on approvals" 0 \
	"$(psql_val "select count(*) from ebba.audit_flags f join ebba.decisions d on d.id = f.decision_id where f.kind = 'sample' and d.outcome <> 'approved'")"
check_eq "every sample draw is recorded" 0 "$(psql_val "select count(*) from ebba.audit_flags where kind = 'sample' and draw !~ '^hmac-sha256 '")"
check_eq "evidence for every SSBTEK look-up" 0 \
	"$(psql_val "select count(*) from ebba.decisions d where d.outcome = 'approved' and not exists (select 1 from ebba.register_evidence e where e.decision_id = d.id and e.agency = 'SSBTEK' and e.status = 'ok')")"
check_eq "no approval rests on unavailable evidence" 0 \
	"$(psql_val "select count(*) from ebba.decisions d join ebba.register_evidence e on e.decision_id = d.id where d.outcome = 'approved' and e.status = 'unavailable'")"
# fetched_at is when the register answered: after the claim, before the
# commit (the transaction's now(), which a literal "now" would have given).
check_eq "evidence rows with bytes: answered after the claim, before the commit" "0" \
	"$(psql_val "select count(*) from ebba.register_evidence e join ebba.decisions d on d.id = e.decision_id
		join ebba.inbox i on i.id = d.inbox_id where e.raw is not null and not (e.fetched_at > i.claimed_at and e.fetched_at < d.decided_at)")"
check "there are evidence rows with bytes to judge" test "$(psql_val "select count(*) from ebba.register_evidence where raw is not null")" -gt 50
check_eq "agency summary rows carry the time of the SSBTEK answer they are read from" "0" \
	"$(psql_val "select count(*) from ebba.register_evidence s where s.raw is null and s.source = 'ssbtek' and not exists (
		select 1 from ebba.register_evidence w where w.decision_id = s.decision_id and w.person_ref = s.person_ref
		and w.agency = 'SSBTEK' and w.raw is not null and w.fetched_at = s.fetched_at)")"
check "no identity number in the daemon's log" bash -c "! grep -Eq '(19|20)[0-9]{6}-?[0-9]{4}' '$T_TMP/ebbad.log'"

# Replay: every decision reproduces; after a rule change the difference shows.
ids=$(psql_val "select string_agg(id::text, ' ' order by id) from ebba.decisions")
out=$(ctl replay $ids 2>&1); rc=$?
check_eq "replay of all 50 decisions: no difference" "0 50" "$rc $(grep -c 'no difference' <<<"$out")"
cp -r "$ROOT/rules" "$T_TMP/rules2"
sed -i '0,/value: 100$/s//value: 1000/' "$T_TMP/rules2/ruleset.yaml"
undeclared=$(awk -F'\t' '$4 == "undeclared_income" {print $1; exit}' "$DATA/manifest.tsv")
did=$(psql_val "select id from ebba.decisions where external_id = '$undeclared'")
out=$(ctl replay "$did" --rules "$T_TMP/rules2" 2>&1); rc=$?
check_eq "after a rule change replay exits 1" 1 "$rc"
check_match "and shows the changed rule set hash" "rule set sha256" "$out"

# The caseworker's side.
check_match "review list shows referrals" "referred" "$(ctl review list)"
rid=$(psql_val "select id from ebba.decisions where outcome = 'referred' order by id limit 1")
out=$(ctl --porcelain review show "$rid")
check_match "review show lists every check" "^check	kind-repeat	fail	" "$out"
check_match "review show lists evidence" "^evidence	" "$(ctl --porcelain review show "$(psql_val "select id from ebba.decisions where outcome = 'approved' order by id limit 1")")"
ctl review resolve "$rid" --reason needs-not-shown --note "Utredd" >/dev/null
me=$(psql_val "select session_user")
check_eq "resolve records the caseworker's own decision, as the connected role, with its letter" "$me rejected 1" \
	"$(psql_val "select decided_by || ' ' || outcome || ' ' || (select count(*) from ebba.letters l where l.decision_id = d.id)
	from ebba.decisions d where reviews_decision_id = $rid")"
check_eq "ebba's own decision is unchanged" referred "$(psql_val "select outcome from ebba.decisions where id = $rid")"
ctl review resolve "$rid" --verdict approve --note "igen" >/dev/null 2>&1
check_eq "a second resolution is refused" 1 "$?"
sid=$(psql_val "select decision_id from ebba.audit_flags where kind = 'sample' limit 1")
if [ -n "$sid" ]; then
	ctl review resolve "$sid" --verdict approve --note "Stickprov granskat" >/dev/null
	check_eq "resolving a sampled approval resolves its flag" "approve $me" \
		"$(psql_val "select verdict || ' ' || resolved_by from ebba.audit_flags where decision_id = $sid and kind = 'sample'")"
	check_eq "... approved as ebba computed it (--verdict approve: the rule set's amount)" \
		"approved $(psql_val "select amount from ebba.decisions where id = $sid")" \
		"$(psql_val "select outcome || ' ' || amount from ebba.decisions where reviews_decision_id = $sid")"
fi
check_match "status shows the realised sample rate" "sample_rate_percent" "$(ctl status)"
demo_stop_regsim
