# ebba-test: alone (it measures time under load: tests/run runs it with nothing beside it)
# A stop while every register look-up hangs, with this script playing
# systemd (NOTIFY_SOCKET, WATCHDOG_USEC): the registers never answer and
# deadline_ms is ten minutes, yet WATCHDOG=1 keeps coming while ebbad
# waits, and SIGTERM ends the batch within shutdown_grace_ms, giving every
# application back undecided.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/queue_lib.sh"
new_db || exit 2
NL=$ROOT/$BUILD/tests/notify_listen
[ -x "$NL" ] || { fail "notify_listen is built ($NL)"; exit 0; }

SOCK=$T_TMP/notify.sock MSGS=$T_TMP/notify.txt
: >"$MSGS"
"$NL" "$SOCK" "$MSGS" & T_PIDS+=($!)
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.02; done
count() { grep -cE -- "$1" "$MSGS"; }

mkdir -p "$T_TMP/registers"
"$REGSIM" --dir "$T_TMP/registers" --port 0 --port-file "$T_TMP/regsim.port" \
	--hang-rate 1 --hang-ms 600000 >"$T_TMP/regsim.log" 2>&1 & T_PIDS+=($!)
for _ in $(seq 100); do [ -s "$T_TMP/regsim.port" ] && break; sleep 0.05; done
port=$(cat "$T_TMP/regsim.port")
hangs() { curl -s "http://127.0.0.1:$port/stats" | sed -E 's/.*hangs ([0-9]+).*/\1/'; }

GRACE_MS=2000
cfg=$(write_config <<Y
batch_size: 10
shutdown_grace_ms: $GRACE_MS
registers:
  ssbtek_url: http://127.0.0.1:$port/ssbtek
  attendance_url: http://127.0.0.1:$port
  timeout_ms: 600000
  deadline_ms: 600000
  retries: 0
  organisation_number: "2120000142"
  organisation_name: Testkommunen
Y
)
insert_apps 1 5
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000 "$EBBAD" -c "$cfg" 2>"$T_TMP/ebbad.log" &
pid=$!; T_PIDS+=($pid)

# Each application asks SSBTEK and attendance for its adult: 10 look-ups.
for _ in $(seq 200); do [ "$(hangs)" -ge 10 ] 2>/dev/null && break; sleep 0.05; done
check_eq "the batch's look-ups hang in the register" 10 "$(hangs)"
check_eq "... with the batch leased" 5 "$(psql_val "select count(*) from ebba.inbox where state = 'processing'")"

# Three WatchdogSec while nothing answers.
n1=$(count '^WATCHDOG=1'); sleep 3; n2=$(count '^WATCHDOG=1')
check "WATCHDOG=1 keeps coming while the look-ups hang ($n1 -> $n2 in 3 s, WatchdogSec 1 s)" \
	test $((n2 - n1)) -ge 4
check "... and the daemon is still waiting for them" kill -0 "$pid"

t0=$(date +%s%N)
kill -TERM "$pid"
# Bounded, so that a daemon that does not stop fails here rather than
# hanging the run for deadline_ms.
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
wait "$pid"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "SIGTERM with look-ups hanging: exit 0" 0 "$rc"
check "... within shutdown_grace_ms + 1.5 s ($GRACE_MS ms; took $ms ms)" test "$ms" -le $((GRACE_MS + 1500))
check_eq "... no lease left held" 0 "$(psql_val "select count(*) from ebba.inbox where state = 'processing' or lease_owner is not null")"
check_eq "... every application still pending" 5 "$(psql_val "select count(*) from ebba.inbox where state = 'pending'")"
check_eq "... nothing decided (no referral for a register we stopped waiting for)" 0 \
	"$(psql_val "select count(*) from ebba.decisions")"
check_eq "... and the stop did not count as an attempt" 0 \
	"$(psql_val "select coalesce(max(attempts), 0) from ebba.inbox")"
check_match "... the abandoned look-ups are logged" "abandoning 10 register look-ups" "$(cat "$T_TMP/ebbad.log")"
check "... and no batch error" bash -c "! grep -q 'not completed' '$T_TMP/ebbad.log'"
check "STOPPING=1 was sent" test "$(count '^STOPPING=1')" -ge 1
