# Bytes that are not text, against a real ebba-web (issue 24, item 8): an
# address whose path or query is not UTF-8 or holds a control byte
# (/referensram/x%0dFORGED%C0) is answered 400, a form whose text is not
# UTF-8 (a note with %C0%AF) 422 with the form shown again and a Swedish
# error at its field, nothing is saved, and ebba-web's log never holds a
# raw CR, another control byte or a byte that is not UTF-8.  (Before: 500,
# and the CR in the log.)  The people sign in through auth: proxy, so the
# test does not depend on the login form.
. "$(dirname "$0")/../lib.sh"
WEB=$ROOT/$BUILD/ebba-web
new_db || exit 2
sfx=${PGDATABASE##*_}
CW=bcw$sfx SV=bsv$sfx WEBROLE=bwp$sfx PW=Test-l0senord
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null
printf '%s\n' "$PW" | "$EBBACTL" user add "$SV" --role supervisor >/dev/null
psql_val "create role $WEBROLE login in role ebba_web, ebba_web_proxy" >/dev/null
cleanup_roles() {
	psql -XAtq -d postgres -c "drop owned by $CW, $SV, $WEBROLE cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $CW, $SV, $WEBROLE" >/dev/null 2>&1
}
trap 'cleanup_roles; t_cleanup' EXIT

# A referral by ebbad (no registers: it refers) with an open flag, and the
# case's frame: a person decides it line by line, with a letter.
cfg=$(write_config </dev/null)
"$EBBACTL" -c "$cfg" case set "$ROOT/tests/data/frames/good.yaml" >/dev/null
sed 's/id="EB-2026-12-000123"/id="BYTES-1"/' "$ROOT/tests/data/applications/good.xml" >"$T_TMP/bytes.xml"
"$EBBACTL" -c "$cfg" submit "$T_TMP/bytes.xml" >/dev/null || fail "submit"
"$EBBAD" -c "$cfg" --once 2>"$T_TMP/ebbad.log" || fail "ebbad --once"
psql_val "insert into ebba.audit_flags (decision_id, kind, reason) select id, 'targeted', 'test' from ebba.decisions" >/dev/null
D=$(psql_val "select id from ebba.decisions where external_id = 'BYTES-1'")
F=$(psql_val "select id from ebba.audit_flags where decision_id = $D")

{ echo 'database: "user='"$WEBROLE"'"'; echo "rules_dir: $ROOT/rules"; echo "web:"; echo "  port: 0"
  echo "  auth: proxy"; echo "  proxy_peers: 127.0.0.1"; } >"$T_TMP/web.yaml"
"$WEB" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
WEB_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }

J=$T_TMP/cw.jar
as_cw() { curl -s -c "$J" -b "$J" -H "X-Remote-User: $CW" "$@"; }
code() { as_cw -o "$T_TMP/body" -w '%{http_code}' "$@"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}'; }
check_eq "the caseworker's session through the proxy" 200 "$(code "$URL/")"
CSRF=$(csrf_of <"$T_TMP/body")
check_match "... with a CSRF token for the forms" "^[0-9a-f]{64}$" "$CSRF"
UNREADABLE="Texten innehöll tecken som inte gick att läsa"

# -- addresses ----------------------------------------------------------------------
check_eq "a path with a CR and a byte that is not UTF-8: 400" 400 "$(code "$URL/referensram/x%0dFORGED%C0")"
check_match "... a Swedish page that says so" "Adressen innehåller tecken som inte går att läsa" "$(cat "$T_TMP/body")"
check "... which does not repeat the address" sh -c "! grep -q FORGED '$T_TMP/body'"
check_eq "a path with a byte that is not UTF-8: 400" 400 "$(code "$URL/referensram/C-10042%C0%AF")"
check_eq "a path with an escape character: 400" 400 "$(code "$URL/beslut/$D%1b%5b2J")"
check_eq "a query value that is not UTF-8: 400" 400 "$(code "$URL/stickprov?efter=%C0%AF")"
check_eq "... nor without a session (never a 500)" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/referensram/x%0dFORGED%C0")"
check_eq "the same pages with readable addresses still answer" "200 200" \
	"$(code "$URL/referensram/C-10042") $(code "$URL/stickprov?efter=1")"

# -- forms ----------------------------------------------------------------------------
post() { code --data-urlencode "csrf=$CSRF" "$@"; }
reviews="select count(*) from ebba.decisions where reviews_decision_id = $D"
avslag=(-d lines=1 -d action=spara -d reason=needs-not-shown)
check_eq "Pröva: a note with %C0%AF: 422" 422 "$(post "${avslag[@]}" -d 'note=Avslag%C0%AF' "$URL/beslut/$D/prova")"
body=$(cat "$T_TMP/body")
check_match "... the decision's form again, the error leading to the note" "href=\"#pl-note\">$UNREADABLE" "$body"
check_match "... and the typed note kept, its unreadable bytes as ?" ">Avslag\?\?</textarea>" "$body"
check_eq "... and nothing was saved" 0 "$(psql_val "$reviews")"
check_eq "Stickprov: a note with %C0%AF: 422" 422 "$(post -d verdict=not-ok -d 'note=fel%C0%AF' "$URL/stickprov/$F")"
check_match "... the flags page again, with the error" "$UNREADABLE" "$(cat "$T_TMP/body")"
check_eq "... and the flag is still open" "" "$(psql_val "select coalesce(verdict, '') from ebba.audit_flags where id = $F")"
frame_sum() { psql_val "select md5(frame::text) from ebba.case_frames where case_id = 'C-10042'"; }
before=$(frame_sum)
check_eq "Referensram: a reason with %FF: 422" 422 \
	"$(post -d "version=$(psql_val "select version from ebba.case_frames where case_id = 'C-10042'")" \
		-d automation=allowed -d valid_until=2027-02-28 -d months=14 -d capacity_0=full -d plan_0=required \
		-d capacity_1=none -d plan_1=exempt -d 'reason_1=sjuk%FFskriven' -d cost_rent=7450 "$URL/referensram/C-10042")"
check_match "... the frame's form again, with the error" "$UNREADABLE" "$(cat "$T_TMP/body")"
check_eq "... and the frame is unchanged" "$before" "$(frame_sum)"
check_eq "a form without free text (logout) with such a field: 422, a Swedish page" 422 \
	"$(post -d 'x=%C0' "$URL/logout")"
check_match "... that says so" "Formuläret innehöll tecken som inte gick att läsa" "$(cat "$T_TMP/body")"
check_eq "... and the session was not ended" 200 "$(code "$URL/")"
# A body libmicrohttpd's post processor will not read, or would read in
# part, is refused whole (server.c, parse_form): 400 and a Swedish page,
# before the CSRF check, and nothing of it reaches a page.
check_eq "a form with a field without a name: refused whole (400)" 400 \
	"$(code --data-binary "=x&csrf=$CSRF&x=1" "$URL/logout")"
check_match "... with a Swedish page that says so" "Formuläret gick inte att läsa" "$(cat "$T_TMP/body")"
check_eq "a form with '=' inside a value: refused whole (400)" 400 \
	"$(code --data-binary "csrf=$CSRF&x=a=b" "$URL/logout")"
check_eq "a field name with an encoded NUL: refused whole (400)" 400 \
	"$(code --data-binary "csrf=$CSRF&x%00y=1" "$URL/logout")"
check_eq "a well-formed form after them still ends the session's form check (a bad byte: 422)" 422 \
	"$(code --data-binary "csrf=$CSRF&x=%C0" "$URL/logout")"
check_eq "... and the session was not ended" 200 "$(code "$URL/")"
JS=$T_TMP/sv.jar
as_sv() { curl -s -c "$JS" -b "$JS" -H "X-Remote-User: $SV" "$@"; }
SV_CSRF=$(as_sv "$URL/whatif" | csrf_of)
check_eq "What-if: a parameter value with %C0: 422" 422 \
	"$(as_sv -o "$T_TMP/body" -w '%{http_code}' --data-urlencode "csrf=$SV_CSRF" -d parameter1=x -d 'varde1=1%C0' "$URL/whatif")"
check_match "... the form again, with the error" "$UNREADABLE" "$(cat "$T_TMP/body")"
check_eq "the same review with a readable note is saved (303)" 303 \
	"$(post "${avslag[@]}" --data-urlencode 'note=Avslag, se anteckning' "$URL/beslut/$D/prova")"
check_eq "... once" 1 "$(psql_val "$reviews")"

# -- the log --------------------------------------------------------------------------
kill -TERM "$WEB_PID"; wait "$WEB_PID"
check_eq "ebba-web stops cleanly (exit 0)" 0 "$?"
check_eq "... with nothing from a sanitizer in its log" "" "$(grep -ai 'sanitizer' "$T_TMP/web.log" | head -n 3)"
check_eq "no raw CR in ebba-web's log" 0 "$(tr -cd '\r' <"$T_TMP/web.log" | wc -c)"
check_eq "no other control byte in ebba-web's log (but the line ends)" 0 \
	"$(tr -d '\n' <"$T_TMP/web.log" | tr -cd '\000-\037\177' | wc -c)"
check "every line of ebba-web's log is UTF-8" iconv -f UTF-8 -t UTF-8 "$T_TMP/web.log"
check "no 'FORGED' line start: nothing forged a line" sh -c "! grep -q '^FORGED' '$T_TMP/web.log'"
check_eq "no 500 was answered (none logged)" "" "$(grep -iE 'error: ebba-web: (GET|POST)' "$T_TMP/web.log" | head -n 3)"

# -- log.c on its own: any program's log line ----------------------------------------------
# ebbad names its configuration file when it cannot read it: a path with a
# CR, an escape, a byte that is not UTF-8 and an identity number.
bad_path=$(printf '%s/x\rFORGED\033[2J/C-850301-2380\300.yaml' "$T_TMP")
"$EBBAD" -c "$bad_path" --once 2>"$T_TMP/ebbad.log"
check_match "ebbad says what it could not read" "cannot open" "$(cat "$T_TMP/ebbad.log")"
check_eq "... on one line" 1 "$(wc -l <"$T_TMP/ebbad.log")"
check_eq "... with no raw control byte" 0 "$(tr -d '\n' <"$T_TMP/ebbad.log" | tr -cd '\000-\037\177' | wc -c)"
check_match "... each written as \\xHH" 'x\\x0DFORGED\\x1B\[2J/C-\*\*\*\*\*\*-\*\*\*\*\\xC0\.yaml' "$(cat "$T_TMP/ebbad.log")"
check "... and the identity number masked, every digit" sh -c "! grep -q '850301\|2380' '$T_TMP/ebbad.log'"
