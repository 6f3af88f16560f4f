# ebbad's /metrics, /healthz and /readyz (metrics_listen), on a cluster of
# its own so that stopping PostgreSQL touches no other test: the text
# passes `promtool check metrics`; decisions, register faults from the
# simulator (HTTP 5xx, an agency's error part, timeouts) and a circuit
# breaker opening move the counters, histograms and gauges they should;
# /readyz answers 503 while PostgreSQL is stopped and 200 again after;
# SIGTERM still stops ebbad at once.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/queue_lib.sh"
. "$ROOT/tests/pg.sh"
pg_start "$T_TMP/pg" fsync=off synchronous_commit=off >/dev/null || exit 2
trap 'pg_stop; t_cleanup' EXIT
new_db || exit 2

mkdir -p "$T_TMP/registers"
"$REGSIM" --dir "$T_TMP/registers" --port 0 --port-file "$T_TMP/regsim.port" --hang-ms 3000 \
	>"$T_TMP/regsim.log" 2>&1 & T_PIDS+=($!)
for _ in $(seq 100); do [ -s "$T_TMP/regsim.port" ] && break; sleep 0.05; done
sim=http://127.0.0.1:$(cat "$T_TMP/regsim.port")
control() { curl -sf "$sim/control?$1" >/dev/null; }

cfg=$(write_config <<Y
batch_size: 10
metrics_listen: 127.0.0.1:0
registers:
  ssbtek_url: $sim/ssbtek
  attendance_url: $sim
  timeout_ms: 400
  deadline_ms: 5000
  retries: 0
  organisation_number: "2120000142"
  organisation_name: Testkommunen
Y
)
"$EBBAD" -c "$cfg" 2>"$T_TMP/ebbad.log" & pid=$!; T_PIDS+=($pid)
for _ in $(seq 100); do grep -q 'metrics: serving' "$T_TMP/ebbad.log" && break; sleep 0.05; done
mport=$(sed -nE 's/.*metrics: serving .* \(port ([0-9]+)\).*/\1/p' "$T_TMP/ebbad.log" | head -1)
M=http://127.0.0.1:$mport
check "ebbad logs where its metrics are served" test -n "$mport"

scrape() { curl -sf "$M/metrics" >"$T_TMP/metrics.txt"; }
# value 'name{labels}': the sample's value, or 0 when the series is absent.
value() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$T_TMP/metrics.txt"; }
status() { curl -s -o /dev/null -w '%{http_code}' "$M$1"; }
decided() { psql_val "select count(*) from ebba.decisions"; }
wait_decided() {  # wait_decided N
	for _ in $(seq 200); do [ "$(decided)" -ge "$1" ] && return 0; sleep 0.05; done
	return 1
}
wait_ready() {  # wait_ready CODE
	for _ in $(seq 200); do [ "$(status /readyz)" = "$1" ] && return 0; sleep 0.05; done
	return 1
}

check_eq "/healthz answers 200" 200 "$(status /healthz)"
check "/readyz answers 200 once the rules are loaded and the database answers" wait_ready 200
check_eq "an unknown path is 404" 404 "$(status /nothing)"
check_eq "a POST is 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$M/metrics")"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$M/metrics")
check_eq "/metrics is the text format 0.0.4" "text/plain; version=0.0.4; charset=utf-8" "$ctype"

# --- decisions with every register answering ----------------------------------
insert_apps 1 5
check "five applications decided" wait_decided 5
scrape
check "promtool check metrics passes" promtool check metrics <"$T_TMP/metrics.txt"
sum=$(awk '/^ebba_decisions_total\{/ { s += $2 } END { print s + 0 }' "$T_TMP/metrics.txt")
check_eq "ebba_decisions_total adds up to the decisions written" 5 "$sum"
for o in approved referred rejected; do
	want=$(psql_val "select count(*) from ebba.decisions where outcome = '$o'")
	check_eq "... $o: as in ebba.decisions" "$want" "$(value "ebba_decisions_total{outcome=\"$o\"}")"
done
check_eq "an SSBTEK answer counts for AF" 5 \
	"$(value 'ebba_register_requests_total{register="ssbtek",agency="AF",result="ok"}')"
check_eq "... and for FK" 5 "$(value 'ebba_register_requests_total{register="ssbtek",agency="FK",result="ok"}')"
check_eq "no plan on record is not_found for PLAN" 5 \
	"$(value 'ebba_register_requests_total{register="attendance",agency="PLAN",result="not_found"}')"
check_eq "the latency histogram counts every look-up" 5 \
	"$(value 'ebba_register_request_duration_seconds_count{register="ssbtek",agency="AF"}')"
check_eq "... its +Inf bucket too" 5 \
	"$(value 'ebba_register_request_duration_seconds_bucket{register="ssbtek",agency="AF",le="+Inf"}')"
check "a batch duration was observed" test "$(value 'ebba_batch_duration_seconds_count')" -ge 1
check_eq "the breaker is closed" 0 "$(value 'ebba_circuit_breaker_open{register="ssbtek",agency="AF"}')"
check_eq "ebba_build_info is 1" 1 "$(awk '/^ebba_build_info\{version="[^"]+"\} / { print $2 }' "$T_TMP/metrics.txt")"
sha=$(psql_val "select ruleset_sha256 from ebba.decisions limit 1")
check_match "ebba_rules_info names the rule set in use" "^ebba_rules_info\\{name=\"[^\"]+\",version=\"[^\"]+\",sha256=\"$sha\"\\} 1$" \
	"$(grep '^ebba_rules_info' "$T_TMP/metrics.txt")"
check "process metrics are there" grep -q '^process_resident_memory_bytes ' "$T_TMP/metrics.txt"

# --- an agency's error part, then HTTP 5xx -------------------------------------
control "endpoint=ssbtek&agency-error=FK"
insert_apps 6 7
check "two more decided (FK's error part)" wait_decided 7
control "reset=1"
control "endpoint=ssbtek&error-rate=1"
insert_apps 8 9
check "two more decided (SSBTEK answering 5xx)" wait_decided 9
scrape
check_eq "FK's error part counts as agency_error for FK" 2 \
	"$(value 'ebba_register_requests_total{register="ssbtek",agency="FK",result="agency_error"}')"
check_eq "... while AF in the same answers was ok" 7 \
	"$(value 'ebba_register_requests_total{register="ssbtek",agency="AF",result="ok"}')"
check_eq "HTTP 5xx counts as http_error, for each agency" 2 \
	"$(value 'ebba_register_requests_total{register="ssbtek",agency="AF",result="http_error"}')"
referred=$(psql_val "select count(*) from ebba.decision_checks where check_id = 'registers-answered' and result = 'fail'")
check "the referrals for an unavailable register are counted by check id ($referred)" \
	test "$(value 'ebba_referrals_total{reason="registers-answered"}')" -eq "$referred" -a "$referred" -ge 4
check_eq "two failures in a row do not open the breaker" 0 \
	"$(value 'ebba_circuit_breaker_open{register="ssbtek",agency="AF"}')"

# --- timeouts open the breaker (5 consecutive failures) ------------------------
control "reset=1"
control "endpoint=ssbtek&hang-rate=1"
insert_apps 10 12
check "three more decided (SSBTEK hanging past timeout_ms)" wait_decided 12
scrape
check_eq "a hang past timeout_ms counts as timeout" 3 \
	"$(value 'ebba_register_requests_total{register="ssbtek",agency="AF",result="timeout"}')"
check_eq "five failures in a row: ebba_circuit_breaker_open is 1" 1 \
	"$(value 'ebba_circuit_breaker_open{register="ssbtek",agency="MIV"}')"
check_eq "... for SSBTEK's agencies only, not PLAN" 0 \
	"$(value 'ebba_circuit_breaker_open{register="attendance",agency="PLAN"}')"
fast=$(value 'ebba_register_request_duration_seconds_bucket{register="ssbtek",agency="AF",le="0.25"}')
all=$(value 'ebba_register_request_duration_seconds_count{register="ssbtek",agency="AF"}')
check "... the timed-out look-ups fall in buckets above 0.25 s ($fast of $all at most 0.25 s)" \
	test $((all - fast)) -ge 3
insert_apps 13 13
check "one more decided while the circuit is open" wait_decided 13
scrape
check_eq "... its look-up failed fast: circuit_open" 1 \
	"$(value 'ebba_register_requests_total{register="ssbtek",agency="AF",result="circuit_open"}')"
check "promtool check metrics passes after the faults" promtool check metrics <"$T_TMP/metrics.txt"
cp "$T_TMP/metrics.txt" "$T_TMP/ebbad-metrics.txt"

# --- ebba-web's own metrics, on web.metrics_listen -----------------------------
wcfg=$T_TMP/web.yaml
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n  metrics_listen: "[::1]:0"\n' "$ROOT/rules" >"$wcfg"
"$ROOT/$BUILD/ebba-web" -c "$wcfg" 2>"$T_TMP/web.log" & wpid=$!; T_PIDS+=($wpid)
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
wport=$(sed -nE 's/.*metrics on .* \(port ([0-9]+)\).*/\1/p' "$T_TMP/web.log" | head -1)
WM="http://[::1]:$wport"
check "ebba-web logs where its metrics are served" test -n "$wport" -a -n "$URL"
wscrape() { curl -sf "$WM/metrics" >"$T_TMP/metrics.txt"; }
J=$T_TMP/jar
curl -s -c "$J" -b "$J" "$URL/login" >"$T_TMP/login.html"
token=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T_TMP/login.html" | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$token" --data-urlencode "user=nobody_here" \
	--data-urlencode "password=wrong" "$URL/login"
printf '%s\n' Test-l0senord | "$EBBACTL" user add mcw --role caseworker >/dev/null
psql_val "grant password_login to mcw" >/dev/null
curl -s -c "$T_TMP/cw" -b "$T_TMP/cw" "$URL/login" >"$T_TMP/login.html"
token=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T_TMP/login.html" | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$T_TMP/cw" -b "$T_TMP/cw" --data-urlencode "csrf=$token" --data-urlencode "user=mcw" \
	--data-urlencode "password=Test-l0senord" "$URL/login"
curl -s -o /dev/null "$URL/static/ebba.css"
curl -s -o /dev/null "$URL/"
curl -s -o /dev/null "$URL/"
wscrape
check "promtool check metrics passes on ebba-web's /metrics" promtool check metrics <"$T_TMP/metrics.txt"
cp "$T_TMP/metrics.txt" "$T_TMP/web-metrics.txt"
check_eq "the login page counts as class login, 200" 2 "$(value 'ebba_web_requests_total{class="login",code="200"}')"
check_eq "the refused login as class login, 401" 1 "$(value 'ebba_web_requests_total{class="login",code="401"}')"
check_eq "... and as a login failure" 1 "$(value 'ebba_web_login_failures_total')"
check_eq "a static file as class static" 1 "$(value 'ebba_web_requests_total{class="static",code="200"}')"
check_eq "a page without a session as class page, 303" 2 "$(value 'ebba_web_requests_total{class="page",code="303"}')"
check_eq "the latency histogram counts the page requests" 2 "$(value 'ebba_web_request_duration_seconds_count{class="page"}')"
check_eq "the caseworker's login counts as class login, 303" 1 "$(value 'ebba_web_requests_total{class="login",code="303"}')"
check_eq "... and as a session" 1 "$(value 'ebba_web_sessions')"
check_eq "the metrics are not on the caseworkers' port" 303 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")"
check_eq "ebba-web's /readyz answers 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$WM/readyz")"

# --- the Grafana dashboard and the alerting rules --------------------------------
DASH=$ROOT/contrib/grafana/ebba.json
check "contrib/grafana/ebba.json is well-formed JSON" python3 -m json.tool "$DASH"
# Every panel's query, as a recording rule, so that promtool parses it.
python3 - "$DASH" >"$T_TMP/dash-rules.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
for i, p in enumerate(x for x in d["panels"] if x["type"] != "row"):
    for t in p["targets"]:
        e = t["expr"].replace("$__rate_interval", "5m").replace("$web_job", ".*").replace("$job", ".*")
        print("      - record: ebba:panel%d:%s\n        expr: %s" % (i, t["refId"], json.dumps(e)))
PY
check "every dashboard query is valid PromQL (promtool check rules)" promtool check rules "$T_TMP/dash-rules.yml"
missing=
for n in $(grep -oE 'ebba_[a-z_]+' "$DASH" | sort -u); do
	base=${n%_bucket}
	grep -qE "^(# TYPE )?${base}[ {]" "$T_TMP/ebbad-metrics.txt" "$T_TMP/web-metrics.txt" || missing="$missing $n"
done
check_eq "every metric the dashboard uses is served" "" "$missing"
check "contrib/prometheus/ebba-alerts.yml passes promtool check rules" \
	promtool check rules "$ROOT/contrib/prometheus/ebba-alerts.yml"

# --- readiness follows the database ---------------------------------------------
pg_stop
check "/readyz answers 503 while PostgreSQL is stopped" wait_ready 503
check_match "... saying why" "not ready: the database does not answer" "$(curl -s "$M/readyz")"
check_eq "... while /healthz still answers 200" 200 "$(status /healthz)"
check_eq "ebba-web's /readyz answers 503 too" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$WM/readyz")"
pg_restart fast
check "/readyz answers 200 again once PostgreSQL is back" wait_ready 200
check_eq "... and ebba-web's" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$WM/readyz")"
kill -TERM "$wpid"; wait "$wpid"
check_eq "ebba-web stops with its metrics server: exit 0" 0 "$?"

t0=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
wait "$pid"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "SIGTERM with the metrics server running: exit 0" 0 "$rc"
check "... within 2 s (took $ms ms)" test "$ms" -le 2000
check_eq "... and the port is closed" 000 "$(status /healthz)"
