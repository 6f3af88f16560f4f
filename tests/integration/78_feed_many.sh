# The decision feed under a real load (issue 26, Must show): four ebbad
# processes decide 150 applications (the demo households, then two copies
# of each in waves) while two people, two different caseworker logins, resolve the
# referrals with `ebbactl review resolve` as they appear, and the
# reference consumer (contrib/feed/) pages the feed with limit=7 the whole
# time.  Then every final decision (ebba's approvals and rejections, every
# person's decision; not the referrals) is in the consumer's output exactly
# once, none skipped, compared with an independent SQL query of the
# decisions, in the feed's one order.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
# small batches, so that the four processes take turns
sed -i 's/^batch_size: .*/batch_size: 8/' "$CFG"
copies() {  # copies G: a copy of each demo household, M<G>-EB-..., into the inbox
	psql -XAtq -v ON_ERROR_STOP=1 -c "
	insert into ebba.inbox (external_id, case_id, period, payload)
	select 'M$1-' || external_id, case_id, period,
		convert_to(replace(convert_from(payload, 'UTF8'), 'id=\"' || external_id || '\"',
			'id=\"M$1-' || external_id || '\"'), 'UTF8')
	from ebba.inbox where external_id like 'EB-%'" || fail "inserting copies $1"
}
reviews() { psql_val "select count(*) from ebba.decisions where reviews_decision_id is not null"; }

# two people, each a login role of their own in ebba_caseworker
sfx=${PGDATABASE##*_}
CWA=cwa$sfx CWB=cwb$sfx
psql_val "create role $CWA login in role ebba_caseworker; create role $CWB login in role ebba_caseworker" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CWA, $CWB cascade; drop role if exists $CWA, $CWB" >/dev/null 2>&1; t_cleanup' EXIT

FEED_TOKEN=$(ctl token add casesystem --role ebba_casesystem 2>/dev/null)
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
start_web "$T_TMP/web.yaml" || { fail "ebba-web started"; exit 0; }
API=http://127.0.0.1:$WEB_PORT/api/v1
printf '%s\n' "$FEED_TOKEN" >"$T_TMP/token"
STOP=$T_TMP/stop

# the consumer: runs again and again (each run pages until a page is
# empty), never killed, so a line twice would be the feed's doing
consume() {
	"$ROOT/contrib/feed/ebba-feed-consumer" --url "$API" --token-file "$T_TMP/token" \
		--state "$T_TMP/cursor" --out "$T_TMP/d.jsonl" --limit 7 2>>"$T_TMP/consumer.log" ||
		echo "exit $?" >>"$T_TMP/consumer.fail"
}
: >"$T_TMP/d.jsonl"
(while [ ! -e "$STOP.consumer" ]; do consume; sleep 0.1; done) &
CONSUMER=$!

# a person: resolves the open referrals of one parity as they appear,
# approving (A) or rejecting (B), until told to stop and none is left
person() {  # person ROLE PARITY VERDICT
	local id ids
	while :; do
		ids=$(psql_val "select d.id from ebba.decisions d where d.outcome = 'referred' and d.id % 2 = $2
			and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id) order by d.id")
		if [ -z "$ids" ]; then
			[ -e "$STOP" ] && return 0
			sleep 0.2
			continue
		fi
		for id in $ids; do
			PGUSER=$1 "$EBBACTL" -c "$CFG" review resolve "$id" --verdict $3 --note "Utredd i test" \
				>/dev/null 2>>"$T_TMP/person-$1.log" || echo "$id" >>"$T_TMP/person.fail"
		done
		# a refused resolve would come back forever: stop, the check below says so
		[ -s "$T_TMP/person.fail" ] && return 1
	done
}
person "$CWA" 0 approve & PA=$!
person "$CWB" 1 "reject --reason needs-not-shown" & PB=$!

pids=()
for w in 1 2 3 4; do
	"$EBBAD" -c "$CFG" --worker "w$w" 2>"$T_TMP/w$w.log" &
	pids+=($!)
done
T_PIDS+=("${pids[@]}" "$CONSUMER" "$PA" "$PB")
# The copies come in two waves, each once the people have resolved more,
# the last once the consumer has read something: deciding, resolving and
# paging overlap, on any machine.
for g in 1 2; do
	for _ in $(seq 600); do
		[ "$(reviews)" -ge "$g" ] && { [ "$g" -lt 2 ] || [ -s "$T_TMP/d.jsonl" ]; } && break
		sleep 0.1
	done
	copies "$g"
done
N=$(psql_val "select count(*) from ebba.inbox")
check_eq "150 applications came in" 150 "$N"
for _ in $(seq 1200); do   # (at most two minutes)
	[ "$(psql_val "select count(*) from ebba.inbox where state in ('pending', 'processing')")" = 0 ] && break
	sleep 0.1
done
check_eq "the four ebbad decided every application" 0 \
	"$(psql_val "select count(*) from ebba.inbox where state in ('pending', 'processing')")"
SEEN_WHILE=$(wc -l <"$T_TMP/d.jsonl")
touch "$STOP"
wait "$PA" "$PB"
for p in "${pids[@]}"; do kill -TERM "$p"; done
rcs=""
for p in "${pids[@]}"; do wait "$p"; rcs="$rcs$? "; done
check_eq "four ebbad processes stop cleanly" "0 0 0 0 " "$rcs"
touch "$STOP.consumer"
wait "$CONSUMER"
consume

decided=$(for w in 1 2 3 4; do sed -nE 's/.*stopping: ([0-9]+) decided.*/\1/p' "$T_TMP/w$w.log"; done)
check_eq "each of the four decided some of them" 4 "$(awk '$1 > 0' <<<"$decided" | wc -l)"
check_eq "... together each once" "$N $N" \
	"$(psql_val "select count(*) || ' ' || count(distinct inbox_id) from ebba.decisions where inbox_id is not null")"
check_eq "no person's resolve failed" "" "$(cat "$T_TMP/person.fail" 2>/dev/null)"
check_eq "every referral was resolved" 0 "$(psql_val "select count(*) from ebba.decisions d where d.outcome = 'referred'
	and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)")"
check_eq "... by the two people, each some, in their own names" "$CWA approved|$CWB rejected" \
	"$(psql_val "select string_agg(decided_by || ' ' || outcome, '|' order by decided_by) from (select decided_by, outcome
	  from ebba.decisions where reviews_decision_id is not null group by 1, 2) x")"
check "the consumer had read decisions while they were being made" test "$SEEN_WHILE" -gt 0
check "people resolved referrals while ebbad was still deciding" \
	test "$(psql_val "select count(*) from ebba.decisions r where r.reviews_decision_id is not null
	  and r.decided_at < (select max(decided_at) from ebba.decisions where inbox_id is not null)")" -gt 0
check_eq "the consumer never failed" "" "$(cat "$T_TMP/consumer.fail" 2>/dev/null)"

# An independent query of the final decisions, and what the consumer wrote.
WANT=$(psql_val "select count(*) || ' ' || coalesce(sum(id), 0) || ' ' || count(*) filter (where reviews_decision_id is not null)
	from ebba.decisions where outcome <> 'referred'")
check "there are final decisions of ebba's and of the people's" test "$(cut -d' ' -f3 <<<"$WANT")" -gt 0
echo "# final decisions: $(cut -d' ' -f1 <<<"$WANT") ($(cut -d' ' -f3 <<<"$WANT") by the two people); the consumer had $SEEN_WHILE when the last application was decided"
python3 - "$T_TMP/d.jsonl" >"$T_TMP/got" <<'PY'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1])]
ids = [d["id"] for d in items]
cursors = [d["cursor"] for d in items]
print(len(ids), sum(set(ids)), sum(1 for d in items if d["follows"] is not None))
print(len(ids) - len(set(ids)))
print("increasing" if all(a < b for a, b in zip(cursors, cursors[1:])) else "not increasing")
print(" ".join(map(str, ids)))
PY
check_eq "every final decision in the consumer's output: the count, the ids and the people's" "$WANT" "$(sed -n 1p "$T_TMP/got")"
check_eq "... none twice" 0 "$(sed -n 2p "$T_TMP/got")"
psql_val "select id from ebba.decisions where outcome <> 'referred' order by id" >"$T_TMP/want.ids"
tr ' ' '\n' <<<"$(sed -n 4p "$T_TMP/got")" | sort -n >"$T_TMP/got.ids"
check "... the very same ids as the independent query" cmp -s "$T_TMP/want.ids" "$T_TMP/got.ids"
check_eq "... in the feed's order, its cursor always rising" increasing "$(sed -n 3p "$T_TMP/got")"
check_eq "... which is the order every consumer sees (the feed's numbers)" \
	"$(psql_val "select string_agg(decision_id::text, ' ' order by seq) from ebba.decision_feed")" \
	"$(sed -n 4p "$T_TMP/got")"
