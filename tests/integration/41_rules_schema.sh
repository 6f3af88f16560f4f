# The JSON Schemas of the rule files (schema/ebba-rules.schema.json) and of
# the rule tests (schema/ebba-rule-tests.schema.json), checked with Debian's
# python3-jsonschema: both are valid JSON Schemas; every shipped rule file,
# every rule-test file and every fuzz seed the loader accepts validates; the
# broken rule files that the loader refuses for their structure are refused
# by the schema too (and exactly those); make install ships both schemas.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK=$ROOT/tests/tools/yaml_schema_check.py
RULES_SCHEMA=$ROOT/schema/ebba-rules.schema.json
TESTS_SCHEMA=$ROOT/schema/ebba-rule-tests.schema.json
"$PY" -c 'import jsonschema, yaml' 2>/dev/null ||
	{ fail "python3-jsonschema and python3-yaml are installed (contrib/deps.sh)"; exit 0; }
schema_check() { "$PY" "$CHECK" "$@"; }
not_ok() { grep -v '^ok ' || true; }

for s in "$RULES_SCHEMA" "$TESTS_SCHEMA"; do
	schema_check "$s" >/dev/null
	check_eq "$(basename "$s") is a valid JSON Schema" 0 "$?"
done

check_eq "every shipped rule file validates" "" "$(schema_check "$RULES_SCHEMA" "$ROOT"/rules/*.yaml | not_ok)"
check_eq "every shipped rule-test file validates" "" \
	"$(schema_check "$TESTS_SCHEMA" "$ROOT"/rules/tests/*.yaml | not_ok)"
check_eq "the shipped rule files are all there" "$(ls "$ROOT"/rules/*.yaml | wc -l)" \
	"$(schema_check "$RULES_SCHEMA" "$ROOT"/rules/*.yaml | grep -c '^ok ')"

# The fuzz seeds the loader accepts (each alone as a rule set) are the ones
# meant to be valid.
valid=()
for f in "$ROOT"/fuzz/corpus/rules/*.yaml "$ROOT"/tests/data/rules-bad/base.yaml; do
	d=$(mktemp -d "$T_TMP/seed.XXXX")
	cp "$f" "$d/"
	"$EBBACTL" rules check "$d" >/dev/null 2>&1 && valid+=("$f")
done
check_match "the valid seeds include base, default and minimal" \
	"base.yaml .*default.yaml .*minimal.yaml" "$(printf '%s ' "${valid[@]##*/}")"
check_eq "every seed the loader accepts validates" "" "$(schema_check "$RULES_SCHEMA" "${valid[@]}" | not_ok)"

# Of the broken rule files, exactly those broken in their structure are
# refused: an unknown section or key, a missing required key, a malformed
# id, outcome, date, boolean or share, YAML that does not parse.  Mistakes
# in expressions, names, cycles, coverage and duplicates are for
# `ebbactl rules check`.
expected="01-yaml-syntax.yaml 02-unknown-section.yaml 03-unknown-check-key.yaml 04-check-without-id.yaml
05-check-without-expr.yaml 07-bad-check-id.yaml 08-bad-outcome.yaml 16-param-without-from.yaml
17-param-bad-date.yaml 18-param-without-source.yaml 20-provisional-not-bool.yaml
24-calculation-missing.yaml 25-bad-sample-rate.yaml 28-alias.yaml 36-complete-without-documents.yaml
37-request-letter-placeholder.yaml 39-documents-on-refer.yaml"
out=$(schema_check "$RULES_SCHEMA" "$ROOT"/tests/data/rules-bad/*.yaml)
refused=$(not_ok <<<"$out" | sed -E 's/^[a-z]+ ([^:]*)(:.*)?$/\1/' | xargs -n1 basename | tr '\n' ' ')
check_eq "the schema refuses exactly the structurally broken rule files" "$(echo $expected) " "$refused"
accepted=
for f in $expected; do
	d=$(mktemp -d "$T_TMP/bad.XXXX")
	cp "$ROOT/tests/data/rules-bad/$f" "$d/"
	"$EBBACTL" rules check "$d" >/dev/null 2>&1 && accepted="$accepted $f"
done
check_eq "the loader refuses each of them too" "" "$accepted"
check_match "an unknown section is named" "invalid .*02-unknown-section.yaml: \(top\): .*'chekcs'" "$out"
check_match "a misspelt check key is named" "03-unknown-check-key.yaml: checks/0: .*'expresion'" "$out"
check_match "a bad outcome is named" "08-bad-outcome.yaml: checks/0/outcome: 'avslå' is not one of" "$out"
check_match "a month 13 is refused" "17-param-bad-date.yaml: parameters/asset_limit/0/from: '2021-13-01'" "$out"
check_match "a share over 1 is refused" "25-bad-sample-rate.yaml: audit/sample/approved: 1.5" "$out"

# Rule-test files: a misspelt key and a bad enum value are refused.
printf 'tests:\n  - name: x\n    expect: {outcome: approved}\n    aplication: {period: 2026-03}\n' >"$T_TMP/t1.yaml"
printf 'tests:\n  - name: x\n    attendance: {0: {status: sjuk}}\n    expect: {outcome: approved}\n' >"$T_TMP/t2.yaml"
printf 'defaults:\n  frame: none\ntests:\n  - name: x\n    registers: {0: {AF: unavailable}}\n    expect: {outcome: referred, failed: [registers-answered]}\n' >"$T_TMP/t3.yaml"
out=$(schema_check "$TESTS_SCHEMA" "$T_TMP"/t[123].yaml)
check_match "a misspelt test key is refused" "invalid .*t1.yaml: tests/0: .*'aplication'" "$out"
check_match "an unknown attendance status is refused" "invalid .*t2.yaml: tests/0/attendance/0/status: 'sjuk'" "$out"
check_match "frame none and agency statuses validate" "^ok .*t3.yaml$" "$out"

# Shipped: make install puts both schemas in PREFIX/share/ebba/.
make -s -C "$ROOT" install BUILD="$BUILD" DESTDIR="$T_TMP/dest" PREFIX=/usr >"$T_TMP/install.log" 2>&1
check_eq "make install exits 0" 0 "$?"
for s in ebba-rules.schema.json ebba-rule-tests.schema.json; do
	check "make install ships $s" cmp "$ROOT/schema/$s" "$T_TMP/dest/usr/share/ebba/$s"
done
check_match "the .deb ships both schemas" "ebba-rules.schema.json usr/share/ebba.*ebba-rule-tests.schema.json usr/share/ebba" \
	"$(tr '\n' ' ' <"$ROOT/debian/ebba.install")"
