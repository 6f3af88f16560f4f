# ebba-web's security (docs/architecture.md, "ebba-web"): a real ebba-web on
# loopback against the test run's PostgreSQL, driven with curl.  Every
# route refuses an unauthenticated request; the headers are on every
# response; CSRF, session fixation, logout and throttling; a caseworker is
# refused a supervisor page and the refusal is logged; people's names in
# *_by come from the database session, even in direct SQL; ebbactl user;
# auth: proxy trusts its header only from its peers.  Logins (issue 24,
# item 5): the login form's token needs no session slot, so a flood of
# forms evicts nobody's; the throttle goes by the client a trusted proxy
# forwards for; a locked user name stays locked whatever else fails (its
# strikes are in the database); refusals are counted rows, none dropped.
. "$(dirname "$0")/../lib.sh"
WEB=$ROOT/$BUILD/ebba-web
new_db || exit 2

# People, named after the database (roles are cluster-wide).
sfx=${PGDATABASE##*_}
CW=cw$sfx SV=sv$sfx OTHER=cx$sfx PW=Test-l0senord
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null
printf '%s\n' "$PW" | "$EBBACTL" user add "$SV" --role supervisor >/dev/null
printf '%s\n' "$PW" | "$EBBACTL" user add "$OTHER" --role caseworker >/dev/null
psql_val "grant password_login to $CW, $SV, $OTHER" >/dev/null
cleanup_roles() {
	psql -XAtq -d postgres -c "drop owned by $CW, $SV, $OTHER cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $CW, $SV, $OTHER, webp$sfx" >/dev/null 2>&1
}
trap 'cleanup_roles; t_cleanup' EXIT

# -- ebbactl user ------------------------------------------------------------
list=$("$EBBACTL" --porcelain user list)
check_match "user list shows the caseworker in its group" "^user	$CW	yes	caseworker$" "$list"
check_match "user list shows the supervisor in its group" "^user	$SV	yes	supervisor$" "$list"
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null 2>&1
check_eq "user add refuses a role that exists" 1 "$?"
printf '%s\n' "$PW" | "$EBBACTL" user add 198503012380 --role caseworker >/dev/null 2>&1
check_eq "user add refuses a name that is not a role name (digits first)" 1 "$?"
"$EBBACTL" user add "x$sfx" --role boss </dev/null >/dev/null 2>&1
check_eq "user add refuses an unknown role" 2 "$?"
check_eq "the password is stored as a SCRAM verifier" 1 \
	"$(psql_val "select count(*) from pg_authid where rolname = '$CW' and rolpassword like 'SCRAM-SHA-256\$%'")"

# -- data: ten referrals of one application, each with an open flag ------------
# Real decisions by ebbad (no registers: it refers), so that a person can
# decide them line by line, with a letter, as every person's decision is.
cfg=$(write_config </dev/null)
"$EBBACTL" case set "$ROOT/tests/data/frames/good.yaml" >/dev/null
for n in 1 2 3 4 5 6 7 8 9 10; do
	sed "s/id=\"EB-2026-12-000123\"/id=\"WEB-$n\"/" "$ROOT/tests/data/applications/good.xml" >"$T_TMP/web-$n.xml"
	"$EBBACTL" -c "$cfg" submit "$T_TMP/web-$n.xml" >/dev/null || fail "submit WEB-$n"
done
"$EBBAD" -c "$cfg" --once 2>"$T_TMP/ebbad.log" || fail "ebbad --once"
psql_val "insert into ebba.audit_flags (decision_id, kind, reason) select d.id, 'targeted', 'test' from ebba.decisions d
	where not exists (select 1 from ebba.audit_flags f where f.decision_id = d.id)" >/dev/null
for n in 1 2 3 4 5 6 7 8 9 10; do
	eval "D$n=\$(psql_val \"select id from ebba.decisions where external_id = 'WEB-$n'\")"
done
check_eq "ten referrals to decide" "10 referred" \
	"$(psql_val "select count(*) || ' ' || string_agg(distinct outcome, ',') from ebba.decisions where external_id like 'WEB-%'")"
flag_of() { psql_val "select id from ebba.audit_flags where decision_id = $1"; }

# -- *_by from the session, in direct SQL --------------------------------------
# A caseworker writes a decision and resolves a flag only through ebba's
# functions (schema 014), which take the name from the session.
as_cw() { PGUSER=$CW PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
review_sql() {  # review_sql DECISION [decided_by]: a caseworker's decision on it, in SQL
	echo "insert into ebba.decisions (reviews_decision_id, external_id, case_id, period, outcome,
		ruleset_name, ruleset_version, ruleset_sha256 ${2:+, decided_by}) select id, external_id, case_id, period,
		'approved', 'r', '1', '' ${2:+, '$2'} from ebba.decisions where id = $1 returning decided_by"
}
out=$(as_cw "$(review_sql "$D2" "$OTHER")")
check_match "a caseworker cannot write a decision in SQL, under another name or their own" "permission denied" "$out"
out=$(as_cw "update ebba.audit_flags set resolved_at = now(), resolved_by = '$OTHER', verdict = 'x' where decision_id = $D2")
check_match "a caseworker cannot write resolved_by (or any column of a flag) in SQL" "permission denied" "$out"
F2=$(flag_of "$D2")
check_eq "ebba.resolve_flag resolves the flag" t "$(as_cw "select ebba.resolve_flag($F2, 'ok', null, 'psql')")"
check_eq "... resolved_by is the caseworker's own role" "$CW" "$(psql_val "select resolved_by from ebba.audit_flags where id = $F2")"
out=$(PGUSER=$OTHER PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "select ebba.resolve_flag($F2, 'not-ok', 'igen', 'psql')" 2>&1)
check_eq "a resolved flag cannot be resolved again (by someone else)" f "$out"
check_eq "... it stays the first person's" "$CW ok" "$(psql_val "select resolved_by || ' ' || verdict from ebba.audit_flags where id = $F2")"
decide_sql() {  # decide_sql DECISION FINDINGS AMOUNT NOTE LETTER: ebba.decide_referral, in SQL
	echo "select reviewed_by from ebba.decide_referral($1, '$2', null, $3, null, null, null, null, repeat('a', 64), '$4', '$5', 'psql')"
}
check_match "ebba.decide_referral checks what it is given (a refusal needs a note)" "rejected needs a note" \
	"$(as_cw "$(decide_sql "$D2" '{"lines": [], "reason": "needs-not-shown"}' null '' Brev)")"
check_match "... and a letter with every decision" "needs its letter" \
	"$(as_cw "$(decide_sql "$D2" '{"lines": []}' 100 '' '')")"
check_match "no one records a decision without a letter (ebba.resolve_review is gone)" "does not exist" \
	"$(as_cw "select * from ebba.resolve_review($D2, 'approve', null, '', 'psql')")"
out=$(as_cw "insert into ebba.access_log (who, action) values ('$OTHER', 'view')")
check_match "nobody names who in the access log" "permission denied" "$out"
check_match "a caseworker cannot read the access log" "permission denied" "$(as_cw "select * from ebba.access_log")"

# -- ebbactl review resolve records the connected role --------------------------
out=$(PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" review resolve "$D1" --reason needs-not-shown --note "Utredd" 2>&1)
check_match "review resolve needs no --by" "decided by $CW as decision [0-9]+ \(rejected\)" "$out"
check_eq "... and its letter is written with it" 1 \
	"$(psql_val "select count(*) from ebba.letters l join ebba.decisions r on r.id = l.decision_id where r.reviews_decision_id = $D1")"
check_eq "... and decided_by is the connected role" "$CW" \
	"$(psql_val "select decided_by from ebba.decisions where reviews_decision_id = $D1")"
check_eq "... and so is the flag's resolved_by" "$CW" \
	"$(psql_val "select resolved_by from ebba.audit_flags where decision_id = $D1")"
check_eq "... and the access_log row, written with it, names the caseworker" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'resolve' and object_kind = 'decision' and object_id = '$D1' and client = 'ebbactl'")"
PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" review show "$D1" >/dev/null 2>&1
check_eq "review show is an access_log row under the caseworker's name" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'view' and object_kind = 'decision' and object_id = '$D1' and client = 'ebbactl'")"
out=$(PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" review resolve "$D2" --verdict reject --amount 5 --note x 2>&1)
check_eq "review resolve refuses --amount: the amount is the rule set's" \
	"2 ebbactl review resolve: --amount is gone: the amount is the rule set's; give the lines (--cost TYPE=AMOUNT:REASON, --income TYPE=AMOUNT:REASON)" "$? $out"
out=$(PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" review resolve "$D2" --verdict adjust --note x 2>&1)
check_match "review resolve refuses --verdict adjust (exit 2), pointing at the lines" "^ebbactl review resolve: --verdict adjust is gone: give the amounts line by line" "$out"
out=$(PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" review resolve "$D2" --verdict reject --note x 2>&1)
check_match "review resolve refuses --verdict reject without a reason" "^ebbactl review resolve: --verdict reject needs the reason" "$out"
check_eq "... and none of these wrote a decision" 0 "$(psql_val "select count(*) from ebba.decisions where reviews_decision_id = $D2")"
"$EBBACTL" -c "$cfg" review resolve "$D1" --verdict approve --note x --by "$OTHER" >/dev/null 2>&1
check_eq "review resolve has no --by any more" 2 "$?"

# -- a real ebba-web -------------------------------------------------------------
# start_web NAME [YAML...]: starts ebba-web on a free loopback port; sets URL.
# The rules are $WEB_RULES, by default the shipped ones.
start_web() {
	local name=$1; shift
	local f=$T_TMP/$name.yaml
	{ echo 'database: ""'; echo "rules_dir: ${WEB_RULES:-$ROOT/rules}"; echo "web:"; echo "  port: 0"; printf '  %s\n' "$@"; } >"$f"
	"$WEB" -c "$f" 2>"$T_TMP/$name.log" & T_PIDS+=($!)
	WEB_PID=$!
	local i
	for i in $(seq 100); do grep -q 'listening on' "$T_TMP/$name.log" && break; sleep 0.05; done
	URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/$name.log" | head -n 1)
	[ -n "$URL" ] || { fail "ebba-web $name started"; cat "$T_TMP/$name.log"; exit 0; }
}
start_web db "login_max_failures: 4" "denied_log_seconds: 2"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
cookie() { awk -v n=ebba_session '$6 == n {print $7}' "$1"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}'; }

# Every route, unauthenticated: pages 303 to /login, /api/ 401, never data.
"$WEB" --routes >"$T_TMP/routes"
check "ebba-web --routes lists the route table" grep -q "^GET	/login	" "$T_TMP/routes"
bad=
while IFS=$'\t' read -r method path groups public; do
	[ "$public" = public ] && continue
	p=$path; [ "${p%/}" != "$p" ] && [ "$p" != / ] && p=${p}1
	if [ "$method" = GET ]; then got=$(curl -s -o "$T_TMP/body" -w '%{http_code} %{redirect_url}' "$URL$p")
	else got=$(curl -s -o "$T_TMP/body" -w '%{http_code} %{redirect_url}' -d x=y "$URL$p"); fi
	[ "$got" = "303 $URL/login" ] && [ ! -s "$T_TMP/body" ] || bad="$bad $method:$path($got)"
done <"$T_TMP/routes"
check_eq "every route but /login redirects an unauthenticated request to /login, with no body" "" "$bad"
check_eq "an unknown page redirects to /login too" "303" "$(code "$URL/finns-inte")"
check_eq "/api/ answers 401 without a session" "401" "$(code "$URL/api/v1/applications")"
check_eq "a POST to /api/ answers 401 without a session" "401" "$(code -d x=y "$URL/api/v1/applications")"
check_eq "a made-up session id is no session" "303" "$(code -b "ebba_session=$(printf '%064d' 0)" "$URL/")"
check_eq "static files need no session" "200" "$(code "$URL/static/ebba.css")"
check_eq "a migration is not a static file" "404" "$(code "$URL/static/004_people.sql")"

# Session fixation: an id planted before the login is not the one after it.
J=$T_TMP/cw.jar
pre=$(printf 'f%.0s' $(seq 64))
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tebba_session\t%s\n' "$pre" >"$J"
curl -s -c "$J" -b "$J" "$URL/login" >"$T_TMP/login.html"
token=$(csrf_of <"$T_TMP/login.html")
h=$(curl -s -D - -o /dev/null "$URL/login")
check_match "the login page sets its signed token in a cookie, HttpOnly and SameSite=Strict" \
	"Set-Cookie: ebba_login=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict" "$h"
check_eq "the login page makes no session (no slot to take)" "" "$(printf '%s' "$h" | grep -i '^Set-Cookie: ebba_session')"
check_eq "the form carries the cookie's token" "$token" "$(awk '$6 == "ebba_login" {print $7}' "$J")"
check_eq "a login POST without the form's CSRF token is refused" 403 \
	"$(code -b "$J" --data-urlencode "user=$CW" --data-urlencode "password=$PW" "$URL/login")"
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -c "$J" -b "$J" --data-urlencode "csrf=$token" \
	--data-urlencode "user=$CW" --data-urlencode "password=$PW" "$URL/login")
check_eq "the caseworker logs in (303 to /)" "303 $URL/" "$got"
post=$(cookie "$J")
check_match "the session id after login is a new 256-bit id" "^[0-9a-f]{64}$" "$post"
check "the session id after login is not the one set before it" test "$pre" != "$post"
check_eq "the pre-login id opens nothing" "303" "$(code -b "ebba_session=$pre" "$URL/")"
check_eq "the caseworker sees the start page" "200" "$(code -b "$J" "$URL/")"
check_eq "a login row for the caseworker" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'login'")"
views="select count(*) from ebba.access_log where who = '$CW' and action = 'view'"
n0=$(psql_val "$views")
curl -s -o /dev/null -b "$J" "$URL/"
check_eq "viewing the queue is an access-log row under the caseworker's name" $((n0 + 1)) "$(psql_val "$views")"
curl -s -o /dev/null -b "$J" "$URL/beslut/$D1"
check_eq "viewing a decision is a row naming the decision" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'view' and object_kind = 'decision' and object_id = '$D1' and client <> 'ebbactl'")"

# -- every view logs; every change commits with its row (issue 24) -------------
tok=$(curl -s -b "$J" "$URL/" | csrf_of)
logged() {  # logged ACTION KIND ID: the caseworker's access_log rows
	psql_val "select count(*) from ebba.access_log where who = '$CW' and action = '$1' and object_kind = '$2' and object_id = '$3'"
}
post() {  # post PATH FIELD=VALUE...: the status of the caseworker's form
	local path=$1 a=(); shift
	for f in "$@"; do a+=(--data-urlencode "$f"); done
	code -b "$J" --data-urlencode "csrf=$tok" "${a[@]}" "$URL$path"
}
n0=$(logged view decision "$D3")
check_eq "Pröva with its failed checks left undecided is refused (422)" 422 "$(post "/beslut/$D3/prova" lines=1 action=spara note=)"
check_eq "... and the decision it shows again is a view in the access log" $((n0 + 1)) "$(logged view decision "$D3")"
# Someone else (the owner here) reviews D4, holding the decision's lock as
# ebba.decide_referral does, a moment before committing; the form sent
# meanwhile waits for it, finds the decision reviewed: 409, and the
# decision shown again is a view.
psql -XAtq -v ON_ERROR_STOP=1 -c "begin" \
	-c "select pg_advisory_xact_lock(hashtext('ebba.review'), ($D4 % 2147483647)::int)" \
	-c "insert into ebba.decisions (reviews_decision_id, external_id, case_id, period, outcome, ruleset_name,
	ruleset_version, ruleset_sha256) select id, external_id, case_id, period, 'approved', 'r', '1', '' from ebba.decisions where id = $D4" \
	-c "select pg_sleep(2)" -c "commit" >/dev/null 2>&1 &
for _ in $(seq 100); do
	[ "$(psql_val "select count(*) from pg_stat_activity where query like '%pg_sleep(2)%' and pid <> pg_backend_pid()")" = 1 ] && break
	sleep 0.05
done
n0=$(logged view decision "$D4")
check_eq "Pröva when someone else was first is refused (409)" 409 "$(post "/beslut/$D4/prova" lines=1 action=spara reason=needs-not-shown "note=Avslag i test")"
wait $!
check_eq "... and the decision it shows again is a view in the access log" $((n0 + 1)) "$(logged view decision "$D4")"
check_eq "... and the decision is the other person's" "$(psql_val "select current_user")" "$(psql_val "select decided_by from ebba.decisions where reviews_decision_id = $D4")"
check_eq "a decision through Pröva (303)" 303 "$(post "/beslut/$D8/prova" lines=1 action=spara reason=needs-not-shown "note=Avslag i test")"
check_eq "... names the caseworker, in the decision, its flag and the access log" "$CW $CW 1" \
	"$(psql_val "select decided_by from ebba.decisions where reviews_decision_id = $D8") $(psql_val "select resolved_by from ebba.audit_flags where decision_id = $D8") $(logged resolve decision "$D8")"
check_eq "a flag resolved on Stickprov (303)" 303 "$(post "/stickprov/$(flag_of "$D9")" verdict=ok)"
check_eq "... names the caseworker, in the flag and the access log" "$CW 1" \
	"$(psql_val "select resolved_by from ebba.audit_flags where decision_id = $D9") $(logged resolve audit_flag "$(flag_of "$D9")")"
"$EBBACTL" case set "$ROOT/tests/data/frames/good.yaml" >/dev/null
n0=$(logged view case_frame C-10042)
fv() { echo "version=$(psql_val "select version from ebba.case_frames where case_id = 'C-10042'")"; }
check_eq "a frame form with errors is refused (422)" 422 "$(post /referensram/C-10042 "$(fv)" automation=kanske)"
check_eq "... and the frame it shows again is a view in the access log" $((n0 + 1)) "$(logged view case_frame C-10042)"
frame_form=(automation=manual valid_until=2027-03-31 months=15 capacity_0=full capacity_1=none cost_rent=7450)
check_eq "a frame saved on Referensram (303)" 303 "$(post /referensram/C-10042 "$(fv)" "${frame_form[@]}")"
check_eq "... names the caseworker, in the frame and the access log" "$CW 1" \
	"$(psql_val "select updated_by from ebba.case_frames where case_id = 'C-10042'") $(logged resolve case_frame C-10042)"
# A change and its access_log row commit together: with the log refusing
# 'resolve' rows, no change is kept, on any path.
psql_val "create function public.t_log_down() returns trigger language plpgsql as \$\$
	begin if new.action = 'resolve' then raise exception 'test: the access log refuses'; end if; return new; end \$\$;
	create trigger t_log_down before insert on ebba.access_log for each row execute function public.t_log_down()" >/dev/null
frame_before=$(psql_val "select updated_at from ebba.case_frames where case_id = 'C-10042'")
check_eq "with the access log down, Pröva fails" 500 "$(post "/beslut/$D5/prova" lines=1 action=spara reason=needs-not-shown "note=Avslag i test")"
check_eq "... and no decision was kept" 0 "$(psql_val "select count(*) from ebba.decisions where reviews_decision_id = $D5")"
check_eq "with the access log down, Stickprov fails" 500 "$(post "/stickprov/$(flag_of "$D6")" verdict=ok)"
check_eq "... and the flag is still open" "" "$(psql_val "select resolved_at from ebba.audit_flags where decision_id = $D6")"
check_eq "with the access log down, Referensram fails" 500 "$(post /referensram/C-10042 "$(fv)" automation=allowed valid_until=2027-04-30 months=16 capacity_0=full capacity_1=none)"
check_eq "... and the frame is as it was" "$frame_before" "$(psql_val "select updated_at from ebba.case_frames where case_id = 'C-10042'")"
PGUSER=$CW PGPASSWORD=$PW "$EBBACTL" -c "$cfg" review resolve "$D7" --reason needs-not-shown --note x >/dev/null 2>&1
check_eq "with the access log down, ebbactl review resolve fails" 2 "$?"
check_eq "... and no decision was kept" 0 "$(psql_val "select count(*) from ebba.decisions where reviews_decision_id = $D7")"
psql_val "drop trigger t_log_down on ebba.access_log; drop function public.t_log_down()" >/dev/null

# Headers on every kind of response (the 403 of a supervisor page too).
sup=$(awk -F'\t' '$1 == "GET" && $3 == "supervisor" && $2 !~ /\/$/ {print $2; exit}' "$T_TMP/routes")
URL_SUP=${sup:-/}
hdr_bad=
for req in "-:/login" "-:/" "-:/finns-inte" "-:/api/v1/x" "-:/static/ebba.css" "$J:/" "$J:/finns-inte" "$J:$URL_SUP"; do
	jar=${req%%:*} path=${req#*:}
	[ "$jar" = - ] && jar=/dev/null
	h=$(curl -s -D - -o /dev/null -b "$jar" "$URL$path")
	for want in "Content-Security-Policy: default-src 'self';" "frame-ancestors 'none'" "form-action 'self'" \
		"X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer"; do
		printf '%s' "$h" | grep -qiF "$want" || hdr_bad="$hdr_bad [$path: $want]"
	done
	printf '%s' "$h" | grep -qi 'unsafe-inline' && hdr_bad="$hdr_bad [$path: unsafe-inline]"
	case $path in /static/*) ;; *) printf '%s' "$h" | grep -qi '^Cache-Control: no-store' || hdr_bad="$hdr_bad [$path: no-store]";; esac
done
check_eq "CSP without unsafe-inline, nosniff, no-referrer on every response; no-store on all but static files" "" "$hdr_bad"

# A supervisor page refused to the caseworker, and logged.
check "the route table has a supervisor page" test -n "$sup"
denied="select count(*) from ebba.access_log where who = '$CW' and action = 'denied' and object_id = '$sup'"
n0=$(psql_val "$denied")
check_eq "the caseworker is refused the supervisor page $sup" 403 "$(code -b "$J" "$URL$sup")"
check_eq "... and the refusal is in the access log under the caseworker's name" $((n0 + 1)) "$(psql_val "$denied")"
JS=$T_TMP/sv.jar
curl -s -c "$JS" -b "$JS" "$URL/login" >"$T_TMP/login2.html"
curl -s -o /dev/null -c "$JS" -b "$JS" --data-urlencode "csrf=$(csrf_of <"$T_TMP/login2.html")" \
	--data-urlencode "user=$SV" --data-urlencode "password=$PW" "$URL/login"
check_eq "the supervisor may see $sup" 200 "$(code -b "$JS" "$URL$sup")"
# Every supervisor page, not only the first: refused to the caseworker,
# shown to the supervisor.
check "the route table has Regler (/regler) for supervisors only" grep -q "^GET	/regler	supervisor	session$" "$T_TMP/routes"
bad=
for p in $(awk -F'\t' '$1 == "GET" && $3 == "supervisor" && $2 !~ /\/$/ {print $2}' "$T_TMP/routes"); do
	[ "$(code -b "$J" "$URL$p")" = 403 ] && [ "$(code -b "$JS" "$URL$p")" = 200 ] || bad="$bad $p"
done
check_eq "every supervisor page is refused to the caseworker (403) and shown to the supervisor" "" "$bad"

# CSRF on a POST that changes something (logout), then logout ends the session.
page=$(curl -s -b "$J" "$URL/")
token=$(printf '%s' "$page" | csrf_of)
check_match "a logged-in page carries the session's CSRF token in its forms" "^[0-9a-f]{64}$" "$token"
check_eq "a POST without the CSRF token is refused" 403 "$(code -b "$J" -d x=y "$URL/logout")"
check_eq "a POST with another session's CSRF token is refused" 403 \
	"$(code -b "$J" --data-urlencode "csrf=$(curl -s -b "$JS" "$URL/" | csrf_of)" "$URL/logout")"
check_eq "... and the session is still alive" 200 "$(code -b "$J" "$URL/")"
check_eq "a CSRF refusal is logged" 1 \
	"$(psql_val "select count(*) >= 1 from ebba.access_log where who = '$CW' and action = 'denied' and object_kind = 'csrf'" | sed 's/t/1/')"
got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$J" --data-urlencode "csrf=$token" "$URL/logout")
check_eq "logout with the token: 303 to /login" "303 $URL/login" "$got"
check_eq "after logout the old session id opens nothing" 303 "$(code -b "ebba_session=$post" "$URL/")"

# The login form needs no session slot: ~150 strangers asking for the form
# (each one a slot of the anonymous table before, which held 100) do not
# make a real person's open form stale.
JF=$T_TMP/form.jar
curl -s -c "$JF" -b "$JF" "$URL/login" >"$T_TMP/loginf.html"
tf=$(csrf_of <"$T_TMP/loginf.html")
for i in $(seq 150); do [ "$i" = 1 ] || echo next; printf 'url = "%s/login"\noutput = "/dev/null"\n' "$URL"; done >"$T_TMP/forms.curl"
curl -s --parallel --parallel-max 8 -K "$T_TMP/forms.curl"
check_eq "after 150 more login forms were handed out, the first one still logs in (303)" 303 \
	"$(code -c "$JF" -b "$JF" --data-urlencode "csrf=$tf" --data-urlencode "user=$CW" --data-urlencode "password=$PW" "$URL/login")"
check_eq "a login POST whose token is not its cookie's is refused" 403 \
	"$(code -b "ebba_login=$(curl -s -D - -o /dev/null "$URL/login" | grep -o 'ebba_login=[0-9a-f]*' | cut -d= -f2)" \
		--data-urlencode "csrf=$tf" --data-urlencode "user=$CW" --data-urlencode "password=$PW" "$URL/login")"
forged=$(printf '%s' "$tf" | cut -c1-60)ffff
check_eq "a login POST with a token ebba-web did not sign (cookie and form alike) is refused" 403 \
	"$(code -b "ebba_login=$forged" --data-urlencode "csrf=$forged" --data-urlencode "user=$CW" --data-urlencode "password=$PW" "$URL/login")"

# Throttling: login_max_failures wrong passwords, then even the right one waits.
JT=$T_TMP/t.jar
curl -s -c "$JT" -b "$JT" "$URL/login" >"$T_TMP/login3.html"
tt=$(csrf_of <"$T_TMP/login3.html")
try() { code -c "$JT" -b "$JT" --data-urlencode "csrf=$tt" --data-urlencode "user=$OTHER" --data-urlencode "password=$1" "$URL/login"; }
codes="$(try wrong1) $(try wrong2) $(try wrong3) $(try wrong4)"
check_eq "wrong passwords are refused" "401 401 401 401" "$codes"
check_eq "after login_max_failures (4) failures the next attempt is throttled" 429 "$(try wrong5)"
check_eq "the right password is refused while throttled" 429 "$(try "$PW")"
sleep 3  # denied_log_seconds (2) and the flush
check_eq "every failed or throttled login is counted in a denied row under ebba-web's own name" 6 \
	"$(psql_val "select sum(count) from ebba.access_log where action = 'denied' and object_kind = 'login' and object_id = '$OTHER' and who = current_user")"
check_eq "no login row for the throttled person" 0 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$OTHER' and action = 'login'")"

# Behind a proxy (a peer of proxy_peers: here 127.0.0.1, the default) the
# throttle goes by the client the proxy forwards for, the right-most
# address of X-Forwarded-For: one person's failures do not lock out the
# next person behind the same proxy.  (Every attempt from here on carries
# the form's token as its cookie, so needs no jar.)
JX=$T_TMP/x.jar
curl -s -c "$JX" "$URL/login" >"$T_TMP/loginx.html"
tx=$(csrf_of <"$T_TMP/loginx.html")
attempt() {  # attempt USER PASSWORD [curl options...]
	local u=$1 p=$2; shift 2
	code -b "ebba_login=$tx" --data-urlencode "csrf=$tx" --data-urlencode "user=$u" --data-urlencode "password=$p" "$@" "$URL/login"
}
codes="$(attempt "nxa$sfx" w -H 'X-Forwarded-For: 203.0.113.9, 192.0.2.10')"
for n in b c d e; do codes="$codes $(attempt "nx$n$sfx" w -H 'X-Forwarded-For: 192.0.2.10')"; done
check_eq "behind the proxy, a client's four failures (four names) throttle that client" "401 401 401 401 429" "$codes"
check_eq "... and the next person behind the same proxy logs in (303)" 303 \
	"$(attempt "$CW" "$PW" -H 'X-Forwarded-For: 192.0.2.11')"
check_eq "the denied row names the forwarded client (the right-most address)" 1 \
	"$(psql_val "select count(*) from ebba.access_log where action = 'denied' and object_id = 'nxa$sfx' and client = '192.0.2.10'")"
codes=
for n in 1 2 3 4 5; do codes="$codes $(attempt "nxy$n$sfx" w --interface 127.0.0.2 -H "X-Forwarded-For: 192.0.2.2$n")"; done
check_eq "from a peer not in proxy_peers X-Forwarded-For counts for nothing: the peer is throttled" \
	" 401 401 401 401 429" "$codes"

# A locked name stays locked: 900 addresses each failing four times with
# names of their own (3 600 failures; more names and clients than the
# in-memory table's 4 096 places, which made room by forgetting its
# oldest) do not unlock $OTHER.
for a in $(seq 900); do
	for n in 1 2 3 4; do
		[ "$a$n" = 11 ] || echo next
		printf 'url = "%s/login"\ninterface = "127.1.%d.%d"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
			"$URL" $((a / 200)) $((a % 200 + 1))
		printf 'cookie = "ebba_login=%s"\ndata = "csrf=%s&user=f%dx%d%s&password=w"\n' "$tx" "$tx" "$a" "$n" "$sfx"
	done
done >"$T_TMP/strikes.curl"
curl -s --parallel --parallel-max 16 -K "$T_TMP/strikes.curl" >"$T_TMP/strikes.codes"
check_eq "3 600 failures from 900 addresses: each refused (401)" "3600 401" \
	"$(sort "$T_TMP/strikes.codes" | uniq -c | awk '{print $1 " " $2}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "... and $OTHER is still locked: its right password from a new address waits (429)" 429 \
	"$(attempt "$OTHER" "$PW" --interface 127.0.9.9)"

# Refusals are counted, not a row each: four failures and twenty throttled
# attempts of one name from one client are two rows (the first refusal at
# once, then the rest with their count), none left out.
for i in $(seq 24); do
	[ "$i" = 1 ] || echo next
	printf 'url = "%s/login"\ninterface = "127.0.10.1"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$URL"
	printf 'cookie = "ebba_login=%s"\ndata = "csrf=%s&user=nxz%s&password=w%d"\n' "$tx" "$tx" "$sfx" "$i"
done >"$T_TMP/counted.curl"
curl -s -K "$T_TMP/counted.curl" >"$T_TMP/counted.codes"
check_eq "four failures, then twenty throttled attempts" "4 401 20 429" \
	"$(sort "$T_TMP/counted.codes" | uniq -c | awk '{print $1 " " $2}' | tr '\n' ' ' | sed 's/ $//')"
sleep 3  # denied_log_seconds (2) and the flush
rows="select count(*) || ' ' || sum(count) from ebba.access_log where action = 'denied' and object_id = 'nxz$sfx' and client = '127.0.10.1'"
got=$(psql_val "$rows")
check_match "the 24 refusals are in at most three rows (one per 2 s) that count 24" "^[123] 24$" "$got"
check_eq "a row that counts several says when the first of them was" 1 \
	"$(psql_val "select count(*) > 0 and bool_and(first_at is not null and first_at <= at) from ebba.access_log where object_id = 'nxz$sfx' and count > 1" | sed 's/t/1/')"
curl -s -K "$T_TMP/counted.curl" >/dev/null   # 24 more, throttled; counted when ebba-web stops
leak=$(grep -E '(19|20)[0-9]{6}[-+]?[0-9]{4}' "$T_TMP/db.log")
check_eq "no identity number in ebba-web's log" "" "$leak"
kill "$WEB_PID" 2>/dev/null
wait "$WEB_PID" 2>/dev/null
check_eq "refusals still counted when ebba-web stops are written as it stops" "48" \
	"$(psql_val "select sum(count) from ebba.access_log where action = 'denied' and object_id = 'nxz$sfx'")"

# -- auth: proxy ---------------------------------------------------------------------
# ebba-web's own role: may log, may become the people granted to ebba_web_proxy.
psql_val "create role webp$sfx login in role ebba_web, ebba_web_proxy" >/dev/null
start_web proxy "auth: proxy" "database: \"user=webp$sfx\"" "proxy_peers: 127.0.0.1"
JP=$T_TMP/p.jar
check_eq "proxy: no header, no session (401)" 401 "$(code "$URL/")"
check_eq "proxy: the trusted peer's header is a session of that person" 200 \
	"$(code -c "$JP" -b "$JP" -H "X-Remote-User: $CW" "$URL/")"
check_eq "proxy: ... logged in under the person's name" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and object_kind = 'proxy' and action = 'login'")"
check_eq "proxy: the supervisor page is refused to the caseworker here too" 403 \
	"$(code -b "$JP" -H "X-Remote-User: $CW" "$URL$sup")"
check_eq "proxy: a name that is no person of ebba is refused" 403 "$(code -H "X-Remote-User: postgres" "$URL/")"
# The person a vouching front end set is who the database writes, inside
# ebba's SECURITY DEFINER functions too (where current_user is their owner).
out=$(PGUSER=webp$sfx psql -XAtq -v ON_ERROR_STOP=1 -c "set role $CW; $(review_sql "$D2" "$OTHER")" 2>&1)
check_match "proxy: the front end, acting as the caseworker, cannot write a decision in SQL" "permission denied" "$out"
out=$(PGUSER=webp$sfx psql -XAtq -v ON_ERROR_STOP=1 -c "set role $CW; select ebba.person()" 2>&1)
check_eq "proxy: ebba.person() is the role the front end set" "$CW" "$out"
out=$(PGUSER=webp$sfx psql -XAtq -v ON_ERROR_STOP=1 -c "set role $CW; set ebba.access_log_who = 'someone'" \
	-c "$(decide_sql "$D10" '{"lines": []}' 100 '' Brev)" 2>&1)
check_eq "proxy: ebba.decide_referral names the role the front end set" "$CW" "$out"
check_eq "... and so does its access_log row (no setting names anyone else)" 1 "$(logged resolve decision "$D10")"
tokp=$(curl -s -b "$JP" -H "X-Remote-User: $CW" "$URL/" | csrf_of)
check_eq "proxy: a decision through Pröva (303)" 303 \
	"$(code -b "$JP" -H "X-Remote-User: $CW" --data-urlencode "csrf=$tokp" -d lines=1 -d action=spara -d reason=needs-not-shown --data-urlencode "note=Avslag i test" "$URL/beslut/$D6/prova")"
check_eq "... names the person, in the decision and the access log" "$CW 1" \
	"$(psql_val "select decided_by from ebba.decisions where reviews_decision_id = $D6") $(logged resolve decision "$D6")"
check_match "a caseworker cannot act as another person" "permission denied" \
	"$(as_cw "set role $OTHER")"
kill "$WEB_PID" 2>/dev/null
# Regler on rules that do not load: the page names each problem at its place.
mkdir -p "$T_TMP/rules-broken"
cp "$ROOT/tests/data/rules-bad/09-unknown-fact.yaml" "$T_TMP/rules-broken/"
WEB_RULES=$T_TMP/rules-broken start_web broken "auth: proxy" "database: \"user=webp$sfx\"" "proxy_peers: 127.0.0.1"
body=$(curl -s -H "X-Remote-User: $SV" "$URL/regler")
check_match "Regler on rules that do not load says so" "Reglerna går inte att läsa in" "$body"
check_match "... with each problem at its file:line:column" "rules-broken/09-unknown-fact.yaml:22:11: okänt namn &#39;asets&#39;" "$body"
kill "$WEB_PID" 2>/dev/null
start_web untrusted "auth: proxy" "database: \"user=webp$sfx\"" "proxy_peers: 192.0.2.1"
check_eq "proxy: the header from a peer not in proxy_peers is refused" 403 "$(code -H "X-Remote-User: $CW" "$URL/")"
check_eq "... and logged" 1 \
	"$(psql_val "select count(*) from ebba.access_log where action = 'denied' and object_kind = 'proxy' and object_id = '(untrusted peer)'")"
kill "$WEB_PID" 2>/dev/null
