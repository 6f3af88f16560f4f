# Ask the registers again before asking a person (issue 29 item 1;
# schema/029_register_retry.sql).  The demo's households are decided with
# the simulator's FK down: those that fail only "registers-answered" (the
# rule set marks it retry: registers) are the retryable referrals.  A
# caseworker opens one and takes another's case.  ebbad then runs with
# retry_every_seconds: 2 while FK is still down: it sends one probe at a
# time, never the lot, so SSBTEK gets at most one household's look-ups per
# interval.  FK comes back: the probe's registers answer, the rest follow,
# and every retryable referral but the two a person holds (and the demo's
# household whose SSBTEK answer is garbage for good) is re-decided by ebba
# without a person: a new decision naming the referral, "register" in its
# trace, out of the queue, `redecided` among the API's events, `follows`
# in the feed, the API's outcome the re-decision's.  The garbage household
# is asked again with a doubling wait, not every interval.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
SIM=http://127.0.0.1:$(cat "$T_TMP/demo/regsim.port")
ctl() { "$EBBACTL" -c "$CFG" "$@"; }
ssbtek_requests() { curl -fsS "$SIM/stats" | sed -nE 's/.*\(ssbtek ([0-9]+),.*/\1/p'; }

sfx=${PGDATABASE##*_}
CW=cwr$sfx PW=Test-l0senord
printf '%s\n' "$PW" | ctl user add "$CW" --role caseworker >/dev/null
psql_val "grant password_login to $CW" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade" >/dev/null 2>&1;
	psql -XAtq -d postgres -c "drop role if exists $CW" >/dev/null 2>&1; t_cleanup' EXIT
as() { PGUSER=$CW PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

# ---- the first batch, FK down --------------------------------------------------------
curl -fsS "$SIM/control?agency-error=FK" >/dev/null
sed -i 's/^registers:$/registers:\n  retry_every_seconds: 0/' "$CFG"
ctl_once() { "$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log"; }
ctl_once
RETRYABLE="select d.id from ebba.decisions d where d.inbox_id is not null and d.outcome = 'referred'
	and ebba.register_retry_only(d.id, '{registers-answered}')"
n_retry=$(psql_val "select count(*) from ($RETRYABLE) r")
check "FK down: many households are referred for want of a register alone ($n_retry)" test "$n_retry" -ge 10
check_match "... with the reason in Swedish" "Register ej tillgängligt: .*FK" \
	"$(psql_val "select message from ebba.decision_checks where check_id = 'registers-answered'
		and result = 'fail' limit 1")"
other=$(psql_val "select count(*) from ebba.decisions d where d.outcome = 'referred'
	and not ebba.register_retry_only(d.id, '{registers-answered}')")
check "... and others for other reasons too, which stay with the caseworkers ($other)" test "$other" -ge 1

# The demo's register outage: this household's SSBTEK answer is garbage.
GARBAGE_EXT=$(awk -F'\t' '$2 == "register outage" { print $1 }' "$T_TMP/demo/data/altered.tsv")
GARBAGE=$(psql_val "select d.id from ($RETRYABLE) r join ebba.decisions d on d.id = r.id
	where d.external_id = '$GARBAGE_EXT'")
check "the demo's garbage-answer household is among them" test -n "$GARBAGE"

# A caseworker opens one (the decision page's view, logged) and takes the
# case of another: both are theirs now, whatever the registers say later.
OPENED=$(psql_val "$RETRYABLE and d.id <> ${GARBAGE:-0} order by d.id limit 1")
TAKEN=$(psql_val "$RETRYABLE and d.id <> ${GARBAGE:-0} order by d.id limit 1 offset 1")
TAKEN_CASE=$(psql_val "select case_id from ebba.decisions where id = $TAKEN")
as "insert into ebba.access_log (action, object_kind, object_id, client) values ('view', 'decision', '$OPENED', 'test')" >/dev/null
check_eq "the caseworker takes the other's case" "t" \
	"$(as "select mine from ebba.case_take('$TAKEN_CASE', 0)")"

# ---- ebbad asks again while FK is still down: one probe at a time ---------------------
sed -i 's/^  retry_every_seconds: 0$/  retry_every_seconds: 2\n  retry_window_hours: 1\n  retry_batch: 100/' "$CFG"
sed -i '1a poll_interval_ms: 200' "$CFG"
sleep 2   # the referrals must be an interval old before the first try
before=$(ssbtek_requests)
"$EBBAD" -c "$CFG" 2>>"$T_TMP/ebbad.log" & EBBAD_PID=$!; T_PIDS+=($EBBAD_PID)
DOWN_SECONDS=9
sleep $DOWN_SECONDS
during=$(( $(ssbtek_requests) - before ))
probes=$(psql_val "select count(*) from ebba.register_retries")
check "while FK is down ebbad probes ($probes sent)" test "$probes" -ge 1
check_eq "... every one of them a probe, never a batch" "0" \
	"$(psql_val "select count(*) from ebba.register_retries where not probe")"
check "... at most one per interval (${probes} in ${DOWN_SECONDS} s at 2 s)" test "$probes" -le $((DOWN_SECONDS / 2 + 1))
# one household has at most four people of 16 or more: one SSBTEK look-up each
check "SSBTEK got at most one household's look-ups per interval ($during requests)" \
	test "$during" -le $(( (DOWN_SECONDS / 2 + 1) * 4 ))
check "... far fewer than asking every retryable referral once (${n_retry})" test "$during" -lt "$n_retry"
# ebbad keeps probing while this runs, so a probe may be in the inbox and
# not yet decided: the probes are judged once decided, in one snapshot.
read -r decided unlinked <<<"$(psql_val "select count(*) filter (where i.state = 'decided') || ' ' ||
	count(*) filter (where i.state = 'decided' and not exists (select 1 from ebba.decisions e
		where e.inbox_id = x.inbox_id and e.redecides_decision_id = x.decision_id
		and e.outcome = 'referred'))
	from ebba.register_retries x join ebba.inbox i on i.id = x.inbox_id")"
check "probes were decided ($decided of $probes)" test "${decided:-0}" -ge 1
check_eq "each decided probe was re-decided and referred again, naming the referral it follows" 0 "${unlinked:-x}"

# ---- FK back: the rest follow ------------------------------------------------------------
curl -fsS "$SIM/control?agency-error=" >/dev/null
settled() {  # every retryable first referral but the held and the garbage one re-decided, once
	psql_val "select count(*) from ($RETRYABLE) r join ebba.decisions d on d.id = r.id
		where d.redecides_decision_id is null and d.id not in ($OPENED, $TAKEN, $GARBAGE)
		  and d.case_id not in (select case_id from ebba.decisions where id = $GARBAGE)
		  and not exists (select 1 from ebba.decisions e where e.redecides_decision_id = d.id)"
}
for _ in $(seq 300); do [ "$(settled)" = 0 ] && break; sleep 0.2; done
check_eq "FK back: every retryable referral not held by a person is re-decided by ebba" 0 "$(settled)"
# the chain's end for each first referral
CHAIN_END="with recursive chain(root, id) as (
	  select d.id, d.id from ebba.decisions d where d.inbox_id is not null and d.redecides_decision_id is null
	  union all select c.root, e.id from chain c join ebba.decisions e on e.redecides_decision_id = c.id)
	select distinct on (root) root, id from chain order by root, id desc"
approved=$(psql_val "select count(*) from ($CHAIN_END) c join ebba.decisions e on e.id = c.id
	where c.root <> c.id and e.outcome = 'approved'")
check "... and most of those are now approved without a person ($approved)" test "$approved" -ge $((n_retry / 2))
check_eq "... at most one re-decision per referral (the database's unique index)" "" \
	"$(psql_val "select redecides_decision_id from ebba.decisions where redecides_decision_id is not null
		group by 1 having count(*) > 1")"
out=$(psql_val "with i as (insert into ebba.inbox (external_id, case_id, period, payload, state)
	    select external_id || '/again', case_id, period, payload, 'decided' from ebba.inbox
	     where id = (select inbox_id from ebba.decisions where redecides_decision_id is not null limit 1)
	    returning id, external_id, case_id, period)
	insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name,
	  ruleset_version, ruleset_sha256, redecides_decision_id)
	select i.id, i.external_id, i.case_id, i.period, 'referred', 'r', '1', '',
	       (select redecides_decision_id from ebba.decisions where redecides_decision_id is not null limit 1)
	  from i" 2>&1)
check_match "... a second one is refused by the database" "duplicate key|unique" "$out"
# ebbad writes the link itself (schema 031): a decision on an application
# the database put back, written without it or naming another referral,
# is refused.  RETRIED: such an application, put back for $OPENED (both
# inserts rolled back after each try).
RETRIED="insert into ebba.inbox (external_id, case_id, period, payload, state)
	    select external_id || '/register-test', case_id, period, payload, 'decided' from ebba.inbox
	     where id = (select inbox_id from ebba.decisions where id = $OPENED);
	insert into ebba.register_retries (decision_id, inbox_id, since, attempt, probe)
	    select $OPENED, id, now(), 1, false from ebba.inbox where external_id like '%/register-test';"
# decide_retried LINK: a decision on it naming LINK (null: none), refused or not
decide_retried() {
	psql_val "begin; $RETRIED
	insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name,
	  ruleset_version, ruleset_sha256, redecides_decision_id)
	select i.id, i.external_id, i.case_id, i.period, 'referred', 'r', '1', '', $1
	  from ebba.inbox i where i.external_id like '%/register-test';
	rollback" 2>&1
}
check_match "... and one that does not name the referral it decides again is refused" \
	"decides a referral again, but its decision does not name it" "$(decide_retried null)"
check_match "... and so is one that names another referral than the one it decides again" \
	"decides referral $OPENED again, not $TAKEN" "$(decide_retried "$TAKEN")"
check_eq "the opened referral was left to its person" "" \
	"$(psql_val "select id from ebba.decisions where redecides_decision_id = $OPENED")"
check_eq "the taken one too" "" "$(psql_val "select id from ebba.decisions where redecides_decision_id = $TAKEN")"
check_eq "... both still in the queue" "2" \
	"$(psql_val "select count(*) from ebba.open_work where decision_id in ($OPENED, $TAKEN)")"
check_eq "no re-decided referral is in the queue" "0" \
	"$(psql_val "select count(*) from ebba.open_work w
		where exists (select 1 from ebba.decisions e where e.redecides_decision_id = w.decision_id)")"
check_eq "every re-decision says in its trace that it followed an unavailable register" "0" \
	"$(psql_val "select count(*) from ebba.register_retries x join ebba.decisions e on e.inbox_id = x.inbox_id
		where e.trace -> 'follows' ->> 'why' is distinct from 'register'
		   or (e.trace -> 'follows' ->> 'decision')::bigint is distinct from x.decision_id")"
check "after the probe, batches: not every retry was a probe" \
	test "$(psql_val "select count(*) from ebba.register_retries where not probe")" -ge 1

# The referral stays in the history; the applicant and the case system see the re-decision.
R1=$(psql_val "select x.decision_id from ebba.register_retries x join ebba.decisions e on e.inbox_id = x.inbox_id
	where e.outcome = 'approved' order by x.decision_id limit 1")
E1=$(psql_val "select e.id from ebba.decisions e where e.redecides_decision_id = $R1")
check_eq "the referral itself is kept, unchanged" "referred" "$(psql_val "select outcome from ebba.decisions where id = $R1")"
events=$(psql_val "select string_agg(e ->> 'type', ' ' order by ord) from ebba.decisions d,
	jsonb_array_elements(ebba.application_events(d.inbox_id)::jsonb) with ordinality x(e, ord) where d.id = $R1")
check_match "the API's events: received, decided, redecided" "^received decided redecided" "$events"
TOKEN=$(ctl token add eservice-r)
EXT=$(psql_val "select external_id from ebba.decisions where id = $R1")
psql_val "update ebba.inbox set intake_token = (select id from ebba.intake_tokens order by id desc limit 1)
	where external_id = '$EXT'" >/dev/null
check_eq "GET /api/v1/applications/{id}'s outcome is the re-decision's" "approved false" \
	"$(psql_val "select outcome || ' ' || reviewed from ebba.intake_status_lookup('$TOKEN', '$EXT')")"
FEED=$(ctl token add casesystem-r --role ebba_casesystem 2>/dev/null || true)
if [ -n "$FEED" ]; then
	check_eq "the feed's follows names the referral" "$R1" \
		"$(psql_val "select (e ->> 'follows') from ebba.decision_feed_page('$FEED', 0, 1000) p,
			json_array_elements(p.items::json) e where (e ->> 'id')::bigint = $E1")"
else
	fail "a case-system token could be made"
fi

# ---- the pages, in Chromium ----------------------------------------------------------------
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
if [ -z "$URL" ]; then
	fail "ebba-web started"
elif command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$ROOT/node_modules/puppeteer-core" ]; then
	EBBA_WEB_URL=$URL EBBA_PASSWORD=$PW EBBA_CASEWORKER=$CW EBBA_REFERRAL=$R1 EBBA_REDECISION=$E1 \
		EBBA_SHOTS=${EBBA_SHOTS:-} timeout 180 node "$ROOT/tests/web/redecide/pages.mjs" || fail "pages.mjs exited $?"
else
	echo "# skipped: the browser test needs node, chromium and node_modules (make deps)"
fi

# ---- the household whose register stays broken: a doubling wait --------------------------
chain=$(psql_val "select count(*) from ebba.register_retries x join ebba.decisions d on d.id = x.decision_id
	where d.case_id = (select case_id from ebba.decisions where id = $GARBAGE)")
elapsed=$(psql_val "select extract(epoch from now() - decided_at)::int from ebba.decisions where id = $GARBAGE")
check "the garbage-answer household was asked again ($chain times in ${elapsed} s)" test "$chain" -ge 1
# 2, 4, 8, 16 s ...: at most log2(elapsed / 2) + 1 tries, while once per interval would be elapsed / 2
check "... with a doubling wait, not once per interval" test "$chain" -le $(( $(awk -v e="$elapsed" 'BEGIN { n = 0; w = 2; t = 0; while (t + w <= e) { t += w; w *= 2; n++ } print n + 1 }') ))
check_match "ebbad logs what it sent, without identity numbers" "asking the registers again: [0-9]+ referrals? sent back" \
	"$(cat "$T_TMP/ebbad.log")"
check_eq "... and no identity number in its log" "" "$(grep -oE '(19|20)[0-9]{10}' "$T_TMP/ebbad.log" | head -n 1)"
kill "$EBBAD_PID" 2>/dev/null; wait "$EBBAD_PID" 2>/dev/null
