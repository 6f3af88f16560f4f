# Letters leave ebba (issue 26; docs/delivery.md): the demo households
# decided by ebbad, every letter queued in the outbox by the database in the
# decision's own transaction, then ebba-deliver, as a login role in
# ebba_deliver and nothing else, killed with kill -9 five times while it
# delivers to the print spool.  Then: every letter delivered, each exactly
# once in the spool (one PDF named by the letter, the stored PDF's bytes,
# one manifest line), a protected case's only in the protected spool; a
# letter delivered again finds its file and adds nothing; a channel that
# cannot work (a spool that cannot be made) ends the letter failed with
# its reason after the deadline, in the outbox, in ebbactl status and in
# the metrics.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
DELIVER=$ROOT/$BUILD/ebba-deliver
new_db || exit 2
demo_decided || exit 0
# more letters, so that five kills fall during delivery
demo_copies "$(psql_val "select external_id from ebba.decisions where outcome = 'approved' order by id limit 1")" || exit 0

L=$(psql_val "select count(*) from ebba.letters")
[ "$L" -gt 10 ] || { fail "the demo has letters ($L)"; exit 0; }
check_eq "every letter was queued in the outbox by the database (trigger)" "$L $L 0" \
	"$(psql_val "select count(*), count(*) filter (where state = 'queued'), count(*) filter (where channel is not null) from ebba.outbox" | tr '|' ' ')"
check_eq "... each with its own idempotency key" "$L" "$(psql_val "select count(distinct idempotency_key) from ebba.outbox")"
check_eq "a caseworker cannot queue a letter (no INSERT on the outbox)" f \
	"$(psql_val "select has_table_privilege('ebba_caseworker', 'ebba.outbox', 'INSERT')")"

# One case protected by its frame: its letters go to the protected spool.
PCASE=$(psql_val "select d.case_id from ebba.letters l join ebba.decisions d on d.id = l.decision_id order by l.decision_id limit 1")
psql_val "update ebba.case_frames set frame = frame || '{\"protected\": true}' where case_id = '$PCASE'" >/dev/null
P=$(psql_val "select count(*) from ebba.letters l join ebba.decisions d on d.id = l.decision_id where d.case_id = '$PCASE'")

psql_val "do \$\$ begin if not exists (select 1 from pg_roles where rolname = 't_deliverer') then
	create role t_deliverer login; end if; end \$\$; grant ebba_deliver to t_deliverer" >/dev/null
as_deliver() { psql -XAtq -U t_deliverer -v ON_ERROR_STOP=1 -c "$1" >/dev/null 2>&1; }
for q in "select count(*) from ebba.inbox" "select count(*) from ebba.case_frames" \
	"select count(*) from ebba.register_evidence" "select amount from ebba.decisions limit 1" \
	"insert into ebba.outbox (decision_id) values (1)" "delete from ebba.outbox" \
	"update ebba.outbox set idempotency_key = gen_random_uuid()" "update ebba.letters set body = 'x'"; do
	as_deliver "$q"
	check_eq "ebba_deliver may not: $q" 1 "$?"
done
SPOOL=$T_TMP/spool
cat >>"$CFG" <<YAML
deliver:
  database: "user=t_deliverer"
  print_spool: $SPOOL/print
  protected_spool: $SPOOL/protected
  batch_size: 4
  lease_seconds: 2
  retry_min_seconds: 1
  retry_max_seconds: 2
  poll_interval_ms: 200
YAML

# ---- kill -9 five times while delivering ----------------------------------------
kills=0
for i in 1 2 3 4 5; do
	"$DELIVER" -c "$CFG" 2>>"$T_TMP/deliver.log" &
	pid=$!
	# until it has delivered something more (or a while has passed), then kill
	before=$(psql_val "select count(*) from ebba.outbox where state = 'delivered'")
	for _ in $(seq 50); do
		[ "$(psql_val "select count(*) from ebba.outbox where state = 'delivered'")" -gt "$before" ] && break
		sleep 0.1
	done
	sleep 0.0$((RANDOM % 5))
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
done
check_eq "ebba-deliver was killed with kill -9 five times while it delivered" 5 "$kills"
check "... with letters still in the outbox after the kills (so the kills were during delivery)" \
	test "$(psql_val "select count(*) from ebba.outbox where state = 'delivered'")" -lt "$L"
# the rest, after the killed workers' leases have run out
for _ in $(seq 40); do
	"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/deliver.log"
	[ "$(psql_val "select count(*) from ebba.outbox where state <> 'delivered'")" = 0 ] && break
	sleep 0.5
done
check_eq "every letter delivered: print and protected, none failed" "$L $((L - P)) $P 0" \
	"$(psql_val "select count(*) filter (where state = 'delivered'), count(*) filter (where channel = 'print'),
	count(*) filter (where channel = 'protected'), count(*) filter (where state = 'failed') from ebba.outbox" | tr '|' ' ')"
check_eq "the print spool holds one PDF per printed letter, named by the letter" \
	"$(psql_val "select string_agg(decision_id || '.pdf', ' ' order by decision_id::text) from ebba.outbox where channel = 'print'")" \
	"$(cd "$SPOOL/print" && ls -1 -- *.pdf | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "the protected spool holds the protected case's letters, and only they" \
	"$(psql_val "select string_agg(decision_id || '.pdf', ' ' order by decision_id::text) from ebba.outbox where channel = 'protected'")" \
	"$(cd "$SPOOL/protected" && ls -1 -- *.pdf | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "the manifests have one line per letter, none twice" "$L $L" \
	"$(cat "$SPOOL"/print/manifest.tsv "$SPOOL"/protected/manifest.tsv | awk -F'\t' '{n++; u[$1]=1} END {print n, length(u)}')"
bad=0
while IFS=$'\t' read -r id sha; do
	f="$SPOOL/print/$id.pdf"; [ -e "$f" ] || f="$SPOOL/protected/$id.pdf"
	[ "$(sha256sum <"$f" | cut -c1-64)" = "$sha" ] || bad=$((bad + 1))
done < <(psql_val "select p.decision_id, encode(p.sha256, 'hex') from ebba.letter_pdfs p" | tr '|' '\t')
check_eq "each file is the stored PDF, byte for byte (rendered once)" "$L 0" \
	"$(psql_val "select count(*) from ebba.letter_pdfs") $bad"
check_eq "a manifest line: letter, case, identity number, the PDF's SHA-256, the key" \
	"$(psql_val "select o.decision_id, d.case_id, encode(p.sha256, 'hex'), o.idempotency_key from ebba.outbox o
	join ebba.decisions d on d.id = o.decision_id join ebba.letter_pdfs p on p.decision_id = o.decision_id
	where o.channel = 'print' order by o.decision_id limit 1" | tr '|' ' ')" \
	"$(sort -n "$SPOOL/print/manifest.tsv" | head -n 1 | awk -F'\t' '{print $1, $2, $4, $5}')"
check_match "... the identity number in full (12 digits: the print service looks up the address)" \
	'^[0-9]+	C-[^	]+	[0-9]{12}	' "$(head -n 1 "$SPOOL/print/manifest.tsv")"
check_eq "the spools are private to ebba-deliver (0700), the files too (0600)" "700 700 600" \
	"$(stat -c %a "$SPOOL/print") $(stat -c %a "$SPOOL/protected") $(stat -c %a "$SPOOL/print/manifest.tsv")"
check_eq "every letter that left is logged (export, letter, ebba-deliver) as t_deliverer" "$L" \
	"$(psql_val "select count(distinct object_id) from ebba.access_log where action = 'export'
	and object_kind = 'letter' and client = 'ebba-deliver' and who = 't_deliverer'")"
check "no identity number in ebba-deliver's log" bash -c "! grep -E '[0-9]{10,12}' '$T_TMP/deliver.log' | grep -vE 'port|pid' | grep -q ."

# ---- delivered again: the file is there, nothing added ---------------------------
D=$(psql_val "select decision_id from ebba.outbox where channel = 'print' order by decision_id limit 1")
psql_val "update ebba.outbox set state = 'queued', delivered_at = null, next_attempt_at = now() where decision_id = $D" >/dev/null
"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/deliver.log"
check_eq "a letter delivered again is delivered, recognised by its name and bytes" "delivered t" \
	"$(psql_val "select state, receipt like '%there already%' from ebba.outbox where decision_id = $D" | tr '|' ' ')"
check_eq "... with no second file and no second manifest line" "$((L - P)) $((L - P))" \
	"$(ls "$SPOOL/print"/*.pdf | wc -l) $(wc -l <"$SPOOL/print/manifest.tsv")"

# ---- a channel that cannot work ends failed, with its reason -----------------------
F=$(psql_val "select decision_id from ebba.outbox where channel = 'print' order by decision_id desc limit 1")
psql_val "update ebba.outbox set state = 'queued', delivered_at = null, deadline = null, attempts = 0,
	queued_at = now(), next_attempt_at = now() where decision_id = $F" >/dev/null
: >"$T_TMP/notadir"
sed -e "s|^  print_spool: .*|  print_spool: $T_TMP/notadir/print\n  deadline_seconds: 3\n  metrics_listen: 127.0.0.1:0|" \
	"$CFG" >"$T_TMP/bad.yaml"
"$DELIVER" -c "$T_TMP/bad.yaml" 2>"$T_TMP/bad.log" &
BADPID=$!
T_PIDS+=("$BADPID")
for _ in $(seq 150); do
	[ "$(psql_val "select state from ebba.outbox where decision_id = $F")" = failed ] && break
	sleep 0.2
done
check_eq "an unwritable spool: the letter ends failed after its deadline, having been tried more than once" "failed t" \
	"$(psql_val "select state, attempts > 1 from ebba.outbox where decision_id = $F" | tr '|' ' ')"
check_match "... with a one-line reason" "notadir/print: Not a directory" \
	"$(psql_val "select last_error from ebba.outbox where decision_id = $F")"
status=$("$EBBACTL" -c "$CFG" --porcelain status)
check_match "ebbactl status counts the failed letter" $'letters_failed\t1' "$status"
check_match "... and names it with its reason" "letter_failed	$F	.*Not a directory" "$status"
MPORT=
for _ in $(seq 50); do
	MPORT=$(sed -nE 's/.*metrics.* \(port ([0-9]+)\).*/\1/p' "$T_TMP/bad.log" | tail -n 1)
	[ -n "$MPORT" ] && break; sleep 0.1
done
for _ in $(seq 30); do  # the outbox's gauges are sampled every two seconds
	metrics=$(curl -fsS "http://127.0.0.1:$MPORT/metrics")
	grep -q 'ebba_deliver_outbox{state="failed"} 1' <<<"$metrics" && break
	sleep 0.2
done
check_match "metrics: the failure in ebba_deliver_letters_total" \
	'ebba_deliver_letters_total\{channel="print",result="failed"\} 1' "$metrics"
check_match "metrics: the outbox's failed letters" 'ebba_deliver_outbox\{state="failed"\} 1' "$metrics"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts ebba-deliver's /metrics" bash -c "curl -fsS http://127.0.0.1:$MPORT/metrics | promtool check metrics"
fi
kill "$BADPID"
wait "$BADPID" 2>/dev/null
check_eq "ebba-deliver stops cleanly on SIGTERM (exit 0)" 0 "$?"

# ---- Drift shows the counts and the failed letter with its reason -------------------
SV=svd${PGDATABASE##*_} PW=Test-l0senord
# (a member of ebba_protected: the protected spool's letters are a
# protected case's rows, counted only for members, schema 023)
printf '%s\n' "$PW" | "$EBBACTL" -c "$CFG" user add "$SV" --role supervisor,protected >/dev/null
psql_val "grant password_login to $SV" >/dev/null
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
if start_web "$T_TMP/web.yaml"; then
	URL=http://127.0.0.1:$WEB_PORT J=$T_TMP/sv.jar
	token=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$token" --data-urlencode "user=$SV" \
		--data-urlencode "password=$PW" "$URL/login"
	page=$(curl -s -b "$J" "$URL/drift")
	check_match "Drift: the letters printed" "<dt>Till utskrift</dt><dd>$((L - P - 1))</dd>" "$page"
	check_match "Drift: the protected spool's" "<dt>Skyddade, för manuell hantering</dt><dd>$P</dd>" "$page"
	check_match "Drift: the failed letter, with its reason" "href=\"/beslut/$F\">$F</a>.*notadir/print: Not a directory" "$(tr -d '\n' <<<"$page")"
else
	fail "ebba-web started"
fi
psql -XAtq -d postgres -c "drop owned by $SV cascade" >/dev/null 2>&1
psql -XAtq -d postgres -c "drop role if exists $SV" >/dev/null 2>&1
