#!/usr/bin/env bash
# make bench: ebba's throughput and memory against PostgreSQL's own ceiling
# on the same machine, in one run (docs/architecture.md §10).
#
#   1. a throwaway PostgreSQL (tests/pg.sh) with realistic durability:
#      fsync and synchronous_commit on, as PostgreSQL ships; only memory
#      and checkpoint spacing are set (PG_SETTINGS below), so that no
#      checkpoint lands inside a measured phase;
#   2. context: pgbench -N -c 8 -j 2 -T 10 on that cluster (bound by the
#      disk's fsync latency, so it moves with the disk, not with ebba);
#   3. BENCH_APPS applications, BENCH_PROCS ebbad processes, instant
#      registers (the simulator without latency), with the CPU ebbad and
#      PostgreSQL (and the register simulator, on the same cores) spent per
#      decision (/proc, utime + stime); then what-if:
#      `ebbactl whatif` with the running rules over phase 3's stored
#      decisions (changed 0), stored decisions re-decided per second beside
#      rules_bench's rate on one core (run before and after, the mean);
#      whatif_ratio = that / this, bar 0.25;
#   4. the baseline, the store's own ceiling: the rows phase 3 wrote, dumped
#      and written again into a fresh database with the same inbox rows by
#      tests/tools/store_ceiling.c, as plainly as PostgreSQL allows (per
#      batch of the same size one claim UPDATE, then one transaction with
#      the completion UPDATE and a COPY per table; as many connections as
#      ebbad processes), no deciding at all.  ratio_store = phase 3 / this;
#   5. the same as 3 with BENCH_LATENCY_MS register latency; then again
#      with FK down (the simulator's agency error) until 30 % are decided
#      and ebbad asking the registers again every 2 s: first decisions per
#      second, and the re-decisions once every referral for want of FK
#      alone has had its own;
#   6. BENCH_SLOW1S_APPS applications at BENCH_SLOW1S_LATENCY_MS (1 000 ms,
#      as real SSBTEK answers), beside what Little's law predicts for the
#      look-ups in flight: P x min(C, k x B) / (k x L) applications/s for P
#      processes, C look-ups in flight each, batch B, k look-ups per
#      application (measured) and latency L;
#   7. one ebbad through BENCH_MEM_APPS applications, its RSS sampled after
#      10 000 and at the end;
#   8. ebba-web over that database (BENCH_MEM_APPS decisions stored): a
#      caseworker logged in, BENCH_WEB_REQUESTS requests each of the queue
#      page and of decision pages (referred decisions spread over the
#      table), one after the other over keep-alive, with p50/p99 of each
#      and ebba-web's peak RSS;
#   9. the intake API: BENCH_API_APPS of the generated documents through
#      POST /api/v1/applications, BENCH_API_CLIENTS at once (curl
#      --parallel, each its own request), into a fresh database, beside
#      `ebbactl submit` of the same documents into another: accepted per
#      second (every one must be 201 / submitted and in the inbox once),
#      and ebba-web's peak RSS;
#  10. delivery: BENCH_DELIVER_APPS applications decided with nothing else
#      running (deciding alone), then one ebba-deliver sends their letters,
#      each rendered from its own decision, through the simulator's digital
#      mailbox (every other applicant reachable, at two suppliers; each
#      delivery signed, its signature checked) and the print spool for the
#      rest: letters per second and ebba-deliver's peak RSS (the largest of
#      BENCH_DELIVER_PROCS processes on the same outbox); then as many
#      decided again into a fresh database with them running beside ebbad:
#      deliver_ratio = deciding with delivery / alone (bar 0.8).
#
# Households come from ebba-gen (Skatteverket test numbers only, which run
# out near 10 000 households), so the inbox holds copies of them with new
# ids (tests/tools/bench_copy.c): every copy is a distinct application that
# goes through the whole pipeline (parse, frame, register look-ups over
# HTTP, rules, write).  Each phase gets a fresh database in the same cluster.
#
# Decisions per second run from the first claim (inbox.claimed_at) to the
# last decision (decisions.decided_at, the completing transaction's time);
# p50/p99 are decided_at - claimed_at per application.  Peak RSS is each
# process's VmHWM.  Settings (environment):
#   BENCH_APPS=20000 BENCH_PROCS=4 BENCH_BATCH=64 BENCH_CONCURRENCY=128
#   BENCH_LATENCY_MS=20 BENCH_MEM_APPS=100000 BENCH_HOUSEHOLDS=10000
# (With 20 ms registers on 2 cores, 2 processes x batch 64 x 64 look-ups in
# flight made 853/s, 4 x 64 x 64 1086/s, 4 x 128 x 256 1154/s; batches of 128
# took peak RSS to 33 MiB, over the 32 MiB bar.  With instant registers
# they are all within the noise.)
#   BENCH_SLOW1S_APPS=4000 BENCH_SLOW1S_LATENCY_MS=1000 BENCH_SLOW1S_CONCURRENCY=256
#   BENCH_REGSIM_THREADS=2
#   BENCH_WEB_REQUESTS=200 BENCH_API_APPS=5000 BENCH_API_CLIENTS=32
#   BENCH_DELIVER_APPS=5000 BENCH_DELIVER_PROCS=2
#   BENCH_PERF= (1: perf record -g each ebbad into $DIR/DB-ebbadN.perf)
#   BENCH_EBBAD_WRAP= (a command each ebbad runs under, see start_ebbad:
#     counts per decision that a shared machine does not blur; with
#     BENCH_PROCS=1 and the other phases skipped, e.g.
#     "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p" with
#     BENCH_CONCURRENCY=16 BENCH_BATCH=8, so that no look-up times out under
#     valgrind (instructions: callgrind_annotate --inclusive=yes, the
#     worker_run_batch line / BENCH_APPS), or the allocation counter in
#     contrib/bench/malloc_count.c)
#   BENCH_PG_PROFILE= (1: PostgreSQL's side of each phase: track_functions
#     and pg_stat_statements on; after every phase $DIR/DB-pgprofile.txt
#     lists the functions (triggers included) by their own time and the
#     statements by total time, each per decision: what a schema change
#     costs, read before and after it.  The counting itself costs time,
#     so compare profiles with profiles, never with a plain run.)
#   BENCH_SKIP= (space-separated: pgbench fast whatif store slow outage slow1s mem web api deliver)
#   BENCH_METRICS= (1: every ebbad with metrics_listen on loopback, each
#     /metrics scraped once a second while a phase runs)
# Ends with one line:
#   bench: decisions_per_s=N store_decisions_per_s=N ratio_store=R cpu_ms_ebbad=X
#     cpu_ms_pg=Y cpu_ms_regsim=Z pgbench_tps=N ratio=R slow_decisions_per_s=N
#     slow1s_decisions_per_s=N slow1s_predicted_per_s=N outage_decisions_per_s=N
#     outage_referred_for_fk=N outage_redecided=N rss_mib=N
#     web_queue_p50_ms=X web_queue_p99_ms=X web_decision_p50_ms=X
#     web_decision_p99_ms=X web_rss_mib=N api_accepted_per_s=N
#     api_submit_per_s=N api_rss_mib=N whatif_decisions_per_s=N
#     rules_bench_per_s=N whatif_ratio=R letters_per_s=N deliver_rss_mib=N
#     decisions_alone_per_s=N decisions_with_delivery_per_s=N deliver_ratio=R
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
REFERENCE=${EBBA_REFERENCE:-$ROOT/reference}
DIR=${EBBA_BENCH_DIR:-$ROOT/$BUILD/bench}
APPS=${BENCH_APPS:-20000}
PROCS=${BENCH_PROCS:-4}
BATCH=${BENCH_BATCH:-64}
CONCURRENCY=${BENCH_CONCURRENCY:-128}
LATENCY=${BENCH_LATENCY_MS:-20}
MEM_APPS=${BENCH_MEM_APPS:-100000}
HOUSEHOLDS=${BENCH_HOUSEHOLDS:-10000}
SIM_THREADS=${BENCH_REGSIM_THREADS:-2}
SLOW1S_APPS=${BENCH_SLOW1S_APPS:-4000}
SLOW1S_LATENCY=${BENCH_SLOW1S_LATENCY_MS:-1000}
SLOW1S_CONCURRENCY=${BENCH_SLOW1S_CONCURRENCY:-256}
WEB_REQUESTS=${BENCH_WEB_REQUESTS:-200}
API_APPS=${BENCH_API_APPS:-5000}
API_CLIENTS=${BENCH_API_CLIENTS:-32}
DELIVER_APPS=${BENCH_DELIVER_APPS:-5000}
DELIVER_PROCS=${BENCH_DELIVER_PROCS:-2}
SKIP=" ${BENCH_SKIP:-} "
METRICS=${BENCH_METRICS:-}
PG_SETTINGS=(shared_buffers=512MB max_wal_size=8GB checkpoint_timeout=30min)
PG_PROFILE=${BENCH_PG_PROFILE:-}
[ -z "$PG_PROFILE" ] || PG_SETTINGS+=(track_functions=all shared_preload_libraries=pg_stat_statements
				      pg_stat_statements.track=all pg_stat_statements.max=2000)
BIN=$ROOT/$BUILD
. tests/pg.sh

say() { printf 'bench: %s\n' "$*" >&2; }
sql() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
skipped() { [[ $SKIP == *" $1 "* ]]; }

SIM_PIDS=()
EBBAD_PIDS=()
DELIVER_PIDS=()
PERF_PIDS=()
cleanup() {
	local p
	for p in "${EBBAD_PIDS[@]}" "${SIM_PIDS[@]}" ${WEB_PID:-} "${DELIVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pg_stop
}
trap cleanup EXIT

if [ -f "$DIR/pg/data/postmaster.pid" ]; then
	PG_DIR=$(pg_real_dir "$DIR/pg") PG_BIN=$(pg_bindir) pg_stop
fi
[ -e "$DIR/pg" ] && pg_remove "$DIR/pg"
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chmod 0755 "$DIR"
say "PostgreSQL in $DIR/pg (${PG_SETTINGS[*]}; fsync and synchronous_commit on)"
pg_start "$DIR/pg" "${PG_SETTINGS[@]}"
PATH=$PG_BIN:$PATH

say "generating $HOUSEHOLDS households"
"$BIN/ebba-gen" --out "$DIR/data" --count "$HOUSEHOLDS" --seed 2026 --period 2026-12 \
	--deviations 0.3 --pnr-list "$REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt" \
	>/dev/null 2>"$DIR/gen.log" || grep -q 'ran out of test identity numbers' "$DIR/gen.log" ||
	{ cat "$DIR/gen.log" >&2; exit 1; }
HOUSEHOLDS=$(ls "$DIR/data/applications" | wc -l)
"$BIN/tests/bench_copy" frames "$DIR/data/cases" >"$DIR/frames.copy"

# start_regsim NAME [options]: sets SIM_PORT.
start_regsim() {
	local name=$1; shift
	rm -f "$DIR/$name.port"
	"$BIN/ebba-regsim" --dir "$DIR/data/registers" --port 0 --port-file "$DIR/$name.port" \
		--threads "$SIM_THREADS" "$@" >"$DIR/$name.log" 2>&1 &
	SIM_PIDS+=($!)
	local i
	for i in $(seq 200); do [ -s "$DIR/$name.port" ] && break; sleep 0.05; done
	[ -s "$DIR/$name.port" ] || { say "the register simulator did not start"; exit 1; }
	SIM_PORT=$(cat "$DIR/$name.port")
}

# ---------------------------------------------------------------- pgbench
TPS=0
if ! skipped pgbench; then
	say "pgbench -i -s 10, then pgbench -N -c 8 -j 2 -T 10"
	createdb pgbench
	pgbench -i -q -s 10 pgbench >"$DIR/pgbench-init.log" 2>&1
	sql -c checkpoint
	pgbench -N -c 8 -j 2 -T 10 pgbench >"$DIR/pgbench.log" 2>&1
	TPS=$(awk '/^tps = / {printf "%.0f", $3}' "$DIR/pgbench.log")
	sql -c 'drop database pgbench'
fi

# ---------------------------------------------------------------- phases
# prepare DB PORT N [CONCURRENCY]: a migrated database with the frames and N
# applications.
prepare() {
	local db=$1 port=$2 n=$3 conc=${4:-$CONCURRENCY}
	local copies=$(( (n + HOUSEHOLDS - 1) / HOUSEHOLDS ))
	createdb "$db"
	cat >"$DIR/$db.yaml" <<YAML
# Written by contrib/bench/run.sh.
database: "dbname=$db"
rules_dir: $ROOT/rules
${BATCH:+batch_size: $BATCH}
${METRICS:+metrics_listen: 127.0.0.1:0}
poll_interval_ms: 200
registers:
  concurrency: $conc
  ssbtek_url: http://127.0.0.1:$port/ssbtek
  attendance_url: http://127.0.0.1:$port/attendance
  timeout_ms: 2000
  deadline_ms: 10000
  organisation_number: "2120000000"
  organisation_name: Bench kommun
${PREPARE_REGISTERS:-}
audit:
  secret: bench-secret-not-for-production
YAML
	"$BIN/ebbactl" -c "$DIR/$db.yaml" db migrate >/dev/null
	sql -d "$db" -c "\\copy ebba.case_frames (case_id, frame, source_yaml) from '$DIR/frames.copy'"
	"$BIN/tests/bench_copy" inbox "$DIR/data/applications" "$copies" | awk -v n="$n" 'NR <= n' |
		sql -d "$db" -c "\\copy ebba.inbox (external_id, case_id, period, payload) from stdin"
	sql -d "$db" -c 'vacuum analyze ebba.inbox, ebba.case_frames' -c checkpoint
}

# settle DB: after a phase, what autovacuum would do to its tables done now
# (vacuum, analyze, checkpoint), so that it does not run inside the next
# phase: the store ceiling after the instant phase's 20 000 decisions once
# measured 1.10 ms of PostgreSQL CPU per decision, against 0.62 ms with the
# cluster quiet.
settle() { sql -d "$1" -c 'vacuum (analyze)' -c checkpoint; }

# CPU time in clock ticks: of the given pids, and of the whole cluster (the
# postmaster and its children: backends, WAL writer, checkpointer).
CLK_TCK=$(getconf CLK_TCK)
ticks_of() { local p; for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }
pg_ticks() {
	local pm; pm=$(head -1 "$DIR/pg/data/postmaster.pid")
	ticks_of "$pm" $(ps -o pid= --ppid "$pm")
}
# (parenthesised: mawk reads a bare '>' in printf's arguments as a redirection)
per_decision_ms() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * t / hz / n : 0) }'; }

hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# left DB: 1 while anything waits, else 0.  Polled once a second while a
# phase runs, and it asks whether, not how many: the count took 8 ms a poll
# with 20 000 waiting, and every 0.2 s psql's own start-up took 2 % of the
# machine (perf record -a), all of it charged to the phase.  The rates come
# from the decisions' timestamps, not from when the poll saw the end.
left() { sql -d "$1" -c "select exists (select 1 from ebba.inbox where state in ('pending', 'processing'))::int"; }
decided() { sql -d "$1" -c "select count(*) from ebba.decisions"; }

# start_ebbad DB N: N daemons on DB, pids in EBBAD_PIDS.
start_ebbad() {
	local db=$1 n=$2 i
	EBBAD_PIDS=()
	for i in $(seq "$n"); do
		# BENCH_EBBAD_WRAP: a command to run each ebbad under, to count what a
		# decision costs where the CPU has no counters (perf stat) and other
		# work shares it, e.g. "valgrind --tool=callgrind" (instructions)
		# or "env LD_PRELOAD=..." with an allocation counter; word-split.
		# shellcheck disable=SC2086
		${BENCH_EBBAD_WRAP:-} "$BIN/ebbad" -c "$DIR/$db.yaml" --worker "bench$i" 2>"$DIR/$db-ebbad$i.log" &
		EBBAD_PIDS+=($!)
		# BENCH_PERF=1: a call-graph profile of each ebbad, for `perf report -i`.
		if [ -n "${BENCH_PERF:-}" ]; then
			perf record -q -F 499 -g -o "$DIR/$db-ebbad$i.perf" -p "$!" >/dev/null 2>&1 &
			PERF_PIDS+=($!)
		fi
	done
}

# scrape DB: with BENCH_METRICS, scrapes every ebbad of DB once a second
# (the ports from their logs) until killed; SCRAPE_PID.
scrape() {
	[ -n "$METRICS" ] || return 0
	local db=$1
	( while sleep 1; do
		for port in $(sed -nE 's/.*metrics: serving .* \(port ([0-9]+)\).*/\1/p' "$DIR/$db"-ebbad*.log); do
			curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" || true
		done
	done ) &
	SCRAPE_PID=$!
}

# stop_ebbad: SIGTERM and wait; sets PEAK_KIB (the largest VmHWM) and
# EBBAD_TICKS (their CPU) first.
stop_ebbad() {
	local p h
	EBBAD_TICKS=$(ticks_of "${EBBAD_PIDS[@]}")
	PEAK_KIB=0
	for p in "${EBBAD_PIDS[@]}"; do
		h=$(hwm_kib "$p")
		[ "$h" -gt "$PEAK_KIB" ] && PEAK_KIB=$h
	done
	for p in "${PERF_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	PERF_PIDS=()
	for p in "${EBBAD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${EBBAD_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	EBBAD_PIDS=()
}

wait_drained() {
	local db=$1 limit=$2 t0=$SECONDS
	while [ "$(left "$db")" != 0 ]; do
		if [ $((SECONDS - t0)) -gt "$limit" ]; then
			say "$db: not drained after $limit s"
			return 1
		fi
		for p in "${EBBAD_PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null || { say "$db: ebbad $p died"; cat "$DIR/$db"-ebbad*.log >&2; return 1; }
		done
		sleep 1
	done
}

# result DB: "rate p50_ms p99_ms decisions unavailable quarantined
# redecided" from the database: the applications' first decisions; ebba's
# re-decisions after a register came back (schema 029) counted apart.
result() {
	sql -d "$1" -F ' ' -c "
		with t as (select d.decided_at, i.claimed_at from ebba.decisions d
		           join ebba.inbox i on i.id = d.inbox_id where d.redecides_decision_id is null)
		select round(count(*) / nullif(extract(epoch from max(decided_at) - min(claimed_at)), 0)),
		  round(1000 * percentile_cont(0.5) within group (order by extract(epoch from decided_at - claimed_at))),
		  round(1000 * percentile_cont(0.99) within group (order by extract(epoch from decided_at - claimed_at))),
		  count(*),
		  (select count(distinct decision_id) from ebba.register_evidence where status = 'unavailable'),
		  (select count(*) from ebba.inbox where state = 'quarantined'),
		  (select count(*) from ebba.decisions where redecides_decision_id is not null)
		from t"
}

# pg_profile_reset DB / pg_profile DB N: with BENCH_PG_PROFILE, what
# PostgreSQL spent while ebbad worked, per decision, into DB-pgprofile.txt.
# pg_procs FILE: each of the cluster's processes now, "pid kind ticks", the
# kind from its title (a backend by its role and database); pg_profile
# sets the snapshot pg_profile_reset took beside one taken as the phase
# ends (procs1.txt), so
# that the profile says where the CPU went (backends, autovacuum, the WAL
# writer) and not only which statements took time.
pg_procs() {
	local pm p t; pm=$(head -1 "$DIR/pg/data/postmaster.pid")
	for p in "$pm" $(ps -o pid= --ppid "$pm"); do
		t=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
		t=${t#postgres: }; t=${t#*main: }
		case $t in
		autovacuum\ worker*) t=autovacuum-worker ;;
		*\ *\ \[local\]* | *\ *\ 127.0.0.1*) t="backend-$(awk '{print $1 "@" $2}' <<<"$t")" ;;
		*) t=$(awk '{print $1}' <<<"$t") ;;
		esac
		echo "$p ${t:-postmaster} $(ticks_of "$p")"
	done >"$1"
}
pg_procs_delta() {  # BEFORE AFTER N: ms per decision by kind
	awk -v n="$3" -v hz="$CLK_TCK" 'NR == FNR { t0[$1] = $3; next }
		{ d[$2] += $3 - ($1 in t0 ? t0[$1] : 0) }
		END { for (k in d) printf "%8.3f  %s\n", 1000 * d[k] / hz / n, k }' "$1" "$2" | sort -rn
}
pg_profile_reset() {
	[ -n "$PG_PROFILE" ] || return 0
	pg_procs "$DIR/procs0.txt"
	sql -d "$1" -c 'create extension if not exists pg_stat_statements' \
		-c 'select pg_stat_statements_reset()' -c 'select pg_stat_reset()' >/dev/null
}
pg_profile() {
	[ -n "$PG_PROFILE" ] || return 0
	local db=$1 n=$2
	{
		echo "# $db: PostgreSQL's CPU by process kind, ms per decision (backends that exited are not seen)"
		pg_procs_delta "$DIR/procs0.txt" "$DIR/procs1.txt" "$n"
		echo "# $db: functions by their own time, microseconds per decision ($n decisions)"
		sql -d "$db" -F ' ' -c "select lpad(round((self_time * 1000 / $n)::numeric, 1)::text, 8),
			lpad(round((total_time * 1000 / $n)::numeric, 1)::text, 8), lpad(calls::text, 8),
			schemaname || '.' || funcname from pg_stat_user_functions
			order by self_time desc limit 25"
		echo "# $db: statements by total time, microseconds per decision (calls, rows)"
		sql -d "$db" -F ' ' -c "select lpad(round((s.total_exec_time * 1000 / $n)::numeric, 1)::text, 8),
			lpad(s.calls::text, 8), lpad(s.rows::text, 8),
			left(regexp_replace(s.query, '\s+', ' ', 'g'), 160)
			from pg_stat_statements s join pg_database d on d.oid = s.dbid
			where d.datname = '$db' order by s.total_exec_time desc limit 30"
	} >"$DIR/$db-pgprofile.txt"
	say "$db: PostgreSQL profile in $DIR/$db-pgprofile.txt"
}

# phase NAME DB PORT N PROCS [CONCURRENCY]: sets RATE P50 P99 PEAK_KIB
# CPU_EBBAD_MS CPU_PG_MS; prints a row.
ROWS=()
phase() {
	local name=$1 db=$2 port=$3 n=$4 procs=$5 conc=${6:-$CONCURRENCY}
	say "$name: loading $n applications"
	prepare "$db" "$port" "$n" "$conc"
	# BEFORE_EBBAD: a function run with DB once it is loaded (the delivery phase)
	[ -z "${BEFORE_EBBAD:-}" ] || "$BEFORE_EBBAD" "$db"
	pg_profile_reset "$db"
	say "$name: $procs ebbad"
	local pg0 sim0; pg0=$(pg_ticks) sim0=$(ticks_of "${SIM_PIDS[@]}")
	start_ebbad "$db" "$procs"
	scrape "$db"
	wait_drained "$db" 1800
	# AFTER_DRAINED: a function run with DB once the inbox is empty, ebbad
	# still running (the outage phase waits there for its re-decisions)
	[ -z "${AFTER_DRAINED:-}" ] || "$AFTER_DRAINED" "$db"
	[ -z "$METRICS" ] || kill "$SCRAPE_PID" 2>/dev/null || true
	local pg1 sim1; pg1=$(pg_ticks) sim1=$(ticks_of "${SIM_PIDS[@]}")
	[ -z "$PG_PROFILE" ] || pg_procs "$DIR/procs1.txt"
	stop_ebbad
	pg_profile "$db" "$n"
	CPU_EBBAD_MS=$(per_decision_ms "$EBBAD_TICKS" "$n")
	CPU_PG_MS=$(per_decision_ms "$((pg1 - pg0))" "$n")
	CPU_SIM_MS=$(per_decision_ms "$((sim1 - sim0))" "$n")
	read -r RATE P50 P99 COUNT UNAVAIL QUAR REDECIDED < <(result "$db")
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "$name" "$n" "$procs" "$RATE" "$P50" "$P99" \
		"$((PEAK_KIB / 1024))" "decided $COUNT, register unavailable in $UNAVAIL, quarantined $QUAR$([ "${REDECIDED:-0}" = 0 ] || echo ", re-decided after a register came back $REDECIDED")")")
	if [ "$COUNT" != "$n" ] || [ "$QUAR" != 0 ]; then
		say "$name: expected $n decisions and none quarantined, got $COUNT and $QUAR"
		exit 1
	fi
	settle "$db"
}

MAX_PEAK=0
peak() { [ "$PEAK_KIB" -gt "$MAX_PEAK" ] && MAX_PEAK=$PEAK_KIB; return 0; }
FAST=0 SLOW=0 RSS10=0 RSS_END=0
CPU_FAST_EBBAD=0 CPU_FAST_PG=0 CPU_FAST_SIM=0 STORE=0 SLOW1S=0 SLOW1S_PRED=0
if ! skipped fast; then
	start_regsim fast
	phase "instant registers" fast "$SIM_PORT" "$APPS" "$PROCS"
	FAST=$RATE CPU_FAST_EBBAD=$CPU_EBBAD_MS CPU_FAST_PG=$CPU_PG_MS CPU_FAST_SIM=$CPU_SIM_MS
	ROWS[-1]+=", CPU per decision: ebbad $CPU_EBBAD_MS ms, PostgreSQL $CPU_PG_MS ms, register simulator $CPU_SIM_MS ms (on the same cores)"
	peak
fi

# ---------------------------------------------------------------- what-if
# ebbactl whatif with the running rule set over the instant phase's stored
# decisions (or, with that phase skipped, its own): stored decisions
# re-decided per second from their stored inputs, in one process, beside the
# rule engine's own rate on one core (tests/tools/rules_bench) in the same
# run.  Bar: whatif_ratio >= 0.25.  Nothing may change (changed 0).
WHATIF=0 RULES_RATE=0 WHATIF_RATIO=0
if ! skipped whatif; then
	wdb=fast
	if skipped fast; then
		start_regsim whatif
		phase "what-if: deciding first" whatif "$SIM_PORT" "$APPS" "$PROCS"
		wdb=whatif
	fi
	# rules_bench before and after the what-if, the mean the baseline: one
	# run of it moved from 7 677 to 11 689/s between two benches on this
	# shared machine, more than what-if's own spread.
	rules_rate() { "$BIN/tests/rules_bench" "$ROOT/rules" 20000 | sed -n 's/.*(\([0-9]*\) decisions\/s on one core).*/\1/p'; }
	RULES_BEFORE=$(rules_rate)
	wn=$(sql -d "$wdb" -c "select count(*) from ebba.decisions where inbox_id is not null")
	say "what-if: $wn stored decisions re-decided; rules_bench $RULES_BEFORE decisions/s before"
	w0=$(date +%s%N)
	# `times` in the subshell: the CPU its child (ebbactl) used, "user sys" in XmY.Zs
	wcpu=$( { "$BIN/ebbactl" -c "$DIR/$wdb.yaml" --porcelain whatif --rules "$ROOT/rules" >"$DIR/whatif.out"; times; } |
		awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += 60 * t[1] + t[2] } printf "%.0f", 1000 * s }')
	w1=$(date +%s%N)
	RULES_AFTER=$(rules_rate)
	RULES_RATE=$(( (RULES_BEFORE + RULES_AFTER) / 2 ))
	# (PostgreSQL's share is not counted: the backend has exited by now.)
	WHATIF_CPU_MS=$(awk -v ms="$wcpu" -v n="$wn" 'BEGIN { printf "%.3f", ms / n }')
	WHATIF=$(awk -v n="$wn" -v ns=$((w1 - w0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
	WHATIF_RATIO=$(awk -v a="$WHATIF" -v b="$RULES_RATE" 'BEGIN { r = 0; if (b + 0 > 0) r = a / b; printf "%.2f", r }')
	wtotal=$(head -1 "$DIR/whatif.out")
	[ "$wtotal" = "total	decisions	$wn	changed	0	amount_delta	0" ] ||
		{ say "what-if: the running rule set changed something: $wtotal"; exit 1; }
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "what-if (re-decide)" "$wn" 1 "$WHATIF" - - - \
		"rules_bench $RULES_RATE/s on one core (mean of $RULES_BEFORE before and $RULES_AFTER after), ratio $WHATIF_RATIO (bar 0.25); changed 0; ebbactl CPU per decision $WHATIF_CPU_MS ms")")
fi

# The store's ceiling: phase "fast"'s rows, written again without deciding.
if ! skipped store && ! skipped fast; then
	say "store ceiling: dumping the rows of the instant phase"
	mkdir -p "$DIR/dump"
	# \copy takes the rest of its line: the query on one line.
	dump() { sql -d fast -c "\\copy ($(tr '\n\t' '  ' <<<"$2")) to '$DIR/dump/$1'"; }
	dump decisions.copy "select id, inbox_id, external_id, case_id, period, outcome, amount, norm, costs,
		incomes, ruleset_name, ruleset_version, ruleset_sha256, trace from ebba.decisions order by id"
	dump checks.copy "select decision_id, check_id, result, message, outcome, ordinal
		from ebba.decision_checks order by decision_id, ordinal"
	dump evidence.copy "select decision_id, source, agency, person_ref, status, fetched_at, sha256, raw
		from ebba.register_evidence order by decision_id, id"
	dump flags.copy "select decision_id, kind, reason, draw from ebba.audit_flags order by decision_id, id"
	dump letters.copy "select decision_id, body from ebba.letters order by decision_id"
	dump requests.copy "select decision_id, documents, deadline, letter
		from ebba.auto_document_requests order by decision_id"
	dump inputs.copy "select decision_id, decided_on, registers_configured, frame, history,
		register_reasons from ebba.decision_inputs order by decision_id"
	dump people.copy "select d.id, p.case_id, p.pnr, p.role, p.inbox_id from ebba.case_people p
		join ebba.decisions d on d.inbox_id = p.inbox_id where p.inbox_id <> 0 order by d.id, p.pnr, p.role"
	prepare store "$SIM_PORT" "$APPS"
	ids="select min(id)::text || '-' || max(id)::text from ebba.inbox"
	[ "$(sql -d store -c "$ids")" = "$(sql -d fast -c "$ids")" ] ||
		{ say "store ceiling: the inbox ids differ from the instant phase's"; exit 1; }
	say "store ceiling: $APPS decisions' rows, batch ${BATCH:-64}, $PROCS connections"
	pg_profile_reset store
	pg0=$(pg_ticks)
	out=$(PGDATABASE=store "$BIN/tests/store_ceiling" "$DIR/dump" "${BATCH:-64}" "$PROCS")
	pg1=$(pg_ticks)
	[ -z "$PG_PROFILE" ] || pg_procs "$DIR/procs1.txt"
	pg_profile store "$APPS"
	STORE=$(sed -n 's/.*store_decisions_per_s=\([0-9]*\).*/\1/p' <<<"$out")
	# The writers' backends have exited by now: they reported their own CPU.
	bt=$(sed -n 's/.*backend_ticks=\([0-9]*\).*/\1/p' <<<"$out")
	[ "$(sql -d store -c "select count(*) from ebba.inbox where state = 'decided'")" = "$APPS" ] ||
		{ say "store ceiling: not every inbox row was completed"; exit 1; }
	settle store
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "store ceiling" "$APPS" "$PROCS" "$STORE" - - - \
		"the instant phase's rows by COPY, no deciding; PostgreSQL CPU $(per_decision_ms "$((pg1 - pg0 + bt))" "$APPS") ms per decision")")
fi
if ! skipped slow; then
	start_regsim slow --latency-ms "$LATENCY"
	phase "$LATENCY ms registers" slow "$SIM_PORT" "$APPS" "$PROCS"
	SLOW=$RATE
	peak
fi
# The same with FK down for the first 30 % of the applications (the
# simulator's agency error, every SSBTEK answer without FK's part) and
# ebbad asking the registers again every 2 s (schema 029): the
# applications' first decisions per second beside the 20 ms phase's, and
# the re-decisions counted once every referral for want of FK alone has
# had its own.
OUTAGE=0 OUTAGE_REDECIDED=0 OUTAGE_REFERRED=0
outage_start() {  # BEFORE_EBBAD: FK down until 30 % are decided
	local db=$1 n=$2
	curl -fsS "http://127.0.0.1:$SIM_PORT/control?agency-error=FK" >/dev/null
	( while [ "$(decided "$db")" -lt $((n * 3 / 10)) ]; do sleep 0.2; done
	  curl -fsS "http://127.0.0.1:$SIM_PORT/control?agency-error=" >/dev/null ) &
	OUTAGE_WATCH=$!
}
outage_settle() {  # AFTER_DRAINED: wait for every retryable referral's re-decision
	local db=$1 t0=$SECONDS
	wait "$OUTAGE_WATCH" 2>/dev/null || true
	while [ $((SECONDS - t0)) -lt 300 ]; do
		[ "$(sql -d "$db" -c "select count(*) from ebba.decisions d where d.outcome = 'referred'
			and d.inbox_id is not null and ebba.register_retry_only(d.id, '{registers-answered}')
			and not exists (select 1 from ebba.decisions e where e.redecides_decision_id = d.id)
			and d.decided_at > now() - interval '1 hour'")" = 0 ] &&
		[ "$(left "$db")" = 0 ] && return 0
		sleep 1
	done
	say "$db: referrals for want of FK still waiting for their re-decision after 300 s"
}
if ! skipped outage; then
	start_regsim outage --latency-ms "$LATENCY"
	PREPARE_REGISTERS=$'  retry_every_seconds: 2\n  retry_window_hours: 1\n  retry_batch: 500'
	BEFORE_EBBAD="outage_before" AFTER_DRAINED=outage_settle
	outage_before() { outage_start "$1" "$APPS"; }
	phase "$LATENCY ms, FK 30 % down" outage "$SIM_PORT" "$APPS" "$PROCS"
	OUTAGE=$RATE OUTAGE_REDECIDED=$REDECIDED
	OUTAGE_REFERRED=$(sql -d outage -c "select count(*) from ebba.decisions d where d.redecides_decision_id is null
		and ebba.register_retry_only(d.id, '{registers-answered}')")
	unset PREPARE_REGISTERS BEFORE_EBBAD AFTER_DRAINED
	peak
fi
if ! skipped slow1s; then
	start_regsim slow1s --latency-ms "$SLOW1S_LATENCY"
	phase "$SLOW1S_LATENCY ms registers" slow1s "$SIM_PORT" "$SLOW1S_APPS" "$PROCS" "$SLOW1S_CONCURRENCY"
	SLOW1S=$RATE
	# k: look-ups per application, from what was asked (one evidence row
	# with bytes per look-up).
	k=$(sql -d slow1s -c "select round(count(*)::numeric / nullif((select count(*) from ebba.decisions), 0), 2)
		from ebba.register_evidence where raw is not null")
	SLOW1S_PRED=$(awk -v p="$PROCS" -v c="$SLOW1S_CONCURRENCY" -v b="${BATCH:-64}" -v k="$k" -v l="$SLOW1S_LATENCY" \
		'BEGIN { f = k * b; if (c < f) f = c; printf "%.0f", p * f / (k * l / 1000) }')
	ROWS[-1]+=", $k look-ups per application; Little's law: $SLOW1S_PRED/s for $PROCS x min($SLOW1S_CONCURRENCY, $k x ${BATCH:-64}) in flight"
	peak
fi
if ! skipped mem; then
	# Instant registers of its own: the last simulator started may be the
	# 1 000 ms one.
	start_regsim mem
	say "memory: loading $MEM_APPS applications"
	prepare mem "$SIM_PORT" "$MEM_APPS"
	say "memory: 1 ebbad through $MEM_APPS applications"
	start_ebbad mem 1
	first=$(( MEM_APPS < 10000 ? MEM_APPS : 10000 ))
	while [ "$(decided mem)" -lt "$first" ]; do
		kill -0 "${EBBAD_PIDS[0]}" || { say "memory: ebbad died"; exit 1; }
		sleep 0.1
	done
	RSS10=$(rss_kib "${EBBAD_PIDS[0]}")
	wait_drained mem 3600
	RSS_END=$(rss_kib "${EBBAD_PIDS[0]}")
	stop_ebbad
	settle mem
	peak
	read -r RATE P50 P99 COUNT UNAVAIL QUAR < <(result mem)
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "memory" "$MEM_APPS" 1 "$RATE" "$P50" "$P99" \
		"$((PEAK_KIB / 1024))" "RSS $((RSS10 / 1024)) MiB after $first, $((RSS_END / 1024)) MiB after $MEM_APPS")")
fi

# ---------------------------------------------------------------- web
# percentiles FILE: "p50 p99" in ms of the seconds (one a line) in FILE,
# one line (read fails at an end of input without a newline, and set -e
# then ended the bench there, before the RSS and the report).
percentiles() {
	sort -n "$1" | awk '{ t[NR] = $1 } END {
		i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
		printf "%.1f %.1f\n", 1000 * t[i50], 1000 * t[i99] }'
}
WEB_Q50=0 WEB_Q99=0 WEB_D50=0 WEB_D99=0 WEB_RSS=0
if ! skipped web && ! skipped mem; then
	stored=$(decided mem)
	say "web: ebba-web over $stored stored decisions, $WEB_REQUESTS requests per page"
	printf '%s\n' bench-web-password | "$BIN/ebbactl" -c "$DIR/mem.yaml" user add benchcw --role caseworker >/dev/null
	sql -d mem -c "grant password_login to benchcw"
	cat >"$DIR/web.yaml" <<YAML
# Written by contrib/bench/run.sh.
database: "dbname=mem"
rules_dir: $ROOT/rules
web:
  port: 0
YAML
	"$BIN/ebba-web" -c "$DIR/web.yaml" 2>"$DIR/web.log" &
	WEB_PID=$!
	for i in $(seq 100); do grep -q 'listening on' "$DIR/web.log" && break; sleep 0.05; done
	WURL=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/web.log" | head -n 1)
	[ -n "$WURL" ] || { say "web: ebba-web did not start"; cat "$DIR/web.log" >&2; exit 1; }
	JAR=$DIR/web.jar
	token=$(curl -s -c "$JAR" -b "$JAR" "$WURL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf=$token" \
		--data-urlencode user=benchcw --data-urlencode password=bench-web-password "$WURL/login"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$WURL/")" = 200 ] ||
		{ say "web: the caseworker could not log in"; cat "$DIR/web.log" >&2; exit 1; }
	# One curl, many URLs: one connection kept alive, as a browser does.
	timed() {  # timed OUT URL...: the seconds of each request into OUT
		local out=$1; shift
		curl -s -b "$JAR" -w '%{stderr}%{time_total}\n' "$@" >/dev/null 2>"$out" || true
	}
	urls=(); for i in $(seq "$WEB_REQUESTS"); do urls+=("$WURL/"); done
	curl -s -o /dev/null -b "$JAR" "$WURL/"    # warm: templates, plans, caches
	timed "$DIR/web-queue.txt" "${urls[@]}"
	mapfile -t ids < <(sql -d mem -c "select id from ebba.decisions where outcome = 'referred'
		order by id % 97, id limit $WEB_REQUESTS")
	urls=(); for id in "${ids[@]}"; do urls+=("$WURL/beslut/$id"); done
	timed "$DIR/web-decision.txt" "${urls[@]}"
	read -r WEB_Q50 WEB_Q99 < <(percentiles "$DIR/web-queue.txt")
	read -r WEB_D50 WEB_D99 < <(percentiles "$DIR/web-decision.txt")
	# An incomplete phase is reported, not fatal: the other phases' figures stand.
	[ "$(wc -l <"$DIR/web-queue.txt")" = "$WEB_REQUESTS" ] && [ "$(wc -l <"$DIR/web-decision.txt")" = "${#ids[@]}" ] ||
		say "web: only $(wc -l <"$DIR/web-queue.txt") queue and $(wc -l <"$DIR/web-decision.txt") decision requests completed"
	# VmHWM is the peak over the whole phase, read while ebba-web still runs:
	# a process that died has no /proc entry, and its peak is not 0.
	if kill -0 "$WEB_PID" 2>/dev/null && [ "$(hwm_kib "$WEB_PID")" -gt 0 ]; then
		WEB_RSS=$(( ($(hwm_kib "$WEB_PID") + 1023) / 1024 ))
	else
		WEB_RSS=-; say "web: ebba-web died before its peak RSS was read"; cat "$DIR/web.log" >&2
	fi
	kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null || true; WEB_PID=
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "web: queue page" "$stored" 1 - "$WEB_Q50" "$WEB_Q99" "$WEB_RSS" \
		"$WEB_REQUESTS requests, one keep-alive connection, decisions stored: $stored")")
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "web: decision page" "$stored" 1 - "$WEB_D50" "$WEB_D99" "$WEB_RSS" \
		"${#ids[@]} different referred decisions")")
fi

# ---------------------------------------------------------------- api
API_RATE=0 SUBMIT_RATE=0 API_RSS=0
now_s() { date +%s.%N; }
per_s() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", (b > a ? n / (b - a) : 0) }'; }
if ! skipped api; then
	n=$(( API_APPS < HOUSEHOLDS ? API_APPS : HOUSEHOLDS ))
	mapfile -t docs < <(ls "$DIR/data/applications" | sort | head -n "$n" | sed "s|^|$DIR/data/applications/|")
	for db in api apisubmit; do
		createdb "$db"
		printf 'database: "dbname=%s"\nrules_dir: %s\nweb:\n  port: 0\n' "$db" "$ROOT/rules" >"$DIR/$db.yaml"
		"$BIN/ebbactl" -c "$DIR/$db.yaml" db migrate >/dev/null
	done
	say "api: ebbactl submit of $n documents"
	t0=$(now_s)
	"$BIN/ebbactl" -c "$DIR/apisubmit.yaml" submit "${docs[@]}" >/dev/null
	t1=$(now_s)
	SUBMIT_RATE=$(per_s "$n" "$t0" "$t1")
	[ "$(sql -d apisubmit -c 'select count(*) from ebba.inbox')" = "$n" ] ||
		{ say "api: ebbactl submit did not put every document in the inbox"; exit 1; }
	token=$("$BIN/ebbactl" -c "$DIR/api.yaml" token add bench)
	"$BIN/ebba-web" -c "$DIR/api.yaml" 2>"$DIR/api-web.log" &
	WEB_PID=$!
	for i in $(seq 100); do grep -q 'listening on' "$DIR/api-web.log" && break; sleep 0.05; done
	AURL=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/api-web.log" | head -n 1)
	[ -n "$AURL" ] || { say "api: ebba-web did not start"; cat "$DIR/api-web.log" >&2; exit 1; }
	for i in "${!docs[@]}"; do
		[ "$i" = 0 ] || echo next
		printf 'url = "%s/api/v1/applications"\ndata-binary = "@%s"\n' "$AURL" "${docs[$i]}"
		printf 'header = "Authorization: Bearer %s"\nheader = "Content-Type: application/xml"\n' "$token"
		printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
	done >"$DIR/api.curl"
	say "api: $n documents through POST /api/v1/applications, $API_CLIENTS at once"
	t0=$(now_s)
	curl -s --no-progress-meter --parallel --parallel-max "$API_CLIENTS" -K "$DIR/api.curl" \
		>"$DIR/api.codes" 2>"$DIR/api.err" || true
	t1=$(now_s)
	ok=$(grep -c '^201$' "$DIR/api.codes" || true)
	API_RATE=$(per_s "$ok" "$t0" "$t1")
	API_RSS=$(( ($(hwm_kib "$WEB_PID") + 1023) / 1024 ))
	kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null || true; WEB_PID=
	stored=$(sql -d api -c 'select count(distinct external_id) from ebba.inbox')
	[ "$ok" = "$n" ] && [ "$stored" = "$n" ] ||
		{ say "api: $ok of $n answered 201, $stored in the inbox"; exit 1; }
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "ebbactl submit" "$n" 1 "$SUBMIT_RATE" - - - \
		"accepted/s, one process, one connection")")
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "api: POST applications" "$n" "$API_CLIENTS" "$API_RATE" - - "$API_RSS" \
		"accepted/s (201), $API_CLIENTS clients at once, ebba-web threads 4")")
fi

# ---------------------------------------------------------------- deliver
LETTER_RATE=0 DELIVER_RSS=0 DECIDE_ALONE=0 DECIDE_WITH=0 DELIVER_RATIO=0
# with_deliver DB: DB's config gains a deliver section (the simulator's
# mailbox, the spools under DIR/DB-spool) and ebba-deliver starts on it.
with_deliver() {
	local db=$1
	cat >>"$DIR/$db.yaml" <<YAML
deliver:
  print_spool: $DIR/$db-spool/print
  protected_spool: $DIR/$db-spool/protected
  batch_size: 64
  mailbox_url: http://127.0.0.1:$SIM_PORT/mailbox/recipient
  signing_key: $DIR/mailbox/signer.key
  signing_cert: $DIR/mailbox/signer.pem
YAML
	local i
	for i in $(seq "$DELIVER_PROCS"); do
		"$BIN/ebba-deliver" -c "$DIR/$db.yaml" --worker "deliver$i" 2>"$DIR/$db-deliver$i.log" &
		DELIVER_PIDS+=($!)
	done
}
# deliver_hwm: the largest peak RSS (KiB) of the running ebba-delivers.
deliver_hwm() {
	local p h max=0
	for p in "${DELIVER_PIDS[@]}"; do h=$(hwm_kib "$p"); [ "$h" -gt "$max" ] && max=$h; done
	echo "$max"
}
stop_deliver() {
	local p
	for p in "${DELIVER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	DELIVER_PIDS=()
}
undelivered() { sql -d "$1" -c "select count(*) from ebba.outbox where state in ('queued', 'claimed')"; }
if ! skipped deliver; then
	mkdir -p "$DIR/mailbox" "$DIR/data/registers/mailbox"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Bench kommun (test signing only)" \
		-keyout "$DIR/mailbox/signer.key" -out "$DIR/mailbox/signer.pem" >/dev/null 2>&1
	find "$DIR/data/applications" -name '*.xml' -print0 | xargs -0 grep -ho 'pnr="[0-9]*" role="applicant"' |
		grep -o '[0-9]\{12\}' | sort -u | awk 'NR % 2 == 1 { printf "%s\t%s\n", $1, (NR % 4 == 1 ? "a" : "b") }' \
		>"$DIR/data/registers/mailbox/people.tsv"
	start_regsim deliver --mailbox-trust "$DIR/mailbox/signer.pem"
	phase "deliver: deciding alone" delivery "$SIM_PORT" "$DELIVER_APPS" "$PROCS"
	DECIDE_ALONE=$RATE
	letters=$(sql -d delivery -c "select count(*) from ebba.outbox")
	say "deliver: $letters letters through $DELIVER_PROCS ebba-deliver (mailbox and print spool)"
	t0=$(now_s)
	with_deliver delivery
	t_end=$((SECONDS + 1800))
	while [ "$(undelivered delivery)" != 0 ] && [ $SECONDS -lt $t_end ] && kill -0 "${DELIVER_PIDS[0]}" 2>/dev/null; do
		sleep 0.2
	done
	t1=$(now_s)
	DELIVER_RSS=$(( ($(deliver_hwm) + 1023) / 1024 ))
	stop_deliver
	read -r sent digital failed < <(sql -d delivery -F ' ' -c "select count(*) filter (where state = 'delivered'),
		count(*) filter (where channel = 'digital'), count(*) filter (where state = 'failed') from ebba.outbox")
	LETTER_RATE=$(per_s "$sent" "$t0" "$t1")
	[ "$sent" = "$letters" ] || say "deliver: only $sent of $letters letters delivered ($failed failed; $DIR/delivery-deliver*.log)"
	ROWS+=("$(printf '%-24s %7s %5s %11s %7s %7s %9s   %s' "deliver: letters" "$letters" "$DELIVER_PROCS" "$LETTER_RATE" - - "$DELIVER_RSS" \
		"letters/s rendered and delivered, $digital to the mailbox (signed, checked), the rest printed")")
	BEFORE_EBBAD=with_deliver
	phase "deliver: deciding beside" deliverwith "$SIM_PORT" "$DELIVER_APPS" "$PROCS"
	BEFORE_EBBAD=
	stop_deliver
	DECIDE_WITH=$RATE
	DELIVER_RATIO=$(awk -v a="$DECIDE_WITH" -v b="$DECIDE_ALONE" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	ROWS[-1]+=", ebba-deliver running beside: $DELIVER_RATIO of deciding alone"
fi

# ---------------------------------------------------------------- report
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
PGV=$(postgres --version | awk '{print $3}')
echo
echo "machine: $CPU, $(nproc) cores, $MEM; PostgreSQL $PGV (${PG_SETTINGS[*]}, fsync on)"
echo "households: $HOUSEHOLDS generated, copied to fill each phase; ebbad batch_size ${BATCH:-default}, registers.concurrency $CONCURRENCY"
echo
printf '%-24s %7s %5s %11s %7s %7s %9s   %s\n' phase apps procs decisions/s 'p50 ms' 'p99 ms' 'peak MiB' notes
printf '%-24s %7s %5s %11s %7s %7s %9s   %s\n' "pgbench -N -c 8 -j 2" - 8 "$TPS tps" - - - "-T 10, same cluster"
for r in "${ROWS[@]}"; do echo "$r"; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = 0; if (b + 0 > 0) r = a / b; printf "%.2f", r }'; }
RATIO=$(ratio "$FAST" "$TPS")
RATIO_STORE=$(ratio "$FAST" "$STORE")
echo
echo "bench: decisions_per_s=$FAST store_decisions_per_s=$STORE ratio_store=$RATIO_STORE" \
	"cpu_ms_ebbad=$CPU_FAST_EBBAD cpu_ms_pg=$CPU_FAST_PG cpu_ms_regsim=$CPU_FAST_SIM pgbench_tps=$TPS ratio=$RATIO" \
	"slow_decisions_per_s=$SLOW slow1s_decisions_per_s=$SLOW1S slow1s_predicted_per_s=$SLOW1S_PRED" \
	"outage_decisions_per_s=$OUTAGE outage_referred_for_fk=$OUTAGE_REFERRED outage_redecided=$OUTAGE_REDECIDED" \
	"rss_mib=$(( (MAX_PEAK + 1023) / 1024 ))" \
	"web_queue_p50_ms=$WEB_Q50 web_queue_p99_ms=$WEB_Q99 web_decision_p50_ms=$WEB_D50" \
	"web_decision_p99_ms=$WEB_D99 web_rss_mib=$WEB_RSS" \
	"api_accepted_per_s=$API_RATE api_submit_per_s=$SUBMIT_RATE api_rss_mib=$API_RSS" \
	"whatif_decisions_per_s=$WHATIF rules_bench_per_s=$RULES_RATE whatif_ratio=$WHATIF_RATIO" \
	"letters_per_s=$LETTER_RATE deliver_rss_mib=$DELIVER_RSS decisions_alone_per_s=$DECIDE_ALONE" \
	"decisions_with_delivery_per_s=$DECIDE_WITH deliver_ratio=$DELIVER_RATIO"
