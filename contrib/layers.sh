#!/usr/bin/env bash
# contrib/layers.sh "STAGES" "PROGRAMS": refuses the build when a stage
# depends on a later one.
#
# STAGES are the library's folders under daemon/ in the order an
# application travels (lib first); include/ebba/<stage>/ holds each one's
# public headers.  A file of stage N may include the public headers of
# stages 0..N and the private headers beside its own sources, nothing else.
# A program (daemon/ebbad/, daemon/ebbactl/, ...) may include every stage
# but not another program.  Prints one line per offending #include, as
# FILE:LINE: message, and exits 1 if there is any.
set -u
cd "$(dirname "$0")/.."
read -r -a stages <<<"$1"
read -r -a programs <<<"$2"
declare -A rank
for i in "${!stages[@]}"; do rank[${stages[$i]}]=$i; done
top=${#stages[@]}
for p in "${programs[@]}"; do rank[$p]=$top; done

bad=0
check_file() {  # check_file FILE OWNER
	local file=$1 owner=$2 line n=0 inc target
	local re='^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)"'
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ $re ]] || continue
		inc=${BASH_REMATCH[1]}
		case $inc in
		ebba/*/*)
			target=${inc#ebba/}; target=${target%%/*}
			if [ -z "${rank[$target]+x}" ]; then
				echo "$file:$n: includes \"$inc\": no stage '$target' (stages: ${stages[*]})"
				bad=1
			elif [ "${rank[$target]}" -gt "${rank[$owner]}" ] ||
			     { [ "${rank[$target]}" -eq "$top" ] && [ "$target" != "$owner" ]; }; then
				echo "$file:$n: stage '$owner' includes \"$inc\" of the later stage '$target'"
				bad=1
			fi ;;
		ebba/*)
			echo "$file:$n: includes \"$inc\": public headers live in include/ebba/<stage>/"
			bad=1 ;;
		*/*)
			echo "$file:$n: includes \"$inc\": a private header of another folder (make it public in include/ebba/<stage>/)"
			bad=1 ;;
		esac
	done <"$file"
}

for owner in "${stages[@]}" "${programs[@]}"; do
	for f in daemon/"$owner"/*.[ch] include/ebba/"$owner"/*.h; do
		[ -f "$f" ] && check_file "$f" "$owner"
	done
done
for d in daemon/*/ include/ebba/*/; do
	d=${d%/}; d=${d##*/}
	[ -n "${rank[$d]+x}" ] || { echo "daemon/$d or include/ebba/$d: a folder that is neither a stage nor a program (Makefile LIB_STAGES, PROGRAMS)"; bad=1; }
done
[ $bad -eq 0 ] || { echo "layers: a stage depends on a later one (docs/architecture.md, \"Layout\")" >&2; exit 1; }
