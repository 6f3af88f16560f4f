# The digital mailbox (issue 26 item 2; docs/delivery.md): the demo
# households decided, half their applicants with a mailbox at one of two
# simulated service suppliers (ebba-regsim, by the Mina meddelanden
# contract), the recipient service and the suppliers failing 30 % of
# requests (half of a supplier's failures after it kept the delivery, so
# the answer is lost), and ebba-deliver killed with kill -9 five times
# while it delivers.  Then: every letter delivered, a reachable person's
# exactly once as the suppliers count by message id (the idempotency key),
# the rest in the print spool once each, none by both channels, nothing
# lost; a protected case reachable digitally goes there, never to the
# ordinary spool.  A delivery altered after signing, one signed with a key
# the supplier does not trust, and an unsigned one are refused with a SOAP
# fault, and the letter ends failed with the reason.  Then: a slow
# supplier, one down, a channel once chosen, configuration errors, TLS
# (an untrusted server; a client certificate required), Drift's counts.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
DELIVER=$ROOT/$BUILD/ebba-deliver
new_db || exit 2
demo_decided || exit 0
demo_copies "$(psql_val "select external_id from ebba.decisions where outcome = 'approved' order by id limit 1")" || exit 0
SIM=http://127.0.0.1:$(cat "$DEMO_DIR/regsim.port")
L=$(psql_val "select count(*) from ebba.outbox")
[ "$L" -gt 10 ] || { fail "the demo has letters ($L)"; exit 0; }

# Who has a mailbox: demo_mailbox gave every other applicant one (one of
# them declining this sender).  The first letter's case is protected and
# its applicant reachable: its letters go to the mailbox, which needs no
# address.
PEOPLE=$DEMO_DIR/data/registers/mailbox/people.tsv
PCASE=$(psql_val "select d.case_id from ebba.letters l join ebba.decisions d on d.id = l.decision_id order by l.decision_id limit 1")
PPNR=$(psql_val "select (ebba.outbox_recipient(decision_id)).pnr from ebba.outbox o join ebba.decisions d on d.id = o.decision_id
	where d.case_id = '$PCASE' limit 1")
sed -i "/^$PPNR	/d" "$PEOPLE"
printf '%s\ta\n' "$PPNR" >>"$PEOPLE"
# the simulator reads people.tsv when it starts: start it again
kill "$DEMO_REGSIM_PID"; wait "$DEMO_REGSIM_PID" 2>/dev/null
mkdir "$T_TMP/kept"
"$REGSIM" --dir "$DEMO_DIR/data/registers" --port 0 --port-file "$T_TMP/mm.port" --seed 79 \
	--mailbox-trust "$DEMO_DIR/mailbox/signer.pem" --mailbox-save "$T_TMP/kept" >"$T_TMP/regsim.log" 2>&1 &
T_PIDS+=($!)
for _ in $(seq 100); do [ -s "$T_TMP/mm.port" ] && break; sleep 0.05; done
SIM=http://127.0.0.1:$(cat "$T_TMP/mm.port")
psql_val "update ebba.case_frames set frame = frame || '{\"protected\": true}' where case_id = '$PCASE'" >/dev/null
expect() {  # expect CHANNEL: the letters that should go there, by decision id
	psql -XAtq -c "select o.decision_id from ebba.outbox o, ebba.outbox_recipient(o.decision_id) r
		where r.pnr in ($(awk -F'\t' -v q="'" 'NF == 2 {printf "%s%s%s%s", (n++ ? "," : ""), q, $1, q}' "$PEOPLE"))
		$1 order by 1"
}
DIGITAL=$(expect "")
ND=$(wc -l <<<"$DIGITAL")
P=$(psql_val "select count(*) from ebba.letters l join ebba.decisions d on d.id = l.decision_id where d.case_id = '$PCASE'")
check "some letters are for people with a mailbox, some not ($ND of $L)" test "$ND" -gt 0 -a "$ND" -lt "$L"
# A second protected case, its applicant without a mailbox: the protected spool.
P2CASE=$(psql_val "select d.case_id from ebba.outbox o join ebba.decisions d on d.id = o.decision_id
	where o.decision_id not in ($(paste -sd, <<<"$DIGITAL")) order by o.decision_id limit 1")
psql_val "update ebba.case_frames set frame = frame || '{\"protected\": true}' where case_id = '$P2CASE'" >/dev/null
P2=$(psql_val "select count(*) from ebba.outbox o join ebba.decisions d on d.id = o.decision_id where d.case_id = '$P2CASE'")

psql_val "do \$\$ begin if not exists (select 1 from pg_roles where rolname = 't_deliverer') then
	create role t_deliverer login; end if; end \$\$; grant ebba_deliver to t_deliverer" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Not the municipality" \
	-keyout "$T_TMP/other.key" -out "$T_TMP/other.pem" >/dev/null 2>&1 || { fail "openssl makes a second key"; exit 0; }
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
  mailbox_url: $SIM/mailbox/recipient
  mailbox_timeout_ms: 3000
  mailbox_retries: 0
  signing_key: $DEMO_DIR/mailbox/signer.key
  signing_cert: $DEMO_DIR/mailbox/signer.pem
YAML
# A mailbox without what it needs is a configuration error, said in one line.
sed '/^  signing_key: /d' "$CFG" >"$T_TMP/nokey.yaml"
out=$("$DELIVER" -c "$T_TMP/nokey.yaml" --once 2>&1); rc=$?
check_eq "a mailbox without a signing key: ebba-deliver refuses to start (exit 2)" 2 "$rc"
check_match "... saying which settings" "^ebba-deliver: deliver.signing_key and deliver.signing_cert must both be set" "$out"
echo "not a key" >"$T_TMP/bad.key"
sed "s|^  signing_key: .*|  signing_key: $T_TMP/bad.key|" "$CFG" >"$T_TMP/badkey.yaml"
out=$("$DELIVER" -c "$T_TMP/badkey.yaml" --once 2>&1); rc=$?
check_eq "an unreadable signing key: exit 2, in one line naming the file" "2 1" "$rc $(wc -l <<<"$out")"
check_match "... the file" "deliver.signing_key $T_TMP/bad.key: not a readable PEM private key" "$out"
sed "s|^  mailbox_url: .*|&\n  sender_org_number: \"12-34\"|" "$CFG" >"$T_TMP/badorg.yaml"
out=$("$DELIVER" -c "$T_TMP/badorg.yaml" --once 2>&1); rc=$?
check_match "a sender organisation number that is not one: exit 2, said" "^2 .*sender_org_number.*expected an organisation number" "$rc $out"
check_eq "... and none of them touched a letter" "$L" "$(psql_val "select count(*) from ebba.outbox where state = 'queued' and attempts = 0")"
check_eq "the mailbox services fail 30 % of requests" "ok ok" \
	"$(curl -fsS "$SIM/control?endpoint=recipient&error-rate=0.3") $(curl -fsS "$SIM/control?endpoint=supplier&error-rate=0.3")"

# ---- kill -9 five times while delivering ----------------------------------------
kills=0
for i in 1 2 3 4 5; do
	"$DELIVER" -c "$CFG" 2>>"$T_TMP/deliver.log" &
	pid=$!
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
check "... with letters still in the outbox after the kills" \
	test "$(psql_val "select count(*) from ebba.outbox where state = 'delivered'")" -lt "$L"
for _ in $(seq 80); do
	"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/deliver.log"
	[ "$(psql_val "select count(*) from ebba.outbox where state <> 'delivered'")" = 0 ] && break
	sleep 0.5
done
stats=$(curl -fsS "$SIM/stats")
check_match "the simulator injected errors (the mailbox's 30 %)" "injected: errors [1-9]" "$stats"
check_eq "every letter delivered: digital, print, protected; none failed" \
	"$L $ND $((L - ND - P2)) $P2 0" \
	"$(psql_val "select count(*) filter (where state = 'delivered'), count(*) filter (where channel = 'digital'),
	count(*) filter (where channel = 'print'), count(*) filter (where channel = 'protected'),
	count(*) filter (where state = 'failed') from ebba.outbox" | tr '|' ' ')"
check_eq "the digital letters are exactly those of the people with a mailbox that accepts the sender" \
	"$DIGITAL" "$(psql_val "select decision_id from ebba.outbox where channel = 'digital' order by 1")"
check_eq "... the reachable protected case's among them ($P letters)" "$P" \
	"$(psql_val "select count(*) from ebba.outbox o join ebba.decisions d on d.id = o.decision_id
	where d.case_id = '$PCASE' and o.channel = 'digital'")"
check_eq "the other protected case's letters ($P2) in the protected spool, and only they" \
	"$(psql_val "select string_agg(o.decision_id || '.pdf', ' ' order by o.decision_id::text) from ebba.outbox o
	join ebba.decisions d on d.id = o.decision_id where d.case_id = '$P2CASE'")" \
	"$(cd "$SPOOL/protected" && ls -1 -- *.pdf | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"

# The suppliers' count, by message id (the SecureMessage's Id: the key).
curl -fsS "$SIM/mailbox/deliveries" >"$T_TMP/deliveries.tsv"
check_eq "the suppliers kept each digital letter exactly once, by its idempotency key" \
	"$(psql_val "select idempotency_key || ' ' || decision_id from ebba.outbox where channel = 'digital' order by 1")" \
	"$(awk -F'\t' '{print $1, $4}' "$T_TMP/deliveries.tsv" | LC_ALL=C sort)"
check_eq "... and no key twice in their table" "$ND" "$(cut -f1 "$T_TMP/deliveries.tsv" | sort -u | wc -l)"
repeats=$(awk -F'\t' '$3 > 1 {n++} END {print n + 0}' "$T_TMP/deliveries.tsv")
echo "# deliveries received more than once (answers lost, kills): $repeats; $stats"
check_eq "... at the supplier isReachable named (a or b)" "$ND" \
	"$(awk -F'\t' '$2 == "a" || $2 == "b"' "$T_TMP/deliveries.tsv" | wc -l)"
# Each kept delivery as the supplier received it, checked apart from the
# simulator: xmlsec1 verifies its signature against the municipality's
# certificate (and not against another), and its attachment is the stored PDF.
check_eq "the suppliers wrote each kept delivery once" "$ND" "$(ls "$T_TMP/kept" | grep -c '\.xml$')"
ID_ATTR="http://minameddelanden.gov.se/schema/Message/v3:signedDelivery"
bad=0
for f in "$T_TMP"/kept/*.xml; do
	xmlsec1 --verify --trusted-pem "$DEMO_DIR/mailbox/signer.pem" --id-attr:Id "$ID_ATTR" "$f" >/dev/null 2>&1 || bad=$((bad + 1))
done
check_eq "xmlsec1 --verify accepts every delivery's signature with the municipality's certificate" 0 "$bad"
f=$(ls "$T_TMP"/kept/*.xml | head -n 1)
check "... and refuses it with another certificate as the trusted one" bash -c \
	"! xmlsec1 --verify --trusted-pem '$T_TMP/other.pem' --id-attr:Id '$ID_ATTR' '$f' >/dev/null 2>&1"
sed 's|<v3:Subject>[^<]*</v3:Subject>|<v3:Subject>Beslut</v3:Subject>|' "$f" >"$T_TMP/altered.xml"
check "... and a copy with its subject changed" bash -c \
	"! cmp -s '$f' '$T_TMP/altered.xml' && ! xmlsec1 --verify --trusted-pem '$DEMO_DIR/mailbox/signer.pem' --id-attr:Id '$ID_ATTR' '$T_TMP/altered.xml' >/dev/null 2>&1"
pdfs=$(python3 - "$T_TMP/kept" <<'PY'
import base64, hashlib, os, sys, xml.etree.ElementTree as ET
M1 = "{http://minameddelanden.gov.se/schema/Message}"
M3 = "{http://minameddelanden.gov.se/schema/Message/v3}"
for name in sorted(os.listdir(sys.argv[1])):
    root = ET.parse(os.path.join(sys.argv[1], name)).getroot()
    msg = root.find(f".//{M3}Message")
    pdf = base64.b64decode(msg.find(f"{M3}Attachment/{M1}Body").text)
    print(msg.find(f"{M3}Header/{M3}Id").text, hashlib.sha256(pdf).hexdigest())
PY
)
check_eq "each delivery's attachment is the letter's stored PDF, under its message id (the key)" \
	"$(psql_val "select o.idempotency_key || ' ' || encode(p.sha256, 'hex') from ebba.outbox o
	join ebba.letter_pdfs p using (decision_id) where o.channel = 'digital' order by 1")" "$(LC_ALL=C sort <<<"$pdfs")"
check_match "the outbox keeps the supplier's distribution id as the receipt" \
	"^$SIM/mailbox/supplier/[ab] distribution SIM-[ab]-[0-9]+$" \
	"$(psql_val "select receipt from ebba.outbox where channel = 'digital' limit 1")"
check_eq "the print spool holds the other letters, once each, and no digital one" \
	"$(psql_val "select string_agg(decision_id || '.pdf', ' ' order by decision_id::text) from ebba.outbox where channel = 'print'")" \
	"$(cd "$SPOOL/print" && ls -1 -- *.pdf | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "... one manifest line each" "$((L - ND - P2)) $((L - ND - P2))" \
	"$(awk -F'\t' '{n++; u[$1]=1} END {print n, length(u)}' "$SPOOL/print/manifest.tsv")"
check "no identity number in ebba-deliver's log" bash -c "! grep -E '[0-9]{10,12}' '$T_TMP/deliver.log' | grep -q ."
status=$("$EBBACTL" -c "$CFG" --porcelain status)
check_match "ebbactl status counts the digital letters" $'letters_digital\t'"$ND" "$status"

# ---- refused deliveries end failed, with the reason ------------------------------
curl -fsS "$SIM/control?reset=1" >/dev/null
requeue() {  # requeue DECISION: as if never tried
	psql_val "update ebba.outbox set state = 'queued', channel = null, delivered_at = null, receipt = null,
		deadline = null, attempts = 0, queued_at = now(), next_attempt_at = now() where decision_id = $1" >/dev/null
}
T1=$(sed -n 1p <<<"$DIGITAL") T2=$(sed -n 2p <<<"$DIGITAL")
requeue "$T1"
curl -fsS "$SIM/control?tamper=1" >/dev/null
"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/refused.log"
curl -fsS "$SIM/control?tamper=0" >/dev/null
check_eq "a delivery altered after it was signed is refused: the letter ends failed at once" "failed digital 1" \
	"$(psql_val "select state, channel, attempts from ebba.outbox where decision_id = $T1" | tr '|' ' ')"
check_match "... with the supplier's reason" "distributeSecure at .*SOAP fault Client: the signature does not match the delivery" \
	"$(psql_val "select last_error from ebba.outbox where decision_id = $T1")"

requeue "$T2"
sed -e "s|^  signing_key: .*|  signing_key: $T_TMP/other.key|" -e "s|^  signing_cert: .*|  signing_cert: $T_TMP/other.pem|" \
	"$CFG" >"$T_TMP/other.yaml"
"$DELIVER" -c "$T_TMP/other.yaml" --once 2>>"$T_TMP/refused.log"
check_eq "a delivery signed with a key the supplier does not trust is refused: failed" "failed digital" \
	"$(psql_val "select state, channel from ebba.outbox where decision_id = $T2" | tr '|' ' ')"
check_match "... with the reason" "SOAP fault Client: the signature could not be checked" \
	"$(psql_val "select last_error from ebba.outbox where decision_id = $T2")"
check_eq "... and the suppliers kept neither again (still one entry each)" "1 1" \
	"$(curl -fsS "$SIM/mailbox/deliveries" | awk -F'\t' -v a="$(psql_val "select idempotency_key from ebba.outbox where decision_id = $T1")" \
	-v b="$(psql_val "select idempotency_key from ebba.outbox where decision_id = $T2")" '$1 == a {x++} $1 == b {y++} END {print x + 0, y + 0}')"
status=$("$EBBACTL" -c "$CFG" --porcelain status)
check_match "ebbactl status counts the failed letters" $'letters_failed\t2' "$status"

# An unsigned delivery, by hand: refused with a SOAP Client fault.
sup=$(awk -F'\t' 'NF == 2 {print $2; exit}' "$PEOPLE")
pnr=$(awk -F'\t' 'NF == 2 {print $1; exit}' "$PEOPLE")
body="<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>
<v3:distributeSecure xmlns:v3=\"http://minameddelanden.gov.se/schema/Message/v3\" xmlns:v2=\"http://minameddelanden.gov.se/schema/Message/v2\">
<v3:signedDelivery Id=\"x\"><v3:Delivery><v3:Header><v2:Recipient>$pnr</v2:Recipient></v3:Header>
<v3:Message><v3:Header><v3:Id>unsigned-1</v3:Id></v3:Header></v3:Message></v3:Delivery></v3:signedDelivery>
</v3:distributeSecure></s:Body></s:Envelope>"
answer=$(curl -sS -w '\n%{http_code}' -H 'Content-Type: text/xml' --data-binary "$body" "$SIM/mailbox/supplier/$sup")
check_match "an unsigned delivery is refused with a SOAP Client fault (HTTP 500)" \
	"faultcode>soap:Client<.*the delivery is not signed" "$(tr -d '\n' <<<"$answer")"
check_match "... HTTP 500" "500$" "$answer"
check "... and not kept" bash -c "! curl -fsS '$SIM/mailbox/deliveries' | grep -q unsigned-1"

# ---- a slow supplier, a supplier down: tried again, never printed ----------------
T7=$(sed -n 6p <<<"$DIGITAL")
requeue "$T7"
curl -fsS "$SIM/control?endpoint=supplier&latency-ms=1500" >/dev/null
sed -e "s|^  mailbox_timeout_ms: .*|  mailbox_timeout_ms: 500|" "$CFG" >"$T_TMP/slow.yaml"
"$DELIVER" -c "$T_TMP/slow.yaml" --once 2>>"$T_TMP/refused.log"
check_match "a supplier slower than mailbox_timeout_ms: the letter waits for its next try, digital" \
	"^queued\|digital\|distributeSecure at $SIM/mailbox/supplier/[ab]: .*timeout after 500 ms$" \
	"$(psql_val "select state, channel, last_error from ebba.outbox where decision_id = $T7")"
curl -fsS "$SIM/control?reset=1&supplier-down=a,b" >/dev/null
psql_val "update ebba.outbox set next_attempt_at = now() where decision_id = $T7" >/dev/null
"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/refused.log"
check_match "a supplier down (a SOAP Server fault): the letter waits again" \
	"^queued\|digital\|.*SOAP fault Server: the service supplier is down" \
	"$(psql_val "select state, channel, last_error from ebba.outbox where decision_id = $T7")"
curl -fsS "$SIM/control?supplier-down=" >/dev/null
psql_val "update ebba.outbox set next_attempt_at = now() where decision_id = $T7" >/dev/null
"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/refused.log"
check_eq "... and goes once the supplier is back, still one delivery at the supplier, none in the spool" "delivered digital 1 no" \
	"$(psql_val "select state, channel from ebba.outbox where decision_id = $T7" | tr '|' ' ') $(curl -fsS "$SIM/mailbox/deliveries" |
	awk -F'\t' -v k="$(psql_val "select idempotency_key from ebba.outbox where decision_id = $T7")" '$1 == k {n++} END {print n + 0}') $([ -e "$SPOOL/print/$T7.pdf" ] && echo yes || echo no)"

# ---- a channel once chosen holds -------------------------------------------------
requeue_as() {  # requeue_as DECISION CHANNEL: as if an earlier attempt had chosen CHANNEL and been killed
	requeue "$1"
	psql_val "update ebba.outbox set channel = '$2' where decision_id = $1" >/dev/null
}
T3=$(sed -n 3p <<<"$DIGITAL")
T4=$(psql_val "select decision_id from ebba.outbox where channel = 'print' order by decision_id limit 1")
requeue_as "$T3" print
requeue_as "$T4" digital
"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/refused.log"
check_eq "a letter an earlier attempt chose to print is printed, though its person has a mailbox" "delivered print t" \
	"$(psql_val "select state, channel, receipt like '%print/$T3.pdf' from ebba.outbox where decision_id = $T3" | tr '|' ' ')"
check_eq "a letter begun digitally whose person the mailbox no longer reaches is not printed: failed" "failed digital" \
	"$(psql_val "select state, channel from ebba.outbox where decision_id = $T4" | tr '|' ' ')"
check_match "... saying why" "begun by the digital mailbox, which no longer reaches the person" \
	"$(psql_val "select last_error from ebba.outbox where decision_id = $T4")"

# ---- TLS to the mailbox: verified; a mailbox that cannot be trusted is no reason to print
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$T_TMP/tls.key" -out "$T_TMP/tls.pem" >/dev/null 2>&1
# a random port may be taken (s_server then exits at once): try another
for _ in $(seq 10); do
	tport=$((30000 + RANDOM % 20000))
	openssl s_server -accept "127.0.0.1:$tport" -cert "$T_TMP/tls.pem" -key "$T_TMP/tls.key" -www -quiet >/dev/null 2>&1 &
	spid=$!
	T_PIDS+=($spid)
	up=
	for _ in $(seq 50); do
		kill -0 "$spid" 2>/dev/null || break
		# connected, and to s_server itself, not to whoever had the port
		(exec 3<>"/dev/tcp/127.0.0.1/$tport") 2>/dev/null && sleep 0.2 && kill -0 "$spid" 2>/dev/null &&
			{ up=1; break; }
		sleep 0.1
	done
	[ -n "$up" ] && break
done
check "a TLS server with an untrusted certificate listens (port $tport)" test -n "$up"
T5=$(sed -n 4p <<<"$DIGITAL")
requeue "$T5"
sed -e "s|^  mailbox_url: .*|  mailbox_url: https://127.0.0.1:$tport/mailbox/recipient|" "$CFG" >"$T_TMP/tls.yaml"
"$DELIVER" -c "$T_TMP/tls.yaml" --once 2>>"$T_TMP/refused.log"
check_eq "ebba-deliver --once, its mailbox not trusted, exits 0 (the letter waits)" 0 "$?"
check_eq "a mailbox whose certificate is not trusted: the letter waits for its next try, unprinted" "queued  f" \
	"$(psql_val "select state, coalesce(channel, ''), exists (select 1 from ebba.outbox where decision_id = $T5 and receipt is not null)
	from ebba.outbox where decision_id = $T5" | tr '|' ' ')"
check_match "... the reason is the certificate" "isReachable at https://.*(certificate|SSL)" \
	"$(psql_val "select last_error from ebba.outbox where decision_id = $T5")"
check "... and no file in the spool" test ! -e "$SPOOL/print/$T5.pdf"
psql_val "update ebba.outbox set next_attempt_at = now() where decision_id = $T5" >/dev/null
"$DELIVER" -c "$CFG" --once 2>>"$T_TMP/refused.log"
check_eq "ebba-deliver --once, having signed and sent, exits 0 (under the sanitizers: nothing leaked)" 0 "$?"
check_eq "with the mailbox back, the letter goes digitally, the supplier keeping it still once" "delivered digital 1" \
	"$(psql_val "select state, channel from ebba.outbox where decision_id = $T5" | tr '|' ' ') $(curl -fsS "$SIM/mailbox/deliveries" |
	awk -F'\t' -v k="$(psql_val "select idempotency_key from ebba.outbox where decision_id = $T5")" '$1 == k {n++} END {print n + 0}')"

# ---- mutual TLS: the mailbox services over HTTPS asking for ebba's client certificate
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Testkommun ebba-deliver" \
	-keyout "$T_TMP/client.key" -out "$T_TMP/client.pem" >/dev/null 2>&1
"$REGSIM" --dir "$DEMO_DIR/data/registers" --port 0 --port-file "$T_TMP/tls.port" \
	--mailbox-trust "$DEMO_DIR/mailbox/signer.pem" --tls-cert "$T_TMP/tls.pem" --tls-key "$T_TMP/tls.key" \
	--tls-client-ca "$T_TMP/client.pem" >"$T_TMP/regsim-tls.log" 2>&1 &
T_PIDS+=($!)
for _ in $(seq 100); do [ -s "$T_TMP/tls.port" ] && break; sleep 0.05; done
TSIM=https://127.0.0.1:$(cat "$T_TMP/tls.port")
T6=$(sed -n 5p <<<"$DIGITAL")
requeue "$T6"
sed -e "s|^  mailbox_url: .*|  mailbox_url: $TSIM/mailbox/recipient\n  mailbox_ca_file: $T_TMP/tls.pem|" "$CFG" >"$T_TMP/mtls0.yaml"
"$DELIVER" -c "$T_TMP/mtls0.yaml" --once 2>>"$T_TMP/refused.log"
check_match "HTTPS without the client certificate: refused (403), the letter waits" "^queued\|isReachable at https://.*: HTTP 403$" \
	"$(psql_val "select state, last_error from ebba.outbox where decision_id = $T6")"
sed -e "s|^  mailbox_url: .*|&\n  mailbox_client_cert: $T_TMP/client.pem\n  mailbox_client_key: $T_TMP/client.key|" \
	"$T_TMP/mtls0.yaml" >"$T_TMP/mtls.yaml"
psql_val "update ebba.outbox set next_attempt_at = now() where decision_id = $T6" >/dev/null
"$DELIVER" -c "$T_TMP/mtls.yaml" --once 2>>"$T_TMP/refused.log"
check_match "with it (deliver.mailbox_client_cert), isReachable and distributeSecure over HTTPS: delivered" \
	"^delivered\|digital\|$TSIM/mailbox/supplier/[ab] distribution SIM-" \
	"$(psql_val "select state, channel, receipt from ebba.outbox where decision_id = $T6")"
check_match "... the HTTPS supplier kept it by its key" "^$(psql_val "select idempotency_key from ebba.outbox where decision_id = $T6")	" \
	"$(curl -sS --cacert "$T_TMP/tls.pem" --cert "$T_TMP/client.pem" --key "$T_TMP/client.key" "$TSIM/mailbox/deliveries")"

# ---- Drift shows the letters by channel --------------------------------------------
SV=svm${PGDATABASE##*_} PW=Test-l0senord
# (a member of ebba_protected: the protected case's letters are counted only for members, schema 023)
printf '%s\n' "$PW" | "$EBBACTL" -c "$CFG" user add "$SV" --role supervisor,protected >/dev/null
psql_val "grant password_login to $SV" >/dev/null
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
if start_web "$T_TMP/web.yaml"; then
	URL=http://127.0.0.1:$WEB_PORT J=$T_TMP/sv.jar
	token=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$token" --data-urlencode "user=$SV" \
		--data-urlencode "password=$PW" "$URL/login"
	page=$(curl -s -b "$J" "$URL/drift")
	check_match "Drift: the letters in the digital mailbox" "<dt>Digital brevlåda</dt><dd>$((ND - 3))</dd>" "$page"
	check_match "Drift: the letters printed" "<dt>Till utskrift</dt><dd>$((L - ND - P2))</dd>" "$page"
	check_match "Drift: the protected case's on paper" "<dt>Skyddade, för manuell hantering</dt><dd>$P2</dd>" "$page"
	check_match "Drift: a refused letter, with the supplier's reason" "href=\"/beslut/$T1\">$T1</a>.*the signature does not match" "$(tr -d '\n' <<<"$page")"
else
	fail "ebba-web started"
fi
psql -XAtq -d postgres -c "drop owned by $SV cascade" >/dev/null 2>&1
psql -XAtq -d postgres -c "drop role if exists $SV" >/dev/null 2>&1
