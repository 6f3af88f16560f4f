# ebba asks the applicant by itself (issue 29 item 2; schema/030_auto_completion.sql).
# With a rule set where the applicant's message is answered by a
# komplettering (no-message: outcome complete, documents:
# [corrected-application]), ebbad alone -- no person -- writes, with the
# referral, the request for the check's documents (requested_by ebba, the
# deadline the decision date plus completion_days) and its letter, which
# the outbox queues: the case waits out of the active queue, the API's
# events show documents_requested with the list and the deadline, and the
# e-service's completion leads to ebba's re-decision.  A referral that
# also fails another check gets no request and stays the caseworker's, and
# so does a re-decision after an answer that mended nothing (ebba asks
# once per application).
# Every response is checked against schema/ebba-api.openapi.yaml.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
ctl() { "$EBBACTL" -c "$CFG" "$@"; }
cp -r "$ROOT/rules" "$T_TMP/rules"
python3 - "$T_TMP/rules/checks.yaml" <<'PY'
import sys
p = sys.argv[1]; s = open(p, encoding='utf-8').read()
old = "expr: '!application.has_message'\n    outcome: refer"
assert old in s
new = "expr: '!application.has_message'\n    outcome: complete\n    documents: [corrected-application]"
open(p, 'w', encoding='utf-8').write(s.replace(old, new))
PY
sed -i "s|^rules_dir: .*|rules_dir: $T_TMP/rules|" "$CFG"
DAYS=$(awk '/^  completion_days:/ {f = 1} f && /value:/ {print $2; exit}' "$T_TMP/rules/ruleset.yaml")
check_match "the rule set gives ebba a number of days to ask for" "^[1-9][0-9]*$" "$DAYS"
check_match "rules explain says what the check asks for" "corrected-application" \
	"$(ctl rules explain "$T_TMP/rules" --format markdown 2>&1 | grep -A8 "no-message" | tr '\n' ' ')"
TOKEN=$(ctl token add eservice)

{ grep -v '^web:' "$CFG"; echo "web:"; echo "  port: 0"; } >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
WEB_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }

R=$T_TMP/last.body
: >"$T_TMP/responses"
echo 0 >"$T_TMP/n"
api() {  # api NAME METHOD PATH [curl args...]: the status; the response kept for the OpenAPI check
	local name=$1 method=$2 path=$3; shift 3
	local n=$(($(cat "$T_TMP/n") + 1))
	echo "$n" >"$T_TMP/n"
	local code
	code=$(curl -s -X "$method" -D "$T_TMP/r$n.head" -o "$T_TMP/r$n.body" -w '%{http_code}' "$@" "$URL$path")
	cp "$T_TMP/r$n.body" "$R" 2>/dev/null || : >"$R"
	printf '%s\t%s\t%s\t%s\t%s\n' "$method" "$path" "$T_TMP/r$n.head" "$T_TMP/r$n.body" "$name ($code)" >>"$T_TMP/responses"
	echo "$code"
}
auth() { echo "Authorization: Bearer $1"; }
types() { jq -r '[.events[].type] | join(" ")' "$R"; }
in_queue() { psql_val "select count(*) from ebba.open_work w where w.decision_id = $1
	and ebba.completion_state(w.decision_id) is distinct from 'waiting'"; }

# The demo's referral for the applicant's own message, under an id of its
# own; and the same application declaring changed circumstances too
# (no-changes, outcome refer): a second reason a person must look at.
orig=EB-2026-12-000002
ID=AUTO-$orig ID2=MIXED-$orig ID3=AGAIN-$orig
sed "s/id=\"$orig\"/id=\"$ID\"/" "$T_TMP/demo/data/applications/$orig.xml" >"$T_TMP/app.xml"
sed "s/id=\"$orig\"/id=\"$ID3\"/" "$T_TMP/demo/data/applications/$orig.xml" >"$T_TMP/app3.xml"
sed -e "s/id=\"$orig\"/id=\"$ID2\"/" -e 's|<changes>false</changes>|<changes>true</changes>|' \
	"$T_TMP/demo/data/applications/$orig.xml" >"$T_TMP/app2.xml"
check "the mixed application declares changes" grep -q '<changes>true</changes>' "$T_TMP/app2.xml"
check_eq "POST the application: 201" 201 "$(api "created" POST /api/v1/applications -H "$(auth "$TOKEN")" \
	-H 'Content-Type: application/xml' --data-binary @"$T_TMP/app.xml")"
check_eq "POST a third, to be answered with nothing new: 201" 201 "$(api "created again" POST /api/v1/applications \
	-H "$(auth "$TOKEN")" -H 'Content-Type: application/xml' --data-binary @"$T_TMP/app3.xml")"
check_eq "POST the mixed application: 201" 201 "$(api "created mixed" POST /api/v1/applications -H "$(auth "$TOKEN")" \
	-H 'Content-Type: application/xml' --data-binary @"$T_TMP/app2.xml")"
"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log"

# -- ebba asks, alone ------------------------------------------------------------------------
REF=$(psql_val "select id from ebba.decisions where external_id = '$ID' and inbox_id is not null")
REF=${REF:-0}
# ebbad's decision date is its local day (date_today_local), as here
DEADLINE=$(date -d "+$DAYS days" +%F)
check_eq "ebbad refers it for the message alone" "referred no-message:complete" \
	"$(psql_val "select d.outcome || ' ' || string_agg(c.check_id || ':' || c.outcome, ',')
		from ebba.decisions d join ebba.decision_checks c on c.decision_id = d.id and c.result = 'fail'
		where d.id = $REF group by d.outcome")"
check_eq "... and asks by itself: ebba, the check's documents, the decision date + completion_days" \
	"ebba [{\"id\": \"corrected-application\", \"text\": \"En rättad ansökan med de uppgifter som saknas\"}] $DEADLINE" \
	"$(psql_val "select requested_by || ' ' || documents::text || ' ' || deadline from ebba.document_requests where decision_id = $REF")"
check_eq "the letter is in the outbox" queued "$(psql_val "select state from ebba.outbox where decision_id = $REF")"
letter=$(psql_val "select body from ebba.letters where decision_id = $REF")
check_match "... in the rule set's words: what to send and by when" \
	"Begäran om komplettering.*- En rättad ansökan med de uppgifter som saknas.*## Senast $DEADLINE" "$(tr '\n' ' ' <<<"$letter")"
check "... with no caseworker's message heading, there being none" sh -c "! grep -q 'Meddelande från din handläggare' <<'EOF2'
$letter
EOF2"
check_eq "the case waits, out of the active queue" "waiting 0" \
	"$(psql_val "select ebba.completion_state($REF)") $(in_queue "$REF")"
check_eq "... listed as waiting, asked by ebba" "$DEADLINE ebba" \
	"$(psql_val "select deadline || ' ' || requested_by from ebba.awaiting_completion where decision_id = $REF")"
check_eq "GET: 200" 200 "$(api "requested by ebba" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "the events: received, decided, documents_requested" "received decided documents_requested" "$(types)"
check_eq "... with the documents and the deadline" "corrected-application $DEADLINE" \
	"$(jq -r '.events[] | select(.type == "documents_requested") | ([.documents[].id] | join(",")) + " " + .deadline' "$R")"
out=$(ctl review request-documents "$REF" --document rent-receipt --deadline "$DEADLINE" 2>&1)
check_match "a caseworker cannot ask a second time" "already been sent a request" "$out"

# -- the mixed referral: the caseworker's, as before -----------------------------------------------
REF2=$(psql_val "select id from ebba.decisions where external_id = '$ID2' and inbox_id is not null")
REF2=${REF2:-0}
check_eq "the mixed application is referred for both" "referred no-changes,no-message" \
	"$(psql_val "select d.outcome || ' ' || string_agg(c.check_id, ',' order by c.check_id)
		from ebba.decisions d join ebba.decision_checks c on c.decision_id = d.id and c.result = 'fail'
		where d.id = $REF2 group by d.outcome")"
check_eq "... and ebba asks nothing: no request, no letter, in the active queue" "0 0 1" \
	"$(psql_val "select count(*) from ebba.document_requests where decision_id = $REF2") $(psql_val "select count(*) from ebba.letters where decision_id = $REF2") $(in_queue "$REF2")"

# -- what ebbad's role may write ------------------------------------------------------------------
# As ebbad's login role (a member of ebba_daemon, BYPASSRLS as ebbad's is).
sfx=${PGDATABASE##*_}
D=ebbad$sfx
psql_val "create role $D login bypassrls in role ebba_daemon" >/dev/null
trap 'psql -XAtq -d postgres -c "drop role if exists $D" >/dev/null 2>&1; t_cleanup' EXIT
as_daemon() { psql -XAtq -c "set session authorization $D; $1" 2>&1; }
APPROVED=$(psql_val "select id from ebba.decisions where outcome = 'approved' order by id limit 1")
check_match "ebbad's role writes no request row itself" "permission denied" \
	"$(as_daemon "insert into ebba.document_requests (decision_id, documents, deadline, requested_by)
		values ($REF2, '[{\"id\": \"rent-receipt\"}]', current_date + 5, 'ebba')")"
check_match "... asks through the view only about its own referral" "is not a referral of ebba's" \
	"$(as_daemon "insert into ebba.auto_document_requests (decision_id, documents, deadline, letter)
		values (${APPROVED:-0}, '[{\"id\": \"rent-receipt\"}]', current_date + 5, 'Brev')")"
check_match "... with a deadline within 90 days (and a day of ebbad's clock)" "must be from today and within 91 days" \
	"$(as_daemon "insert into ebba.auto_document_requests (decision_id, documents, deadline, letter)
		values ($REF2, '[{\"id\": \"rent-receipt\"}]', current_date + 92, 'Brev')")"
check_match "... not in the past" "must be from today and within 91 days" \
	"$(as_daemon "insert into ebba.auto_document_requests (decision_id, documents, deadline, letter)
		values ($REF2, '[{\"id\": \"rent-receipt\"}]', current_date - 1, 'Brev')")"
check_match "... and changes no request" "permission denied" \
	"$(as_daemon "update ebba.document_requests set deadline = deadline + 1 where decision_id = $REF")"
check_match "a caseworker cannot ask as ebba" "permission denied" \
	"$(psql -XAtq -c "set role ebba_caseworker; insert into ebba.auto_document_requests (decision_id, documents, deadline, letter)
		values ($REF2, '[{\"id\": \"rent-receipt\"}]', current_date + 5, 'Brev')" 2>&1)"
check_eq "the mixed referral still has no request" 0 "$(psql_val "select count(*) from ebba.document_requests where decision_id = $REF2")"

# -- the answer, and ebba decides again -----------------------------------------------------------
python3 - "$T_TMP/app.xml" "$T_TMP/corrected.xml" <<'PY'
import re, sys
s = open(sys.argv[1], encoding='utf-8').read()
s2 = re.sub(r'<message>.*?</message>\s*', '', s, flags=re.S)
s2 = re.sub(r'<freeText>.*?</freeText>\s*', '', s2, flags=re.S)
open(sys.argv[2], 'w', encoding='utf-8').write(s2)
PY
check_eq "the corrected application: 201" 201 "$(api "answered" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$TOKEN")" -F "document=@$T_TMP/corrected.xml;type=application/xml")"
"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log"
RE=$(psql_val "select id from ebba.decisions where redecides_decision_id = $REF")
check_match "ebbad decided it again, naming the referral" "^[0-9]+$" "$RE"
check_eq "... from the corrected document: approved" approved "$(psql_val "select outcome from ebba.decisions where id = ${RE:-0}")"
check_eq "the referral left the queue" 0 "$(psql_val "select count(*) from ebba.open_work where decision_id = $REF")"
check_eq "GET after: 200" 200 "$(api "redecided" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "the events: ... documents_requested, completion_received, redecided" \
	"received decided documents_requested completion_received redecided" "$(types)"

# -- asked once: an answer that mends nothing goes to a person -------------------------------------
REF3=$(psql_val "select id from ebba.decisions where external_id = '$ID3' and inbox_id is not null")
check_eq "the third was asked about too" ebba "$(psql_val "select requested_by from ebba.document_requests where decision_id = ${REF3:-0}")"
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$T_TMP/intyg.pdf"
check_eq "its answer: a PDF, the application as it was: 201" 201 "$(api "answered again" POST "/api/v1/applications/$ID3/completions" \
	-H "$(auth "$TOKEN")" -F "attachment=@$T_TMP/intyg.pdf;type=application/pdf")"
"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log"
RE3=$(psql_val "select id from ebba.decisions where redecides_decision_id = ${REF3:-0}")
check_eq "ebba decides it again: referred, for the message again" "referred no-message" \
	"$(psql_val "select d.outcome || ' ' || string_agg(c.check_id, ',') from ebba.decisions d
		join ebba.decision_checks c on c.decision_id = d.id and c.result = 'fail' where d.id = ${RE3:-0} group by d.outcome")"
check_eq "... and asks no second time: no request, no letter, in the active queue" "0 0 1" \
	"$(psql_val "select count(*) from ebba.document_requests where decision_id = ${RE3:-0}") $(psql_val "select count(*) from ebba.letters where decision_id = ${RE3:-0}") $(in_queue "${RE3:-0}")"

leak=$(grep -oE '(19|20)[0-9]{6}-?[0-9]{4}' "$T_TMP/web.log" "$T_TMP/ebbad.log" | head -n 3)
check_eq "no identity number in ebba-web's or ebbad's log" "" "$leak"
kill -TERM "$WEB_PID"
wait "$WEB_PID"
python3 "$ROOT/tests/tools/openapi_check.py" "$ROOT/schema/ebba-api.openapi.yaml" "$T_TMP/responses"
