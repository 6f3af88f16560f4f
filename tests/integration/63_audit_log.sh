# Following up the access log (issue 28, item 2; schema 024): Loggar in
# ebba-web and `ebbactl log` for an auditor.  Planted in the log: a
# caseworker's view of a household they never worked on, a view of a case
# they did work on (not listed), a view marked protected, a burst of views
# against the person's own median (and a busy day that is no burst), a
# refusal and a failed login.  The monthly lists find each of them, by the
# web page, its CSV file and ebbactl alike; every read of the log is
# itself logged; a caseworker gets 403 on Loggar (logged) and cannot read
# the log by SQL; no role, the owner included, can update, delete or
# truncate the log.  Then the same in Chromium with axe (tests/web/logs/).
. "$(dirname "$0")/../lib.sh"
new_db || exit 2

sfx=${PGDATABASE##*_}
CW=cwl$sfx BW=bwl$sfx AU=aul$sfx PW=Test-l0senord
for u in "$CW:caseworker" "$BW:caseworker" "$AU:auditor"; do
	printf '%s\n' "$PW" | "$EBBACTL" user add "${u%%:*}" --role "${u##*:}" >/dev/null ||
		fail "ebbactl user add ${u%%:*} --role ${u##*:}"
done
psql_val "grant password_login to $CW, $BW, $AU" >/dev/null
cleanup_roles() {
	psql -XAtq -d postgres -c "drop owned by $CW, $BW, $AU cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $CW, $BW, $AU" >/dev/null 2>&1
}
trap 'cleanup_roles; t_cleanup' EXIT
check_eq "ebbactl user add --role auditor makes a member of ebba_auditor" t \
	"$(psql_val "select pg_has_role('$AU', 'ebba_auditor', 'MEMBER')")"

# ---- three households with a referral each ------------------------------------
psql_val "insert into ebba.inbox (external_id, case_id, period, payload)
	select 'LOG-' || c, 'C-' || c || '-$sfx', '2026-12', 'x' from unnest(array['A', 'B', 'C']) c;
	insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, amount, ruleset_name, ruleset_version, ruleset_sha256)
	select id, external_id, case_id, period, 'referred', 100, 'r', '1', '' from ebba.inbox" >/dev/null
CA=C-A-$sfx CB=C-B-$sfx CC=C-C-$sfx
did() { psql_val "select id from ebba.decisions where external_id = '$1' and inbox_id is not null"; }
DA=$(did LOG-A) DB=$(did LOG-B)
as() { local u=$1; shift; PGUSER=$u PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "$*" 2>&1; }
# the caseworker's own work in household A: they decide its referral
as "$CW" "select * from ebba.decide_referral($DA, '{\"lines\": []}', null, 100, null, null, null, null, repeat('a', 64), '', 'Brev', 'psql')" >/dev/null

# ---- planted rows, as ebba-web writes them but at the times the test needs ----
# (session_replication_role: the stamping trigger would make who and at the
# test's own; only a superuser can plant)
plant() {  # plant SQL-VALUES-ROWS: (at, who, action, object_kind, object_id, client, protected)
	psql_val "set session_replication_role = replica;
	insert into ebba.access_log (at, who, action, object_kind, object_id, client, protected) $1" >/dev/null
}
plant "values (now() - interval '2 hours', '$CW', 'view', 'decision', '$DA', '10.0.0.5', false),
	(now() - interval '90 minutes', '$CW', 'view', 'decision', '$DB', '10.0.0.6', false),
	(now() - interval '1 hour', '$CW', 'view', 'case_frame', '$CC', '10.0.0.7', true)"
# BW: 4 views a day for 20 days, then 60 today (just after midnight, so today whenever the test runs); steady: 30 a day, then 60 (no burst: 60 <= 3 x 30)
plant "select current_date - d + time '09:00' + make_interval(mins => n), '$BW', 'view', 'queue', null, '10.0.0.8', false
	from generate_series(1, 20) d, generate_series(1, 4) n"
plant "select current_date + make_interval(secs => n), '$BW', 'view', 'queue', null, '10.0.0.8', false from generate_series(1, 60) n"
plant "select current_date - d + time '09:00' + make_interval(mins => n), 'steady$sfx', 'view', 'queue', null, '10.0.0.9', false
	from generate_series(1, 20) d, generate_series(1, 30) n"
plant "select current_date + make_interval(secs => n), 'steady$sfx', 'view', 'queue', null, '10.0.0.9', false from generate_series(1, 60) n"
plant "values (now() - interval '6 years', '$CW', 'view', 'decision', '$DB', '10.0.0.6', false)"

# ---- ebba-web --------------------------------------------------------------------
cfg=$(write_config <<YAML
web:
  port: 0
YAML
)
start_web "$cfg" || { fail "ebba-web starts"; exit 0; }
URL=http://127.0.0.1:$WEB_PORT
login() {  # login USER JAR [PASSWORD]: prints the HTTP status of the login POST
	local tok
	tok=$(curl -s -c "$2" -b "$2" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -w '%{http_code}' -c "$2" -b "$2" --data-urlencode "csrf=$tok" \
		--data-urlencode "user=$1" --data-urlencode "password=${3:-$PW}" "$URL/login"
}
CJ=$T_TMP/cw.jar AJ=$T_TMP/au.jar
check_eq "a failed sign-in (wrong password) is refused" 401 "$(login "$CW" "$T_TMP/bad.jar" wrong-password)"
login "$CW" "$CJ" >/dev/null
check_eq "a caseworker gets 403 on Loggar" 403 "$(curl -s -o /dev/null -w '%{http_code}' -b "$CJ" "$URL/loggar")"
check_eq "... and on its monthly lists and CSV files" "403 403" \
	"$(curl -s -o /dev/null -w '%{http_code}' -b "$CJ" "$URL/loggar/uppfoljning") $(curl -s -o /dev/null -w '%{http_code}' -b "$CJ" "$URL/loggar/logg.csv")"
check_eq "... each refusal logged as denied, under the caseworker's name" 3 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'denied' and object_id like '/loggar%'")"
page=$(curl -s -b "$CJ" "$URL/ko")
check_eq "a caseworker's navigation has no Loggar" 0 "$(grep -c 'href="/loggar"' <<<"$page")"

check_eq "the auditor signs in" 303 "$(login "$AU" "$AJ")"
check_eq "the auditor's start page is Loggar" "303 $URL/loggar" \
	"$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$AJ" "$URL/")"
page=$(curl -s -b "$AJ" "$URL/loggar")
check_match "Loggar answers the auditor" "<h1>Loggar</h1>" "$page"
check_eq "the auditor's navigation holds Loggar and nothing else" '<li><a href="/loggar" aria-current="page">Loggar</a></li>' \
	"$(sed -n '/<nav aria-label="Huvudmeny">/,/<\/nav>/p' <<<"$page" | grep '<li>')"
check_match "the log shows the caseworker's view of household B, with the case number" \
	"<td>$CW</td>.*<td>Visning</td>.*<td>Beslut $DB</td>.*<td>$CB</td>.*<td>10.0.0.6</td>" "$(tr -d '\n' <<<"$page")"
page=$(curl -s -b "$AJ" "$URL/loggar?person=$CW&arende=$CC&handelse=view")
check_match "filtered by person, case and action: the protected view, marked" \
	"<td>Referensram $CC</td><td>$CC</td><td>10.0.0.7</td><td class=\"num\">1</td><td><span class=\"tag warn\">Skyddat</span>" "$(tr -d '\n' <<<"$page")"
check_match "... and nothing else" '<caption id="logg-rubrik">1 händelse \(filtrerat\)' "$page"
today=$(date +%F)
page=$(curl -s -b "$AJ" "$URL/loggar?person=$CW&fran=$(date -d '-7 years' +%F)&till=$(date -d '-5 years' +%F)")
check_match "filtered by period: the six-year-old view alone" '<caption id="logg-rubrik">1 händelse \(filtrerat\)' "$page"
out=$(curl -s -w '\n%{http_code}' -b "$AJ" "$URL/loggar?fran=2026-13-01&arende=191212121212")
check_eq "a bad filter is refused (400)" 400 "$(tail -n 1 <<<"$out")"
check_match "... saying what, at the field" 'href="#f-fran">Från: skriv ett datum som ÅÅÅÅ-MM-DD' "$out"
check_match "... and an identity number as the case is refused" 'href="#f-arende">Ärende: skriv ett ärendenummer' "$out"
check_eq "... and goes into no log row" 0 "$(psql_val "select count(*) from ebba.access_log where object_id like '%191212121212%'")"

F=$(curl -s -b "$AJ" "$URL/loggar/uppfoljning" | tr -d '\n')
section() { sed -n "s|.*<table id=\"lista-$1\">\(.*\)|\1|p" <<<"$F" | sed 's|</table>.*||'; }
check_match "the monthly lists: the view of household B, never worked on, is listed" "<td>$CW</td><td>$CB</td><td>Visning: Beslut $DB</td><td>10.0.0.6</td>" "$(section never-worked)"
check_eq "... household A, which the caseworker decided, is not" 0 "$(section never-worked | grep -c "$CA")"
check_match "the protected view is listed" "<td>$CW</td><td>$CC</td><td>Visning: Referensram $CC</td><td>10.0.0.7</td>" "$(section protected)"
check_eq "... and it alone" 1 "$(section protected | grep -o '<tr><td' | wc -l)"
check_match "the burst: 60 views today against a median of 4" "<td class=\"nowrap\">$today</td><td>$BW</td><td class=\"num\">60</td><td class=\"num\">4.0</td>" "$(section burst)"
check_eq "... and no other day of the planted ones (60 against a median of 30 is not)" 1 "$(section burst | grep -o '<tr><td' | wc -l)"
check_match "the caseworker's refusal on Loggar is listed" "<td>$CW</td><td></td><td>Nekad: Sida /loggar</td>" "$(section denied)"
check_match "the failed sign-in is listed under the name tried" "<td>$CW</td><td></td><td>Nekad: Inloggning $CW</td>" "$(section failed-login)"
check_match "the lists say the settings" "minst 50 och fler än 3 gånger medianen" "$F"

# ---- CSV, and ebbactl log: the same rows ----------------------------------------
hdr=$(curl -s -D - -o "$T_TMP/web.csv" -b "$AJ" "$URL/loggar/logg.csv?person=$CW")
check_match "the CSV file is an attachment" 'Content-Disposition: attachment; filename="ebba-logg.csv"' "$hdr"
check_match "... of type text/csv" 'Content-Type: text/csv; charset=utf-8' "$hdr"
check_eq "the export is logged as the auditor's" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$AU' and action = 'export' and object_kind = 'access_log' and object_id = 'person=$CW'")"
au() { PGUSER=$AU PGPASSWORD=$PW "$EBBACTL" -c "$cfg" "$@"; }
au log --person "$CW" --csv >"$T_TMP/ctl.csv"
check_eq "ebbactl log --csv exits 0" 0 "$?"
cols() { tail -n +2 "$1" | tr -d '\r' | cut -d, -f1,2,5,6,7,8; }
check_eq "the web's CSV holds the rows ebbactl log gives (time, who, object, case, client, count)" \
	"$(cols "$T_TMP/ctl.csv")" "$(cols "$T_TMP/web.csv")"
check_eq "... every row of the caseworker's (views, resolve, login, refusals)" \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW'")" "$(tail -n +2 "$T_TMP/web.csv" | wc -l)"
check_eq "the web's CSV header is Swedish" "Tid,Vem,Händelse,Objekttyp,Objekt,Ärende,Varifrån,Antal,Skyddat" \
	"$(head -n 1 "$T_TMP/web.csv" | tr -d '\r')"
tsv=$(au log --person "$CW" --case "$CB" --action view)
check_eq "ebbactl log --person --case --action: the two views of household B" 2 "$(wc -l <<<"$tsv")"
check_match "... tab-separated: time, who, action, kind, object, case, client" \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}	$CW	view	decision	$DB	$CB	10.0.0.6	1	f$" "$(head -n 1 <<<"$tsv")"

curl -s -o "$T_TMP/webf.csv" -b "$AJ" "$URL/loggar/uppfoljning.csv?fran=$(date -d '-30 day' +%F)&till=$today"
au log followup --csv >"$T_TMP/ctlf.csv"
fcols() { tail -n +2 "$1" | tr -d '\r' | cut -d, -f2,3,4,7,9 | sort; }
check_eq "the lists' CSV holds the rows ebbactl log followup gives (time, who, case, object, views)" \
	"$(fcols "$T_TMP/ctlf.csv")" "$(fcols "$T_TMP/webf.csv")"
check_eq "ebbactl log followup: one row per finding, by reason" \
	"burst 1|denied 3|failed-login 1|never-worked 2|protected 1" \
	"$(tail -n +2 "$T_TMP/ctlf.csv" | cut -d, -f1 | sort | uniq -c | awk '{printf "%s%s %s", s, $2, $1; s="|"}')"
check_eq "... never worked: household B and the protected household C, both the caseworker's views" \
	"$CB $CW|$CC $CW" "$(awk -F, '$1 == "never-worked" {printf "%s%s %s", s, $4, $3; s="|"}' "$T_TMP/ctlf.csv")"
check_eq "every read of the log is itself logged (the auditor's views and exports)" "export 4|view 5" \
	"$(psql_val "select string_agg(action || ' ' || n, '|' order by action) from (select action, count(*) n from ebba.access_log
	  where who = '$AU' and object_kind in ('access_log', 'access_log_followup') group by action) s")"
out=$(au log --case 191212121212 2>&1)
check_eq "ebbactl log refuses an identity number as the case (exit 2), not repeating it" \
	"2 ebbactl log: --case is a case number (letters, digits, - _ . @ :), never an identity number" "$? $out"
out=$(au log --from 2026-02-30 2>&1)
check_eq "ebbactl log refuses a day that does not exist" "2 ebbactl log: --from '2026-02-30' is not a day written YYYY-MM-DD" "$? $out"

# ---- nobody else reads it, nobody changes it -------------------------------------
out=$(PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" log 2>&1)
check_match "a caseworker's ebbactl log is refused by the database" "permission denied for function access_log_entries" "$out"
check_match "a caseworker cannot select from the log" "permission denied" "$(as "$CW" "select count(*) from ebba.access_log")"
check_match "an auditor reads the log only through the logged functions" "permission denied" "$(as "$AU" "select count(*) from ebba.access_log")"
rows=$(psql_val "select count(*) from ebba.access_log")
for r in $(psql_val "select rolname from pg_roles where rolname like 'ebba\_%' order by 1") "$(psql_val "select nspowner::regrole from pg_namespace where nspname = 'ebba'")"; do
	for stmt in "update ebba.access_log set client = 'x'" "delete from ebba.access_log" "truncate ebba.access_log"; do
		out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "set role $r; $stmt" 2>&1)
		check_match "$r: ${stmt%% *} on the access log fails" "permission denied|insert-only" "$out"
	done
done
check_eq "... and no row is changed or gone" "$rows 0" \
	"$(psql_val "select count(*) || ' ' || count(*) filter (where client = 'x') from ebba.access_log")"
out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "delete from ebba.access_log where at < now() - interval '5 years'" 2>&1)
check_match "a row older than five years is not deleted either, outside the retention function" "insert-only \(DELETE refused\)" "$out"

# ---- in Chromium, with axe ---------------------------------------------------------
if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$ROOT/node_modules/puppeteer-core" ]; then
	EBBA_WEB_URL=$URL EBBA_PASSWORD=$PW EBBA_AUDITOR=$AU EBBA_CASEWORKER=$CW EBBA_BURST=$BW \
	EBBA_NEVER=$CB EBBA_PROTECTED=$CC timeout 180 node "$ROOT/tests/web/logs/loggar.mjs" || fail "loggar.mjs exited $?"
else
	echo "# skipped: the browser test needs node, chromium and node_modules (make deps)"
fi
