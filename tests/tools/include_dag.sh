#!/usr/bin/env bash
# tests/tools/include_dag.sh [BUILD]: refuses a circle between the files
# of daemon/web, daemon/cel and daemon/store; prints each circle it finds
# and exits 1, or prints nothing and exits 0.
#
# A module is a .c file and the header of the same name beside it (or
# under include/ebba/<stage>/).  Module A depends on module B when
#   - a file of A includes B's header (A's .c or .h includes "b.h"), or
#   - A's object calls or reads something B's object defines (nm: A's U
#     symbol is B's T/D/B/R).
# The second graph is there because some headers declare the functions of
# several files (web.h, pages.h, api.h, cel_impl.h): which module such a
# header stands for is only known from who defines what it declares, and
# the build's -Werror=implicit-function-declaration makes every use go
# through an include.  A circle is A depending on B while B depends on A,
# over any number of steps; the graph of each folder must have none.
# Circles between folders are contrib/layers.sh's (a stage never includes
# a later one).  Needs the objects of BUILD (default build/).
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-${BUILD:-build}}

edges() {  # edges STAGE: "FROM TO WHY" lines
	local stage=$1 f mod inc base sym
	local re='^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)"'
	declare -A is_mod=()
	for f in daemon/"$stage"/*.c; do base=${f##*/}; is_mod[${base%.c}]=1; done
	for f in daemon/"$stage"/*.[ch] include/ebba/"$stage"/*.h; do
		[ -f "$f" ] || continue
		base=${f##*/}; mod=${base%.[ch]}
		[ -n "${is_mod[$mod]+x}" ] || continue
		while IFS= read -r line; do
			[[ $line =~ $re ]] || continue
			inc=${BASH_REMATCH[1]}
			case $inc in ebba/*/*) [[ $inc == ebba/"$stage"/* ]] || continue ;; */*) continue ;; esac
			base=${inc##*/}; base=${base%.h}
			[ -n "${is_mod[$base]+x}" ] && [ "$base" != "$mod" ] &&
				echo "$mod $base ${f##*/}:#include\"$inc\""
		done <"$f"
	done
	local objs=("$BUILD"/obj/"$stage"/*.o)
	[ -f "${objs[0]}" ] || { echo "include_dag.sh: no objects in $BUILD/obj/$stage (build first)" >&2; return 2; }
	for f in "${objs[@]}"; do
		base=${f##*/}
		nm -P "$f" | awk -v m="${base%.o}" '{ print m, $1, $2 }'
	done | awk '
		$3 ~ /^[TDBRCV]$/ { def[$2] = $1; next }
		$3 == "U" { use[++n] = $1 " " $2 }
		END { for (i = 1; i <= n; i++) { split(use[i], p, " ");
			if ((p[2] in def) && def[p[2]] != p[1]) print p[1], def[p[2]], p[2] "()" } }'
}

# Prints every circle of the graph on stdin, one per line, as
# "a -(why)-> b -(why)-> a"; exit 1 if there is one.
circles() {
	awk '
	{ k = $1 SUBSEP $2; if (!(k in why)) { why[k] = $3; adj[$1] = adj[$1] " " $2 }; node[$1]; node[$2] }
	function dfs(v,    i, n, next_, w, path, j) {
		color[v] = 1; stack[++depth] = v
		n = split(adj[v], next_, " ")
		for (i = 1; i <= n; i++) {
			w = next_[i]
			if (color[w] == 1) {
				path = ""
				for (j = depth; j >= 1 && stack[j] != w; j--) ;
				for (; j <= depth; j++)
					path = path stack[j] " -(" why[stack[j], (j < depth ? stack[j + 1] : w)] ")-> "
				print path w; found = 1
			} else if (color[w] == 0) dfs(w)
		}
		color[v] = 2; depth--
	}
	END { for (v in node) if (color[v] == 0) dfs(v); exit found }'
}

rc=0
for stage in web cel store; do
	g=$(edges "$stage") || exit 2
	if ! out=$(printf '%s\n' "$g" | sed '/^$/d' | sort -u | circles); then
		printf '%s\n' "$out" | sed "s|^|daemon/$stage: circle: |"
		rc=1
	fi
done
exit $rc
