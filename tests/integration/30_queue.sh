# The queue: four workers on 10 000 applications decide each exactly once;
# a kill -9 mid-batch loses nothing and decides nothing twice.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../queue_lib.sh"
new_db || exit 2

N=10000
insert_apps 1 $N
cfg=$(write_config <<'Y'
batch_size: 50
Y
)
pids=()
for w in 1 2 3 4; do
	"$EBBAD" -c "$cfg" --once --worker "w$w" 2>"$T_TMP/w$w.log" &
	pids+=($!)
done
rcs=""
for p in "${pids[@]}"; do wait "$p"; rcs="$rcs$? "; done
check_eq "four ebbad --once exit 0" "0 0 0 0 " "$rcs"
check_eq "none left pending or processing" 0 "$(psql_val "select count(*) from ebba.inbox where state in ('pending','processing')")"
check_eq "one decision per application" $N "$(psql_val "select count(*) from ebba.decisions")"
check_eq "no application decided twice" $N "$(psql_val "select count(distinct inbox_id) from ebba.decisions")"
check_eq "every decision is for a decided inbox row" $N "$(psql_val "select count(*) from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id and i.state = 'decided'")"
# No registers are configured here, so nothing may be approved: the rules
# never approve without the evidence they require.
check_eq "without registers every application is referred" $N "$(psql_val "select count(*) from ebba.decisions where outcome = 'referred'")"
check "all four workers took part" test "$(grep -l 'stopping' "$T_TMP"/w*.log | wc -l)" -eq 4

# kill -9 in the middle of a batch, then a restart.
createdb "${PGDATABASE}_k" && export PGDATABASE=${PGDATABASE}_k
"$EBBACTL" db migrate >/dev/null
M=3000
insert_apps 1 $M
cfg=$(LEASE_SECONDS=2 write_config <<'Y'
batch_size: 100
Y
)
kills=0
for round in 1 2 3; do
	"$EBBAD" -c "$cfg" 2>>"$T_TMP/k.log" &
	p=$!
	# Wait until it is working, then kill it at an arbitrary moment.
	for i in $(seq 100); do
		n=$(psql_val "select count(*) from ebba.inbox where state in ('decided','processing')")
		[ "$n" -gt $((round * 200)) ] && break
		sleep 0.05
	done
	sleep "0.0$((RANDOM % 9))"
	kill -9 "$p" 2>/dev/null && kills=$((kills + 1))
	wait "$p" 2>/dev/null
done
check_eq "the daemon was killed three times" 3 "$kills"
sleep 2.2   # let the dead workers' leases expire
"$EBBAD" -c "$cfg" --once 2>>"$T_TMP/k.log"
check_eq "after restart nothing is pending" 0 "$(psql_val "select count(*) from ebba.inbox where state <> 'decided'")"
check_eq "after kill -9 every application has exactly one decision" "$M $M" \
	"$(psql_val "select count(*) || ' ' || count(distinct inbox_id) from ebba.decisions")"

