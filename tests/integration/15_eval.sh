# ebbactl eval: prints values in expression syntax, exit 1 for an error
# value, 2 for usage and compile errors with line:column.
. "$(dirname "$0")/../lib.sh"

out=$("$EBBACTL" eval '[1, 2u, "x", {"a": true}, 2.5, 1e100]' 2>&1); rc=$?
check_eq "eval prints CEL literal syntax" '0 [1, 2u, "x", {"a": true}, 2.5, 1e+100]' "$rc $out"

cat >"$T_TMP/facts.json" <<'J'
{"income": {"total": 4200}, "costs": [{"amount": 1000, "accepted": true},
 {"amount": 250, "accepted": false}], "name": "Test Testsson"}
J
out=$("$EBBACTL" eval 'sum(costs.filter(c, c.accepted).map(c, c.amount)) - income.total' \
	--facts "$T_TMP/facts.json" 2>&1); rc=$?
check_eq "eval reads JSON facts" "0 -3200" "$rc $out"

out=$("$EBBACTL" eval 'income.missing' --facts "$T_TMP/facts.json" 2>&1); rc=$?
check_eq "an error value exits 1 with its message" '1 ebbactl eval: no such key: "missing"' "$rc $out"

out=$("$EBBACTL" eval '1 / 0' 2>&1); rc=$?
check_eq "division by zero is an error value" "1 ebbactl eval: division by zero" "$rc $out"

out=$("$EBBACTL" eval '(1 + ' 2>&1); rc=$?
check_eq "a syntax error exits 2 with line:column" \
	"2 ebbactl eval: 1:6: unexpected end of expression" "$rc $out"

out=$("$EBBACTL" eval '"a" + 1' 2>&1); rc=$?
check_eq "an obvious type error is a compile error" \
	"2 ebbactl eval: 1:5: no operator '+' for string and int" "$rc $out"

printf '[1]' >"$T_TMP/list.json"
"$EBBACTL" eval 1 --facts "$T_TMP/list.json" >/dev/null 2>&1; rc=$?
check_eq "facts that are not an object exit 2" 2 "$rc"

"$EBBACTL" eval --help | grep -q 'usage: ebbactl eval'; rc=$?
check_eq "eval --help prints usage" 0 "$rc"
"$EBBACTL" eval >/dev/null 2>&1; rc=$?
check_eq "eval without an expression exits 2" 2 "$rc"
