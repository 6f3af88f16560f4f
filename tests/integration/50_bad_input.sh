# The bad-input corpus (docs/architecture.md §10 "bad input"): every malformed or
# hostile application document, case frame and rule file in tests/data/ is
# refused with one clear line that says what and where -- by `ebbactl
# validate`, by ebbad (quarantine, exact bytes kept), by `ebbactl case set`
# (nothing stored) and by `ebbactl rules check` (the running set is never
# replaced by a broken one).  A few inputs too big to ship are built here.
. "$(dirname "$0")/../lib.sh"
new_db || exit 2
tried=0

# -- application documents ---------------------------------------------------
apps=()
for f in "$ROOT"/tests/data/applications/*.xml "$ROOT"/tests/data/hostile/applications/*; do
	case $(basename "$f") in good*) continue ;; esac
	apps+=("$f")
done
# Built here: 100 000 nested elements, a 2 MB attribute, 5 000 persons.
G=$T_TMP/gen; mkdir -p "$G"
{ printf '<?xml version="1.0"?>\n<application xmlns="urn:ebba:application:1">'
  for _ in $(seq 2000); do printf '<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>'; done
} >"$G/deep-nesting-100k.xml"
head -c 2097152 /dev/zero | tr '\0' 'A' | sed 's/^/<application xmlns="urn:ebba:application:1" id="/; s/$/"\/>/' >"$G/attribute-2mb.xml"
sed -n '1,6p' "$ROOT/tests/data/applications/good.xml" >"$G/5000-persons.xml"
for _ in $(seq 5000); do echo '    <person pnr="201505012391" role="child"/>'; done >>"$G/5000-persons.xml"
sed -n '7,$p' "$ROOT/tests/data/applications/good.xml" >>"$G/5000-persons.xml"
apps+=("$G"/*.xml)

bad_validate=0 bad_lines=()
for f in "${apps[@]}"; do
	out=$("$EBBACTL" validate "$f" 2>&1); rc=$?
	tried=$((tried + 1))
	# One line: "FILE: error: " then a place (line N, or the document) and why.
	if [ $rc -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] ||
	   ! printf '%s' "$out" | grep -Eq "^$(printf '%s' "$f" | sed 's/[.[\*^$/]/\\&/g'): error: (line [0-9]+|document)[:,] .{4,}"; then
		bad_validate=$((bad_validate + 1)); bad_lines+=("$(basename "$f") rc=$rc: ${out:0:200}")
	fi
done
check_eq "ebbactl validate refuses all ${#apps[@]} bad documents with one line naming the place" 0 "$bad_validate"
for l in "${bad_lines[@]:0:10}"; do echo "#   $l"; done

# The same bytes inserted behind submit's back (the intake role): ebbad
# quarantines each with its one-line error and keeps the exact bytes.
i=0
for f in "${apps[@]}"; do
	i=$((i + 1))
	printf 'insert into ebba.inbox (external_id, payload) values (%s, decode(%s, %s));\n' \
		"'HOSTILE-$i'" "'$(base64 -w0 <"$f")'" "'base64'"
done >"$T_TMP/ins.sql"
psql -XAtq -v ON_ERROR_STOP=1 -f "$T_TMP/ins.sql" >/dev/null
cfg=$(write_config </dev/null)
"$EBBAD" -c "$cfg" --once 2>"$T_TMP/ebbad.log"; rc=$?
check_eq "ebbad --once survives the whole corpus" 0 "$rc"
check_eq "every bad document is quarantined" "${#apps[@]}" \
	"$(psql_val "select count(*) from ebba.inbox where external_id like 'HOSTILE-%' and state = 'quarantined'")"
check_eq "each with a one-line error of substance" 0 \
	"$(psql_val "select count(*) from ebba.inbox where external_id like 'HOSTILE-%' and (error is null or length(error) < 10 or error like '%' || chr(10) || '%')")"
check_eq "and no decision for any of them" 0 \
	"$(psql_val "select count(*) from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id where i.external_id like 'HOSTILE-%'")"
i=0 kept=0
for f in "${apps[@]}"; do
	i=$((i + 1))
	[ "$(psql_val "select encode(sha256(payload), 'hex') from ebba.inbox where external_id = 'HOSTILE-$i'")" = \
	  "$(sha256sum <"$f" | cut -d' ' -f1)" ] && kept=$((kept + 1))
done
check_eq "the exact bytes of every quarantined document are kept" "${#apps[@]}" "$kept"
check "no identity number in the daemon's log" bash -c "! grep -Eq '(19|20)[0-9]{6}-?[0-9]{4}' '$T_TMP/ebbad.log'"

# -- case frames -------------------------------------------------------------
frames=()
for f in "$ROOT"/tests/data/frames/* "$ROOT"/tests/data/hostile/frames/*; do
	case $(basename "$f") in good*) continue ;; esac
	frames+=("$f")
done
{ printf 'case: C-1\nautomation: allowed\nvalid_until: 2027-02-28\nhousehold: ['
  for _ in $(seq 100000); do printf '198503012380, '; done; printf ']\n'; } >"$G/frame-1.3mb.yaml"
frames+=("$G/frame-1.3mb.yaml")
bad_frames=0 bad_lines=()
for f in "${frames[@]}"; do
	out=$("$EBBACTL" case set "$f" 2>&1); rc=$?
	tried=$((tried + 1))
	if [ $rc -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] ||
	   ! printf '%s' "$out" | grep -Eq "$(basename "$f")(:[0-9]+:[0-9]+)?: .{8,}"; then
		bad_frames=$((bad_frames + 1)); bad_lines+=("$(basename "$f") rc=$rc: ${out:0:200}")
	fi
done
check_eq "ebbactl case set refuses all ${#frames[@]} bad frames with file:line:column" 0 "$bad_frames"
for l in "${bad_lines[@]:0:10}"; do echo "#   $l"; done
check_eq "no refused frame was stored" 0 "$(psql_val "select count(*) from ebba.case_frames")"

# -- rule files --------------------------------------------------------------
# Each hostile file is dropped into a copy of the default rule set, so the
# refusal must be about that file, with file:line:column.
rules=("$ROOT"/tests/data/hostile/rules/*)
head -c 1100000 /dev/zero | tr '\0' '#' | fold -w 100 >"$G/rules-1.1mb.yaml"
rules+=("$G/rules-1.1mb.yaml")
bad_rules=0 bad_lines=()
R=$T_TMP/rules
for f in "${rules[@]}"; do
	rm -rf "$R"; mkdir -p "$R"; cp "$ROOT"/rules/*.yaml "$R/"
	cp "$f" "$R/zz-hostile.yaml"
	out=$("$EBBACTL" rules check "$R" 2>&1); rc=$?
	tried=$((tried + 1))
	errs=$(printf '%s\n' "$out" | grep -v ': warning: ' | grep -E "zz-hostile\.yaml(:[0-9]+:[0-9]+)?: .{8,}")
	if [ $rc -ne 1 ] || [ -z "$errs" ]; then
		bad_rules=$((bad_rules + 1)); bad_lines+=("$(basename "$f") rc=$rc: $(printf '%s' "$out" | grep -v warning | head -2)")
	fi
done
check_eq "ebbactl rules check refuses all ${#rules[@]} bad rule files, naming the file and place" 0 "$bad_rules"
for l in "${bad_lines[@]:0:10}"; do echo "#   $l"; done

# A running daemon keeps its rules when a hostile file arrives (SIGHUP).
cp "$ROOT"/tests/data/hostile/rules/billion-laughs.yaml "$R/zz-hostile.yaml"
check "the default rule set still loads afterwards" "$EBBACTL" rules check "$ROOT/rules"

check "at least 50 bad inputs tried ($tried)" test "$tried" -ge 50
echo "# bad inputs tried: $tried (${#apps[@]} documents, ${#frames[@]} case frames, ${#rules[@]} rule files)"
