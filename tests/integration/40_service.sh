# ebbad as a systemd service, with this script playing systemd: a
# NOTIFY_SOCKET listener (tests/tools/notify_listen.c), WATCHDOG_USEC,
# SIGHUP and SIGTERM.  Checks the sd_notify conversation, reloads that fail
# and keep the old set, a stop in the middle of a batch, and a database
# that is not there at start.
. "$(dirname "$0")/../lib.sh"
if [ -f "$(dirname "$0")/../queue_lib.sh" ]; then . "$(dirname "$0")/../queue_lib.sh"
else . "$(dirname "$0")/../queue_lib.sh"; fi
new_db || exit 2
NL=$ROOT/$BUILD/tests/notify_listen
[ -x "$NL" ] || { fail "notify_listen is built ($NL)"; exit 0; }

# listen NAME: starts a listener; sets SOCK and MSGS.
listen() {
	SOCK=$T_TMP/$1.sock MSGS=$T_TMP/$1.notify
	: >"$MSGS"
	"$NL" "$SOCK" "$MSGS" & T_PIDS+=($!)
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.02; done
	return 1
}
# wait_line REGEX [SECONDS]: waits until a notify line matches; prints its number.
wait_line() {
	local i n
	for i in $(seq $((${2:-10} * 20))); do
		n=$(grep -nE -- "$1" "$MSGS" | tail -n 1 | cut -d: -f1)
		[ -n "$n" ] && { echo "$n"; return 0; }
		sleep 0.05
	done
	echo 0; return 1
}
# wait_sql SQL EXPECTED [SECONDS]
wait_sql() {
	local i
	for i in $(seq $((${3:-10} * 10))); do
		[ "$(psql_val "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
count_lines() { grep -cE -- "$1" "$MSGS"; }
# later NAME A B: line A comes before line B (both found).
later() {
	if [ "$2" -gt 0 ] && [ "$3" -gt "$2" ]; then ok "$1"
	else fail "$1"; echo "#   lines $2 then $3 in:"; sed 's/^/#   /' "$MSGS" | head -30; fi
}

# --- the whole conversation ------------------------------------------------
listen main || { fail "notify socket bound"; exit 0; }
mkdir -p "$T_TMP/rules"
cp -r "$ROOT"/rules/. "$T_TMP/rules/" 2>/dev/null
cfg=$(write_config <<Y
batch_size: 50
shutdown_grace_ms: 5000
Y
)
sed -i "s|^rules_dir: .*|rules_dir: $T_TMP/rules|" "$cfg"
cp "$cfg" "$T_TMP/good.yaml"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000 "$EBBAD" -c "$cfg" 2>"$T_TMP/main.log" &
pid=$!; T_PIDS+=($pid)

ready=$(wait_line '^READY=1' 20)
check "READY=1 once the database answers and the rules are loaded" test "$ready" -gt 0
insert_apps 1 300
if wait_sql "select count(*) from ebba.inbox where state = 'decided'" 300 30; then
	ok "the running daemon decides what arrives (LISTEN/NOTIFY)"
else
	# Nothing below can pass; do not wait out every timeout.
	fail "the running daemon decides what arrives (LISTEN/NOTIFY)"
	tail -n 5 "$T_TMP/main.log" | sed 's/^/#   /'
	exit 0
fi
status=$(wait_line '^STATUS=[0-9]+ pending, [0-9]+ in progress; [0-9.]+ applications/s' 10)
later "then STATUS= with queue depth and rate" "$ready" "$status"
wd=$(wait_line '^WATCHDOG=1' 5)
later "then WATCHDOG=1 from the main loop" "$ready" "$wd"
n1=$(count_lines '^WATCHDOG=1'); sleep 1.2; n2=$(count_lines '^WATCHDOG=1')
check "WATCHDOG=1 keeps coming while idle and healthy ($n1 -> $n2)" test "$n2" -gt "$n1"
check_match "STATUS= reports the totals" "STATUS=0 pending, 0 in progress; .* 300 decided, 0 quarantined since start" \
	"$(sleep 2.2; grep '^STATUS=' "$MSGS" | tail -n 1)"

# A good reload: RELOADING=1 with MONOTONIC_USEC, then READY=1.
sed -i 's/^batch_size: 50/batch_size: 20/' "$cfg"
kill -HUP "$pid"
rl=$(wait_line '^RELOADING=1 MONOTONIC_USEC=[0-9]+' 10)
later "SIGHUP: RELOADING=1 with MONOTONIC_USEC after the first READY" "$ready" "$rl"
line=$(sed -n "${rl}p" "$MSGS")
mono=$(printf '%s' "$line" | sed -E 's/.*RELOADING=1 MONOTONIC_USEC=([0-9]+).*/\1/')
recv=$(printf '%s' "$line" | sed -E 's/.*RECEIVED_MONOTONIC_USEC=([0-9]+).*/\1/')
check "MONOTONIC_USEC is CLOCK_MONOTONIC at sending (${mono} vs ${recv} on arrival)" \
	test $(( recv >= mono && recv - mono < 2000000 )) = 1
rr=$(wait_line '^READY=1 STATUS=configuration and rules reloaded' 10)
later "then READY=1 after the reload" "$rl" "$rr"
check_match "the reload is logged" "configuration and rules reloaded" "$(cat "$T_TMP/main.log")"

# A broken configuration: the old one stays, the daemon keeps working.
printf 'batch_size: lots\n' >>"$cfg"
kill -HUP "$pid"
bad=$(wait_line '^READY=1 STATUS=reload failed' 10)
later "SIGHUP with a broken config: READY=1 saying the reload failed" "$rr" "$bad"
check_match "the failure names file, line and column" "reload failed, keeping .*ebba.yaml:[0-9]+:[0-9]+: .*batch_size" "$(cat "$T_TMP/main.log")"
check "the daemon still runs" kill -0 "$pid"
insert_apps 301 350
check "and still decides with the old configuration" \
	wait_sql "select count(*) from ebba.inbox where state = 'decided'" 350 20
cp "$T_TMP/good.yaml" "$cfg"

# A broken rule file: the old rule set stays.
printf 'checks:\n  - id: [unclosed\n' >"$T_TMP/rules/zz-broken.yaml"
nb=$(count_lines '^READY=1 STATUS=reload failed')
kill -HUP "$pid"
for _ in $(seq 100); do [ "$(count_lines '^READY=1 STATUS=reload failed')" -gt "$nb" ] && break; sleep 0.05; done
check "SIGHUP with a broken rule file: the reload fails and READY=1 says so" \
	test "$(count_lines '^READY=1 STATUS=reload failed')" -gt "$nb"
check_match "the failure names the rule file, line and column" "zz-broken.yaml:[0-9]+:[0-9]+: " "$(cat "$T_TMP/main.log")"
check "the daemon still runs after a broken rule set" kill -0 "$pid"
insert_apps 351 360
check "and decides with the old rule set" \
	wait_sql "select count(*) from ebba.inbox where state = 'decided'" 360 20
rm -f "$T_TMP/rules/zz-broken.yaml"

# A lost connection is re-established.
psql_val "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ebbad'" >/dev/null
sleep 0.3
insert_apps 361 400
check "after its connection is killed it reconnects and goes on" \
	wait_sql "select count(*) from ebba.inbox where state = 'decided'" 400 20

# SIGTERM: STOPPING=1 and exit 0.
kill -TERM "$pid"
wait "$pid"; rc=$?
check_eq "SIGTERM: exit 0" 0 "$rc"
st=$(wait_line '^STOPPING=1' 2)
later "STOPPING=1 after the last READY" "$(grep -nE '^READY=1' "$MSGS" | tail -n 1 | cut -d: -f1)" "$st"
check "no full identity number in the log" bash -c "! grep -qE '[0-9]{8}-?[0-9]{4}' '$T_TMP/main.log'"

# --- SIGTERM in the middle of a big batch ----------------------------------
psql_val "truncate ebba.inbox cascade" >/dev/null
insert_apps 100001 104000
listen term
cfg2=$(write_config <<Y
batch_size: 400
shutdown_grace_ms: 3000
Y
)
NOTIFY_SOCKET=$SOCK "$EBBAD" -c "$cfg2" 2>"$T_TMP/term.log" &
pid=$!; T_PIDS+=($pid)
wait_line '^READY=1' 20 >/dev/null
check "a batch is leased" wait_sql "select count(*) > 0 from ebba.inbox where state = 'processing'" t 20
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "SIGTERM mid-batch: exit 0" 0 "$rc"
check "... within shutdown_grace_ms (3000 ms; took $ms ms)" test "$ms" -le 3500
check_eq "... and no lease is left held" 0 "$(psql_val "select count(*) from ebba.inbox where state = 'processing'")"
check_eq "... and nothing was decided twice" "$(psql_val "select count(*) from ebba.decisions")" \
	"$(psql_val "select count(distinct inbox_id) from ebba.decisions")"

# --- the database is not there at start -----------------------------------
listen down
cfg3=$(write_config <<Y
database: "host=$T_TMP/nowhere port=5 dbname=ebba connect_timeout=2"
Y
)
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000000 "$EBBAD" -c "$cfg3" 2>"$T_TMP/down.log" &
pid=$!; T_PIDS+=($pid)
w=$(wait_line '^STATUS=waiting for the database' 10)
check "database down at start: STATUS= says it waits for the database" test "$w" -gt 0
check_match "... and why" "STATUS=waiting for the database \(retry in [0-9]+ ms\): .*nowhere" "$(sed -n "${w}p" "$MSGS")"
sleep 1.5
n1=$(count_lines '^WATCHDOG=1'); sleep 1.2; n2=$(count_lines '^WATCHDOG=1')
check_eq "... no WATCHDOG=1 once it has been away longer than WatchdogSec" "$n1" "$n2"
check_eq "... and no READY=1" 0 "$(count_lines '^READY=1')"
check "... retrying with backoff" test "$(count_lines '^STATUS=waiting for the database')" -ge 3
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "... SIGTERM while waiting: exit 0" 0 "$rc"
check "... at once (took $ms ms)" test "$ms" -lt 1000
