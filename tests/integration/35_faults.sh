# A short torture run (tests/torture/run.sh, which `make torture` runs at
# full size): 1 000 applications, three workers, 5 kill -9, one fast and
# one immediate PostgreSQL restart, cut connections, and every register
# simulator fault at 30 % on 100 applications each -- with the SQL
# invariants (one decision each, no duplicates, no approval without the
# required evidence, referral reasons that name the register).  Its own
# cluster, so the restarts touch no other test.
. "$(dirname "$0")/../lib.sh"
TORTURE_APPS=1000 TORTURE_KILLS=5 TORTURE_WORKERS=3 TORTURE_RESTARTS=1 TORTURE_TERMINATES=2 \
TORTURE_FAULT_APPS=100 TORTURE_HOUSEHOLDS=300 TORTURE_PHASES="kills database registers" \
	BUILD=$BUILD "$ROOT/tests/torture/run.sh"
