#!/usr/bin/env bash
# make demo-stop: stops what make demo left running in DIR (default
# build/demo): ebba-web, ebba-deliver, ebbad and the register simulator by the pids it
# wrote, what make demo-sso added (a second ebba-web, Apache, the test
# provider), then the private PostgreSQL.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${1:-$ROOT/${BUILD:-build}/demo}
if [ -d "$DIR/sso" ]; then
	. "$ROOT/tests/sso/stack.sh"
	sso_stack_stop "$DIR/sso" && echo "demo: Apache and the test provider stopped"
fi
for name in ebba-web-sso ebba-web ebba-deliver ebbad regsim; do
	f=$DIR/$name.pid
	[ -s "$f" ] || continue
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null && echo "demo: $name stopped"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$f"
done
if [ -f "$DIR/pg/data/postmaster.pid" ]; then
	. "$ROOT/tests/pg.sh"
	PG_DIR=$(pg_real_dir "$DIR/pg") PG_BIN=$(pg_bindir) pg_stop && echo "demo: database stopped"
fi
exit 0
