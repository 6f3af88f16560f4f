#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/fuzz_*.c) for a bounded time.
#
#   contrib/fuzz.sh [SECONDS]      (make fuzz: FUZZ_SECONDS, default 60;
#                                   make fuzz-ci: 30)
#
# Builds the library with clang, fuzzer coverage, ASan and UBSan into
# build-fuzz/ (its own directory: the instrumented objects must not mix with
# the normal build), links each target, and runs it on a COPY of its seed
# corpus fuzz/corpus/<name>/ (new inputs the fuzzer finds stay in
# build-fuzz/work/, so CI never grows the repository).  FUZZ_JOBS targets
# run at once (default: the number of cores).  A crash, leak, timeout or
# out-of-memory leaves its input in build-fuzz/artifacts/ and fails the
# run; reproduce it with build-fuzz/fuzz/fuzz_NAME ARTIFACT, then add the
# input to the seed corpus and a regression test.
#
# Prints one line per target with the executions and final corpus size,
# and the total; exits 1 if any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
B=build-fuzz
SANFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"

echo "fuzz: building targets with clang (ASan, UBSan, libFuzzer) in $B/"
make -s BUILD=$B CC=clang OPT="$SANFLAGS" -j"$JOBS" fuzz-build >"$B.build.log" 2>&1 || {
	tail -30 "$B.build.log"; echo "fuzz: build failed"; exit 2; }
rm -f "$B.build.log"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
rm -rf "$B/work"
mkdir -p "$B/work" "$B/artifacts"

run_target() {  # run_target NAME: one bounded libFuzzer run, log in $B/work/NAME.log
	local name=$1 bin=$B/fuzz/fuzz_$1 dir=$B/work/$1
	mkdir -p "$dir/corpus"
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$dir/corpus/"
	local dict=()
	[ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a memory
	# blow-up is a finding, not a swap storm; -max_len: big enough for a
	# whole SSBTEK response or rule file.
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$B/artifacts/$name-" "${dict[@]}" \
		"$dir/corpus" >"$dir.log" 2>&1
	echo $? >"$dir.rc"
}

names=()
for src in fuzz/fuzz_*.c; do
	n=$(basename "$src" .c); names+=("${n#fuzz_}")
done
echo "fuzz: ${#names[@]} targets, $SECONDS_EACH s each, $JOBS at a time"
running=0
for n in "${names[@]}"; do
	run_target "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

failed=0 total=0
printf '%-14s %12s %10s %8s  %s\n' target executions exec/s corpus result
for n in "${names[@]}"; do
	log=$B/work/$n.log rc=$(cat "$B/work/$n.rc" 2>/dev/null || echo 99)
	execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -n1)
	rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -n1)
	files=$(find "$B/work/$n/corpus" -type f | wc -l)
	total=$((total + ${execs:-0}))
	if [ "$rc" = 0 ]; then res=ok; else res="FAILED (exit $rc)"; failed=$((failed + 1)); fi
	printf '%-14s %12s %10s %8s  %s\n' "$n" "${execs:-?}" "${rate:-?}" "$files" "$res"
	if [ "$rc" != 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -8 | sed 's/^/    /'
	fi
done
echo "fuzz: $total executions in total, $failed of ${#names[@]} targets failed"
[ "$failed" -eq 0 ]
