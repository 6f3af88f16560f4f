# Helpers for integration tests (sourced by tests/integration/*.sh).
# Each assertion prints "ok - NAME" or "not ok - NAME" (with the reason);
# tests/run counts them.  A test script exits non-zero only if it could not
# run at all; failed assertions are counted, not fatal.

set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EBBAD=$ROOT/$BUILD/ebbad
EBBACTL=$ROOT/$BUILD/ebbactl
REGSIM=$ROOT/$BUILD/ebba-regsim
GEN=$ROOT/$BUILD/ebba-gen
EBBA_REFERENCE=${EBBA_REFERENCE:-$ROOT/reference}
export EBBA_REFERENCE
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ebba-test.XXXXXX")
[ "$(id -u)" = 0 ] && chmod 0755 "$T_TMP"
T_PIDS=()

t_cleanup() {
	local p
	for p in "${T_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

ok()   { echo "ok - $*"; }
fail() { echo "not ok - $*"; }

# check NAME COMMAND...: passes when the command exits 0.
check() {
	local name=$1; shift
	if "$@" >"$T_TMP/check.out" 2>&1; then ok "$name"
	else fail "$name"; sed 's/^/#   /' "$T_TMP/check.out" | head -20; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"
	else fail "$1"; echo "#   expected: $2"; echo "#   actual:   $3"; fi
}

# check_match NAME REGEX TEXT
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"
	else fail "$1"; echo "#   expected to match: $2"; printf '%s\n' "$3" | head -5 | sed 's/^/#   actual: /'; fi
}

# A fresh database in the test run's cluster, migrated.
new_db() {
	local name="t_$(basename "$0" .sh | tr -c 'a-z0-9\n' '_')_$RANDOM"
	createdb "$name" || return 1
	export PGDATABASE=$name
	"$EBBACTL" db migrate >/dev/null || return 1
}

psql_val() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# A config file for ebbad/ebbactl in the test's temp dir; extra YAML lines
# on stdin are appended.
write_config() {  # the settings on stdin, then these defaults for the ones it leaves out (a key given twice is an error)
	local f=$T_TMP/ebba.yaml given
	given=$(cat)
	{
		printf '%s\n' "$given"
		grep -q '^database:' <<<"$given" || echo "database: \"\""
		grep -q '^rules_dir:' <<<"$given" || echo "rules_dir: $ROOT/rules"
		grep -q '^lease_seconds:' <<<"$given" || echo "lease_seconds: ${LEASE_SECONDS:-30}"
		grep -q '^poll_interval_ms:' <<<"$given" || echo "poll_interval_ms: 200"
	} >"$f"
	echo "$f"
}

# A test number from Skatteverket's list, by line (1-based).
test_pnr() { sed -n "${1}p" "$EBBA_REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt"; }

# start_regsim DIR: the register simulator serving DIR on a port it
# chooses, its log in $T_TMP/regsim.log; sets PORT.  Returns 1 if it does
# not say its port within five seconds.
start_regsim() {
	"$REGSIM" --dir "$1" --port 0 --port-file "$T_TMP/regsim.port" >"$T_TMP/regsim.log" 2>&1 &
	T_PIDS+=("$!")
	local i
	for i in $(seq 100); do [ -s "$T_TMP/regsim.port" ] && break; sleep 0.05; done
	PORT=$(cat "$T_TMP/regsim.port")
	[ -n "$PORT" ]
}

# registers_yaml PORT: the registers section of a config for the simulator
# on PORT, for write_config.
registers_yaml() {
	cat <<YAML
registers:
  ssbtek_url: http://127.0.0.1:$1/ssbtek
  attendance_url: http://127.0.0.1:$1
  timeout_ms: 1000
  deadline_ms: 3000
  retries: 1
  organisation_number: "2120000000"
  organisation_name: Testkommun
YAML
}

# start_web CONFIG: ebba-web on the port it chooses, its output in
# $T_TMP/web.log; sets WEB_PORT.  Returns 1 if the log does not say where
# it listens within five seconds.
start_web() {
	"$ROOT/$BUILD/ebba-web" -c "$1" >"$T_TMP/web.log" 2>&1 &
	T_PIDS+=("$!")
	WEB_PORT=
	local i
	for i in $(seq 100); do
		WEB_PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | grep -o '[0-9]*$')
		[ -n "$WEB_PORT" ] && break; sleep 0.05
	done
	[ -n "$WEB_PORT" ]
}
