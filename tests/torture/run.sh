#!/usr/bin/env bash
# make torture: try hard to lose, double or wrongly approve a decision.
#
#   1. kills:    TORTURE_APPS applications, TORTURE_WORKERS ebbad processes
#                with short leases; TORTURE_KILLS times a random worker is
#                killed with SIGKILL at a random moment and restarted;
#   2. database: the same load while PostgreSQL is restarted with a fast
#                and an immediate shutdown (TORTURE_RESTARTS of each) and
#                ebbad's connections are cut (pg_terminate_backend,
#                TORTURE_TERMINATES times); the daemons must ride it out;
#   3. registers: every simulator fault (HTTP errors, hangs, truncated
#                bodies, garbage, dripped bodies, agency error parts) at
#                TORTURE_FAULT_RATE, TORTURE_FAULT_APPS applications each;
#   4. valgrind: memcheck on one `ebbad --once` over TORTURE_VALGRIND_APPS
#                applications with registers faulting (0 skips it).
# Each phase ends with SQL over the whole database: every application has
# exactly one ebba decision (or is still pending), no duplicates, nothing
# approved without the register evidence the rules require, referral
# reasons that name the register.  Output is TAP ("ok - ..." / "not ok -
# ...") plus "# torture: ..." figure lines; exit 1 if anything failed.
#
# Own throwaway cluster (tests/pg.sh), simulator and ebba-gen data; Skatte-
# verket test numbers only.  tests/integration/35_faults.sh runs a short
# version of phases 1-3 in `make check`.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD
REFERENCE=${EBBA_REFERENCE:-$ROOT/reference}
APPS=${TORTURE_APPS:-5000}
WORKERS=${TORTURE_WORKERS:-3}
KILLS=${TORTURE_KILLS:-20}
RESTARTS=${TORTURE_RESTARTS:-1}
TERMINATES=${TORTURE_TERMINATES:-3}
RATE=${TORTURE_FAULT_RATE:-0.3}
FAULT_APPS=${TORTURE_FAULT_APPS:-1000}
VG_APPS=${TORTURE_VALGRIND_APPS:-1000}
PHASES=${TORTURE_PHASES:-kills database registers valgrind}
HOUSEHOLDS=${TORTURE_HOUSEHOLDS:-1000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ebba-torture.XXXXXX")
[ "$(id -u)" = 0 ] && chmod 0755 "$DIR"
START=$(date +%s)
failed=0 passed=0
ok()   { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "not ok - $*"; failed=$((failed + 1)); }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"; echo "#   expected: $2"; echo "#   actual:   $3"; fi; }
fig()  { echo "# torture: $*"; echo "$*" >>"$DIR/figures"; }
phase_on() { [[ " $PHASES " == *" $1 "* ]]; }

. tests/pg.sh
SIM_PIDS=() WPIDS=()
cleanup() {
	local p
	for p in "${WPIDS[@]:-}" "${SIM_PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	pg_stop
	[ -n "${TORTURE_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
pg_start "$DIR/pg" fsync=off synchronous_commit=off full_page_writes=off >/dev/null || exit 2
PATH=$PG_BIN:$PATH
sql() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }

"$BIN/ebba-gen" --out "$DIR/data" --count "$HOUSEHOLDS" --seed 88 --period 2026-12 \
	--deviations 0.3 --pnr-list "$REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt" \
	>/dev/null 2>"$DIR/gen.log" || { cat "$DIR/gen.log"; exit 2; }
HOUSEHOLDS=$(ls "$DIR/data/applications" | wc -l)
"$BIN/tests/bench_copy" frames "$DIR/data/cases" >"$DIR/frames.copy" || exit 2

start_regsim() {  # start_regsim [options]: (re)starts the simulator, sets PORT
	[ ${#SIM_PIDS[@]} -gt 0 ] && { kill "${SIM_PIDS[@]}" 2>/dev/null; wait "${SIM_PIDS[@]}" 2>/dev/null; SIM_PIDS=(); }
	rm -f "$DIR/regsim.port"
	"$BIN/ebba-regsim" --dir "$DIR/data/registers" --port 0 --port-file "$DIR/regsim.port" \
		--threads 4 --hang-ms 1500 --drip-ms 1500 "$@" >>"$DIR/regsim.log" 2>&1 &
	SIM_PIDS=($!)
	local i
	for i in $(seq 200); do [ -s "$DIR/regsim.port" ] && break; sleep 0.05; done
	PORT=$(cat "$DIR/regsim.port")
}

# prepare DB N LEASE: a migrated database with the frames and N applications
# (copies of the households with new ids), and its configuration.
prepare() {
	local db=$1 n=$2 lease=$3
	local copies=$(( (n + HOUSEHOLDS - 1) / HOUSEHOLDS ))
	createdb "$db"
	cat >"$DIR/$db.yaml" <<YAML
database: "dbname=$db"
rules_dir: $ROOT/rules
batch_size: 50
lease_seconds: $lease
poll_interval_ms: 100
statement_timeout_ms: 10000
registers:
  ssbtek_url: http://127.0.0.1:$PORT/ssbtek
  attendance_url: http://127.0.0.1:$PORT/attendance
  timeout_ms: 500
  deadline_ms: 2500
  retries: 2
  organisation_number: "2120000000"
  organisation_name: Torture kommun
audit:
  secret: torture-secret-not-for-production
YAML
	"$BIN/ebbactl" -c "$DIR/$db.yaml" db migrate >/dev/null || return 1
	sql -d "$db" -c "\\copy ebba.case_frames (case_id, frame, source_yaml) from '$DIR/frames.copy'"
	"$BIN/tests/bench_copy" inbox "$DIR/data/applications" "$copies" | awk -v n="$n" 'NR <= n' |
		sql -d "$db" -c "\\copy ebba.inbox (external_id, case_id, period, payload) from stdin"
}

start_worker() {  # start_worker DB SLOT
	"$BIN/ebbad" -c "$DIR/$1.yaml" --worker "t$2" 2>>"$DIR/$1.w$2.log" &
	WPIDS[$2]=$!
}
left() { sql -d "$1" -c "select count(*) from ebba.inbox where state in ('pending', 'processing')"; }
# wait_drained DB SECONDS: until nothing is pending or processing.
wait_drained() {
	local i
	for i in $(seq $(($2 * 5))); do [ "$(left "$1")" = 0 ] && return 0; sleep 0.2; done
	return 1
}
stop_workers() {
	local p
	for p in "${WPIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
	for p in "${WPIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
	WPIDS=()
}

# The invariants, for any phase's database.
invariants() {  # invariants DB N LABEL
	local db=$1 n=$2 label=$3
	check_eq "$label: every application decided or quarantined, none pending" "$n 0" \
		"$(sql -d "$db" -c "select count(*), count(*) filter (where state in ('pending','processing')) from ebba.inbox" | tr '|' ' ')"
	check_eq "$label: exactly one ebba decision per decided application" "0 0" \
		"$(sql -d "$db" -c "select (select count(*) from ebba.inbox i where i.state = 'decided' and (select count(*) from ebba.decisions d where d.inbox_id = i.id and d.decided_by = 'ebba') <> 1),
			(select count(*) from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id where i.state <> 'decided')" | tr '|' ' ')"
	check_eq "$label: no duplicates (decisions = distinct applications)" \
		"$(sql -d "$db" -c "select count(distinct inbox_id) from ebba.decisions")" \
		"$(sql -d "$db" -c "select count(*) from ebba.decisions")"
	check_eq "$label: every decision has its checks" 0 \
		"$(sql -d "$db" -c "select count(*) from ebba.decisions d where not exists (select 1 from ebba.decision_checks c where c.decision_id = d.id)")"
	# Required evidence: SSBTEK's AF, SO, CSN, FK parts and attendance
	# (rules/ruleset.yaml required_registers); SKV, TNS, MIV are kept only.
	check_eq "$label: no approval without the required register evidence" 0 \
		"$(sql -d "$db" -c "select count(distinct d.id) from ebba.decisions d join ebba.register_evidence e on e.decision_id = d.id
			where d.outcome = 'approved' and e.agency not in ('SKV', 'TNS', 'MIV') and e.status in ('unavailable', 'error')")"
	check_eq "$label: every approval rests on an SSBTEK answer" 0 \
		"$(sql -d "$db" -c "select count(*) from ebba.decisions d where d.outcome = 'approved'
			and not exists (select 1 from ebba.register_evidence e where e.decision_id = d.id and e.source = 'ssbtek' and e.status = 'ok')")"
	check_eq "$label: a missing SSBTEK answer is referred naming the agencies" 0 \
		"$(sql -d "$db" -c "select count(*) from ebba.decisions d where exists (select 1 from ebba.register_evidence e
			where e.decision_id = d.id and e.source = 'ssbtek' and e.status = 'unavailable')
			and not exists (select 1 from ebba.decision_checks c where c.decision_id = d.id and c.check_id = 'registers-answered'
				and c.result = 'fail' and c.message ~ '^Register ej tillgängligt: .*AF')")"
	check_eq "$label: an agency's error part is referred naming that agency" 0 \
		"$(sql -d "$db" -c "select count(*) from ebba.decisions d join ebba.register_evidence e on e.decision_id = d.id
			where e.source = 'ssbtek' and e.status = 'error' and e.agency in ('AF', 'SO', 'CSN', 'FK')
			and not exists (select 1 from ebba.decision_checks c where c.decision_id = d.id and c.check_id = 'registers-answered'
				and c.result = 'fail' and position(e.agency in c.message) > 0)")"
	check_eq "$label: a missing attendance answer is referred naming it" 0 \
		"$(sql -d "$db" -c "select count(*) from ebba.decisions d where exists (select 1 from ebba.register_evidence e
			where e.decision_id = d.id and e.source = 'attendance' and e.status = 'unavailable')
			and not exists (select 1 from ebba.decision_checks c where c.decision_id = d.id and c.check_id = 'registers-answered'
				and c.result = 'fail' and c.message ~ '^Register ej tillgängligt: .*attendance')")"
	local o; o=$(sql -d "$db" -c "select string_agg(outcome || ' ' || n, ', ' order by outcome) from (select outcome, count(*) n from ebba.decisions group by 1) s")
	fig "$label: outcomes: $o"
}

# ---------------------------------------------------------------- 1. kills
# Registers with some latency and small batches, so that the run lasts long
# enough for every kill to land while work is in hand (ebbad with instant
# registers drains 5 000 applications in a few seconds).
start_regsim --latency-ms 50
if phase_on kills; then
	prepare kills "$APPS" 2 || exit 2
	sed -i 's/^batch_size: .*/batch_size: 10/' "$DIR/kills.yaml"
	t0=$(date +%s)
	for w in $(seq "$WORKERS"); do start_worker kills "$w"; done
	kills=0 killed_mid_batch=0
	while [ "$kills" -lt "$KILLS" ]; do
		sleep "$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 0.05 + r / 32767 * 0.25}')"
		w=$(( RANDOM % WORKERS + 1 ))
		# Killing a worker that holds a lease is the interesting case.
		held=$(sql -d kills -c "select count(*) from ebba.inbox where state = 'processing' and lease_owner like 't$w:%'")
		kill -9 "${WPIDS[$w]}" 2>/dev/null && kills=$((kills + 1))
		wait "${WPIDS[$w]}" 2>/dev/null
		[ "${held:-0}" -gt 0 ] && killed_mid_batch=$((killed_mid_batch + 1))
		[ "$(left kills)" = 0 ] && { fig "kills: the inbox drained after $kills kills; adding no more"; break; }
		start_worker kills "$w"
	done
	for w in $(seq "$WORKERS"); do kill -0 "${WPIDS[$w]}" 2>/dev/null || start_worker kills "$w"; done
	wait_drained kills 300 || fail "kills: drained within 300 s"
	stop_workers
	dt=$(( $(date +%s) - t0 ))
	check_eq "kills: $KILLS kill -9 delivered" "$KILLS" "$kills"
	fig "kills: $kills kill -9 survived ($killed_mid_batch while holding a lease), $WORKERS workers, $APPS applications in $dt s"
	invariants kills "$APPS" kills
fi

# ------------------------------------------------------------- 2. database
start_regsim
if phase_on database; then
	prepare dbf "$APPS" 3 || exit 2
	t0=$(date +%s)
	for w in $(seq "$WORKERS"); do start_worker dbf "$w"; done
	events=()
	for r in $(seq "$RESTARTS"); do events+=(fast immediate); done
	for t in $(seq "$TERMINATES"); do events+=(terminate); done
	done_events=0 restarts_fast=0 restarts_immediate=0 terminated=0
	step=$(( APPS / (${#events[@]} + 1) ))
	for ev in "${events[@]}"; do
		target=$(( APPS - step * (done_events + 1) ))
		for _ in $(seq 600); do
			l=$(left dbf 2>/dev/null || echo "$APPS")
			[ "${l:-$APPS}" -le "$target" ] && break; sleep 0.1
		done
		case $ev in
		fast|immediate)
			pg_restart "$ev" && eval "restarts_$ev=\$((restarts_$ev + 1))" ;;
		terminate)
			n=$(sql -d postgres -c "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'ebbad'")
			terminated=$((terminated + n)) ;;
		esac
		done_events=$((done_events + 1))
	done
	wait_drained dbf 300 || fail "database: drained within 300 s"
	alive=0
	for w in $(seq "$WORKERS"); do kill -0 "${WPIDS[$w]}" 2>/dev/null && alive=$((alive + 1)); done
	check_eq "database: every ebbad survived the restarts and cut connections" "$WORKERS" "$alive"
	stop_workers
	check_eq "database: $RESTARTS fast and $RESTARTS immediate restarts done" "$RESTARTS $RESTARTS" "$restarts_fast $restarts_immediate"
	reconnects=$(cat "$DIR"/dbf.w*.log | grep -c 'reconnecting')
	fig "database: $restarts_fast fast + $restarts_immediate immediate PostgreSQL restarts, $terminated connections terminated, $reconnects reconnects, $APPS applications in $(( $(date +%s) - t0 )) s"
	invariants dbf "$APPS" database
	crashes=$(grep -lE 'AddressSanitizer|runtime error|Segmentation' "$DIR"/dbf.w*.log 2>/dev/null | wc -l)
	check_eq "database: no crash or sanitizer report in the logs" 0 "$crashes"
fi

# ------------------------------------------------------------ 3. registers
stats_field() { curl -s "http://127.0.0.1:$PORT/stats" | grep -oE "$1 [0-9]+" | awk '{print $2}'; }
if phase_on registers; then
	total_faults=0 total_requests=0
	for f in error hang truncate garbage drip agency; do
		if [ "$f" = agency ]; then start_regsim --seed 7
			curl -s "http://127.0.0.1:$PORT/control?agency-error=AF" >/dev/null
			curl -s "http://127.0.0.1:$PORT/control?agency-error=FK" >/dev/null
		else start_regsim --seed 7 --$f-rate "$RATE"; fi
		prepare "reg_$f" "$FAULT_APPS" 30 || exit 2
		sed -i "s|127.0.0.1:[0-9]*/|127.0.0.1:$PORT/|" "$DIR/reg_$f.yaml"
		t0=$(date +%s)
		"$BIN/ebbad" -c "$DIR/reg_$f.yaml" --once 2>"$DIR/reg_$f.log" & p=$!
		"$BIN/ebbad" -c "$DIR/reg_$f.yaml" --once 2>"$DIR/reg_$f.2.log" & p2=$!
		wait $p; rc1=$?; wait $p2; rc2=$?
		check_eq "registers ($f at $RATE): two ebbad --once exit 0" "0 0" "$rc1 $rc2"
		st=$(curl -s "http://127.0.0.1:$PORT/stats")
		case $f in
		agency) n=$(sql -d "reg_$f" -c "select count(*) from ebba.register_evidence where status = 'error'") ;;
		error) n=$(grep -oE 'errors [0-9]+' <<<"$st" | awk '{print $2}') ;;
		hang) n=$(grep -oE 'hangs [0-9]+' <<<"$st" | awk '{print $2}') ;;
		truncate) n=$(grep -oE 'truncated [0-9]+' <<<"$st" | awk '{print $2}') ;;
		garbage) n=$(grep -oE 'garbage [0-9]+' <<<"$st" | awk '{print $2}') ;;
		drip) n=$(grep -oE 'drips [0-9]+' <<<"$st" | awk '{print $2}') ;;
		esac
		req=$(grep -oE '^requests [0-9]+' <<<"$st" | awk '{print $2}')
		total_faults=$((total_faults + ${n:-0})); total_requests=$((total_requests + ${req:-0}))
		fig "registers: $f: ${n:-0} faults injected in ${req:-0} requests, $FAULT_APPS applications in $(( $(date +%s) - t0 )) s"
		invariants "reg_$f" "$FAULT_APPS" "registers ($f)"
		crashes=$(grep -lE 'AddressSanitizer|runtime error|Segmentation' "$DIR"/reg_$f*.log 2>/dev/null | wc -l)
		check_eq "registers ($f): no crash or sanitizer report" 0 "$crashes"
	done
	[ "$total_faults" -gt 0 ] && ok "registers: faults were injected" || fail "registers: faults were injected"
	fig "registers: $total_faults faults injected in $total_requests requests in all"
fi

# ------------------------------------------------------------- 4. valgrind
if phase_on valgrind && [ "$VG_APPS" -gt 0 ]; then
	if command -v valgrind >/dev/null; then
		start_regsim --seed 9 --error-rate 0.1 --garbage-rate 0.1 --truncate-rate 0.1
		prepare vg "$VG_APPS" 600 || exit 2
		sed -i "s|127.0.0.1:[0-9]*/|127.0.0.1:$PORT/|; s|deadline_ms: .*|deadline_ms: 20000|; s|timeout_ms: 500|timeout_ms: 5000|" "$DIR/vg.yaml"
		t0=$(date +%s)
		valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$DIR/valgrind.log" \
			"$BIN/ebbad" -c "$DIR/vg.yaml" --once 2>"$DIR/vg.log"
		rc=$?
		dt=$(( $(date +%s) - t0 ))
		check_eq "valgrind memcheck: ebbad --once on $VG_APPS applications exits 0 (99: errors or leaks)" 0 "$rc"
		[ "$rc" = 0 ] || head -60 "$DIR/valgrind.log" | sed 's/^/#   /'
		invariants vg "$VG_APPS" valgrind
		fig "valgrind: exit $rc, $(grep -c . "$DIR/valgrind.log") lines of report, $VG_APPS applications in $dt s"
	else
		fail "valgrind is installed (make deps)"
	fi
fi

fig "total: $passed passed, $failed failed in $(( $(date +%s) - START )) s"
[ -n "${TORTURE_FIGURES:-}" ] && cp "$DIR/figures" "$TORTURE_FIGURES"
[ "$failed" -eq 0 ]
