# Delegation behind every automatic decision (issue 17): ebbad decides the
# same households with four rule sets -- without a delegation, with one
# that has expired, with one that covers only rejections, and with the
# default set's (in force) -- and
#  - without a delegation in force that covers approvals it refers every
#    application with "Ingen delegation för automatiskt beslut gäller" and
#    says so at load (its log, `rules check`, `ebbactl status`);
#  - with the default set it approves as before, and the trace of every
#    approval names the delegation it relied on; replay agrees, and finds
#    the difference against a set without one.
. "$(dirname "$0")/../lib.sh"
MSG='Ingen delegation för automatiskt beslut gäller'
LABEL='Socialnämnden, beslut 2016-06-14, § 123, delegationsordningen punkt 4.2.1: automatiserat beslut om fortsatt försörjningsstöd (exempel)'

DATA=$T_TMP/data
"$GEN" --out "$DATA" --count 6 --seed 11 --period 2026-12 --deviations 0 \
	--pnr-list "$EBBA_REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt" >/dev/null ||
	{ fail "ebba-gen"; exit 0; }
start_regsim "$DATA/registers" || { fail "the register simulator started"; exit 0; }

# The rule sets.
cp -r "$ROOT/rules" "$T_TMP/none" && rm "$T_TMP/none/delegation.yaml"
cp -r "$ROOT/rules" "$T_TMP/expired" &&
	sed -i 's/^    valid_from: 2016-07-01$/&\n    valid_until: 2025-12-31/' "$T_TMP/expired/delegation.yaml"
cp -r "$ROOT/rules" "$T_TMP/rejections" &&
	sed -i 's/^    outcomes: \[approved\]$/    outcomes: [rejected]/' "$T_TMP/rejections/delegation.yaml"
check_eq "the variants differ from the default set only in the delegation" "1 1" \
	"$(grep -c 'valid_until: 2025-12-31' "$T_TMP/expired/delegation.yaml") $(grep -c 'outcomes: \[rejected\]' "$T_TMP/rejections/delegation.yaml")"

# decide NAME RULES: a database of its own, the households, ebbad --once.
decide() {
	local name=$1 rules=$2
	new_db || return 1
	CFG=$({ echo "rules_dir: $rules"; registers_yaml "$PORT"; } | write_config)
	local f
	for f in "$DATA"/cases/*.yaml; do "$EBBACTL" -c "$CFG" case set "$f" >/dev/null || return 1; done
	"$EBBACTL" -c "$CFG" submit "$DATA"/applications/*.xml >/dev/null || return 1
	"$EBBAD" -c "$CFG" --once 2>"$T_TMP/$name.log"
}

N=$(ls "$DATA"/applications/*.xml | wc -l)
for v in none expired rejections; do
	decide "$v" "$T_TMP/$v" || { fail "$v: ebbad decided"; continue; }
	check_eq "$v: every application is decided" "$N" "$(psql_val "select count(*) from ebba.decisions")"
	check_eq "$v: every application is referred" "$N" "$(psql_val "select count(*) from ebba.decisions where outcome = 'referred'")"
	check_eq "$v: each with the delegation reason" "$N" \
		"$(psql_val "select count(*) from ebba.decision_checks where check_id = 'ebba-delegation' and result = 'fail' and message = '$MSG'")"
	check_eq "$v: no trace names a delegation" 0 \
		"$(psql_val "select count(*) from ebba.decisions where trace::jsonb -> 'rules' -> 'delegation' <> 'null'::jsonb")"
	check_match "$v: ebbad says so at load" "no delegation for automatic decisions is in force today" "$(cat "$T_TMP/$v.log")"
	check_match "$v: rules check warns" "warning: .*hänvisar varje ansökan till en handläggare" \
		"$("$EBBACTL" rules check "$T_TMP/$v")"
	check_match "$v: ebbactl status shows it" "^delegation	none in force today" \
		"$("$EBBACTL" -c "$CFG" --porcelain status | grep '^delegation')"
done

decide valid "$ROOT/rules" || fail "valid: ebbad decided"
check_eq "valid: every application is approved as before" "$N" \
	"$(psql_val "select count(*) from ebba.decisions where outcome = 'approved'")"
check_eq "valid: no delegation reason" 0 "$(psql_val "select count(*) from ebba.decision_checks where check_id = 'ebba-delegation'")"
check_eq "valid: the trace of each approval names the delegation" "$N" \
	"$(psql_val "select count(*) from ebba.decisions where outcome = 'approved' and trace::jsonb -> 'rules' -> 'delegation' ->> 'label' = '$LABEL'")"
check_eq "valid: and its dates" "$N" \
	"$(psql_val "select count(*) from ebba.decisions where trace::jsonb #>> '{rules,delegation,decided}' = '2016-06-14' and trace::jsonb #>> '{rules,delegation,valid_from}' = '2016-07-01'")"
check_eq "valid: each letter names it" "$N" \
	"$(psql_val "select count(*) from ebba.letters where body like '%med stöd av Socialnämndens beslut den 2016-06-14 (§ 123%'")"
check_match "valid: ebbad names it at load, as the example" "automatic approvals rely on the delegation .*shipped example" \
	"$(cat "$T_TMP/valid.log")"
check_match "valid: rules check warns while the example is in force" "delegation.yaml:[0-9]+:[0-9]+: warning: delegationen .* är ett exempel" \
	"$("$EBBACTL" rules check "$ROOT/rules")"
check_match "valid: ebbactl status names it" "^delegation	Socialnämnden, beslut 2016-06-14.*shipped example" \
	"$("$EBBACTL" -c "$CFG" --porcelain status | grep '^delegation')"
id=$(psql_val "select id from ebba.decisions where outcome = 'approved' order by id limit 1")
out=$("$EBBACTL" -c "$CFG" --porcelain replay "$id"); rc=$?
check_eq "valid: replay finds no difference" "0 differences	0" "$rc $out"
out=$("$EBBACTL" -c "$CFG" --porcelain replay "$id" --rules "$T_TMP/none"); rc=$?
check_eq "replay against a set without a delegation: exit 1" 1 "$rc"
check_eq "and the difference names the delegation" 1 "$(grep -cxF "diff	delegation	$LABEL	" <<<"$out")"
check_match "and the outcome" "^diff	outcome	approved	referred$" "$out"
