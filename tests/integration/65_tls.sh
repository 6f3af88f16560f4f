# TLS to the registers: verification is on unless switched off (and then
# loudly), and a configured CA file is what it trusts.  A TLS server on
# loopback with a self-signed certificate stands in for SSBTEK.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../queue_lib.sh"
new_db || exit 2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" \
	>/dev/null 2>&1 || { fail "openssl could not make a certificate"; exit 0; }
port=$((30000 + RANDOM % 20000))
openssl s_server -accept "127.0.0.1:$port" -cert "$T_TMP/cert.pem" -key "$T_TMP/key.pem" \
	-www -quiet >/dev/null 2>&1 &
T_PIDS+=($!)
# Up to 30 s: on a loaded 2-core machine openssl can take seconds to listen,
# and a test that starts before it would judge "cannot connect", not TLS.
up=
for i in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }; sleep 0.1; done
[ -n "$up" ] || { fail "the TLS stand-in (openssl s_server) listens on 127.0.0.1:$port"; exit 0; }

run_one() {  # run_one NAME EXTRA-YAML: decide one application, print SSBTEK's reason
	createdb "tls_$1_$$" && PGDATABASE="tls_$1_$$" "$EBBACTL" db migrate >/dev/null
	PGDATABASE="tls_$1_$$" insert_apps 1 1 >/dev/null
	local cfg=$T_TMP/$1.yaml
	write_config </dev/null >/dev/null
	mv "$T_TMP/ebba.yaml" "$cfg"
	printf 'registers:\n  ssbtek_url: https://127.0.0.1:%s/ssbtek\n  timeout_ms: 1000\n  deadline_ms: 2000\n  retries: 0\n  organisation_number: "2120000000"\n  organisation_name: Testkommun\n%s\n' \
		"$port" "$2" >>"$cfg"
	PGDATABASE="tls_$1_$$" "$EBBAD" -c "$cfg" --once 2>"$T_TMP/$1.log"
	PGDATABASE="tls_$1_$$" psql -XAtq -c "select coalesce(trace->'registers'->0->>'ssbtek_reason', '') from ebba.decisions"
}

reason=$(run_one default "")
check_match "with default settings a self-signed register is refused for its certificate" \
	"(certificate|SSL)" "$reason"
check "and no TLS warning is logged" bash -c "! grep -qi 'insecure\|verification' '$T_TMP/default.log'"

reason=$(run_one ca "  ca_file: $T_TMP/cert.pem")
check_match "with that certificate as ca_file TLS succeeds (the answer itself is not SOAP)" "^register unavailable: SSBTEK" "$reason"
check "and the reason is no longer the certificate" bash -c "! grep -Eqi 'certificate|SSL' <<<'$reason'"

reason=$(run_one insecure "  insecure_skip_verify: true")
check "insecure_skip_verify is never silent" grep -qiE 'warning.*(insecure|verif)' "$T_TMP/insecure.log"
check "insecure_skip_verify skips the certificate check" bash -c "! grep -Eqi 'certificate' <<<'$reason'"
