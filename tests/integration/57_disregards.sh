# The income the law does not count (docs/income-disregards.md) through
# ebbad, the register simulator and a real PostgreSQL: a child's work income
# is counted against the yearly limit from the history of the case's
# earlier decisions of the year (read with the frames), a new calendar year
# starts the count again, jobbstimulans starts and says so in the letter,
# a backlog of one case's months is decided in the order of its periods,
# replay of those decisions finds no difference, and the same households
# replayed with the disregards set to 0 in a copy of the rules get the
# full-count amounts.  Amounts by hand from the 2021 tables: see
# rules/tests/disregards.yaml.
. "$(dirname "$0")/../lib.sh"
new_db || exit 2
mkdir -p "$T_TMP/registers/ssbtek" "$T_TMP/registers/plan"
start_regsim "$T_TMP/registers" || { fail "the register simulator started"; exit 0; }
CFG=$(registers_yaml "$PORT" | write_config)
ctl() { "$EBBACTL" -c "$CFG" "$@"; }

PARENT=198001022386 CHILD=200406012393 SINGLE=198001032385
frame() {  # frame CASE PERSONS ADULT_PNR [ADULT_EXTRA]
	cat >"$T_TMP/$1.yaml" <<YAML
case: $1
automation: allowed
valid_until: 2099-12-31
household: [$2]
adults:
  $3: { capacity: partial, plan: exempt, reason: arbetar deltid${4:-} }
approved_costs: { rent: 5250, electricity: 450 }
months_on_assistance: ${5:-3}
YAML
	ctl case set "$T_TMP/$1.yaml" >/dev/null || fail "case set $1"
}
app() {  # app ID CASE PERIOD PERSONS_XML INCOMES_XML COSTS_XML
	cat >"$T_TMP/$1.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="urn:ebba:application:1" id="$1" case="$2" kind="repeat">
  <period>$3</period>
  <submitted>2020-12-24T10:00:00+01:00</submitted>
  <household shared-with="0">$4</household>
  <incomes>$5</incomes>
  <costs>$6</costs>
  <assets/>
  <changes>false</changes>
  <message></message>
</application>
XML
	ctl submit "$T_TMP/$1.xml" >/dev/null || fail "submit $1"
}
family="<person pnr=\"$PARENT\" role=\"applicant\"/><person pnr=\"$CHILD\" role=\"child\"/>"
child_pay() { echo "<income person=\"$CHILD\" type=\"salary\" amount=\"$1\"/>"; }
rent='<cost type="rent" amount="5250"/>'
decide() { "$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log" || fail "ebbad --once"; }
amount_of() { psql_val "select coalesce(d.outcome || ' ' || d.amount, 'none') from ebba.decisions d where d.external_id = '$1'"; }

frame C-J1 "$PARENT, $CHILD" "$PARENT"
# One month at a time, as the year goes: each decision's history is the one before.
app EB-J1-07 C-J1 2021-07 "$family" "$(child_pay 20000)" "$rent"; decide
app EB-J1-08 C-J1 2021-08 "$family" "$(child_pay 26000)" "$rent"; decide
app EB-J1-09 C-J1 2021-09 "$family" "$(child_pay 3000)" "$rent"; decide
check_eq "July: 20 000 kr of the child's pay within the year's limit, not counted" "approved 13510" "$(amount_of EB-J1-07)"
check_eq "August: 20 000 + 26 000 still within 47 600, not counted" "approved 13510" "$(amount_of EB-J1-08)"
check_eq "September: 46 000 earned before, 1 600 free, 1 400 counted" "approved 12110" "$(amount_of EB-J1-09)"
check_eq "September's history holds July and August with the child's pay" "2021-07 20000,2021-08 26000" \
	"$(psql_val "select string_agg(h->>'period' || ' ' || (h->'incomes'->'$CHILD'->>'salary'), ',' order by h->>'period')
		from ebba.decisions d, json_array_elements((d.trace->'history'->'decisions')::json) h where d.external_id = 'EB-J1-09'")"
check_match "the letter has the child's line" "Arbetsinkomst \(barn 1\): 1 600 kr räknas inte" \
	"$(psql_val "select body from ebba.letters l join ebba.decisions d on d.id = l.decision_id where d.external_id = 'EB-J1-09'")"

# The same three months waiting at once (a backlog): decided in the order
# of their periods, each with the one before in its history (schema 011),
# not side by side in one batch with none.
frame C-J3 "$PARENT, $CHILD" "$PARENT"
app EB-J3-09 C-J3 2021-09 "$family" "$(child_pay 3000)" "$rent"
app EB-J3-07 C-J3 2021-07 "$family" "$(child_pay 20000)" "$rent"
app EB-J3-08 C-J3 2021-08 "$family" "$(child_pay 26000)" "$rent"
decide
check_eq "a backlog of three months: all decided by one ebbad --once" "3" \
	"$(psql_val "select count(*) from ebba.decisions where external_id like 'EB-J3-%'")"
check_eq "... in the order of their periods, not of their arrival" "EB-J3-07,EB-J3-08,EB-J3-09" \
	"$(psql_val "select string_agg(external_id, ',' order by id) from ebba.decisions where external_id like 'EB-J3-%'")"
check_eq "... September with July and August in its history, as one month at a time" "approved 12110" "$(amount_of EB-J3-09)"

# ebbactl calc: the same answer offline from --history (here the history the
# daemon stored), and without it the earlier months are unknown.
psql_val "select trace->'history' from ebba.decisions where external_id = 'EB-J1-09'" >"$T_TMP/history.json"
calc() { ctl --porcelain calc "$T_TMP/EB-J1-09.xml" --case "$T_TMP/C-J1.yaml" --registers "$T_TMP/registers" --today 2021-08-25 "$@"; }
out=$(calc --history "$T_TMP/history.json")
check_eq "calc --history: the daemon's amount and history" "amount	12110|history	2" \
	"$(grep -E '^(amount|history)	' <<<"$out" | paste -sd'|')"
check_match "calc --history: the child's line" "^note	Arbetsinkomst \(barn 1\): 1 600 kr räknas inte$" "$out"
check_eq "calc without --history: no history, the whole 3 000 kr within the limit" "amount	13510|history	none" \
	"$(calc | grep -E '^(amount|history)	' | paste -sd'|')"
printf '{"decisions": [{"period": "2021-07", "outcome": "approved", "incomes": {"%s": {"lön": 1}}}]}' "$CHILD" >"$T_TMP/bad.json"
check_match "calc --history: a mistake in the file is named" "bad.json: decision 2021-07: unknown income type 'lön'" \
	"$(calc --history "$T_TMP/bad.json" 2>&1)"

# A caseworker's decision is part of the history too, the period's incomes counted once.
did08=$(psql_val "select id from ebba.decisions where external_id = 'EB-J1-08' and inbox_id is not null")
ctl review resolve "$did08" --verdict approve --note "Prövat i test" >/dev/null || fail "review resolve"
app EB-J1-10 C-J1 2021-10 "$family" "$(child_pay 1000)" "$rent"; decide
check_eq "October: ebba's and the caseworker's August decisions in the history" "ebba,person" \
	"$(psql_val "select string_agg(case when h->>'by' = 'ebba' then 'ebba' else 'person' end, ',' order by h->>'by' = 'ebba' desc)
		from ebba.decisions d, json_array_elements((d.trace->'history'->'decisions')::json) h
		where d.external_id = 'EB-J1-10' and h->>'period' = '2021-08'")"
check_eq "October: 49 000 earned before, above the limit, all counted (8 260 + 5 250 - 1 000)" "approved 12510" "$(amount_of EB-J1-10)"

# A new calendar year: February 2022 counts January 2022's pay, against a new limit.
app EB-J1-2201 C-J1 2022-01 "$family" "$(child_pay 3000)" "$rent"; decide
app EB-J1-2202 C-J1 2022-02 "$family" "$(child_pay 3000)" "$rent"; decide
check_eq "January 2022 still counts 2021 (December's pay): all counted" "approved 10510" "$(amount_of EB-J1-2201)"
check_eq "February 2022: the count starts again, nothing counted" "approved 13510" "$(amount_of EB-J1-2202)"
# January's decision counted December's pay: it belongs to 2021, not to 2022's history.
check_eq "February 2022's history is of 2022's pay only: none before it" "2022 0" \
	"$(psql_val "select (d.trace->'history'->>'year') || ' ' || json_array_length((d.trace->'history'->'decisions')::json)
		from ebba.decisions d where d.external_id = 'EB-J1-2202'")"

# Jobbstimulans: eight months on assistance, no start recorded.
frame C-J2 "$SINGLE" "$SINGLE" "" 8
app EB-J2-03 C-J2 2021-03 "<person pnr=\"$SINGLE\" role=\"applicant\"/>" \
	"<income person=\"$SINGLE\" type=\"salary\" amount=\"4000\"/>" \
	'<cost type="rent" amount="5170"/><cost type="electricity" amount="450"/>'
decide
check_eq "jobbstimulans: 3 000 of 4 000 kr counted (the law's 6 800, not 5 800)" "approved 6800" "$(amount_of EB-J2-03)"
letter=$(psql_val "select body from ebba.letters l join ebba.decisions d on d.id = l.decision_id where d.external_id = 'EB-J2-03'")
check_match "the letter says the disregarded amount" "Jobbstimulans \(sökande\): 1 000 kr räknas inte" "$letter"
check_match "the letter says when jobbstimulans starts" "jobbstimulans från och med 2021-03" "$letter"

ids=$(psql_val "select string_agg(id::text, ' ' order by id) from ebba.decisions where inbox_id is not null")
out=$(ctl replay $ids 2>&1); rc=$?
check_eq "replay of every decision that used the disregards: no difference" "0 10" "$rc $(grep -c 'no difference' <<<"$out")"

# A copy of the rules with the disregards at 0: the full-count amounts.
cp -r "$ROOT/rules" "$T_TMP/rules0"
sed -i -e 's/^      value: 25$/      value: 0/' -e '/^  child_income_limit_pbb:/,/^  #/ s/^      value: .*/      value: 0/' \
	"$T_TMP/rules0/disregards.yaml"
replayed() { ctl --porcelain replay "$(psql_val "select id from ebba.decisions where external_id = '$1' and inbox_id is not null")" \
	--rules "$T_TMP/rules0" 2>&1 | awk -F'\t' '$1 == "diff" && $2 == "amount" {print $3 " -> " $4}'; }
check_eq "share 0: jobbstimulans household gets the full count" "6800 -> 5800" "$(replayed EB-J2-03)"
check_eq "limit 0: the child's July pay counted in full" "13510 -> -6490" "$(replayed EB-J1-07)"
check_eq "limit 0: September's 3 000 counted in full" "12110 -> 10510" "$(replayed EB-J1-09)"
check_eq "limit 0: February 2022 counted in full" "13510 -> 10510" "$(replayed EB-J1-2202)"

# The caseworker's Beslut page shows the lines too.
sfx=${PGDATABASE##*_}
CW=cwj$sfx PW=Test-l0senord
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null || fail "user add"
psql_val "grant password_login to $CW" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade; drop role if exists $CW" >/dev/null 2>&1; t_cleanup' EXIT
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
J=$T_TMP/cw.jar
token=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$token" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PW" "$URL/login"
page=$(curl -s -b "$J" "$URL/beslut/$(psql_val "select id from ebba.decisions where external_id = 'EB-J2-03'")")
check_match "Beslut: the jobbstimulans line" "Jobbstimulans \(sökande\): 1 000 kr räknas inte" "$page"
check_match "Beslut: the start line" "För sökande gäller jobbstimulans från och med 2021-03" "$page"
check_match "Beslut: the sum not counted, as its own row" "Inkomster som inte räknas</th><td></td><td class=\"num\">−1 000" "$page"
# The planning service has no plan for the adult (404, evidence not_found):
# the page says so, not that the register did not answer.
check_match "Beslut: no plan on record reads as such" "<strong>sökande[^<]*:</strong> <span class=\"unavail\">Ingen planering registrerad</span>" "$page"

# Referensram shows the recorded start, where the caseworker can change it.
sed -i 's/reason: arbetar deltid }/reason: arbetar deltid, jobbstimulans_from: 2021-03 }/' "$T_TMP/C-J2.yaml"
ctl case set "$T_TMP/C-J2.yaml" >/dev/null || fail "case set C-J2 with jobbstimulans_from"
check_match "case show prints jobbstimulans_from" "jobbstimulans_from: 2021-03" "$(ctl case show C-J2)"
check_match "Referensram: the start in its field" 'name="jobbstimulans_from_0" size="8" value="2021-03"' \
	"$(curl -s -b "$J" "$URL/referensram/C-J2")"
