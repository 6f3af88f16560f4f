# The intake API (docs/architecture.md §13) by real HTTP against a running
# ebba-web: every status code (201 with Location, 200 on an identical retry,
# 409, 422 with exactly the line `ebbactl validate` prints for each bad
# document, 413, 415, 401, 403, 404, 405, 503 while PostgreSQL is stopped
# and while the inbox write fails, then accepted), GET received -> decided
# once ebbad has decided it, another token's application invisible, the
# events (received, decided, reviewed, letter once ebba-deliver delivered
# it) and the letters' PDFs (the bytes ebbactl and the spool have; rendered
# and stored by the API when none is; another token's 404; the export
# logged), what the database enforces about tokens and ebba-web's role, and
# every response checked against schema/ebba-api.openapi.yaml.  Its own PostgreSQL cluster,
# since it stops it.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg.sh"
. "$ROOT/contrib/demo/setup.sh"
pg_start "$T_TMP/pg" fsync=off synchronous_commit=off || exit 2
trap 'pg_stop; t_cleanup' EXIT
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
ctl() { "$EBBACTL" -c "$CFG" "$@"; }
DATA=$ROOT/tests/data/applications

# -- ebbactl token ------------------------------------------------------------------
TOKEN=$(ctl token add eservice)
check_match "token add prints a 256-bit token once" "^[0-9a-f]{64}$" "$TOKEN"
OTHER=$(ctl token add other-service)
NOT_INTAKE=$(ctl token add casework --role ebba_caseworker 2>"$T_TMP/warn")
check_match "a token for a role outside ebba_intake is made with a warning" "not in ebba_intake" "$(cat "$T_TMP/warn")"
OLD=$(ctl token add old)
check_eq "token revoke" "token old revoked" "$(ctl token revoke old)"
ctl token revoke old >/dev/null 2>&1
check_eq "a revoked token cannot be revoked again (exit 1)" 1 "$?"
ctl token add eservice >/dev/null 2>&1
check_eq "a token name is taken once" 1 "$?"
ctl token add nobody --role no_such_role >/dev/null 2>&1
check_eq "a token for a role that does not exist is refused" 1 "$?"
list=$(ctl --porcelain token list)
check_match "token list: name, role, in ebba_intake, created by the connected role" \
	"^token	eservice	ebba_intake	yes	[0-9T:Z-]+	postgres	-$" "$list"
check_match "token list shows the revocation" "^token	old	ebba_intake	yes	[^	]+	postgres	[0-9]{4}-" "$list"
check_eq "only the SHA-256 is stored" 0 \
	"$(psql_val "select count(*) from ebba.intake_tokens where encode(sha256, 'hex') in ('$TOKEN', '$OTHER')")"
check_eq "... and it is the token's" 1 \
	"$(psql_val "select count(*) from ebba.intake_tokens where sha256 = sha256(convert_to('$TOKEN', 'UTF8'))")"
out=$(psql_val "insert into ebba.intake_tokens (name, sha256, role, created_by) values ('forged', sha256('x'), 'ebba_intake', 'someone')" 2>&1)
check_match "created_by cannot name someone else" "created_by must be the session's own role" "$out"
out=$(psql_val "update ebba.intake_tokens set role = 'postgres' where name = 'eservice'" 2>&1)
check_match "a token's role cannot be changed" "only ever revoked" "$out"
out=$(psql_val "delete from ebba.intake_tokens where name = 'old'" 2>&1)
check_match "tokens are never deleted" "immutable" "$out"

# ebba-web's own role may submit only through the token-checking functions.
sfx=${PGDATABASE##*_}
WEBROLE=webapi$sfx
psql_val "create role $WEBROLE login in role ebba_web" >/dev/null
as_web() { psql -XAtq -v ON_ERROR_STOP=1 -c "set role $WEBROLE; $1" 2>&1; }
check_match "ebba_web cannot insert into the inbox directly" "permission denied" \
	"$(as_web "insert into ebba.inbox (external_id, payload) values ('X-1', 'x')")"
check_match "ebba_web cannot read the tokens" "permission denied" "$(as_web "select * from ebba.intake_tokens")"
INTAKEROLE=intk$sfx
psql_val "create role $INTAKEROLE login in role ebba_intake" >/dev/null
as_intake() { psql -XAtq -v ON_ERROR_STOP=1 -c "set role $INTAKEROLE; $1" 2>&1; }
check_match "an intake role cannot name a token or a submitter itself" "permission denied" \
	"$(as_intake "insert into ebba.inbox (external_id, payload, submitted_by) values ('X-3', 'x', 'someone')")"
as_intake "insert into ebba.inbox (external_id, payload) values ('X-4', 'x')" >/dev/null
check_eq "a direct insert is stamped with the database's own person and no token" "$INTAKEROLE " \
	"$(psql_val "select submitted_by || ' ' || coalesce(intake_token::text, '') from ebba.inbox where external_id = 'X-4'")"
check_eq "ebba_web's submit with a made-up token keeps nothing" "unauthenticated" \
	"$(as_web "select verdict from ebba.intake_submit('$(printf '%064d' 0)', 'X-2', 'C', '2026-12', 'x')")"

# -- a real ebba-web -------------------------------------------------------------------
{ grep -v '^web:' "$CFG"; echo "web:"; echo "  port: 0"; echo '  metrics_listen: "127.0.0.1:0"'; } >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
WEB_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
API=$URL/api/v1/applications
WM=http://127.0.0.1:$(sed -nE 's/.*metrics on .* \(port ([0-9]+)\).*/\1/p' "$T_TMP/web.log" | head -n 1)
# documents VALID|INVALID: ebba-web's count of documents the API validated ("missing" without the metric).
documents() {
	curl -s "$WM/metrics" | awk -v k="ebba_web_api_documents_total{result=\"$1\"}" \
		'$1 == k { v = $2; f = 1 } END { print f ? v : "missing" }'
}

# api NAME METHOD PATH [curl args...]: one request; prints the status.  The
# response is kept for the OpenAPI check at the end; $R is its body.
R=$T_TMP/last.body
: >"$T_TMP/responses"
echo 0 >"$T_TMP/n"
api() {
	local name=$1 method=$2 path=$3; shift 3
	local n=$(($(cat "$T_TMP/n") + 1))
	echo "$n" >"$T_TMP/n"
	local code
	code=$(curl -s -X "$method" -D "$T_TMP/r$n.head" -o "$T_TMP/r$n.body" -w '%{http_code}' "$@" "$URL$path")
	cp "$T_TMP/r$n.head" "$T_TMP/last.head"
	cp "$T_TMP/r$n.body" "$R" 2>/dev/null || : >"$R"
	printf '%s\t%s\t%s\t%s\t%s\n' "$method" "$path" "$T_TMP/r$n.head" "$T_TMP/r$n.body" "$name ($code)" >>"$T_TMP/responses"
	echo "$code"
}
# The same for what the description leaves out (other methods and paths).
api_raw() {
	local method=$1 path=$2; shift 2
	curl -s -X "$method" -D "$T_TMP/last.head" -o "$R" -w '%{http_code}' "$@" "$URL$path"
}
header() { grep -i "^$1:" "$T_TMP/last.head" | tail -n 1 | cut -d' ' -f2- | tr -d '\r'; }
error_of() { jq -r .error "$R"; }
auth() { echo "Authorization: Bearer $1"; }
XML='Content-Type: application/xml'

# A document of the demo that ebbad approves, under an id of its own.
orig=$(awk -F'\t' '$2 == "approved" {print $1; exit}' "$ROOT/contrib/demo/expected.tsv")
want_amount=$(awk -F'\t' -v id="$orig" '$1 == id {print $3}' "$ROOT/contrib/demo/expected.tsv")
ID=API-$orig
sed "s/id=\"$orig\"/id=\"$ID\"/" "$T_TMP/demo/data/applications/$orig.xml" >"$T_TMP/app.xml"
sed 's|<changes>false</changes>|<changes>true</changes>|' "$T_TMP/app.xml" >"$T_TMP/app-other.xml"
check "the API's document differs from the other one" test "$(cat "$T_TMP/app.xml")" != "$(cat "$T_TMP/app-other.xml")"

check_eq "POST without a token: 401" 401 "$(api "no token" POST /api/v1/applications -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "... with WWW-Authenticate: Bearer" 'Bearer realm="ebba"' "$(header WWW-Authenticate)"
check_eq "POST with a malformed token: 401" 401 "$(api "malformed token" POST /api/v1/applications -H "Authorization: Bearer nope" -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "POST with an unknown token: 401" 401 "$(api "unknown token" POST /api/v1/applications -H "$(auth "$(printf '%064d' 7)")" -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "POST with a revoked token: 401" 401 "$(api "revoked token" POST /api/v1/applications -H "$(auth "$OLD")" -H "$XML" --data-binary @"$T_TMP/app.xml")"
# -- the token before the work (issue 24, item 9) ----------------------------------------
# A flood with a made-up token must not cost a validation each: the token is
# checked first, whatever the body.  ebba_web_api_documents_total counts the
# validations; an invalid document with a good token (below) moves it.
UNKNOWN=$(printf '%064d' 9)
{ echo '<application xmlns="urn:ebba:application:1">'; head -c 200000 /dev/zero | tr '\0' 'x'; } >"$T_TMP/invalid.xml"
check_eq "no document validated yet" "0 0" "$(documents valid) $(documents invalid)"
check_eq "an unknown token with an invalid document: 401, not 422" 401 \
	"$(api "unknown token, invalid document" POST /api/v1/applications -H "$(auth "$UNKNOWN")" -H "$XML" --data-binary @"$T_TMP/invalid.xml")"
check_eq "a revoked token with an invalid document: 401" 401 \
	"$(api "revoked token, invalid document" POST /api/v1/applications -H "$(auth "$OLD")" -H "$XML" --data-binary @"$DATA/bad-pnr.xml")"
check_eq "a token outside ebba_intake with an invalid document: 403" 403 \
	"$(api "not intake, invalid document" POST /api/v1/applications -H "$(auth "$NOT_INTAKE")" -H "$XML" --data-binary @"$DATA/bad-pnr.xml")"
{ head -c 300000 /dev/zero | tr '\0' ' '; cat "$T_TMP/app.xml"; } >"$T_TMP/huge-unknown.xml"
check_eq "an unknown token with a document over the limit: 401, not 413" 401 \
	"$(api "unknown token, huge document" POST /api/v1/applications -H "$(auth "$UNKNOWN")" -H "$XML" --data-binary @"$T_TMP/huge-unknown.xml")"
check_eq "an unknown token as text/plain: 401, not 415" 401 \
	"$(api "unknown token, text/plain" POST /api/v1/applications -H "$(auth "$UNKNOWN")" -H 'Content-Type: text/plain' --data-binary @"$T_TMP/app.xml")"
check_eq "... and none of them was validated" "0 0" "$(documents valid) $(documents invalid)"
check_eq "the invalid document with the good token: 422" 422 \
	"$(api "good token, invalid document" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/invalid.xml")"
check_eq "... validated once (the count works)" "0 1" "$(documents valid) $(documents invalid)"
check_eq "POST with a session cookie and no token: 401 (no session path)" 401 \
	"$(api "cookie, no token" POST /api/v1/applications -b "ebba_session=$(printf '%064d' 1)" -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "POST with a token whose role is not in ebba_intake: 403" 403 "$(api "not intake" POST /api/v1/applications -H "$(auth "$NOT_INTAKE")" -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "POST as text/plain: 415" 415 "$(api "text/plain" POST /api/v1/applications -H "$(auth "$TOKEN")" -H 'Content-Type: text/plain' --data-binary @"$T_TMP/app.xml")"
check_eq "POST as a form: 415" 415 "$(api "form" POST /api/v1/applications -H "$(auth "$TOKEN")" --data-binary @"$T_TMP/app.xml")"
check_eq "nothing was kept by the refusals" 0 "$(psql_val "select count(*) from ebba.inbox where external_id = '$ID'")"

check_eq "POST: 201 Created" 201 "$(api "created" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "... with Location" "/api/v1/applications/$ID" "$(header Location)"
check_eq "... and the body says so" "$ID true" "$(jq -r '.id + " " + (.created | tostring)' "$R")"
check_eq "the inbox has the exact bytes" "$(sha256sum <"$T_TMP/app.xml" | cut -d' ' -f1)" \
	"$(psql_val "select encode(sha256(payload), 'hex') from ebba.inbox where external_id = '$ID'")"
check_eq "the inbox row records the token and its role" "eservice ebba_intake" \
	"$(psql_val "select t.name || ' ' || i.submitted_by from ebba.inbox i join ebba.intake_tokens t on t.id = i.intake_token where i.external_id = '$ID'")"
# ebbad is woken: one NOTIFY for the API's inserts, sent by ebba-web.
sed "s/id=\"$ID\"/id=\"$ID-N\"/" "$T_TMP/app.xml" >"$T_TMP/app-n.xml"
psql -XAtq -c "listen ebba_inbox" -c "select pg_sleep(3) /* api listener */" >"$T_TMP/listen.out" 2>&1 & LISTENER=$!
for _ in $(seq 100); do   # until it listens (it is in its sleep)
	[ "$(psql_val "select count(*) from pg_stat_activity where state = 'active' and query like '%/* api listener */%' and pid <> pg_backend_pid()")" = 1 ] && break
	sleep 0.05
done
check_eq "POST while ebbad listens: 201" 201 "$(api "created, notified" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app-n.xml")"
wait "$LISTENER"
check_match "... and a NOTIFY ebba_inbox woke the listener" 'notification "ebba_inbox" received' "$(cat "$T_TMP/listen.out")"
check_eq "the same bytes again: 200" 200 "$(api "identical retry" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML; charset=utf-8" --data-binary @"$T_TMP/app.xml")"
check_eq "... created false, same Location" "false /api/v1/applications/$ID" "$(jq -r '(.created | tostring) + " " + .location' "$R")"
check_eq "the same id with other bytes: 409" 409 "$(api "other bytes" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app-other.xml")"
check_eq "the same bytes from another token: 409 (not its application)" 409 "$(api "other token" POST /api/v1/applications -H "$(auth "$OTHER")" -H "$XML" --data-binary @"$T_TMP/app.xml")"
check_eq "still one row, unchanged" "1 false" \
	"$(psql_val "select count(*) || ' ' || bool_or(position('<changes>true' in convert_from(payload, 'UTF8')) > 0) from ebba.inbox where external_id = '$ID'")"

# -- 422: the line ebbactl validate prints ------------------------------------------
cp "$DATA/good.xml" "$T_TMP/pnr-id.xml"
sed -i "s/id=\"EB-2026-12-000123\"/id=\"$(test_pnr 1)\"/" "$T_TMP/pnr-id.xml"
bad=0 same=0 kept=0 diffs=
for f in "$DATA"/*.xml "$ROOT"/tests/data/hostile/applications/*.xml "$T_TMP/pnr-id.xml"; do
	want=$("$EBBACTL" --porcelain validate "$f" | cut -f3-)
	[ -n "$want" ] || continue     # a valid document
	bad=$((bad + 1))
	code=$(api "422 $(basename "$f")" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$f")
	got=$(error_of)
	if [ "$code" = 422 ] && [ "$got" = "$want" ]; then same=$((same + 1))
	else diffs="$diffs $(basename "$f"):$code:[$got]!=[$want]"; fi
done
check "at least 15 bad documents tried" test "$bad" -ge 15
check_eq "each bad document: 422 with exactly the line ebbactl validate gives" "$bad" "$same"
[ -z "$diffs" ] || echo "#  $diffs"
msg=$("$EBBACTL" --porcelain validate "$T_TMP/pnr-id.xml" | cut -f3-)
check_match "an id that is an identity number is refused" "^line [0-9]+: application/@id: must not hold an identity number" "$msg"
check "... and the line does not repeat it" sh -c "! printf '%s' '$msg' | grep -q '$(test_pnr 1)'"
check_eq "none of them is in the inbox" 2 "$(psql_val "select count(*) from ebba.inbox where intake_token is not null")"

# Ids and case numbers the API took before (201), each an identity number
# in some spelling: 422 with the line, no Location, nothing kept or logged.
bad=
for pair in "id=X-850301-2380" "id=P-19850301_2380" "id=P-19850301.2380" "id=P-19850301:2380" "case=C-850301-2380"; do
	field=${pair%%=*} value=${pair#*=}
	sed "s/ $field=\"[^\"]*\"/ $field=\"$value\"/" "$T_TMP/app.xml" >"$T_TMP/pnr-ids.xml"
	code=$(api "422 $pair" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/pnr-ids.xml")
	[ "$code" = 422 ] && [ -z "$(header Location)" ] &&
		printf '%s' "$(error_of)" | grep -q "application/@$field: must not hold an identity number" &&
		! grep -qE '850301|2380' "$R" || bad="$bad [$pair: $code $(header Location) $(error_of)]"
done
check_eq "ids and case numbers holding an identity number: 422, no Location, the number not repeated" "" "$bad"
check_eq "... none in the inbox" 0 "$(psql_val "select count(*) from ebba.inbox where external_id like '%850301%' or case_id like '%850301%'")"
check_eq "... nor in the access log" 0 "$(psql_val "select count(*) from ebba.access_log where object_id like '%850301%'")"
check_eq "GET with such an id: 404" 404 \
	"$(api_raw GET "/api/v1/applications/X-850301-2380" -H "$(auth "$TOKEN")")"

# -- 413 ----------------------------------------------------------------------------------
{ head -c 300000 /dev/zero | tr '\0' ' '; cat "$T_TMP/app.xml"; } >"$T_TMP/big.xml"
check_eq "over max_document_bytes: 413 (from Content-Length)" 413 "$(api "413 content-length" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/big.xml")"
check_eq "over max_document_bytes, chunked: 413" 413 "$(api "413 chunked" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" -H 'Transfer-Encoding: chunked' --data-binary @"$T_TMP/big.xml")"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "$(auth "$TOKEN")" -H "$XML" -H 'Expect: 100-continue' --data-binary @"$T_TMP/big.xml" "$API")
check_eq "413 before the body is sent (no 100 Continue)" 413 "$got"
{ head -c 3000000 /dev/zero | tr '\0' ' '; } >"$T_TMP/huge.xml"
curl -s -o /dev/null -H "$(auth "$TOKEN")" -H "$XML" -H 'Transfer-Encoding: chunked' --data-binary @"$T_TMP/huge.xml" "$API"
check "a chunked body far over the limit is cut off, not read to its end" test "$?" -ne 0

# -- GET ----------------------------------------------------------------------------------
check_eq "GET without a token: 401" 401 "$(api "get no token" GET "/api/v1/applications/$ID")"
check_eq "GET as another token: 404" 404 "$(api "get other token" GET "/api/v1/applications/$ID" -H "$(auth "$OTHER")")"
check_eq "GET an unknown id: 404" 404 "$(api "get unknown" GET "/api/v1/applications/NO-SUCH" -H "$(auth "$TOKEN")")"
check_eq "GET an id the schema does not allow: 404" 404 "$(api "get bad id" GET "/api/v1/applications/%3Cx%3E" -H "$(auth "$TOKEN")")"
check_eq "GET by a token outside ebba_intake: 403" 403 "$(api "get not intake" GET "/api/v1/applications/$ID" -H "$(auth "$NOT_INTAKE")")"
check_eq "GET: 200" 200 "$(api "get received" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "... received, not decided" "received null" "$(jq -r '.state + " " + (.outcome | tostring)' "$R")"
check_eq "DELETE: 405 with Allow: GET" "405 GET" "$(api_raw DELETE "/api/v1/applications/$ID" -H "$(auth "$TOKEN")") $(header Allow)"
check_eq "GET the collection: 405 with Allow: POST" "405 POST" "$(api_raw GET /api/v1/applications -H "$(auth "$TOKEN")") $(header Allow)"
check_eq "... as JSON" "method not allowed" "$(error_of)"
check_eq "an unknown API path: 404" 404 "$(api_raw GET /api/v1/nothing -H "$(auth "$TOKEN")")"
check_eq "the OpenAPI description is served" 200 "$(curl -s -o "$T_TMP/served.yaml" -w '%{http_code}' "$URL/api/v1/openapi.yaml")"
check "... and it is the shipped one" cmp -s "$T_TMP/served.yaml" "$ROOT/schema/ebba-api.openapi.yaml"

"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log"
check_eq "ebbad --once decides it" decided "$(psql_val "select state from ebba.inbox where external_id = '$ID'")"
check_eq "GET after ebbad: 200" 200 "$(api "get decided" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "... decided, approved, with the amount" "decided approved $want_amount false" \
	"$(jq -r '.state + " " + .outcome + " " + (.amount | tostring) + " " + (.reviewed | tostring)' "$R")"
check_eq "still invisible to the other token" 404 "$(api "get decided other" GET "/api/v1/applications/$ID" -H "$(auth "$OTHER")")"
check_eq "every GET that answered is in the access log, by the token's name" \
	"token:eservice view application $ID api 2" \
	"$(psql_val "select who, action, object_kind, object_id, client, count(*) from ebba.access_log
		where client = 'api' group by 1, 2, 3, 4, 5" | tr '|' ' ')"
err=$(psql -XAtq -v ON_ERROR_STOP=1 -c "set ebba.access_log_who = 'token:someone'" -c "set role ebba_caseworker" \
	-c "insert into ebba.access_log (action, object_kind, object_id) values ('view', 'x', 'y')" \
	-c "reset role" -c "select who from ebba.access_log where object_kind = 'x'" 2>&1)
# (A superuser counts as ebba-web's proxy, so ebba.person() is the role set.)
check_eq "nobody else names who looked: the setting is ignored outside ebba's functions" ebba_caseworker "$err"
check_eq "an application submitted with ebbactl is no token's" 404 \
	"$(api "get ebbactl's" GET "/api/v1/applications/$orig" -H "$(auth "$TOKEN")")"

# -- the applicant told: events and letters (issue 26 item 4) ----------------------------
types() { jq -r '[.events[].type] | join(" ")' "$R"; }
DID=$(psql_val "select id from ebba.decisions where external_id = '$ID'")
DIDN=$(psql_val "select id from ebba.decisions where external_id = '$ID-N'")
check_eq "GET: the events before any letter is delivered" "received decided" \
	"$(api "events, decided" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")" >/dev/null; types)"
check_eq "... decided: the outcome and the amount" "approved $want_amount" "$(jq -r '.events[1] | .outcome + " " + (.amount | tostring)' "$R")"
check_eq "a letter not yet delivered does not exist for the API: 404" 404 \
	"$(api "letter before delivery" GET "/api/v1/applications/$ID/letters/1" -H "$(auth "$TOKEN")")"
SPOOL=$T_TMP/spool
printf 'deliver:\n  print_spool: %s/print\n  protected_spool: %s/protected\n' "$SPOOL" "$SPOOL" >>"$CFG"
# $ID-N's letter is marked delivered by hand before ebba-deliver runs, so
# that no PDF is stored for it: the API renders and stores it.
psql_val "update ebba.outbox set state = 'delivered', delivered_at = now(), channel = 'print' where decision_id = $DIDN" >/dev/null
"$ROOT/$BUILD/ebba-deliver" -c "$CFG" --once 2>>"$T_TMP/deliver.log"
check_eq "ebba-deliver delivered the approval's letter to the print spool" "delivered print" \
	"$(psql_val "select state || ' ' || channel from ebba.outbox where decision_id = $DID")"
api "events, delivered" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")" >/dev/null
check_eq "an approved application: received, decided, letter" "received decided letter" "$(types)"
check_eq "... the letter is number 1, to print" "1 print" "$(jq -r '.events[2] | "\(.n) \(.channel)"' "$R")"
check "... each event with its time, in order" jq -e '[.events[].at] | (. == sort) and all(test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' "$R"
check_eq "GET letters/1: 200, a PDF" "200 application/pdf" \
	"$(api "letter 1" GET "/api/v1/applications/$ID/letters/1" -H "$(auth "$TOKEN")") $(header Content-Type)"
cp "$R" "$T_TMP/letter-api.pdf"
ctl letter "$DID" --pdf "$T_TMP/letter-ctl.pdf" >/dev/null
check "... the same bytes as ebbactl letter ID --pdf" cmp -s "$T_TMP/letter-api.pdf" "$T_TMP/letter-ctl.pdf"
check "... and as the print spool's" cmp -s "$T_TMP/letter-api.pdf" "$SPOOL/print/$DID.pdf"
check_eq "another intake token: 404, not 200" 404 \
	"$(api "letter other token" GET "/api/v1/applications/$ID/letters/1" -H "$(auth "$OTHER")")"
check_eq "a token outside ebba_intake: 403" 403 \
	"$(api "letter not intake" GET "/api/v1/applications/$ID/letters/1" -H "$(auth "$NOT_INTAKE")")"
check_eq "no token: 401" 401 "$(api "letter no token" GET "/api/v1/applications/$ID/letters/1")"
check_eq "a letter that does not exist: 404" 404 \
	"$(api "letter 2" GET "/api/v1/applications/$ID/letters/2" -H "$(auth "$TOKEN")")"
check_eq "letter 0, or not a number: 404" "404 404" \
	"$(api_raw GET "/api/v1/applications/$ID/letters/0" -H "$(auth "$TOKEN")") $(api_raw GET "/api/v1/applications/$ID/letters/x" -H "$(auth "$TOKEN")")"
check_eq "a letter of another token's application: 404" 404 \
	"$(api_raw GET "/api/v1/applications/$orig/letters/1" -H "$(auth "$TOKEN")")"
check_eq "the letter read is in the access log as an export, by the token's name, once" \
	"token:eservice export letter $DID api 1" \
	"$(psql_val "select who, action, object_kind, object_id, client, count(*) from ebba.access_log
		where action = 'export' and client = 'api' group by 1, 2, 3, 4, 5" | tr '|' ' ')"
check_eq "a letter delivered with no PDF stored yet: none before the API asks" 0 \
	"$(psql_val "select count(*) from ebba.letter_pdfs where decision_id = $DIDN")"
check_eq "... the API renders it: 200" 200 "$(api "letter rendered" GET "/api/v1/applications/$ID-N/letters/1" -H "$(auth "$TOKEN")")"
check_eq "... stores it through ebba.letter_pdf_store, rendered by the token" "token:eservice" \
	"$(psql_val "select rendered_by from ebba.letter_pdfs where decision_id = $DIDN")"
cp "$R" "$T_TMP/letter-n-api.pdf"
ctl letter "$DIDN" --pdf "$T_TMP/letter-n-ctl.pdf" >/dev/null
check "... and the bytes are the stored ones" cmp -s "$T_TMP/letter-n-api.pdf" "$T_TMP/letter-n-ctl.pdf"

# A referral that a person resolves: reviewed, then its letter.
rorig=EB-2026-12-000002
RID_EXT=API-$rorig
sed "s/id=\"$rorig\"/id=\"$RID_EXT\"/" "$T_TMP/demo/data/applications/$rorig.xml" >"$T_TMP/ref.xml"
check_eq "POST a document ebba refers: 201" 201 "$(api "created, referral" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/ref.xml")"
"$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log"
REF=$(psql_val "select id from ebba.decisions where external_id = '$RID_EXT' and inbox_id is not null")
check_eq "ebbad refers it" referred "$(psql_val "select outcome from ebba.decisions where id = ${REF:-0}")"
ctl review resolve "$REF" --check no-message=accept --note "Utredd i test" >/dev/null || fail "review resolve $REF"
REV=$(psql_val "select id from ebba.decisions where reviews_decision_id = ${REF:-0}")
"$ROOT/$BUILD/ebba-deliver" -c "$CFG" --once 2>>"$T_TMP/deliver.log"
api "events, reviewed" GET "/api/v1/applications/$RID_EXT" -H "$(auth "$TOKEN")" >/dev/null
check_match "a referral resolved by a person: received, decided (referred), reviewed, then the review's letter" \
	"^received decided (letter )?reviewed letter$" "$(types)"
check_eq "... decided: referred, no amount; reviewed: approved with the person's amount" \
	"referred null approved $(psql_val "select amount from ebba.decisions where id = ${REV:-0}")" \
	"$(jq -r '[.events[] | select(.type == "decided" or .type == "reviewed") | .outcome + " " + (.amount | tostring)] | join(" ")' "$R")"
RN=$(jq -r '[.events[] | select(.type == "letter")] | last | .n' "$R")
check_eq "the review's letter: 200" 200 "$(api "letter reviewed" GET "/api/v1/applications/$RID_EXT/letters/$RN" -H "$(auth "$TOKEN")")"
cp "$R" "$T_TMP/letter-r-api.pdf"
ctl letter "$REV" --pdf "$T_TMP/letter-r-ctl.pdf" >/dev/null
check "... the same bytes as ebbactl letter REVIEW --pdf" cmp -s "$T_TMP/letter-r-api.pdf" "$T_TMP/letter-r-ctl.pdf"
check_eq "... and another intake token gets 404" 404 \
	"$(api "letter reviewed other token" GET "/api/v1/applications/$RID_EXT/letters/$RN" -H "$(auth "$OTHER")")"
check_eq "ebba_web reads no letter by SQL (only through ebba.intake_letter)" "permission denied" \
	"$(as_web "select body from ebba.letters limit 1" | grep -o 'permission denied' | head -n 1)"
check_match "ebba_web cannot call the functions behind it" "permission denied" \
	"$(as_web "select * from ebba.application_events(1)")"

# -- 503: the database away, the write refused ---------------------------------------------
sed "s/id=\"$ID\"/id=\"$ID-2\"/" "$T_TMP/app.xml" >"$T_TMP/app2.xml"
pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
check_eq "POST while PostgreSQL is stopped: 503" 503 "$(api "503 stopped" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app2.xml")"
check_match "... with Retry-After" "^[0-9]+$" "$(header Retry-After)"
check_eq "GET while PostgreSQL is stopped: 503" 503 "$(api "503 get stopped" GET "/api/v1/applications/$ID" -H "$(auth "$TOKEN")")"
check_eq "a bad document while PostgreSQL is stopped: 503 (the token cannot be checked)" 503 \
	"$(api "503 bad doc" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$DATA/bad-pnr.xml")"
pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
	-o "-k $PG_DIR -p $PGPORT -c listen_addresses= -c fsync=off" start >/dev/null
check_eq "the same POST once PostgreSQL is back: 201" 201 "$(api "201 after restart" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app2.xml")"
check_eq "... and it is in the inbox once" 1 "$(psql_val "select count(*) from ebba.inbox where external_id = '$ID-2'")"

sed "s/id=\"$ID\"/id=\"$ID-3\"/" "$T_TMP/app.xml" >"$T_TMP/app3.xml"
psql_val "create function pg_temp_refuse() returns trigger language plpgsql as \$\$ begin raise exception 'disk full (test)'; end \$\$;
	create trigger refuse_test before insert on ebba.inbox for each row execute function pg_temp_refuse()" >/dev/null
check_eq "POST while the inbox write fails: 503" 503 "$(api "503 write fails" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app3.xml")"
check_match "... with Retry-After" "^[0-9]+$" "$(header Retry-After)"
psql_val "drop trigger refuse_test on ebba.inbox; drop function pg_temp_refuse()" >/dev/null
check_eq "nothing half-written after the failed write" 0 "$(psql_val "select count(*) from ebba.inbox where external_id = '$ID-3'")"
check_eq "the same POST once the write works: 201" 201 "$(api "201 after write failure" POST /api/v1/applications -H "$(auth "$TOKEN")" -H "$XML" --data-binary @"$T_TMP/app3.xml")"

# -- logs and the description ----------------------------------------------------------------
leak=$(grep -oE '(19|20)[0-9]{6}-?[0-9]{4}' "$T_TMP/web.log" | head -n 3)
check_eq "no identity number in ebba-web's log" "" "$leak"
check "no token in ebba-web's log" sh -c "! grep -qE '$TOKEN|$OTHER' '$T_TMP/web.log'"
kill -TERM "$WEB_PID"
wait "$WEB_PID"
check_eq "ebba-web stops cleanly on SIGTERM (exit 0)" 0 "$?"
check_eq "... with nothing from a sanitizer in its log" "" "$(grep -i 'sanitizer' "$T_TMP/web.log" | head -n 3)"
python3 "$ROOT/tests/tools/openapi_check.py" "$ROOT/schema/ebba-api.openapi.yaml" "$T_TMP/responses"
psql -XAtq -d postgres -c "drop owned by $WEBROLE, $INTAKEROLE cascade" >/dev/null 2>&1
psql -XAtq -d postgres -c "drop role if exists $WEBROLE, $INTAKEROLE" >/dev/null 2>&1
