#!/usr/bin/env bash
# make demo: a private PostgreSQL and the register simulator on loopback,
# about 50 sample households through ebbad, and a summary of the decisions.
# The database is left running so that you can look closer; the last lines
# say how, and how to stop it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
REFERENCE=${EBBA_REFERENCE:-$ROOT/reference}
DIR=${EBBA_DEMO_DIR:-$ROOT/$BUILD/demo}
. tests/pg.sh
. contrib/demo/setup.sh

if [ -f "$DIR/pg/data/postmaster.pid" ]; then
	PG_DIR=$DIR/pg PG_BIN=$(pg_bindir) pg_stop
fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chmod 0755 "$DIR"
echo "demo: starting a private PostgreSQL in $DIR/pg"
pg_start "$DIR/pg"
trap 'demo_stop_regsim' EXIT
echo "demo: generating households, starting the register simulator, submitting"
demo_setup "$ROOT" "$ROOT/$BUILD" "$DIR" "$REFERENCE"
echo "demo: $(psql -XAtq -c 'select count(*) from ebba.inbox') applications in the inbox; running ebbad --once"
start=$(date +%s.%N)
"$ROOT/$BUILD/ebbad" -c "$DIR/ebba.yaml" --once 2>"$DIR/ebbad.log"
end=$(date +%s.%N)
echo "demo: decided in $(awk "BEGIN{printf \"%.2f\", $end - $start}") s"
echo
demo_summary
cat <<TXT

Look closer (the database is still running):
  export PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGDATABASE=$PGDATABASE
  $BUILD/ebbactl -c $DIR/ebba.yaml review list
  $BUILD/ebbactl -c $DIR/ebba.yaml review show ID
  $BUILD/ebbactl -c $DIR/ebba.yaml replay ID
  $BUILD/ebbactl -c $DIR/ebba.yaml status
Stop it:  make demo-stop
TXT
