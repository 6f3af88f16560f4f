# Intake: ebbactl submit validates, refuses duplicates, keeps exact bytes;
# the daemon quarantines what should never have got in.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../queue_lib.sh"
new_db || exit 2

good=$ROOT/tests/data/applications/good.xml
out=$("$EBBACTL" submit "$good" 2>&1); rc=$?
check_eq "submit a valid application" 0 "$rc"
id=$(psql_val "select external_id from ebba.inbox")
check_eq "the exact bytes are stored" "$(sha256sum <"$good" | cut -d' ' -f1)" \
	"$(psql_val "select encode(sha256(payload), 'hex') from ebba.inbox")"
out=$("$EBBACTL" submit "$good" 2>&1); rc=$?
check_eq "a duplicate id is refused with exit 1" 1 "$rc"
check_match "the refusal says why" "already in the inbox" "$out"
check_eq "nothing was added or changed" 1 "$(psql_val "select count(*) from ebba.inbox")"

printf '<application xmlns="urn:ebba:application:1"' >"$T_TMP/broken.xml"
out=$("$EBBACTL" submit "$T_TMP/broken.xml" 2>&1); rc=$?
check_eq "a malformed document is refused by submit" 1 "$rc"
check_match "the refusal names the file and the place" "broken.xml: refused: .*line" "$out"
check_eq "a refused document is not inserted" 1 "$(psql_val "select count(*) from ebba.inbox")"

# Documents that bypass submit (an e-service inserting with the intake
# role) are quarantined by the daemon with the error and the exact bytes.
ins() { psql -XAtq -v ON_ERROR_STOP=1 -c "insert into ebba.inbox (external_id, payload) values ('$1', decode('$2', 'base64'))"; }
ins BAD-1 "$(printf '<application xmlns="urn:ebba:application:1">' | base64 -w0)"
ins BAD-2 "$(printf '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>' | base64 -w0)"
ins BAD-3 "$(sed 's/role="applicant"/role="boss"/' "$good" | base64 -w0)"
ins BAD-4 "$(printf '<a>\xff\xfe</a>' | base64 -w0)"
ins BAD-5 "$(printf '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>' | base64 -w0)"
python3 -c 'print("<a>" * 10000 + "</a>" * 10000)' >"$T_TMP/deep.xml" 2>/dev/null \
	|| { for i in $(seq 10000); do printf '<a>'; done; for i in $(seq 10000); do printf '</a>'; done; } >"$T_TMP/deep.xml"
psql -XAtq -c "insert into ebba.inbox (external_id, payload) values ('BAD-6', decode('$(base64 -w0 <"$T_TMP/deep.xml")', 'base64'))"
# 100 MB body: built in the database so the test does not ship it.
psql -XAtq -c "insert into ebba.inbox (external_id, payload) values ('BAD-7', convert_to('<a>' || repeat('x', 100*1024*1024) || '</a>', 'UTF8'))"
before=$(psql_val "select encode(sha256(payload), 'hex') from ebba.inbox where external_id = 'BAD-2'")
cfg=$(write_config </dev/null)
/usr/bin/time -f '%M' -o "$T_TMP/rss" "$EBBAD" -c "$cfg" --once 2>"$T_TMP/ebbad.log"; rc=$?
check_eq "ebbad --once survives hostile documents" 0 "$rc"
check_eq "all seven bad documents quarantined" 7 "$(psql_val "select count(*) from ebba.inbox where external_id like 'BAD-%' and state = 'quarantined'")"
check_eq "the good one was decided" decided "$(psql_val "select state from ebba.inbox where external_id = '$id'")"
check_eq "quarantined bytes are kept as received" "$before" "$(psql_val "select encode(sha256(payload), 'hex') from ebba.inbox where external_id = 'BAD-2'")"
check_eq "no decision for a quarantined document" 0 "$(psql_val "select count(*) from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id where i.state = 'quarantined'")"
for b in 1 2 3 4 5 6 7; do
	e=$(psql_val "select error from ebba.inbox where external_id = 'BAD-$b'")
	check_eq "BAD-$b has a one-line error" "1 yes" "$(printf '%s\n' "$e" | wc -l) $([ ${#e} -gt 10 ] && echo yes)"
done
check_match "DOCTYPE refusal is explicit" "DOCTYPE" "$(psql_val "select error from ebba.inbox where external_id = 'BAD-2'")"
check_match "oversize refusal is explicit" "(large|size|limit)" "$(psql_val "select error from ebba.inbox where external_id = 'BAD-7'")"
check_match "unknown role names the attribute" "role" "$(psql_val "select error from ebba.inbox where external_id = 'BAD-3'")"
rss=$(cat "$T_TMP/rss" 2>/dev/null || echo 0)
# Bounded memory: the 100 MB document must not be parsed.  The bound is
# structural (well under the document's size), not a timing.
check "ebbad peak memory stays far below the 100 MB document ($rss KiB)" test "${rss:-0}" -lt 300000
check "no identity number in the daemon's log" bash -c "! grep -Eq '(19|20)[0-9]{6}-?[0-9]{4}' '$T_TMP/ebbad.log'"

# -- identity numbers in ids and case numbers (issue 24, item 3) ------------------
# The API took these (201): each then stood in a Location header, the access
# log, a /referensram/ link and ebba-web's log.  Intake refuses them, and
# the refusal does not repeat the number.
n0=$(psql_val "select count(*) from ebba.inbox")
bad=
for pair in "id=X-850301-2380" "id=P-19850301_2380" "id=P-19850301.2380" "id=P-19850301:2380" \
	    "case=C-850301-2380" "id=8503012380" "case=C-19850301-2380"; do
	field=${pair%%=*} value=${pair#*=}
	sed "s/ $field=\"[^\"]*\"/ $field=\"$value\"/" "$good" >"$T_TMP/pnr-$field.xml"
	grep -q "$field=\"$value\"" "$T_TMP/pnr-$field.xml" || { bad="$bad [$pair: not made]"; continue; }
	out=$("$EBBACTL" submit "$T_TMP/pnr-$field.xml" 2>&1); rc=$?
	[ "$rc" = 1 ] && printf '%s' "$out" | grep -q "application/@$field: must not hold an identity number" &&
		! printf '%s' "$out" | grep -qE '850301|2380' || bad="$bad [$pair: rc=$rc $out]"
done
check_eq "ebbactl submit refuses ids and case numbers that hold an identity number, without repeating it" "" "$bad"
check_eq "... and none is in the inbox" "$n0" "$(psql_val "select count(*) from ebba.inbox")"
sed 's/^case: .*/case: C-850301-2380/' "$ROOT/tests/data/frames/good.yaml" >"$T_TMP/pnr-frame.yaml"
out=$("$EBBACTL" case set "$T_TMP/pnr-frame.yaml" 2>&1); rc=$?
check_eq "ebbactl case set refuses a case id that holds an identity number (exit 1)" 1 "$rc"
check_match "... saying so at its place" "pnr-frame.yaml:1:7: case: must not hold an identity number" "$out"
check_eq "... and stores nothing" 0 "$(psql_val "select count(*) from ebba.case_frames where case_id like '%850301%'")"

# The scrubber: libxml2 quotes a value it refuses, and a number in any
# spelling is masked, every digit, in the quarantine error and ebbad's log.
ins QUOTE-1 "$(sed 's/<cost type="rent"/<cost type="850301-2380"/' "$good" | sed 's/id="EB-2026-12-000123"/id="QUOTE-1"/' | base64 -w0)"
ins QUOTE-2 "$(sed 's/<cost type="rent"/<cost type="P-19850301_2380"/' "$good" | sed 's/id="EB-2026-12-000123"/id="QUOTE-2"/' | base64 -w0)"
"$EBBAD" -c "$cfg" --once 2>"$T_TMP/ebbad2.log"
check_match "the quarantine error keeps the place and masks the number" \
	"cost/@type: The value '\*\*\*\*\*\*-\*\*\*\*' is not an element" \
	"$(psql_val "select error from ebba.inbox where external_id = 'QUOTE-1'")"
check_match "... in every spelling" "The value 'P-\*\*\*\*\*\*\*\*_\*\*\*\*'" \
	"$(psql_val "select error from ebba.inbox where external_id = 'QUOTE-2'")"
check_eq "... and no digit of it in ebbad's log" "" "$(grep -E '850301|2380' "$T_TMP/ebbad2.log")"
check_match "... which did log the quarantines" "quarantined: line [0-9]+: cost/@type" "$(cat "$T_TMP/ebbad2.log")"
