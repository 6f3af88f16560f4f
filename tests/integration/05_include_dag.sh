# The files of daemon/web, daemon/cel and daemon/store depend on each
# other without a circle (tests/tools/include_dag.sh says what a circle
# is): a handler never leads back to the server, a page never back to
# the route table, one api_*.c never back to another that uses it.
# Needs no database; reads the sources and the build's objects.
. "$(dirname "$0")/../lib.sh"
out=$("$ROOT/tests/tools/include_dag.sh" "$BUILD" 2>&1)
rc=$?
check_eq "no circle between the files of daemon/web, daemon/cel, daemon/store" "0 " "$rc $out"
