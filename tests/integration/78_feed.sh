# The decision feed for the case system (issue 26 item 5; DESIGN.md §13;
# schema 020): GET /api/v1/decisions for a token in ebba_casesystem, every
# final decision exactly once, none skipped, in commit order.  The proof:
# a decision whose transaction is held open while a later one (a higher
# id) commits and a consumer pages in between is still delivered, after
# it, when it commits; a cursor on the id would have skipped it.  Then the
# reference consumer (contrib/feed/) pages it all with limit=7.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_decided || exit 0

FEED_TOKEN=$(ctl token add casesystem --role ebba_casesystem 2>/dev/null)
INTAKE_TOKEN=$(ctl token add eservice)
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
start_web "$T_TMP/web.yaml" || { fail "ebba-web started"; exit 0; }
API=http://127.0.0.1:$WEB_PORT/api/v1
N=0
get() {  # get TOKEN QUERY: the body; the status in $T_TMP/status; kept for the OpenAPI check
	N=$((N + 1))
	curl -s -D "$T_TMP/h$N" -o "$T_TMP/b$N" -w '%{http_code}' -H "Authorization: Bearer $1" "$API/decisions$2" >"$T_TMP/status"
	printf 'GET\t/api/v1/decisions\t%s\t%s\tGET /api/v1/decisions%s (%s)\n' "$T_TMP/h$N" "$T_TMP/b$N" "$2" "$(cat "$T_TMP/status")" >>"$T_TMP/responses"
	cat "$T_TMP/b$N"
}
ids() { python3 -c 'import json,sys; print(" ".join(str(d["id"]) for d in json.load(sys.stdin)["decisions"]))'; }
next_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])'; }

get "$INTAKE_TOKEN" "" >/dev/null
check_eq "an intake token may not read the feed (403)" 403 "$(cat "$T_TMP/status")"
get "$(printf '%064d' 0)" "" >/dev/null
check_eq "an unknown token: 401" 401 "$(cat "$T_TMP/status")"
get "$FEED_TOKEN" "?limit=0" >/dev/null
check_eq "limit 0: 400" 400 "$(cat "$T_TMP/status")"
get "$FEED_TOKEN" "?after=x" >/dev/null
check_eq "a cursor that is not a number: 400" 400 "$(cat "$T_TMP/status")"

FINAL=$(psql_val "select string_agg(id::text, ' ' order by id) from ebba.decisions where outcome <> 'referred'")
all=$(get "$FEED_TOKEN" "?limit=1000")
check_eq "from the beginning: every final decision (not the referrals), in order" "$FINAL" "$(ids <<<"$all")"
check_eq "... each item shaped as DESIGN.md §13 says" \
	"amount application automatic case decided_at decided_by decided_by_name follows id letter lines outcome period protected" \
	"$(python3 -c 'import json,sys; d=json.load(sys.stdin)["decisions"][0]; print(" ".join(sorted(k for k in d if k != "cursor")))' <<<"$all")"
CUR=$(next_of <<<"$all")

# ---- a lower id's transaction held open while a higher one commits -------------------
R1=$(psql_val "select id from ebba.decisions where outcome = 'referred' order by id limit 1")
R2=$(psql_val "select id from ebba.decisions where outcome = 'referred' order by id offset 1 limit 1")
review_sql() {  # a person's decision on referral $1
	echo "insert into ebba.decisions (reviews_decision_id, external_id, case_id, period, outcome, amount,
	ruleset_name, ruleset_version, ruleset_sha256, note)
	select id, external_id, case_id, period, 'approved', 1000, ruleset_name, ruleset_version, ruleset_sha256,
	'feed test' from ebba.decisions where id = $1 returning id;"
}
mkfifo "$T_TMP/a.in"
psql -XAtq -v ON_ERROR_STOP=1 <"$T_TMP/a.in" >"$T_TMP/a.out" 2>&1 &
T_PIDS+=("$!")
APID=$!
exec 3>"$T_TMP/a.in"
echo "begin; $(review_sql "$R1")" >&3
for _ in $(seq 100); do [ -s "$T_TMP/a.out" ] && break; sleep 0.05; done
LOW=$(grep -E '^[0-9]+$' "$T_TMP/a.out" | head -n 1)
HIGH=$(psql_val "$(review_sql "$R2")" | head -n 1)
check "the held transaction's decision has the lower id" test "${LOW:-0}" -gt 0 -a "${LOW:-0}" -lt "${HIGH:-0}"
p1=$(get "$FEED_TOKEN" "?after=$CUR&limit=7")
check_eq "paging while the lower id is uncommitted: the higher one only" "$HIGH" "$(ids <<<"$p1")"
CUR1=$(next_of <<<"$p1")
check_eq "(a cursor on the id, now at $HIGH, would never return $LOW)" 0 \
	"$(psql_val "select count(*) from ebba.decisions where id > ${HIGH:-0} and id = ${LOW:-0}")"
echo "commit;" >&3
exec 3>&-
wait "$APID"
p2=$(get "$FEED_TOKEN" "?after=$CUR1&limit=7")
check_eq "after it commits, the next page brings the lower id: none skipped" "$LOW" "$(ids <<<"$p2")"
p3=$(get "$FEED_TOKEN" "?after=$(next_of <<<"$p2")&limit=7")
check_eq "... and then nothing more" "" "$(ids <<<"$p3")"
check_eq "the item for a person's decision: follows the referral, not automatic, decided by the person" \
	"$R1 False postgres" \
	"$(python3 -c 'import json,sys; d=json.load(sys.stdin)["decisions"][0]; print(d["follows"], d["automatic"], d["decided_by"])' <<<"$p2")"

# ---- wait: a page held open until a decision comes -------------------------------------
CUR3=$(next_of <<<"$p3")
curl -s -H "Authorization: Bearer $FEED_TOKEN" "$API/decisions?after=$CUR3&wait=20" >"$T_TMP/waited" &
CPID=$!
sleep 0.5
R3=$(psql_val "select id from ebba.decisions where outcome = 'referred' order by id offset 2 limit 1")
NEW=$(psql_val "$(review_sql "$R3")" | head -n 1)
wait "$CPID"
check_eq "wait=20: the page answers with the decision that came meanwhile" "$NEW" "$(ids <"$T_TMP/waited")"

# ---- the reference consumer, limit=7 ---------------------------------------------------
printf '%s\n' "$FEED_TOKEN" >"$T_TMP/token"
CONSUMER=$ROOT/contrib/feed/ebba-feed-consumer
"$CONSUMER" --url "$API" --token-file "$T_TMP/token" --state "$T_TMP/cursor" --out "$T_TMP/d.jsonl" --limit 7
check_eq "the reference consumer exits 0" 0 "$?"
FINAL=$(psql_val "select string_agg(id::text, ' ' order by id) from ebba.decisions where outcome <> 'referred'")
check_eq "... one JSON line per final decision, each exactly once" \
	"$(wc -w <<<"$FINAL") $FINAL" \
	"$(python3 -c 'import json,sys; l=[json.loads(x)["id"] for x in open(sys.argv[1])]; print(len(l), " ".join(map(str, sorted(set(l)))))' "$T_TMP/d.jsonl")"
"$CONSUMER" --url "$API" --token-file "$T_TMP/token" --state "$T_TMP/cursor" --out "$T_TMP/d.jsonl" --limit 7
check_eq "... and run again from its cursor, nothing twice" "$(wc -w <<<"$FINAL")" "$(wc -l <"$T_TMP/d.jsonl")"
python3 "$ROOT/tests/tools/openapi_check.py" "$ROOT/schema/ebba-api.openapi.yaml" "$T_TMP/responses"
