#!/usr/bin/env bash
# contrib/bench/ab.sh OLD [ROUNDS]: the old build and this one, alternated.
#
# "No phase slower beyond its noise" cannot be read off two runs made at
# different times on a shared machine: the same binary has measured 0.58
# and 0.79 ms of CPU per decision an hour apart.  So both builds run the
# same phases one after the other, ROUNDS times (default 3), in the order
# old new, new old, old new, ... (so that a drift over the run falls on
# both alike), each with its own tree's contrib/bench/run.sh and the same
# BENCH_* settings.  For every figure of the last "bench:" line the script
# prints each build's runs, median and range; a figure is "slower beyond
# noise" when every new run is worse than every old one (the ranges do not
# overlap), "faster beyond noise" the other way round, else "within noise".
#
# OLD is a commit (built from `git archive` into $EBBA_BENCH_DIR/ab/old,
# plainly, like tests/integration/37_inputs_upgrade.sh).  The phases are
# BENCH_SKIP's as for run.sh; the default skips the long ones, leaving the
# instant registers, the store's ceiling, what-if, the API and delivery:
#   BENCH_SKIP="pgbench slow outage slow1s mem web" contrib/bench/ab.sh 1e08e1c
# Each build's store ceiling is its own run.sh's: compare ratio_store across
# builds only when both write the same tables (the ceiling writes every
# table ebbad writes since issue 30).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=${1:?usage: contrib/bench/ab.sh OLD-COMMIT [ROUNDS]}
ROUNDS=${2:-3}
DIR=${EBBA_BENCH_DIR:-/tmp/ebba-bench}/ab
export BENCH_SKIP=${BENCH_SKIP:-pgbench slow outage slow1s mem web}
say() { printf 'ab: %s\n' "$*" >&2; }

rm -rf "$DIR"
mkdir -p "$DIR/old"
commit=$(git -C "$ROOT" rev-parse --verify "$OLD^{commit}") ||
	{ say "$OLD is not a commit of this repository"; exit 1; }
say "building ${commit:0:7} into $DIR/old"
git -C "$ROOT" archive "$commit" | tar -x -C "$DIR/old"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$DIR/old" -j2 BUILD=build CC=cc \
	>"$DIR/old-build.log" 2>&1 || { tail -20 "$DIR/old-build.log" >&2; exit 1; }
say "building this tree"
make -C "$ROOT" -j2 >"$DIR/new-build.log" 2>&1 || { tail -20 "$DIR/new-build.log" >&2; exit 1; }

run() {  # run BUILD ROUND: one run.sh of that build, its bench: line into DIR/BUILD.lines
	local tree=$ROOT b=$1
	[ "$b" = old ] && tree=$DIR/old
	say "round $2: $b"
	(cd "$tree" && BUILD=build EBBA_BENCH_DIR="$DIR/run-$b" contrib/bench/run.sh \
		>"$DIR/$b-$2.out" 2>"$DIR/$b-$2.err") || { say "$b round $2 failed:"; tail -5 "$DIR/$b-$2.err" >&2; exit 1; }
	grep '^bench:' "$DIR/$b-$2.out" | tail -1 >>"$DIR/$b.lines"
}
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then run old "$i"; run new "$i"; else run new "$i"; run old "$i"; fi
done

# Figures where less is better; every other one is a rate (more is better).
LOWER='cpu_ms_ebbad cpu_ms_pg cpu_ms_regsim rss_mib web_queue_p50_ms web_queue_p99_ms
web_decision_p50_ms web_decision_p99_ms web_rss_mib api_rss_mib deliver_rss_mib'
# Counts, not measures of speed: shown by run.sh, not judged here.
COUNTS='outage_referred_for_fk outage_redecided slow1s_predicted_per_s'
awk -v lower="$LOWER" -v counts="$COUNTS" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
BEGIN {
	n = split(lower, l, /[ \n]+/); for (i = 1; i <= n; i++) low[l[i]] = 1
	n = split(counts, l, / /); for (i = 1; i <= n; i++) count[l[i]] = 1
}
FNR == 1 { b = (FILENAME ~ /old\.lines$/) ? "old" : "new" }
{
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		if (!(kv[1] in seen)) { seen[kv[1]] = 1; order[++nk] = kv[1] }
		c = ++cnt[b, kv[1]]; v[b, kv[1], c] = kv[2] + 0
	}
}
END {
	printf "%-30s %-26s %-26s %9s  %s\n", "figure", "old: median (range)", "new: median (range)", "new/old", "verdict"
	for (k = 1; k <= nk; k++) {
		f = order[k]; no = cnt["old", f]; nn = cnt["new", f]
		if (!no || !nn || f in count) continue
		omin = omax = v["old", f, 1]; nmin = nmax = v["new", f, 1]; zero = 1
		for (i = 1; i <= no; i++) { o[i] = v["old", f, i]; if (o[i] < omin) omin = o[i]; if (o[i] > omax) omax = o[i]; if (o[i]) zero = 0 }
		for (i = 1; i <= nn; i++) { x[i] = v["new", f, i]; if (x[i] < nmin) nmin = x[i]; if (x[i] > nmax) nmax = x[i]; if (x[i]) zero = 0 }
		if (zero) continue   # a phase skipped in both
		mo = median(o, no); mn = median(x, nn)
		if (f in low) verdict = nmin > omax ? "slower beyond noise" : nmax < omin ? "faster beyond noise" : "within noise"
		else verdict = nmax < omin ? "slower beyond noise" : nmin > omax ? "faster beyond noise" : "within noise"
		printf "%-30s %-26s %-26s %9s  %s\n", f, sprintf("%g (%g-%g)", mo, omin, omax),
			sprintf("%g (%g-%g)", mn, nmin, nmax), mo ? sprintf("%.2f", mn / mo) : "-", verdict
	}
}' "$DIR/old.lines" "$DIR/new.lines" | tee "$DIR/summary.txt"
say "runs in $DIR/{old,new}-N.out, the table in $DIR/summary.txt"
