# Komplettering (issue 29 item 2; schema/027_completion.sql) over the real
# API: ebba refers an application; a caseworker asks for documents
# (`ebbactl review request-documents`): the request is a letter in the
# outbox and a documents_requested event with the list and the deadline,
# and the case leaves the active queue; the e-service answers with POST
# .../completions (a corrected document and a PDF): 201,
# completion_received, and ebbad decides again, naming the referral
# (redecided).  A "JPEG" that is an executable is refused with 422 and its
# one-line reason, and nothing is kept.  A deadline that passed without an
# answer brings the case back to the queue, marked.  Every response is
# checked against schema/ebba-api.openapi.yaml.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
ctl() { "$EBBACTL" -c "$CFG" "$@"; }
# The rule set with the applicant's message answered by a komplettering
# (outcome complete, DESIGN.md §6): ebba still refers, and says so.  Here
# completion_days is 0, the municipality's routine that a caseworker asks
# (ebba asking by itself is 73_completion_auto).
cp -r "$ROOT/rules" "$T_TMP/rules"
python3 - "$T_TMP/rules/checks.yaml" "$T_TMP/rules/ruleset.yaml" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p, encoding='utf-8').read()
old = "expr: '!application.has_message'\n    outcome: refer"
assert old in s
open(p, 'w', encoding='utf-8').write(s.replace(old, "expr: '!application.has_message'\n    outcome: complete"
                                                   "\n    documents: [corrected-application]"))
p = sys.argv[2]; s = open(p, encoding='utf-8').read()
s2 = re.sub(r'(  completion_days:\n    - from: [0-9-]+\n      value:) [0-9]+', r'\1 0', s)
assert s2 != s
open(p, 'w', encoding='utf-8').write(s2)
PY
sed -i "s|^rules_dir: .*|rules_dir: $T_TMP/rules|" "$CFG"
check_match "the rule set with outcome complete loads, and explains it" "begära komplettering" \
	"$(ctl rules explain "$T_TMP/rules" --format markdown 2>&1 | grep -i -A6 "no-message" | head -n 12)"
check_match "rules explain publishes the documents catalogue" "Handlingskatalogen.*rent-receipt.*Kvitto eller avi" \
	"$(ctl rules explain "$T_TMP/rules" --format markdown 2>&1 | tr '\n' ' ')"
TOKEN=$(ctl token add eservice)
OTHER=$(ctl token add other-service)

{ grep -v '^web:' "$CFG"; echo "web:"; echo "  port: 0"; } >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
WEB_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }

# A caseworker signed in to ebba-web, for Arbetskö.
sfx=${PGDATABASE##*_}
CW=cwk$sfx PW=Test-l0senord
printf '%s\n' "$PW" | ctl user add "$CW" --role caseworker >/dev/null
psql_val "grant password_login to $CW" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade" >/dev/null 2>&1;
	psql -XAtq -d postgres -c "drop role if exists $CW" >/dev/null 2>&1; t_cleanup' EXIT
J=$T_TMP/jar
csrf=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$csrf" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PW" "$URL/login"
queue_page() { curl -s -b "$J" "$URL/ko" >"$T_TMP/ko.html"; }
active_part() { sed -n '/<h1>Arbetskö/,/id="vantar"/p' "$T_TMP/ko.html"; }
waiting_part() { sed -n '/id="vantar"/,$p' "$T_TMP/ko.html"; }

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

# The demo's referral for the applicant's own message, under an id of its own.
orig=EB-2026-12-000002
ID=KOMPL-$orig
sed "s/id=\"$orig\"/id=\"$ID\"/" "$T_TMP/demo/data/applications/$orig.xml" >"$T_TMP/app.xml"
check_eq "POST the application: 201" 201 "$(api "created" POST /api/v1/applications -H "$(auth "$TOKEN")" \
	-H 'Content-Type: application/xml' --data-binary @"$T_TMP/app.xml")"
"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log"
REF=$(psql_val "select id from ebba.decisions where external_id = '$ID' and inbox_id is not null")
check_eq "ebbad refers it" referred "$(psql_val "select outcome from ebba.decisions where id = ${REF:-0}")"
check_eq "... its failed check's outcome is complete" complete \
	"$(psql_val "select outcome from ebba.decision_checks where decision_id = ${REF:-0} and check_id = 'no-message'")"
REF=${REF:-0}
in_queue() { psql_val "select count(*) from ebba.open_work w where w.decision_id = $1
	and ebba.completion_state(w.decision_id) is distinct from 'waiting'"; }
check_eq "the referral is in the active queue" 1 "$(in_queue "$REF")"

# -- the caseworker's form, in Chromium (nothing sent: the form is refused) ---------------
if command -v node >/dev/null && [ -x /usr/bin/chromium ] && [ -d "$ROOT/node_modules/puppeteer-core" ]; then
	EBBA_WEB_URL=$URL EBBA_PASSWORD=$PW EBBA_CASEWORKER=$CW EBBA_REFERRAL=$REF EBBA_SHOTS=${EBBA_SHOTS:-} \
		timeout 180 node "$ROOT/tests/web/completion/form.mjs" || fail "form.mjs exited $?"
else
	echo "# skipped: the browser test needs node, chromium and node_modules (make deps)"
fi
check_eq "... the refused form asked nothing" 0 \
	"$(psql_val "select count(*) from ebba.document_requests where decision_id = $REF")"
check_eq "with completion_days 0 ebba asks nothing by itself: no request, no letter" "0 0" \
	"$(psql_val "select (select count(*) from ebba.document_requests where decision_id = $REF),
		(select count(*) from ebba.letters where decision_id = $REF)" | tr '|' ' ')"

# -- the request ----------------------------------------------------------------------------
DEADLINE=$(date -u -d '+14 days' +%F)
out=$(ctl review request-documents "$REF" --document no-such-paper --deadline "$DEADLINE" 2>&1)
check_match "a document outside the catalogue is refused, named" "no-such-paper: not in the catalogue" "$out"
out=$(ctl review request-documents "$REF" --document rent-receipt --deadline 2020-01-01 2>&1)
check_match "a deadline in the past is refused" "must be after today" "$out"
check_match "ebbactl review request-documents asks" "waits for a komplettering until $DEADLINE" \
	"$(ctl review request-documents "$REF" --document rent-receipt --document corrected-application \
		--text "Skriv ansökan utan meddelandet om jobbet; skicka anställningsavtalet som bilaga." \
		--deadline "$DEADLINE" 2>&1)"
out=$(ctl review request-documents "$REF" --document rent-receipt --deadline "$DEADLINE" 2>&1)
check_match "a second request for the same referral is refused" "already been sent a request" "$out"
check_eq "the request's letter is queued in the outbox" "queued" \
	"$(psql_val "select state from ebba.outbox where decision_id = $REF")"
check_match "... and says what to send and by when" "Kvitto eller avi på betald hyra.*Senast $DEADLINE" \
	"$(psql_val "select replace(body, E'\n', ' ') from ebba.letters where decision_id = $REF")"
check_eq "the case waits: out of the active queue" 0 "$(in_queue "$REF")"
check_eq "... and listed as waiting, with its deadline" "$DEADLINE" \
	"$(psql_val "select deadline from ebba.awaiting_completion where decision_id = $REF")"
queue_page
check "Arbetskö: the waiting case is not among those to look at" sh -c "! grep -q 'href=\"/beslut/$REF\"' <<'EOF2'
$(active_part)
EOF2"
check_match "Arbetskö: it is under Väntar på komplettering, with its deadline" \
	"href=\"/beslut/$REF\">[^<]*</a></td><td class=\"nowrap\">2026-12</td><td class=\"nowrap\">$DEADLINE</td>" "$(waiting_part | tr -d '\n')"
check_eq "GET: 200" 200 "$(api "requested" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "the events: received, decided, documents_requested" "received decided documents_requested" "$(types)"
check_eq "... with the documents and the deadline" "rent-receipt,corrected-application $DEADLINE" \
	"$(jq -r '.events[] | select(.type == "documents_requested") | ([.documents[].id] | join(",")) + " " + .deadline' "$R")"

# -- a bad answer ---------------------------------------------------------------------------
cp /usr/bin/true "$T_TMP/photo.jpg"
check_eq "an executable sent as a JPEG: 422" 422 "$(api "executable" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$TOKEN")" -F "attachment=@$T_TMP/photo.jpg;type=image/jpeg")"
check_match "... with a one-line reason naming the part and what it is" \
	'^attachment 1 \(photo.jpg\): its content is application/x-[a-z-]+, not PDF, JPEG or PNG$' "$(jq -r .error "$R")"
check_eq "... and nothing is kept" "0 0" \
	"$(psql_val "select (select count(*) from ebba.completions), (select count(*) from ebba.completion_attachments)" | tr '|' ' ')"
check_eq "an answer as XML, not multipart: 415" 415 "$(api "not multipart" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$TOKEN")" -H 'Content-Type: application/xml' --data-binary @"$T_TMP/app.xml")"
sed "s/id=\"$ID\"/id=\"$ID-X\"/" "$T_TMP/app.xml" >"$T_TMP/wrong-id.xml"
check_eq "a corrected document with another id: 422" 422 "$(api "wrong id" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$TOKEN")" -F "document=@$T_TMP/wrong-id.xml;type=application/xml")"
check_eq "another token's application: 404" 404 "$(api "other token" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$OTHER")" -F "document=@$T_TMP/app.xml;type=application/xml")"
check_eq "GET on completions: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth "$TOKEN")" "$URL/api/v1/applications/$ID/completions")"

# -- the answer -----------------------------------------------------------------------------
# The corrected application: the applicant's message (what ebba referred for) left out.
python3 - "$T_TMP/app.xml" "$T_TMP/corrected.xml" <<'PY'
import re, sys
s = open(sys.argv[1], encoding='utf-8').read()
s2 = re.sub(r'<message>.*?</message>\s*', '', s, flags=re.S)
s2 = re.sub(r'<freeText>.*?</freeText>\s*', '', s2, flags=re.S)
open(sys.argv[2], 'w', encoding='utf-8').write(s2)
PY
check "the corrected document differs from the original" test "$(cat "$T_TMP/corrected.xml")" != "$(cat "$T_TMP/app.xml")"
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$T_TMP/avtal.pdf"
check_eq "the answer with the corrected document and a PDF: 201" 201 "$(api "answered" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$TOKEN")" -F "document=@$T_TMP/corrected.xml;type=application/xml" \
	-F "attachment=@$T_TMP/avtal.pdf;type=application/pdf")"
check_eq "the PDF is stored with its SHA-256, typed by its content" \
	"avtal.pdf application/pdf $(sha256sum "$T_TMP/avtal.pdf" | cut -d' ' -f1)" \
	"$(psql_val "select filename, media_type, sha256 from ebba.completion_files where decision_id = $REF" | tr '|' ' ')"
check_eq "a second answer to the same request: 409" 409 "$(api "answered twice" POST "/api/v1/applications/$ID/completions" \
	-H "$(auth "$TOKEN")" -F "attachment=@$T_TMP/avtal.pdf;type=application/pdf")"
check_eq "ebba_web reads no attachment by SQL" "permission denied" \
	"$(psql -XAtq -c "set role ebba_web; select content from ebba.completion_attachments" 2>&1 | grep -o 'permission denied' | head -n 1)"
"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log"
RE=$(psql_val "select id from ebba.decisions where redecides_decision_id = $REF")
check_match "ebbad decided it again, naming the referral" "^[0-9]+$" "$RE"
check_eq "... from the corrected document: approved" approved "$(psql_val "select outcome from ebba.decisions where id = ${RE:-0}")"
check_eq "the referral left the queue" 0 "$(psql_val "select count(*) from ebba.open_work where decision_id = $REF")"
check_eq "a referral is re-decided once, whatever writes (unique)" "duplicate key" \
	"$(psql_val "insert into ebba.decisions (external_id, case_id, period, outcome, ruleset_name, ruleset_version,
		ruleset_sha256, reviews_decision_id, redecides_decision_id) select external_id, case_id, period, 'approved',
		ruleset_name, ruleset_version, ruleset_sha256, id, id from ebba.decisions where id = $REF" 2>&1 | grep -o 'duplicate key' | head -n 1)"
check_eq "GET after: 200" 200 "$(api "redecided" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "the state is the re-decision's" "decided approved" "$(jq -r '.state + " " + .outcome' "$R")"
check_eq "the events: ... documents_requested, completion_received, redecided" \
	"received decided documents_requested completion_received redecided" "$(types)"
check_eq "... redecided: approved with its amount" \
	"approved $(psql_val "select amount from ebba.decisions where id = ${RE:-0}")" \
	"$(jq -r '.events[] | select(.type == "redecided") | .outcome + " " + (.amount | tostring)' "$R")"

# -- a caseworker's download, logged ----------------------------------------------------------
AID=$(psql_val "select id from ebba.completion_files where decision_id = $REF")
check_eq "a caseworker's download is the bytes sent" "$(sha256sum "$T_TMP/avtal.pdf" | cut -d' ' -f1)" \
	"$(psql_val "select encode(sha256(content), 'hex') from ebba.completion_attachment($AID, 'test')")"
check_eq "... and is logged" 1 "$(psql_val "select count(*) from ebba.access_log where object_kind = 'attachment' and object_id = '$AID'")"

# -- the decision page: the komplettering, the attachment as a download, logged ----------------
curl -s -b "$J" "$URL/beslut/$REF" >"$T_TMP/ref.html"
check_match "Beslut: the referral names its re-decision" "beslut ${RE:-x}</a>" "$(cat "$T_TMP/ref.html")"
check_match "Beslut: what was asked, and the file that came" \
	"Svar har kommit.*Kvitto eller avi.*href=\"/beslut/$REF/bilaga/$AID\" download>avtal.pdf" "$(tr -d '\n' <"$T_TMP/ref.html")"
check "Beslut: no button to ask again" sh -c "! grep -q 'Begär komplettering</a>' '$T_TMP/ref.html'"
code=$(curl -s -b "$J" -D "$T_TMP/dl.head" -o "$T_TMP/dl.pdf" -w '%{http_code}' "$URL/beslut/$REF/bilaga/$AID")
check_eq "the attachment from the decision page: 200" 200 "$code"
check "... the bytes the e-service sent" cmp -s "$T_TMP/dl.pdf" "$T_TMP/avtal.pdf"
check_match "... only as a download" "^Content-Disposition: attachment; filename=\"bilaga-$AID-avtal.pdf\"" "$(tr -d '\r' <"$T_TMP/dl.head")"
check_match "... never sniffed" "^X-Content-Type-Options: nosniff" "$(tr -d '\r' <"$T_TMP/dl.head")"
check_eq "... and the view logged under the caseworker" "1" \
	"$(psql_val "select count(*) from ebba.access_log where object_kind = 'attachment' and object_id = '$AID' and who = '$CW'")"
check_eq "another decision's attachment number: 404" 404 \
	"$(curl -s -b "$J" -o /dev/null -w '%{http_code}' "$URL/beslut$( [ "$REF" = 1 ] && echo /2 || echo /1)/bilaga/$AID")"

# -- a deadline that passes -------------------------------------------------------------------
ID2=KOMPL2-$orig
sed "s/id=\"$orig\"/id=\"$ID2\"/" "$T_TMP/demo/data/applications/$orig.xml" >"$T_TMP/app2.xml"
check_eq "POST another application: 201" 201 "$(api "created 2" POST /api/v1/applications -H "$(auth "$TOKEN")" \
	-H 'Content-Type: application/xml' --data-binary @"$T_TMP/app2.xml")"
"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log"
REF2=$(psql_val "select id from ebba.decisions where external_id = '$ID2' and inbox_id is not null")
# This time by the caseworker's button and its form.
curl -s -b "$J" "$URL/beslut/${REF2:-0}" >"$T_TMP/ref2.html"
check_match "Beslut: the referral offers Begär komplettering" "href=\"/beslut/${REF2:-0}/komplettering\">Begär komplettering" "$(cat "$T_TMP/ref2.html")"
curl -s -b "$J" "$URL/beslut/${REF2:-0}/komplettering" >"$T_TMP/form.html"
check_match "the form lists the catalogue" 'name="handling-salary-slip" value="ja".*Lönebesked' "$(tr -d '\n' <"$T_TMP/form.html")"
token=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T_TMP/form.html" | head -n 1 | grep -o '[0-9a-f]\{64\}')
code=$(curl -s -b "$J" -o "$T_TMP/form2.html" -w '%{http_code}' --data-urlencode "csrf=$token" \
	--data-urlencode "sista_dag=imorgon" "$URL/beslut/${REF2:-0}/komplettering")
check_eq "the form with nothing chosen and no date: 422" 422 "$code"
check_match "... says both, each linked to its field" \
	'href="#handling-rent-receipt">Välj minst en handling.*href="#sista-dag">Skriv sista dagen' "$(tr -d '\n' <"$T_TMP/form2.html")"
code=$(curl -s -b "$J" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$token" --data-urlencode "handling-salary-slip=ja" \
	--data-urlencode "sista_dag=$DEADLINE" "$URL/beslut/${REF2:-0}/komplettering")
check_eq "the form filled in: 303 to the decision" 303 "$code"
check_eq "... the request is the caseworker's" "$CW [{\"id\": \"salary-slip\", \"text\": \"Lönebesked för den senaste månaden\"}]" \
	"$(psql_val "select requested_by || ' ' || documents::text from ebba.document_requests where decision_id = ${REF2:-0}")"
check_match "Beslut: the case waits for the applicant" "Väntar på den sökande" "$(curl -s -b "$J" "$URL/beslut/${REF2:-0}")"
check_eq "the second case waits" 0 "$(in_queue "${REF2:-0}")"
# The deadline moved into the past by the owner (time is not waited for in a test).
psql_val "alter table ebba.document_requests disable trigger document_requests_immutable;
	update ebba.document_requests set deadline = current_date - 1 where decision_id = ${REF2:-0};
	alter table ebba.document_requests enable trigger document_requests_immutable" >/dev/null
check_eq "a passed deadline brings it back to the queue" 1 "$(in_queue "${REF2:-0}")"
queue_page
check_match "Arbetskö: back among those to look at, marked" \
	"href=\"/beslut/${REF2:-0}\".*Kompletteringstiden gick ut" "$(active_part | tr -d '\n')"
check_eq "... marked so" expired "$(psql_val "select ebba.completion_state(${REF2:-0})")"
check_eq "... no longer listed as waiting" 0 "$(psql_val "select count(*) from ebba.awaiting_completion where decision_id = ${REF2:-0}")"
check_eq "an answer after the deadline: 409" 409 "$(api "too late" POST "/api/v1/applications/$ID2/completions" \
	-H "$(auth "$TOKEN")" -F "attachment=@$T_TMP/avtal.pdf;type=application/pdf")"

leak=$(grep -oE '(19|20)[0-9]{6}-?[0-9]{4}' "$T_TMP/web.log" | head -n 3)
check_eq "no identity number in ebba-web's log" "" "$leak"
kill -TERM "$WEB_PID"
wait "$WEB_PID"
python3 "$ROOT/tests/tools/openapi_check.py" "$ROOT/schema/ebba-api.openapi.yaml" "$T_TMP/responses"
