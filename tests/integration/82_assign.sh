# Who is on a case, and a queue that tells the truth (issue 29, items 5
# and 6).  Ta ärendet: two caseworkers taking the same case at once, one
# wins (the database's unique index) and the other is told who has it in
# Swedish; who took it is the database's session user, never a field; the
# Handläggare column and the Mina / Otilldelade filters; Släpp ärendet by
# hand; release after web.assign_idle_minutes; ebbactl case take|untake.
# The queue's reason groups: one per failed check, counted over every
# failed check, named by the rule set's description (never a case's own
# message), equal to Statistik's open counts (ebbactl stats) and to an
# independent SQL count.  Drift: the running ebbad as a worker seen within
# the last minute (ebba.workers).  In Chromium by keyboard: take a case;
# axe on the changed pages.
. "$(dirname "$0")/../lib.sh"
WEB=$ROOT/$BUILD/ebba-web
new_db || exit 2

sfx=${PGDATABASE##*_}
CW1=cwa$sfx CW2=cwb$sfx SV=sva$sfx PW=Test-l0senord
for u in "$CW1:caseworker" "$CW2:caseworker" "$SV:supervisor"; do
	printf '%s\n' "$PW" | "$EBBACTL" user add "${u%%:*}" --role "${u#*:}" >/dev/null
	psql_val "grant password_login to ${u%%:*}" >/dev/null
done
cleanup_roles() {
	local u
	for u in "$CW1" "$CW2" "$SV"; do
		psql -XAtq -d postgres -c "drop owned by $u cascade" >/dev/null 2>&1
		psql -XAtq -d postgres -c "drop role if exists $u" >/dev/null 2>&1
	done
}
trap 'cleanup_roles; t_cleanup' EXIT
as() { local who=$1; shift; PGUSER=$who PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

# Twelve referrals of ebba's, one case each, each with two or three failed
# checks of the rule set and a message of the applicant's own (which must
# never name a group), in two periods.
psql_val "begin;
	insert into ebba.inbox (external_id, payload, received_at)
	  select 'A-' || n, 'x', timestamptz '2026-11-01' + n * interval '1 minute' from generate_series(1, 12) n;
	insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, amount, ruleset_name,
	  ruleset_version, ruleset_sha256)
	  select i.id, i.external_id, 'CASE-' || n, '2026-1' || (n % 2), 'referred', n, 'r', '1', ''
	  from generate_series(1, 12) n join ebba.inbox i on i.external_id = 'A-' || n;
	insert into ebba.decision_checks (decision_id, check_id, result, message, ordinal)
	  select d.id, c.id, case when c.id = 'no-message' and d.amount % 3 = 0 then 'pass'
	    else 'fail' end, 'Sökandens meddelande: jag behöver pengar ' || d.amount, c.o
	  from ebba.decisions d, (values ('kind-repeat', 1), ('no-changes', 2), ('no-message', 3)) c(id, o)
	  where d.external_id like 'A-%';
	commit" >/dev/null

# One real referral by a running ebbad (no registers: it refers), which
# also reports itself to ebba.workers.
cfg=$(write_config </dev/null)
"$EBBACTL" -c "$cfg" case set "$ROOT/tests/data/frames/good.yaml" >/dev/null
sed 's/id="EB-2026-12-000123"/id="REAL-1"/' "$ROOT/tests/data/applications/good.xml" >"$T_TMP/real.xml"
"$EBBACTL" -c "$cfg" submit "$T_TMP/real.xml" >/dev/null || fail "submit REAL-1"
"$EBBAD" -c "$cfg" 2>"$T_TMP/ebbad.log" & T_PIDS+=($!)
for i in $(seq 200); do
	[ "$(psql_val "select count(*) from ebba.decisions where external_id = 'REAL-1'")" = 1 ] && break
	sleep 0.05
done
REAL=$(psql_val "select id from ebba.decisions where external_id = 'REAL-1'")
check_eq "ebbad referred the real application" referred "$(psql_val "select outcome from ebba.decisions where id = '$REAL'")"
REAL_CASE=$(psql_val "select case_id from ebba.decisions where id = '$REAL'")
id_of() { psql_val "select id from ebba.decisions where external_id = 'A-$1'"; }

f=$T_TMP/web.yaml
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n  assign_idle_minutes: 60\n' "$ROOT/rules" >"$f"
"$WEB" -c "$f" 2>"$T_TMP/web.log" & T_PIDS+=($!)
for i in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
login() {  # login USER JAR
	local token
	token=$(curl -s -c "$2" -b "$2" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -c "$2" -b "$2" --data-urlencode "csrf=$token" --data-urlencode "user=$1" \
		--data-urlencode "password=$PW" "$URL/login"
}
J1=$T_TMP/cw1.jar J2=$T_TMP/cw2.jar J3=$T_TMP/sv.jar
login "$CW1" "$J1"; login "$CW2" "$J2"; login "$SV" "$J3"
csrf() { curl -s -b "$1" "$URL/ko" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}'; }
T1=$(csrf "$J1") T2=$(csrf "$J2")
post() {  # post JAR TOKEN PATH: the status; the page in $T_TMP/post.html
	curl -s -o "$T_TMP/post.html" -w '%{http_code}' -b "$1" --data-urlencode "csrf=$2" "$URL$3"
}
live() { psql_val "select coalesce(string_agg(person, ' ' order by id), '') from ebba.case_assignments
	where case_id = '$1' and released_at is null"; }

# ---- two caseworkers take the same case at once, ten times ---------------------
for n in $(seq 1 10); do echo "$(id_of "$n")"; done >"$T_TMP/ids"
python3 - "$URL" "$J1" "$T1" "$J2" "$T2" "$T_TMP/ids" >"$T_TMP/race.out" 2>&1 <<'PY'
import http.client, sys, threading, time, urllib.parse
url, jar1, tok1, jar2, tok2, ids = sys.argv[1:]
u = urllib.parse.urlsplit(url)
def session(jar):
    for line in open(jar):
        f = line.rstrip('\n').split('\t')
        if len(f) >= 7 and f[5] == 'ebba_session':
            return f[6]
def post(conn, cookie, tok, path, out, i, at):
    body = urllib.parse.urlencode({'csrf': tok})
    while time.perf_counter() < at:
        pass
    conn.request('POST', path, body, {'Cookie': 'ebba_session=' + cookie,
                                      'Content-Type': 'application/x-www-form-urlencoded'})
    r = conn.getresponse()
    out[i] = (r.status, r.read().decode('utf-8', 'replace'))
s = [session(jar1), session(jar2)]
tok = [tok1, tok2]
for d in open(ids).read().split():
    conns = [http.client.HTTPConnection(u.hostname, u.port, timeout=30) for _ in range(2)]
    for c in conns:
        c.connect()
    out = [None, None]
    at = time.perf_counter() + 0.005
    t = [threading.Thread(target=post, args=(conns[k], s[k], tok[k], '/beslut/%s/ta' % d, out, k, at)) for k in range(2)]
    for x in t:
        x.start()
    for x in t:
        x.join()
    msg = [('redan taget av' in b and 'Två handläggare kan inte ha samma ärende samtidigt' in b) for _, b in out]
    print(d, out[0][0], out[1][0], int(msg[0]), int(msg[1]))
PY
check_eq "ten races sent" 10 "$(grep -c . "$T_TMP/race.out")"
check_eq "in every race exactly one wins (303) and the other is refused (409)" "" \
	"$(awk '!(($2 == 303 && $3 == 409) || ($2 == 409 && $3 == 303))' "$T_TMP/race.out" | head -n 3)"
check_eq "... the one refused is told in Swedish that the case is taken, and by whom" "" \
	"$(awk '($2 == 409 && $4 != 1) || ($3 == 409 && $5 != 1)' "$T_TMP/race.out" | head -n 3)"
check_eq "one live assignment per case, to the winner" "" \
	"$(while read -r d s1 s2 _; do c=$(psql_val "select case_id from ebba.decisions where id = $d")
		want=$([ "$s1" = 303 ] && echo "$CW1" || echo "$CW2"); [ "$(live "$c")" = "$want" ] || echo "$c: $(live "$c")"; done <"$T_TMP/race.out")"
check_eq "no 500 in ebba-web's log" "" "$(grep -iE 'internal|deadlock|duplicate key' "$T_TMP/web.log" | head -n 3)"

# ---- who took it is the database's answer ---------------------------------------
check_match "a caseworker cannot write an assignment row themselves" "permission denied" \
	"$(as "$CW1" "insert into ebba.case_assignments (case_id, person) values ('CASE-11', '$CW2')")"
check_eq "ebba.case_take as a caseworker records that person" "$CW1 true" \
	"$(as "$CW1" "select holder || ' ' || mine from ebba.case_take('CASE-11', 60)")"
check_eq "... and a second take by another finds the holder, taking nothing" "$CW1 false" \
	"$(as "$CW2" "select holder || ' ' || mine from ebba.case_take('CASE-11', 60)")"
check_eq "... one live row" "$CW1" "$(live CASE-11)"

# ---- a protected case (schema 023): its assignment is as hidden as its decisions ----
c1=$(psql_val "select case_id from ebba.decisions where id = $(id_of 1)")
psql_val "insert into ebba.case_protection (case_id, source) values ('$c1', 'manual')" >/dev/null
check_eq "a caseworker who may not see a protected case sees no assignment of it" 0 \
	"$(as "$CW1" "select count(*) from ebba.case_assignments where case_id = '$c1'")"
check_match "... and cannot take it: there is no such case to them" "there is no case $c1" \
	"$(as "$CW1" "select * from ebba.case_take('$c1', 60)")"
check_eq "... nor give it back" f "$(as "$CW1" "select ebba.case_release('$c1')")"
check_eq "... while the assignment stays as it was" 1 \
	"$(psql_val "select count(*) from ebba.case_assignments where case_id = '$c1' and released_at is null")"
psql_val "delete from ebba.case_protection where case_id = '$c1'" >/dev/null

# ---- the queue: Handläggare, Mina, Otilldelade -----------------------------------
rows() { grep -c '<td><a href="/beslut/' "$1"; }
curl -s -b "$J1" "$URL/ko?tilldelning=mina" >"$T_TMP/mina.html"
mine=$(psql_val "select count(*) from ebba.open_work w join ebba.decisions d on d.id = w.decision_id
	join ebba.case_assignments a on a.case_id = d.case_id and a.released_at is null where a.person = '$CW1'")
check "the first caseworker has cases" test "$mine" -gt 0
check_eq "Mina shows exactly the person's cases" "$mine" "$(rows "$T_TMP/mina.html")"
curl -s -b "$J1" "$URL/ko?tilldelning=otilldelade" >"$T_TMP/otilldelade.html"
check_eq "Otilldelade shows the two cases nobody has taken" 2 "$(rows "$T_TMP/otilldelade.html")"
check "... with a Ta ärendet button each" test "$(grep -c '>Ta ärendet</button>' "$T_TMP/otilldelade.html")" -eq 2
check "... the real referral among them" grep -q "href=\"/beslut/$REAL\"" "$T_TMP/otilldelade.html"
curl -s -b "$J1" "$URL/ko" >"$T_TMP/ko.html"
check "the Handläggare column names who has a case" grep -q "<th scope=\"col\">Handläggare</th>" "$T_TMP/ko.html"
check "... and shows the holder on the row" grep -q "<td>$CW1</td>" "$T_TMP/ko.html"
check "the filter keeps its choice" grep -q '<option value="otilldelade" selected>Otilldelade' "$T_TMP/otilldelade.html"

# ---- Släpp ärendet by hand, on the decision page ----------------------------------
D11=$(id_of 11)
curl -s -b "$J1" "$URL/beslut/$D11" >"$T_TMP/d11.html"
check "the decision page says the holder has it, with Släpp ärendet" grep -q 'Du har tagit ärendet' "$T_TMP/d11.html"
curl -s -b "$J2" "$URL/beslut/$D11" >"$T_TMP/d11b.html"
check "... and tells another who has it" grep -q "Ärendet är taget av <strong>$CW1</strong>" "$T_TMP/d11b.html"
check_eq "another cannot release it (409)" 409 "$(post "$J2" "$T2" "/beslut/$D11/slapp")"
check "... and is told why" grep -q 'Du har inte ärendet' "$T_TMP/post.html"
check_eq "the holder releases it (303 back to the decision)" 303 "$(post "$J1" "$T1" "/beslut/$D11/slapp")"
check_eq "... released by hand, by the holder, kept as a record" "hand $CW1 " \
	"$(psql_val "select released_why || ' ' || released_by || ' ' || coalesce(live, '') from (select *,
		(select string_agg(person, ',') from ebba.case_assignments where case_id = 'CASE-11' and released_at is null) live
		from ebba.case_assignments where case_id = 'CASE-11' order by id desc limit 1) s")"
check_eq "a form without the CSRF token takes nothing" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -b "$J2" -d x=1 "$URL/beslut/$D11/ta")"
check_eq "... and the case stays free" "" "$(live CASE-11)"

# ---- released after the idle time --------------------------------------------------
check_eq "the second caseworker takes case 11 from the queue (303 back to Arbetskö)" "303" \
	"$(post "$J2" "$T2" "/beslut/$D11/ta")"
psql_val "update ebba.case_assignments set active_at = now() - interval '61 minutes'
	where case_id = 'CASE-11' and released_at is null" >/dev/null
curl -s -b "$J1" "$URL/ko?tilldelning=otilldelade" >"$T_TMP/idle.html"
check "past web.assign_idle_minutes the case is free again in the queue" grep -q "href=\"/beslut/$D11\"" "$T_TMP/idle.html"
check_eq "... released by ebba as idle" "idle ebba" \
	"$(psql_val "select released_why || ' ' || released_by from ebba.case_assignments where case_id = 'CASE-11' order by id desc limit 1")"
kept=$(psql_val "update ebba.case_assignments set active_at = now() - interval '59 minutes'
	where released_at is null and person = '$CW1' returning id" | wc -l)
curl -s -b "$J1" "$URL/ko" >/dev/null
check_eq "... one within its idle time is kept" "$kept" \
	"$(psql_val "select count(*) from ebba.case_assignments where released_at is null and person = '$CW1'")"

# ---- ebbactl case take|untake ------------------------------------------------------
ctlas() { local who=$1; shift; PGUSER=$who PGPASSWORD=$PW "$EBBACTL" -c "$cfg" "$@" 2>&1; }
out=$(ctlas "$CW1" case take CASE-12); rc=$?
check_eq "ebbactl case take: exit 0, taken" "0 case CASE-12: taken" "$rc $out"
out=$(ctlas "$CW2" case take CASE-12); rc=$?
check_eq "... by another: exit 1, naming the holder" "1 ebbactl case take: case CASE-12 is taken by $CW1" "$rc $out"
out=$(ctlas "$CW2" case untake CASE-12); rc=$?
check_eq "ebbactl case untake of someone else's: exit 1" 1 "$rc"
out=$(ctlas "$CW1" case untake CASE-12); rc=$?
check_eq "ebbactl case untake by the holder: exit 0" "0 case CASE-12: given back" "$rc $out"
check_eq "... the history of CASE-12 has both, who and why" "$CW1 hand $CW1" \
	"$(psql_val "select person || ' ' || released_why || ' ' || released_by from ebba.case_assignments where case_id = 'CASE-12'")"
out=$(ctlas "$CW1" case take NO-SUCH-CASE); rc=$?
check_eq "ebbactl case take of no case: exit 1, one line saying so" "1 1" "$rc $(wc -l <<<"$out")"
check_match "... naming it" "there is no case NO-SUCH-CASE" "$out"
check_eq "... and nothing written" 0 "$(psql_val "select count(*) from ebba.case_assignments where case_id = 'NO-SUCH-CASE'")"
check_match "a case that is an identity number is refused" "identity number" \
	"$(ctlas "$CW1" case take "$(test_pnr 1)")"

# ---- the reason groups: every failed check, the rule set's words, Statistik's count ---
curl -s -b "$J1" "$URL/ko" >"$T_TMP/ko.html"
sed -n '/id="orsaker"/,/<\/ul>/p' "$T_TMP/ko.html" >"$T_TMP/groups.html"
shown=$(grep -o 'kontroll=[a-z0-9-]*">[^<]*</a> <span class="muted">([0-9]*)' "$T_TMP/groups.html" |
	sed -E 's/^kontroll=([a-z0-9-]*)">.*\(([0-9]*)\)$/\1 \2/' | LC_ALL=C sort)
want=$(psql_val "select c.check_id || ' ' || count(*) from ebba.decisions e
	join ebba.decision_checks c on c.decision_id = e.id and c.result in ('fail', 'error')
	where e.inbox_id is not null and e.outcome in ('referred', 'rejected')
	and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = e.id)
	group by c.check_id" | LC_ALL=C sort)
check_eq "the queue's groups count every failed check of every open decision (independent SQL)" "$want" "$shown"
check "... no-changes counted for every case it failed, though kind-repeat always failed before it" \
	test "$(awk '$1 == "no-changes" {print $2}' <<<"$shown")" -ge 12
stats=$(PGUSER=$SV PGPASSWORD=$PW "$EBBACTL" -c "$cfg" --porcelain stats |
	awk -F'\t' '$1 == "check" {open[$2] += $13} END {for (c in open) print c, open[c]}' | LC_ALL=C sort)
check_eq "... and equal Statistik's open referrals per check over the same window (ebbactl stats)" "$stats" "$shown"
check "a group is named by the rule set's description of its check" \
	grep -q 'kontroll=no-changes">Sökanden har inte angett att förhållandena har ändrats sedan förra ansökan.</a>' "$T_TMP/groups.html"
check "... never by a case's own message" bash -c "! grep -q 'jag behöver pengar' '$T_TMP/groups.html'"
check "case numbers do not wrap (white-space: nowrap on the column)" \
	grep -q '#ko-tabell td:first-child, td.case-id { white-space: nowrap; }' "$ROOT/daemon/web/static/ebba.css"

# ---- Drift: the running ebbad as ebba.workers has it ---------------------------------
owner=$(psql_val "select owner from ebba.workers where seen_at > now() - interval '1 minute'")
check "ebbad reports itself to ebba.workers" test -n "$owner"
curl -s -b "$J3" "$URL/drift" >"$T_TMP/drift.html"
check "Drift shows the running ebbad as a worker" grep -qF "<td>$owner</td>" "$T_TMP/drift.html"
ago=$(grep -F "<td>$owner</td>" "$T_TMP/drift.html" | grep -o '<td class="num">[0-9]*</td>' | head -n 1 | grep -o '[0-9]*')
check "... seen within the last minute ($ago s ago)" test "${ago:-999}" -lt 60
check "... although completion cleared every lease" test "$(psql_val "select count(*) from ebba.inbox where lease_owner is not null")" -eq 0

# ---- by keyboard in Chromium, with axe ----------------------------------------------
if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$ROOT/node_modules/puppeteer-core" ]; then
	psql_val "update ebba.case_assignments set released_at = now(), released_by = 'test', released_why = 'hand'
		where case_id = '$REAL_CASE' and released_at is null" >/dev/null
	EBBA_WEB_URL=$URL EBBA_PASSWORD=$PW EBBA_CASEWORKER=$CW2 EBBA_SUPERVISOR=$SV EBBA_DECISION=$REAL \
		timeout 180 node "$ROOT/tests/web/assign/take.mjs" || fail "take.mjs exited $?"
	check_eq "the keyboard's Ta ärendet is recorded, as the person" "$CW2" "$(live "$REAL_CASE")"
else
	echo "# skipped: the browser test needs node, chromium and node_modules (make deps)"
fi
