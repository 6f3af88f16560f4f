# Find a household and follow it over time (issue 29, items 3 and 4).
#  - the index: every ebba.case_people row carries the keyed hash of its
#    identity number (schema 026), for rows from before the migration as
#    for new ones; the key is readable by no application role;
#  - Sök by identity number is a POST answered from that index: the number
#    is in neither a URL, the access log (which names the hash) nor
#    ebba-web's log; a bad number is refused at its field, in Swedish;
#  - Sök by case number goes to the household; one not there, or an
#    identity number typed as a case number, is refused;
#  - Hushåll shows every month's decisions with a chart and its table, the
#    frame's history with who changed what; each view is logged; Beslut
#    links to it; an unknown case is 404;
#  - a caseworker outside ebba_protected finds no trace of a protected
#    case (row-level security on case_people, schema 026); a member does;
#  - the same by keyboard alone in Chromium, axe-clean
#    (tests/web/household/find.mjs).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_decided || exit 0

sfx=${PGDATABASE##*_}
CW=cwh$sfx
printf 'Test-l0senord\n' | ctl user add "$CW" --role caseworker --display-name "Siv Ås" --title socialsekreterare >/dev/null ||
	fail "user add"
PR=prh$sfx
printf 'Test-l0senord\n' | ctl user add "$PR" --role caseworker,protected >/dev/null || fail "user add (protected)"
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade; drop role if exists $CW; drop owned by $PR cascade; drop role if exists $PR" >/dev/null 2>&1; t_cleanup' EXIT
psql_val "grant password_login to $CW" >/dev/null 2>&1
psql_val "grant password_login to $PR" >/dev/null 2>&1

# one household in two months: its December application again for January
C=$(psql_val "select d.case_id from ebba.decisions d join ebba.case_frames f using (case_id)
	where d.inbox_id is not null and d.outcome = 'approved' order by d.id limit 1")
P=$(psql_val "select pnr from ebba.case_people where case_id = '$C' and role = 'applicant' limit 1")
[ -n "$C" ] && [ -n "$P" ] || { fail "the demo has an approved case with a frame and an applicant"; exit 0; }
check "the applicant is a Skatteverket test identity number" grep -qx "$P" \
	"$EBBA_REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt"
psql_val "insert into ebba.inbox (external_id, case_id, period, payload)
	select 'J-' || external_id, case_id, '2027-01',
		convert_to(replace(replace(convert_from(payload, 'UTF8'), 'id=\"' || external_id || '\"',
			'id=\"J-' || external_id || '\"'), '<period>2026-12</period>', '<period>2027-01</period>'), 'UTF8')
	from ebba.inbox where case_id = '$C' and period = '2026-12'" >/dev/null
"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log" || fail "ebbad --once (January)"
check_eq "the case has decisions in two months" 2 \
	"$(psql_val "select count(distinct period) from ebba.decisions where case_id = '$C'")"

# another household, protected by a member of ebba_protected
C2=$(psql_val "select d.case_id from ebba.decisions d join ebba.case_people p on p.case_id = d.case_id and p.role = 'applicant'
	where d.inbox_id is not null and d.case_id <> '$C' and p.pnr <> '$P' order by d.id limit 1")
P2=$(psql_val "select pnr from ebba.case_people where case_id = '$C2' and role = 'applicant' limit 1")
check "a member of ebba_protected protects another case" env PGUSER=$PR PGPASSWORD=Test-l0senord "$EBBACTL" -c "$CFG" case protect "$C2"

# ---- the index --------------------------------------------------------------
check_eq "every case_people row has its keyed hash (backfilled and new alike)" 0 \
	"$(psql_val "select count(*) from ebba.case_people where pnr_key is distinct from ebba.person_key(pnr)")"
check_eq "... which is HMAC-SHA-256 (32 bytes), not a plain hash of the number" "32 0" \
	"$(psql_val "select min(octet_length(pnr_key)) || ' ' || count(*) filter (where pnr_key = sha256(convert_to(pnr, 'UTF8')))
	  from ebba.case_people")"
check_eq "a row written later gets its key, whatever the insert said" 1 \
	"$(psql_val "insert into ebba.case_people (case_id, pnr, role, inbox_id, pnr_key)
	  values ('$C', '$P', 'household', 0, '\\x00') on conflict do nothing;
	  select count(*) from ebba.case_people where case_id = '$C' and pnr = '$P' and role = 'household'
	     and pnr_key = ebba.person_key('$P')")"
out=$(psql -XAtq -c "set session authorization $CW; select key from ebba.person_key_secret" 2>&1)
check_match "a caseworker cannot read the key" "permission denied" "$out"
for r in ebba_web ebba_daemon ebba_auditor ebba_supervisor; do
	check_eq "$r has no privilege on the key" f \
		"$(psql_val "select has_table_privilege('$r', 'ebba.person_key_secret', 'select')")"
done
check_eq "a caseworker outside ebba_protected sees no row of who the protected case is about" 0 \
	"$(psql_val "set session authorization $CW; select count(*) from ebba.case_people where case_id = '$C2' or pnr_key = ebba.person_key('$P2')")"
check "... a member does" test "$(psql_val "set session authorization $PR; select count(*) from ebba.case_people
	where pnr_key = ebba.person_key('$P2')")" -ge 1
plan=$(psql_val "set enable_seqscan = off; explain select case_id from ebba.case_people where pnr_key = ebba.person_key('$P')")
check_match "the search is an index look-up on the hash" "case_people_pnr_key" "$plan"

# ---- ebba-web -----------------------------------------------------------------
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
JAR=$T_TMP/cw.jar
token=$(curl -s -c "$JAR" -b "$JAR" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf=$token" --data-urlencode "user=$CW" \
	--data-urlencode "password=Test-l0senord" "$URL/login"
page=$(curl -s -b "$JAR" "$URL/sok")
check_match "Sök is in the navigation" '<a href="/sok" aria-current="page">Sök</a>' "$page"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' <<<"$page" | head -n 1 | grep -o '[0-9a-f]\{64\}')
search() {  # search FIELD=VALUE: POST /sok; the answer in $T_TMP/sok.html
	curl -s -b "$JAR" -o "$T_TMP/sok.html" -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$tok" \
		--data-urlencode "$1" "$URL/sok"
}
dashed="${P:0:8}-${P:8}"
before=$(psql_val "select count(*) from ebba.access_log")
check_eq "Sök by identity number answers on the page (200)" "200 " "$(search "personnummer=$dashed")"
check_match "... finding the case" "<a href=\"/hushall/$C\">Hushåll $C</a>" "$(cat "$T_TMP/sok.html")"
check_match "... with the person's role in it" "sökande" "$(cat "$T_TMP/sok.html")"
check "... and never showing the number back" sh -c "! grep -qE '$P|$dashed' '$T_TMP/sok.html'"
check_eq "the search is logged once, as the person, naming the keyed hash" "1 $CW person_search" \
	"$(psql_val "select count(*) || ' ' || min(who) || ' ' || min(object_kind) from ebba.access_log
	  where id > (select max(id) - 1 from ebba.access_log) and object_id = encode(ebba.person_key('$P'), 'hex')")"
check_eq "no access-log row holds the number" 0 \
	"$(psql_val "select count(*) from ebba.access_log where concat(object_id, client, object_kind) ~ '${P:0:8}-?${P:8}'")"
out=$(search "personnummer=${P:0:11}$(( (${P:11} + 1) % 10 ))")
check_eq "a wrong check digit is refused at its field (422)" "422 " "$out"
check_match "... in Swedish, saying what" 'href="#personnummer">Personnummer: ange ett giltigt personnummer' "$(cat "$T_TMP/sok.html")"
check_eq "... and is not logged as a search" "$before" \
	"$(psql_val "select count(*) - 1 from ebba.access_log")"
check_eq "Sök by case number goes to the household (303)" "303 $URL/hushall/$C" "$(search "arende=$C")"
check_eq "an unknown case number is refused (422)" "422 " "$(search "arende=X-NOPE")"
check_match "... saying so" "det finns inget ärende med det numret" "$(cat "$T_TMP/sok.html")"
check_eq "an identity number typed as a case number is refused" "422 " "$(search "arende=$dashed")"
check_match "... pointing to the right field, not echoing it" 'ser ut som ett personnummer' "$(cat "$T_TMP/sok.html")"
check "... and not shown back" sh -c "! grep -qE '$P|$dashed' '$T_TMP/sok.html'"

check_eq "a caseworker outside ebba_protected does not find the protected case by identity number" "200 " \
	"$(search "personnummer=$P2")"
check_match "... which says nothing is found" "Inga ärenden för personnumret du sökte på" "$(cat "$T_TMP/sok.html")"
check "... and does not name the case" sh -c "! grep -q '$C2' '$T_TMP/sok.html'"
check_eq "... nor by case number" "422 " "$(search "arende=$C2")"
check_eq "... nor its household (404)" 404 "$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$URL/hushall/$C2")"

# a change to the frame, by the caseworker, for the history
psql -XAtq -c "set session authorization $CW; update ebba.case_frames
	set frame = jsonb_set(frame, '{months_on_assistance}', '7') where case_id = '$C'" >/dev/null 2>"$T_TMP/upd.err" ||
	fail "the caseworker changes the frame: $(cat "$T_TMP/upd.err")"
code=$(curl -s -b "$JAR" -o "$T_TMP/h.html" -w '%{http_code}' "$URL/hushall/$C")
check_eq "Hushåll answers 200" 200 "$code"
H=$(cat "$T_TMP/h.html")
check_match "... every month of the case" "<th scope=\"row\">2026-12</th>.*|<th scope=\"row\">2027-01</th>" "$H"
check "... both of them" test "$(grep -c '<th scope="row">202[67]-[01][12]</th>' "$T_TMP/h.html")" -ge 2
DEC=$(psql_val "select replace(to_char(amount, 'FM999,999,990'), ',', ' ') from ebba.decisions where case_id = '$C' and period = '2026-12' order by decided_at desc, id desc limit 1")
check_match "... December granted, with its amount" "<th scope=\"row\">2026-12</th><td>Beviljat</td><td class=\"num\">$DEC</td>" "$H"
if [ "$(psql_val "select outcome from ebba.decisions where case_id = '$C' and period = '2027-01' order by decided_at desc, id desc limit 1")" = referred ]; then
	check_match "... January referred, nothing granted" "<th scope=\"row\">2027-01</th><td>Hänvisat till handläggare</td><td class=\"num\">–</td>" "$H"
fi
check_match "... the amounts as a chart with its name" '<svg class="chart-svg" viewBox="[0-9 ]*" role="img" aria-labelledby="diagram-belopp-t diagram-belopp-d">' "$H"
D=$(psql_val "select max(id) from ebba.decisions where case_id = '$C' and period = '2027-01'")
check_match "... each decision linked, with its outcome, amount and who decided" "<a href=\"/beslut/$D\">Beslut $D</a>: [^<,]+, [0-9 ]+ kr · ebba" "$H"
check_match "... the frame's history: the caseworker's change, by name, what changed" \
	"<th scope=\"row\">2</th><td>[0-9: -]*</td><td>Siv Ås</td><td><ul class=\"plain\"><li>Månader med bistånd</li></ul>" "$H"
check_match "... and the frame's first version" "Referensramen skapades" "$H"
check_match "... under Sök in the navigation" '<a href="/sok" aria-current="page">Sök</a>' "$H"
check_eq "the view is logged, by the person" "$CW" \
	"$(psql_val "select who from ebba.access_log where action = 'view' and object_kind = 'household' and object_id = '$C'")"
check_match "Beslut links to the household" "<a href=\"/hushall/$C\">Hushållet över tid</a>" \
	"$(curl -s -b "$JAR" "$URL/beslut/$D")"
check_eq "an unknown household is 404" 404 "$(curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$URL/hushall/X-NOPE")"

# ---- the same by keyboard alone in Chromium, with axe ---------------------------
if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$ROOT/node_modules/puppeteer-core" ]; then
	EBBA_WEB_URL=$URL EBBA_PASSWORD=Test-l0senord EBBA_CASEWORKER=$CW EBBA_CASE=$C EBBA_PNR=$P EBBA_SHOTS=${EBBA_SHOTS:-} \
		timeout 180 node "$ROOT/tests/web/household/find.mjs" || fail "find.mjs exited $?"
else
	echo "# skipped: the browser test needs node, chromium and node_modules (make deps)"
fi

# ---- nothing in ebba-web's log ------------------------------------------------
check "ebba-web's log holds the identity number in no form" sh -c "! grep -qE '${P:0:8}-?${P:8}' '$T_TMP/web.log'"
check_eq "nor does any access-log row" 0 \
	"$(psql_val "select count(*) from ebba.access_log where concat(object_id, client, object_kind) ~ '${P:0:8}-?${P:8}'")"
