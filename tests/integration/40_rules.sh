#!/bin/bash
# ebbactl rules check / rules test on the shipped rules and on broken ones.
. "$(dirname "$0")/../lib.sh"

out=$("$EBBACTL" rules check "$ROOT/rules" 2>&1); rc=$?
check_eq "rules check: default rule set is valid" 0 "$rc"
check_match "rules check: names the rule set and its sha256" "rule set ebba-standard version .* sha256 [0-9a-f]{64}" "$out"
check_match "rules check: provisional values are warnings, one per date and source" "riksnorm.yaml:[0-9]+:[0-9]+: warning: parametrarna 'riksnorm_single', .* från 2024-01-01 är preliminära" "$out"
check_eq "rules check: one warning for 2027, the 2026 table carried forward" 1 "$(grep -c 'från 2027-01-01 är preliminär' <<<"$out")"
check_match "rules check: the 2027 warning names what is missing" "från 2027-01-01 är preliminära \(ebba: 2026 års belopp förda vidare. SAKNAS: regeringens riksnorm för 2027" "$out"
check_eq "rules check: the official 2026 table is not provisional" 0 "$(grep -c 'från 2026-01-01 är preliminär' <<<"$out")"

out=$("$EBBACTL" rules test "$ROOT/rules" 2>&1); rc=$?
check_eq "rules test: all default rule tests pass" 0 "$rc"
check_match "rules test: summary" "^[0-9]+ tests, [0-9]+ passed, 0 failed" "$(tail -1 <<<"$out")"
n=$(grep -c '^ok ' <<<"$out")
check "rules test: at least 30 tests" test "$n" -ge 30

# the configuration's rules_dir is the default
cfg=$(write_config </dev/null)
out=$("$EBBACTL" -c "$cfg" rules check 2>&1); rc=$?
check_eq "rules check: DIR defaults to rules_dir" 0 "$rc"

# a broken rule set: exit 1, file:line:column on stderr
bad=$T_TMP/bad; mkdir -p "$bad"
cp "$ROOT/tests/data/rules-bad/09-unknown-fact.yaml" "$bad/rules.yaml"
out=$("$EBBACTL" rules check "$bad" 2>&1); rc=$?
check_eq "rules check: broken rule set exits 1" 1 "$rc"
check_match "rules check: error with file:line:column" "$bad/rules.yaml:22:11: okänt namn 'asets' \(menade du 'assets'\?\)" "$out"

# a failing rule test: exit 1 and the reason
good=$T_TMP/good; mkdir -p "$good/tests"
cp "$ROOT"/rules/*.yaml "$good/"
cat >"$good/tests/t.yaml" <<'YAML'
tests:
  - name: wrong expectation
    application:
      period: 2017-03
      household: [{role: applicant, age: 40}]
    frame: {adults: {0: {capacity: none, plan: exempt, reason: sjuk}}}
    expect: {outcome: approved, amount: 1}
YAML
out=$("$EBBACTL" rules test "$good" 2>&1); rc=$?
check_eq "rules test: a failing test exits 1" 1 "$rc"
check_match "rules test: says what differed" "FAIL wrong expectation .*amount is 3930, expected 1" "$out"

out=$("$EBBACTL" rules check /nonexistent 2>&1); rc=$?
check_eq "rules check: missing directory exits 2" 2 "$rc"

# the reason catalogue (rules/reasons.yaml): listed, published by explain,
# and every check answered by a reason
out=$("$EBBACTL" --porcelain rules reasons "$ROOT/rules" 2>&1); rc=$?
check_eq "rules reasons: exits 0" 0 "$rc"
check_match "rules reasons --porcelain: ID<TAB>sentence" $'^cost-over-reasonable\tKostnaden godtas bara till den del den är skälig' "$out"
out=$("$EBBACTL" rules reasons "$ROOT/rules" 2>&1)
check_match "rules reasons: the provision in force today" "12 kap. 1 och 7 §§ socialtjänstlagen \(2025:400\)" "$out"
out=$("$EBBACTL" rules check "$ROOT/rules" 2>&1)
check_eq "rules check: every check of the standard set has a catalogue reason" 0 \
	"$(printf "%s" "$out" | grep -c "inget skäl i skälkatalogen")"
out=$("$EBBACTL" rules explain "$ROOT/rules" --format markdown 2>&1)
check_match "rules explain: publishes the catalogue with dated provisions" \
	"cost-over-reasonable.*Lagrum från 2017-01-01: 4 kap. 1 § socialtjänstlagen \(2001:453\); från 2025-07-01" "$out"
check_match "rules explain: publishes the appeal text" "förvaltningsrätten \(35 kap. 1 § socialtjänstlagen, 2025:400\)" "$out"
nor=$T_TMP/noreason; mkdir -p "$nor"
cp "$ROOT"/rules/*.yaml "$nor/"
sed -i 's/checks: \[assets-within-limit\]/checks: [no-such-check]/' "$nor/reasons.yaml"
out=$("$EBBACTL" rules check "$nor" 2>&1); rc=$?
check_eq "rules check: a check without a reason is a warning, not an error" 0 "$rc"
check_match "rules check: warns for the check no reason answers" \
	"checks.yaml:[0-9]+:[0-9]+: warning: kontrollen 'assets-within-limit' kan hänvisa men inget skäl i skälkatalogen" "$out"
check_match "rules check: warns for a reason naming no check" \
	"reasons.yaml:[0-9]+:[0-9]+: warning: skälet 'assets-available' nämner kontrollen 'no-such-check'" "$out"
