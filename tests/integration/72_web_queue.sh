# The queue kept by the database (schema 006, ebba.open_work and its
# counts): after every kind of write that changes it (ebba's decisions,
# failed checks, flags, a later failed check, a resolved flag, a
# caseworker's review, by Pröva and through ebba's functions in direct
# SQL as a caseworker) it
# holds exactly what the queue's definition computes from the tables, and
# the counts are the counts of it.  Then Arbetskö over more than a page: 100
# rows a page, the next-page link keeps the filter, the last page has none.
. "$(dirname "$0")/../lib.sh"
WEB=$ROOT/$BUILD/ebba-web
new_db || exit 2

sfx=${PGDATABASE##*_}
CW=cwq$sfx PW=Test-l0senord
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null
psql_val "grant password_login to $CW" >/dev/null
cleanup_roles() {
	psql -XAtq -d postgres -c "drop owned by $CW cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $CW" >/dev/null 2>&1
}
trap 'cleanup_roles; t_cleanup' EXIT
as_cw() { PGUSER=$CW PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

# The queue by its definition (what Arbetskö computed at each request before
# schema 006), and what ebba.open_work and its counts hold, as sorted text.
DEFINITION="select d.id, i.received_at, d.outcome, d.period, fc.check_id, coalesce(fc.message, ''),
	coalesce((select array_agg(distinct c.check_id order by c.check_id) from ebba.decision_checks c
	          where c.decision_id = d.id and c.result in ('fail', 'error')), '{}'),
	coalesce((select array_agg(distinct f.kind order by f.kind) from ebba.audit_flags f
	          where f.decision_id = d.id and f.resolved_at is null), '{}')
	from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id
	left join lateral (select c.check_id, c.message from ebba.decision_checks c
	  where c.decision_id = d.id and c.result in ('fail', 'error') order by c.ordinal, c.check_id limit 1) fc on true
	where not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)
	and (d.outcome <> 'approved' or exists (select 1 from ebba.audit_flags f
	     where f.decision_id = d.id and f.resolved_at is null))"
KEPT="select decision_id, received_at, outcome, period, first_check, reason, failing, flags from ebba.open_work"
COUNTED="select kind, key, sum(n) from ebba.open_work_counts group by kind, key having sum(n) <> 0"
RECOUNTED="select kind, key, count(*) from ebba.open_work w,
	ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) group by kind, key"
same_queue() {  # same_queue WHAT: the kept queue and its counts are the definition's
	local want got
	want=$(psql_val "$DEFINITION order by 1"); got=$(psql_val "$KEPT order by 1")
	if [ "$want" = "$got" ]; then ok "$1: the queue"; else
		fail "$1: the queue"; diff <(echo "$want") <(echo "$got") | sed 's/^/#   /' | head -n 20; fi
	want=$(psql_val "$RECOUNTED order by 1, 2"); got=$(psql_val "$COUNTED order by 1, 2")
	if [ "$want" = "$got" ]; then ok "$1: the counts"; else
		fail "$1: the counts"; diff <(echo "$want") <(echo "$got") | sed 's/^/#   /' | head -n 20; fi
}

# ebba's decisions as ebbad writes them: decisions, checks, flags, each one
# statement (COPY in ebbad), in one transaction.  Outcomes by n % 5:
# approved (every fifth of them sampled), referred with failing checks in
# two orders of ordinal, rejected, referred with nothing failing.
decide() {  # decide FROM TO
	psql_val "begin;
	insert into ebba.inbox (external_id, payload, received_at)
	  select 'Q-' || n, 'x', timestamptz '2026-11-01' + n * interval '1 minute' from generate_series($1, $2) n;
	insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, amount, ruleset_name,
	  ruleset_version, ruleset_sha256)
	  select i.id, i.external_id, 'C-' || n, '2026-1' || (n % 3), (array['approved', 'referred', 'rejected',
	    'referred', 'approved'])[n % 5 + 1], n, 'r', '1', '' from generate_series($1, $2) n
	  join ebba.inbox i on i.external_id = 'Q-' || n;
	insert into ebba.decision_checks (decision_id, check_id, result, message, ordinal)
	  select d.id, c.id, case when d.outcome in ('referred', 'rejected') and right(d.external_id, 1) <> '3'
	    and c.id <> 'ok' then (case when c.id = 'b' then 'error' else 'fail' end) else 'pass' end,
	    'Föll: ' || c.id || ' ' || d.amount, case when d.amount % 2 = 0 then c.o else 10 - c.o end
	  from ebba.decisions d, (values ('a', 1), ('b', 2), ('ok', 3)) c(id, o)
	  where d.external_id like 'Q-%' and d.amount between $1 and $2;
	insert into ebba.audit_flags (decision_id, kind, reason)
	  select id, case when amount % 2 = 0 then 'sample' else 'targeted' end, 'test' from ebba.decisions
	  where external_id like 'Q-%' and amount between $1 and $2 and amount % 5 in (0, 1, 4);
	commit" >/dev/null
}
decide 1 40
same_queue "after ebba's decisions"
check_eq "every referral and rejection is in the queue, and the flagged approvals" 40 \
	"$(psql_val "select count(*) from ebba.open_work")"

id_of() { psql_val "select id from ebba.decisions where external_id = 'Q-$1' and inbox_id is not null"; }
psql_val "insert into ebba.decision_checks (decision_id, check_id, result, message, ordinal)
	values ($(id_of 2), 'late', 'fail', 'Föll sent', 0), ($(id_of 3), 'late', 'error', 'Fel sent', 5)" >/dev/null
same_queue "after a failed check added later"
check_eq "... which is the first reason where its ordinal comes first" late \
	"$(psql_val "select first_check from ebba.open_work where decision_id = $(id_of 2)")"

as_cw "select ebba.resolve_flag(id, 'ok', null, 'psql') from ebba.audit_flags where decision_id in ($(id_of 5), $(id_of 11))" >/dev/null
same_queue "after a caseworker resolves flags in SQL"
check_eq "the approval whose flag is resolved leaves the queue" 0 \
	"$(psql_val "select count(*) from ebba.open_work where decision_id = $(id_of 5)")"
check_eq "the referral whose flag is resolved stays, without the flag" "{}" \
	"$(psql_val "select flags from ebba.open_work where decision_id = $(id_of 11)")"

# A person's decision through ebba.decide_referral (schema 019), as Pröva and
# ebbactl review resolve record it (their own runs of the rule set are
# tested with real referrals below and in 88_person_decision).
decide_sql() {  # decide_sql DECISION FINDINGS AMOUNT NOTE
	echo "select review_id from ebba.decide_referral($1, '$2', null, $3, null, null, null, null, repeat('a', 64), '$4', 'Brev', 'psql')"
}
as_cw "$(decide_sql "$(id_of 1)" '{"lines": []}' 100 '')" >/dev/null
as_cw "$(decide_sql "$(id_of 6)" '{"lines": [], "reason": "needs-not-shown"}' null 'Avslag i SQL')" >/dev/null
same_queue "after reviews in SQL"
check_eq "reviewed decisions leave the queue" 0 \
	"$(psql_val "select count(*) from ebba.open_work where decision_id in ($(id_of 1), $(id_of 6))")"

psql_val "select ebba.open_work_rebuild()" >/dev/null
same_queue "after ebba.open_work_rebuild() (what migration 006 ran over the decisions stored)"

# -- Arbetskö over more than one page ---------------------------------------------
decide 41 1300
same_queue "after 1 260 more decisions"
start_web() {
	local f=$T_TMP/web.yaml
	printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$f"
	"$WEB" -c "$f" 2>"$T_TMP/web.log" & T_PIDS+=($!)
	local i
	for i in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
	URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
	[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
}
start_web
J=$T_TMP/cw.jar
token=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$token" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PW" "$URL/login"
rows() { grep -c '<td><a href="/beslut/' "$1"; }
next_of() { grep -o 'href="/ko?[^"]*">Nästa sida' "$1" | sed 's/^href="//; s/">.*//; s/&amp;/\&/g'; }
open=$(psql_val "select count(*) from ebba.open_work where outcome = 'referred'")
curl -s -b "$J" "$URL/ko?utfall=referred" >"$T_TMP/p1.html"
check_eq "the first page shows 100" 100 "$(rows "$T_TMP/p1.html")"
check_match "the total is the whole queue's" "– $(psql_val "select count(*) from ebba.open_work") att pröva" \
	"$(cat "$T_TMP/p1.html")"
next=$(next_of "$T_TMP/p1.html")
check_match "... with a link to the next page that keeps the filter" '^/ko\?utfall=referred&flagga=&kontroll=&period=&aldre=&tilldelning=&efter=[0-9]+$' "$next"
pages=1
while [ -n "$next" ] && [ "$pages" -lt 20 ]; do
	pages=$((pages + 1))
	curl -s -b "$J" "$URL$next" >"$T_TMP/p$pages.html"
	next=$(next_of "$T_TMP/p$pages.html")
done
check_eq "the last page (of $(( (open + 99) / 100 ))) shows the rest and has no next link" "$(( (open + 99) / 100 )) $((open % 100))" \
	"$pages $(rows "$T_TMP/p$pages.html")"
check "... but one back to the first" grep -q 'href="/ko?utfall=referred&amp;flagga=&amp;kontroll=&amp;period=&amp;aldre=&amp;tilldelning=">Första sidan' "$T_TMP/p$pages.html"
shown() { for i in $(seq "$pages"); do cat "$T_TMP/p$i.html"; done | grep -o '<td><a href="/beslut/[0-9]*"' | grep -o '[0-9]*'; }
check_eq "the pages together show every referral once" "$open" "$(shown | sort -u | wc -l)"
want=$(psql_val "select string_agg(id::text, ' ' order by received_at, id) from (select d.id, i.received_at
	from ebba.open_work w join ebba.decisions d on d.id = w.decision_id join ebba.inbox i on i.id = d.inbox_id
	where w.outcome = 'referred') s")
check_eq "oldest first across the pages" "$want" \
	"$(shown | tr '\n' ' ' | sed 's/ $//')"
# a reason group counts every decision a check failed (or erred) for, not
# only those it is the first reason of (issue 29)
n_a=$(psql_val "select count(*) from ebba.open_work where 'a' = any(failing)")
check "the count per failed check is over the whole queue, every failed check counted" grep -q "kontroll=a\">.*</a> <span class=\"muted\">($n_a)" "$T_TMP/p1.html"
check "... which is more than counting first reasons gives" test "$n_a" -gt "$(psql_val "select count(*) from ebba.open_work where first_check = 'a'")"
check "no reason group is labelled with a case's own message" bash -c "! sed -n '/id=\"orsaker\"/,/<\/ul>/p' '$T_TMP/p1.html' | grep -q 'Föll:'"

# -- Stickprov, a page at a time ----------------------------------------------------
flag_next() { grep -o 'href="/stickprov?efter=[0-9]*">Nästa sida' "$1" | sed 's/^href="//; s/">.*//'; }
flags_of() { grep -o '<section class="act" aria-labelledby="flagga-[0-9]*"' "$1" | grep -o '[0-9]*"$' | tr -d '"'; }
open_flags=$(psql_val "select count(*) from ebba.audit_flags where resolved_at is null")
curl -s -b "$J" "$URL/stickprov" >"$T_TMP/s1.html"
check_eq "Stickprov's first page shows 100 open flags" 100 "$(flags_of "$T_TMP/s1.html" | wc -l)"
check "... says how many are open" grep -q "$open_flags öppna, äldst först" "$T_TMP/s1.html"
next=$(flag_next "$T_TMP/s1.html"); spages=1
while [ -n "$next" ] && [ "$spages" -lt 20 ]; do
	spages=$((spages + 1))
	curl -s -b "$J" "$URL$next" >"$T_TMP/s$spages.html"
	next=$(flag_next "$T_TMP/s$spages.html")
done
want=$(psql_val "select string_agg(id::text, ' ' order by created_at, id) from ebba.audit_flags where resolved_at is null")
check_eq "Stickprov's pages show every open flag once, oldest first" "$want" \
	"$(for i in $(seq "$spages"); do flags_of "$T_TMP/s$i.html"; done | tr '\n' ' ' | sed 's/ $//')"

# -- Stickprov and Pröva on one decision at once (issue 24) -------------------------
# Sixty real referrals by ebbad (no registers: it refers), each with one
# open flag: Pröva decides them line by line, rule set and letter and all.
cfg=$(write_config </dev/null)
"$EBBACTL" -c "$cfg" case set "$ROOT/tests/data/frames/good.yaml" >/dev/null
for n in $(seq 60); do
	sed "s/id=\"EB-2026-12-000123\"/id=\"RACE-$n\"/" "$ROOT/tests/data/applications/good.xml" >"$T_TMP/race.xml"
	"$EBBACTL" -c "$cfg" submit "$T_TMP/race.xml" >/dev/null || fail "submit RACE-$n"
done
"$EBBAD" -c "$cfg" --once 2>"$T_TMP/ebbad.log" || fail "ebbad --once"
psql_val "insert into ebba.audit_flags (decision_id, kind, reason) select d.id, 'targeted', 'race' from ebba.decisions d
	where d.external_id like 'RACE-%' and not exists (select 1 from ebba.audit_flags f where f.decision_id = d.id)" >/dev/null
# One caseworker resolves a decision's flag on Stickprov while another
# resolves the decision on Pröva, 60 times.  Both must take the decision's
# advisory lock before its rows (ebba.resolve_flag, ebba.decide_referral):
# in opposite orders they deadlocked ("deadlock detected", HTTP 500, about
# twice in 60 pairs).  To make the race bite every run, not now and then, a
# test trigger holds each review 50 ms between the decision's lock and its
# flags, and the Stickprov request goes 0-100 ms after the Pröva one, a
# different delay each pair (before the fix: 10 to 20 of the 60 pairs
# deadlocked).
J2=$T_TMP/cw2.jar
token=$(curl -s -c "$J2" -b "$J2" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J2" -b "$J2" --data-urlencode "csrf=$token" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PW" "$URL/login"
csrf() { curl -s -b "$1" "$URL/ko" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}'; }
psql_val "select f.id || ' ' || f.decision_id from ebba.audit_flags f join ebba.decisions d on d.id = f.decision_id
	where d.external_id like 'RACE-%' and f.resolved_at is null
	and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = f.decision_id)
	and (select count(*) from ebba.audit_flags g where g.decision_id = f.decision_id) = 1
	order by f.id limit 60" >"$T_TMP/pairs"
check_eq "60 decisions with one open flag each to race on" 60 "$(wc -l <"$T_TMP/pairs")"
psql_val "create function public.t_slow_review() returns trigger language plpgsql as \$\$
	begin perform pg_sleep(0.05); return new; end \$\$;
	create trigger t_slow_review before insert on ebba.decisions for each row
	when (new.reviews_decision_id is not null) execute function public.t_slow_review()" >/dev/null
python3 - "$URL" "$J" "$(csrf "$J")" "$J2" "$(csrf "$J2")" "$T_TMP/pairs" >"$T_TMP/race.out" 2>&1 <<'PY'
import http.client, sys, threading, time, urllib.parse
url, jar1, tok1, jar2, tok2, pairs = sys.argv[1:]
u = urllib.parse.urlsplit(url)

def session(jar):
    for line in open(jar):
        f = line.rstrip('\n').split('\t')
        if len(f) >= 7 and f[5] == 'ebba_session':
            return f[6]

def post(conn, cookie, path, fields, out, i, at):
    body = urllib.parse.urlencode(fields)
    while time.perf_counter() < at:
        pass
    conn.request('POST', path, body, {'Cookie': 'ebba_session=' + cookie,
                                      'Content-Type': 'application/x-www-form-urlencoded'})
    out[i] = conn.getresponse().status

s1, s2 = session(jar1), session(jar2)
lines = [l.split() for l in open(pairs)]
for k, (flag, decision) in enumerate(lines):
    conns = [http.client.HTTPConnection(u.hostname, u.port, timeout=30) for _ in range(2)]
    for c in conns:
        c.connect()
    out = [None, None]
    start = time.perf_counter() + 0.002
    delay = 0.1 * (k + 0.5) / len(lines)
    t = [threading.Thread(target=post, args=(conns[0], s1, '/stickprov/' + flag,
                                             {'csrf': tok1, 'verdict': 'ok'}, out, 0, start + delay)),
         threading.Thread(target=post, args=(conns[1], s2, '/beslut/%s/prova' % decision,
                                             {'csrf': tok2, 'lines': '1', 'action': 'spara',
                                              'reason': 'needs-not-shown', 'note': 'Avslag i test'}, out, 1, start))]
    for x in t:
        x.start()
    for x in t:
        x.join()
    for c in conns:
        c.close()
    print(flag, decision, out[0], out[1], '%.4f' % delay)
PY
psql_val "drop trigger t_slow_review on ebba.decisions; drop function public.t_slow_review()" >/dev/null
check_eq "60 pairs sent" 60 "$(grep -c . "$T_TMP/race.out")"
check_eq "no pair answered 500" "" "$(awk '$3 == 500 || $4 == 500' "$T_TMP/race.out" | head -n 5)"
check_eq "every Pröva was saved (303); every Stickprov saved (303) or found it done (409)" "" \
	"$(awk '$4 != 303 || ($3 != 303 && $3 != 409)' "$T_TMP/race.out" | head -n 5)"
check_eq "no deadlock in ebba-web's log" "" "$(grep -i 'deadlock' "$T_TMP/web.log" | head -n 3)"
ids=$(awk '{printf "%s%s", s, $2; s = ","}' "$T_TMP/pairs")
check_eq "each of the 60 decisions reviewed once, its flag resolved" "60 60" \
	"$(psql_val "select count(*) from ebba.decisions where reviews_decision_id in ($ids)") $(psql_val "select count(*) from ebba.audit_flags where decision_id in ($ids) and resolved_at is not null")"
same_queue "after 60 pairs of Stickprov and Pröva at once"
