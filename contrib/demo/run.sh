#!/usr/bin/env bash
# make demo: a private PostgreSQL and the register simulator on loopback,
# about 50 sample households through ebbad, and a summary of the decisions.
# Then ebbad keeps running (as a service would) and ebba-web serves the
# web interface on loopback, with a demo caseworker and supervisor; their
# logins are in build/demo/web.env (shell-sourceable) and on the screen.
# make demo-stop (contrib/demo/stop.sh) stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
REFERENCE=${EBBA_REFERENCE:-$ROOT/reference}
DIR=${EBBA_DEMO_DIR:-$ROOT/$BUILD/demo}
. tests/pg.sh
. contrib/demo/setup.sh

[ -d "$DIR" ] && "$ROOT/contrib/demo/stop.sh" "$DIR" >/dev/null
[ -e "$DIR/pg" ] && pg_remove "$DIR/pg"
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chmod 0755 "$DIR"
echo "demo: starting a private PostgreSQL in $DIR/pg"
pg_start "$DIR/pg"
trap 'demo_stop_regsim' EXIT
# The people of the demo log in with a password that PostgreSQL checks
# (tests/pg.sh: members of password_login).
CASEWORKER=handlaggare SUPERVISOR=chef PASSWORD=${EBBA_DEMO_PASSWORD:-ebba-demo-2026}
echo "demo: generating households, starting the register simulator, submitting"
demo_setup "$ROOT" "$ROOT/$BUILD" "$DIR" "$REFERENCE"
echo "demo: $(psql -XAtq -c 'select count(*) from ebba.inbox') applications in the inbox; running ebbad --once"
start=$(date +%s.%N)
"$ROOT/$BUILD/ebbad" -c "$DIR/ebba.yaml" --once 2>"$DIR/ebbad.log"
end=$(date +%s.%N)
echo "demo: decided in $(awk "BEGIN{printf \"%.2f\", $end - $start}") s"
echo
demo_summary

# What a service installation runs: ebbad waiting for work, ebba-web; both
# with their metrics on loopback (port 0: any free one, read from the logs).
cat >>"$DIR/ebba.yaml" <<YAML
metrics_listen: 127.0.0.1:${EBBA_DEMO_METRICS_PORT:-0}
web:
  address: 127.0.0.1
  port: ${EBBA_DEMO_WEB_PORT:-0}
  metrics_listen: 127.0.0.1:${EBBA_DEMO_WEB_METRICS_PORT:-0}
deliver:
  print_spool: $DIR/spool/print
  protected_spool: $DIR/spool/protected
  metrics_listen: 127.0.0.1:${EBBA_DEMO_DELIVER_METRICS_PORT:-0}
  mailbox_url: $DEMO_MAILBOX_URL
  signing_key: $DIR/mailbox/signer.key
  signing_cert: $DIR/mailbox/signer.pem
YAML
ctl="$ROOT/$BUILD/ebbactl -c $DIR/ebba.yaml"
for who in "$CASEWORKER caseworker" "$SUPERVISOR supervisor"; do
	set -- $who
	printf '%s\n' "$PASSWORD" | $ctl user add "$1" --role "$2" >/dev/null
done
psql -XAtq -c "grant password_login to $CASEWORKER, $SUPERVISOR" >/dev/null
# The e-service's door: a bearer token for the intake API (/api/v1/).
INTAKE_TOKEN=$($ctl token add demo-eservice)
nohup "$ROOT/$BUILD/ebbad" -c "$DIR/ebba.yaml" >>"$DIR/ebbad.log" 2>&1 &
echo $! >"$DIR/ebbad.pid"
nohup "$ROOT/$BUILD/ebba-web" -c "$DIR/ebba.yaml" >"$DIR/ebba-web.log" 2>&1 &
echo $! >"$DIR/ebba-web.pid"
# ebba-deliver sends the letters: to the simulated digital mailbox for the
# applicants who have one, the rest to the print spool (a protected case's
# to the protected one).
nohup "$ROOT/$BUILD/ebba-deliver" -c "$DIR/ebba.yaml" >"$DIR/ebba-deliver.log" 2>&1 &
echo $! >"$DIR/ebba-deliver.pid"
echo "$DEMO_REGSIM_PID" >"$DIR/regsim.pid"
trap - EXIT
url=
for _ in $(seq 100); do
	url=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/ebba-web.log" | head -n 1) && [ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { echo "demo: ebba-web did not start:" >&2; cat "$DIR/ebba-web.log" >&2; exit 1; }
metrics_port() {  # metrics_port LOG: the port its "(port N)" line names
	local p i
	for i in $(seq 100); do
		p=$(sed -nE 's/.*metrics.* \(port ([0-9]+)\).*/\1/p' "$1" | tail -n 1)
		[ -n "$p" ] && { echo "$p"; return; }
		sleep 0.1
	done
}
metrics_url=http://127.0.0.1:$(metrics_port "$DIR/ebbad.log")
web_metrics_url=http://127.0.0.1:$(metrics_port "$DIR/ebba-web.log")
deliver_metrics_url=http://127.0.0.1:$(metrics_port "$DIR/ebba-deliver.log")
letters=$(psql -XAtq -c 'select count(*) from ebba.outbox')
for _ in $(seq 300); do  # the demo's letters, delivered (rendering takes a moment)
	[ "$(psql -XAtq -c "select count(*) from ebba.outbox where state in ('queued', 'claimed')")" = 0 ] && break
	sleep 0.1
done
by_channel() { psql -XAtq -c "select count(*) from ebba.outbox where state = 'delivered' and channel = '$1'"; }
cat >"$DIR/web.env" <<ENV
# Written by make demo (contrib/demo/run.sh); source it: . $DIR/web.env
EBBA_WEB_URL=$url
EBBA_DEMO_CASEWORKER=$CASEWORKER
EBBA_DEMO_SUPERVISOR=$SUPERVISOR
EBBA_DEMO_PASSWORD=$PASSWORD
EBBA_METRICS_URL=$metrics_url
EBBA_WEB_METRICS_URL=$web_metrics_url
EBBA_API_URL=$url/api/v1
EBBA_DEMO_INTAKE_TOKEN=$INTAKE_TOKEN
PGHOST=$PGHOST
PGPORT=$PGPORT
PGUSER=$PGUSER
PGDATABASE=$PGDATABASE
export EBBA_WEB_URL EBBA_DEMO_CASEWORKER EBBA_DEMO_SUPERVISOR EBBA_DEMO_PASSWORD EBBA_METRICS_URL EBBA_WEB_METRICS_URL
export EBBA_API_URL EBBA_DEMO_INTAKE_TOKEN PGHOST PGPORT PGUSER PGDATABASE
ENV
cat <<TXT

The web interface:  $url/
  caseworker:  $CASEWORKER / $PASSWORD
  supervisor:  $SUPERVISOR / $PASSWORD
  (also in $DIR/web.env)
Metrics (Prometheus):  $metrics_url/metrics (ebbad), $web_metrics_url/metrics (ebba-web),
  $deliver_metrics_url/metrics (ebba-deliver)

The letters ($letters): $(by_channel digital) to the digital mailbox (Mina meddelanden, simulated:
  ${DEMO_MAILBOX_URL%/recipient}/deliveries lists what its suppliers received),
  $(by_channel print) to the print spool:  $DIR/spool/print/
  one PDF per letter (LETTER.pdf) and manifest.tsv (letter, case, identity number, SHA-256, key);
  ebba holds no postal addresses: the municipality's print service adds them.
  $(by_channel protected) of protected cases:  $DIR/spool/protected/   (counts on Drift and in ebbactl status)

The intake API (for the e-service):  $url/api/v1/  (token: EBBA_DEMO_INTAKE_TOKEN in web.env)
  . $DIR/web.env
  curl -i -H "Authorization: Bearer \$EBBA_DEMO_INTAKE_TOKEN" -H 'Content-Type: application/xml' \\
       --data-binary @tests/data/applications/good.xml "\$EBBA_API_URL/applications"

ebbad keeps running and decides what is submitted; look closer:
  . $DIR/web.env
  $BUILD/ebbactl -c $DIR/ebba.yaml review list
  $BUILD/ebbactl -c $DIR/ebba.yaml review show ID
  $BUILD/ebbactl -c $DIR/ebba.yaml replay ID
  $BUILD/ebbactl -c $DIR/ebba.yaml status
Stop it:  make demo-stop
TXT
