# Protected identities (issue 28 item 1, schema 023; DESIGN.md §4, §7).
# The demo households decided by ebbad as a daemon login role, one of them
# with AF's Sekretessmarkering in its register answer: the case becomes
# protected in the transaction that decides it, set by ebbad's role with no
# person acting.  A second case is protected by its frame, set by a member.
# Then a caseworker and a supervisor outside ebba_protected, by direct SQL,
# through ebba's functions, ebbactl and the web: the protected cases'
# decisions, checks, evidence, letters, frames and flags cannot be seen,
# counted or changed, and Arbetskö's and Statistik's counts are the
# unprotected cases'.  A member sees and works them, and every view is
# logged with the mark.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
WEB=$ROOT/$BUILD/ebba-web
new_db || exit 2

sfx=${PGDATABASE##*_}
D=pd$sfx C=pc$sfx P=pp$sfx S=ps$sfx PW=Test-l0senord
psql_val "create role $D login bypassrls in role ebba_daemon" >/dev/null
printf '%s\n' "$PW" | "$EBBACTL" user add "$C" --role caseworker >/dev/null
printf '%s\n' "$PW" | "$EBBACTL" user add "$S" --role supervisor >/dev/null
check "ebbactl user add --role caseworker,protected" \
	sh -c "printf '%s\n' '$PW' | '$EBBACTL' user add '$P' --role caseworker,protected"
out=$(printf '%s\n' "$PW" | "$EBBACTL" user add "x$P" --role protected 2>&1)
check_match "protected alone is refused (it goes beside caseworker or supervisor)" "protected beside caseworker or supervisor" "$out"
psql_val "grant password_login to $C, $P, $S" >/dev/null
cleanup_roles() {
	psql -XAtq -d postgres -c "drop owned by $D, $C, $P, $S cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $D, $C, $P, $S" >/dev/null 2>&1
}
trap 'cleanup_roles; t_cleanup' EXIT
check_eq "the member is in ebba_protected and ebba_caseworker, the others not in ebba_protected" "t t f f" \
	"$(psql_val "select pg_has_role('$P', 'ebba_protected', 'MEMBER'), pg_has_role('$P', 'ebba_caseworker', 'MEMBER'),
		pg_has_role('$C', 'ebba_protected', 'MEMBER'), pg_has_role('$S', 'ebba_protected', 'MEMBER')" | tr '|' ' ')"
as() {  # as ROLE SQL: the answer, or the error
	PGUSER=$1 PGPASSWORD=$PW psql -XAtq -v ON_ERROR_STOP=1 -c "$2" 2>&1
}

demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
ctl() { "$EBBACTL" -c "$CFG" "$@"; }

# Two referred households: AF marks the first's applicant; the second's
# frame is protected by the member before ebbad decides.
mapfile -t referred < <(awk -F'\t' '$2 == "referred" && $4 == "aktivitetskrav" {print $1}' "$ROOT/contrib/demo/expected.tsv")
[ ${#referred[@]} -ge 2 ] || { fail "the demo has two aktivitetskrav referrals"; exit 0; }
AEXT=${referred[0]} FEXT=${referred[1]}
ACASE=$(psql_val "select case_id from ebba.inbox where external_id = '$AEXT'")
FCASE=$(psql_val "select case_id from ebba.inbox where external_id = '$FEXT'")
pnr=$(grep -o 'pnr="[0-9]*" role="applicant"' "$T_TMP/demo/data/applications/$AEXT.xml" | grep -o '[0-9]\{12\}')
sed -i 's|<er:Sekretessmarkering>false</er:Sekretessmarkering>|<er:Sekretessmarkering>true</er:Sekretessmarkering>|' \
	"$T_TMP/demo/data/registers/ssbtek/$pnr.xml"
check "the AF answer of $AEXT's applicant carries the mark" grep -q 'Sekretessmarkering>true<' "$T_TMP/demo/data/registers/ssbtek/$pnr.xml"

frame=$T_TMP/demo/data/cases/$FCASE.yaml
printf 'protected: true\n' >>"$frame"
out=$(PGUSER=$C PGPASSWORD=$PW "$EBBACTL" -c "$CFG" case set "$frame" 2>&1)
check_match "a caseworker outside ebba_protected may not protect a case by its frame" "only a member of ebba_protected" "$out"
check "a member protects it by its frame" env PGUSER=$P PGPASSWORD=$PW "$EBBACTL" -c "$CFG" case set "$frame"
check_eq "... source frame, set by the member" "frame $P" \
	"$(psql_val "select source, set_by from ebba.case_protection where case_id = '$FCASE'" | tr '|' ' ')"
check_eq "nothing protected the AF case before it was decided" 0 \
	"$(psql_val "select count(*) from ebba.case_protection where case_id = '$ACASE'")"

PGUSER=$D "$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log" || fail "ebbad --once as a daemon login role"
check_eq "AF's mark protected its case as ebbad decided it, set by ebbad's role (no person)" "af-sekretessmarkering $D" \
	"$(psql_val "select source, set_by from ebba.case_protection where case_id = '$ACASE'" | tr '|' ' ')"
check_eq "... logged as a change" "protect af-sekretessmarkering $D" \
	"$(psql_val "select action, source, who from ebba.case_protection_log where case_id = '$ACASE'" | tr '|' ' ')"
ADEC=$(psql_val "select id from ebba.decisions where external_id = '$AEXT' and inbox_id is not null")
FDEC=$(psql_val "select id from ebba.decisions where external_id = '$FEXT' and inbox_id is not null")
check "both protected households were decided as any other (referred)" test \
	"$(psql_val "select count(*) from ebba.decisions where id in ($ADEC, $FDEC) and outcome = 'referred'")" = 2
HIDDEN="('$ACASE', '$FCASE')"
HIDDEN_DEC="(select id from ebba.decisions where case_id in $HIDDEN)"

# -- direct SQL --------------------------------------------------------------
for who in C S; do
	r=${!who}
	for t in decisions inbox case_frames case_frame_versions case_protection; do
		check_eq "$who: no row of ebba.$t of a protected case" 0 \
			"$(as "$r" "select count(*) from ebba.$t where case_id in $HIDDEN")"
	done
	for t in decision_checks register_evidence audit_flags letters letter_pdfs outbox open_work; do
		check_eq "$who: no row of ebba.$t of a protected decision (by id)" 0 \
			"$(as "$r" "select count(*) from ebba.$t where decision_id in ($ADEC, $FDEC)")"
	done
	check_match "$who: the feed is not theirs to read at all" "permission denied" \
		"$(as "$r" "select count(*) from ebba.decision_feed")"
	check_eq "$who: ebba.decisions counts only the unprotected cases" \
		"$(psql_val "select count(*) from ebba.decisions where case_id not in $HIDDEN")" \
		"$(as "$r" "select count(*) from ebba.decisions")"
	check_eq "$who: ebba.decision_checks counts only the unprotected cases' rows" \
		"$(psql_val "select count(*) from ebba.decision_checks where decision_id not in $HIDDEN_DEC")" \
		"$(as "$r" "select count(*) from ebba.decision_checks")"
done
for t in decisions decision_checks register_evidence letters case_frames; do
	check_eq "the member sees every row of ebba.$t" "$(psql_val "select count(*) from ebba.$t")" \
		"$(as "$P" "select count(*) from ebba.$t")"
done
check_eq "C: updating the protected frame changes nothing" "UPDATE 0" \
	"$(PGUSER=$C PGPASSWORD=$PW psql -X -v ON_ERROR_STOP=1 -c "update ebba.case_frames set source_yaml = 'x' where case_id = '$FCASE'" 2>&1 | head -1)"
check_eq "... and the frame is as it was" 0 "$(psql_val "select count(*) from ebba.case_frames where source_yaml = 'x'")"
check_eq "C: ebba.decide_referral on a protected decision answers as for none" "|0||" \
	"$(as "$C" "select * from ebba.decide_referral($FDEC, '{\"lines\": []}', null, 1000, 0, 0, 0, '1', repeat('a', 64), '', 'Brev', 'psql')")"
AFLAG=$(psql_val "select id from ebba.audit_flags where decision_id in $HIDDEN_DEC order by id limit 1")
if [ -n "$AFLAG" ]; then
	check_eq "C: ebba.resolve_flag on a protected case's flag answers false" f \
		"$(as "$C" "select ebba.resolve_flag($AFLAG, 'ok', '', 'psql')")"
fi
check_eq "... and nothing was written: no review of either" 0 \
	"$(psql_val "select count(*) from ebba.decisions where reviews_decision_id in ($ADEC, $FDEC)")"
check_match "C: ebba.letter_pdf_store on a protected decision: 'has no letter'" "has no letter" \
	"$(as "$C" "select * from ebba.letter_pdf_store($ADEC, 'x', 'x', 'x')")"
check_match "C: may not lift a protection" "permission denied for function case_unprotect" \
	"$(as "$C" "select ebba.case_unprotect('$ACASE', 'psql')")"
check_match "C: may not set one" "permission denied for function case_protect" \
	"$(as "$C" "select ebba.case_protect('C-NONE', 'psql')")"
check_match "C: may not read the protection's log" "permission denied" \
	"$(as "$C" "select count(*) from ebba.case_protection_log")"

# Arbetskö's kept counts: a non-member's sums are the unprotected queue's.
OPEN_ALL=$(psql_val "select count(*) from ebba.open_work")
OPEN_VISIBLE=$(psql_val "select count(*) from ebba.open_work w join ebba.decisions d on d.id = w.decision_id where d.case_id not in $HIDDEN")
check "the protected referrals are in the queue" test "$OPEN_ALL" -gt "$OPEN_VISIBLE"
check_eq "C: the queue's kept total is the unprotected queue's" "$OPEN_VISIBLE" \
	"$(as "$C" "select coalesce(sum(n), 0) from ebba.open_work_counts where kind = 'total'")"
check_eq "P: the member's is the whole queue's" "$OPEN_ALL" \
	"$(as "$P" "select coalesce(sum(n), 0) from ebba.open_work_counts where kind = 'total'")"
check_eq "C: the count per reason for aktivitetskrav excludes the protected ones" \
	"$(psql_val "select count(*) from ebba.open_work w join ebba.decisions d on d.id = w.decision_id
		where d.case_id not in $HIDDEN and 'aktivitetskrav' = any (w.failing)")" \
	"$(as "$C" "select coalesce(sum(n), 0) from ebba.open_work_counts where kind = 'check' and key = 'aktivitetskrav'")"

# Statistik (ebbactl stats, the same store as the page): referrals per check.
referred_sum() { awk -F'\t' '$1 == "check" {n += $5} END {print n + 0}'; }
EXP_VISIBLE=$(psql_val "select count(*) from ebba.decisions e join ebba.decision_checks c on c.decision_id = e.id
	where e.reviews_decision_id is null and e.outcome = 'referred' and c.result not in ('pass', 'skip')
	and e.case_id not in $HIDDEN")
EXP_ALL=$(psql_val "select count(*) from ebba.decisions e join ebba.decision_checks c on c.decision_id = e.id
	where e.reviews_decision_id is null and e.outcome = 'referred' and c.result not in ('pass', 'skip')")
check "the protected referrals count in the statistics at all" test "$EXP_ALL" -gt "$EXP_VISIBLE"
check_eq "S: Statistik's referrals per check are the unprotected cases'" "$EXP_VISIBLE" \
	"$(PGUSER=$S PGPASSWORD=$PW "$EBBACTL" -c "$CFG" --porcelain stats | referred_sum)"
check_eq "ebbactl case show: no frame for a non-member" 1 \
	"$(PGUSER=$C PGPASSWORD=$PW "$EBBACTL" -c "$CFG" case show "$FCASE" >/dev/null 2>&1; echo $?)"

# -- the web -----------------------------------------------------------------
printf 'database: ""\nrules_dir: %s\nweb:\n  port: 0\n' "$ROOT/rules" >"$T_TMP/web.yaml"
"$WEB" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
for i in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
login() {  # login ROLE JAR
	local token
	token=$(curl -s -c "$2" -b "$2" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -c "$2" -b "$2" --data-urlencode "csrf=$token" --data-urlencode "user=$1" \
		--data-urlencode "password=$PW" "$URL/login"
}
status() { curl -s -o /dev/null -w '%{http_code}' -b "$1" "$URL$2"; }
login "$C" "$T_TMP/c.jar"; login "$P" "$T_TMP/p.jar"; login "$S" "$T_TMP/s.jar"
for path in "/beslut/$ADEC" "/beslut/$FDEC" "/beslut/$ADEC/brev.pdf" "/referensram/$FCASE"; do
	check_eq "web, caseworker outside the group: $path does not exist" 404 "$(status "$T_TMP/c.jar" "$path")"
done
curl -s -b "$T_TMP/c.jar" "$URL/ko" >"$T_TMP/ko-c.html"
check "web: Arbetskö lists neither protected decision" \
	sh -c "! grep -Eq 'href=\"/beslut/($ADEC|$FDEC)\"' '$T_TMP/ko-c.html'"
check_match "web: Arbetskö's total is the unprotected queue's" "– $OPEN_VISIBLE att pröva" "$(cat "$T_TMP/ko-c.html")"
curl -s -b "$T_TMP/p.jar" "$URL/ko" >"$T_TMP/ko-p.html"
check_match "web: the member's Arbetskö total is the whole queue's" "– $OPEN_ALL att pröva" "$(cat "$T_TMP/ko-p.html")"
check "web: ... and lists the protected decisions" grep -Eq "href=\"/beslut/$ADEC\"" "$T_TMP/ko-p.html"
check_eq "web, supervisor outside the group: the protected decision does not exist" 404 \
	"$(status "$T_TMP/s.jar" "/beslut/$ADEC")"
check_eq "web: the supervisor's Statistik answers" 200 "$(status "$T_TMP/s.jar" "/statistik")"

before=$(psql_val "select count(*) from ebba.access_log where protected")
for path in "/beslut/$ADEC" "/beslut/$FDEC" "/referensram/$FCASE"; do
	check_eq "web, member: $path" 200 "$(status "$T_TMP/p.jar" "$path")"
done
upto=$(psql_val "select max(id) from ebba.access_log")
OCASE=$(psql_val "select case_id from ebba.case_frames where case_id not in $HIDDEN order by case_id limit 1")
check "web: Referensram's protection box is not shown to a caseworker outside the group" \
	sh -c "curl -s -b '$T_TMP/c.jar' '$URL/referensram/$OCASE' | grep -q 'name=\"automation\"' &&
		! curl -s -b '$T_TMP/c.jar' '$URL/referensram/$OCASE' | grep -q 'name=\"protected\"'"
check "web: ... it is shown to a member, checked for the frame-protected case" \
	sh -c "curl -s -b '$T_TMP/p.jar' '$URL/referensram/$FCASE' | grep -q 'name=\"protected\" value=\"ja\" checked'"
check_eq "every view of a protected case by the member is logged with the mark" \
	"decision $ADEC|decision $FDEC|case_frame $FCASE" \
	"$(psql_val "select string_agg(object_kind || ' ' || object_id, '|' order by id) from ebba.access_log
		where who = '$P' and action = 'view' and protected and object_kind in ('decision', 'case_frame')
		and id <= $upto")"
check_eq "... and views of unprotected cases are not marked" 0 \
	"$(psql_val "select count(*) from ebba.access_log where protected and object_kind = 'decision'
		and object_id::bigint not in $HIDDEN_DEC")"
check "... the marked rows are new" test "$(psql_val "select count(*) from ebba.access_log where protected")" -gt "$before"

# The member works the case: Pröva by ebbactl as the member.
check "the member records a decision on the AF-protected referral" \
	env PGUSER=$P PGPASSWORD=$PW "$EBBACTL" -c "$CFG" review resolve "$ADEC" --verdict approve --note "Utredd i test"
check_eq "... written, by the member" "$P" \
	"$(psql_val "select decided_by from ebba.decisions where reviews_decision_id = $ADEC")"
check_eq "... and the queue's counts follow, for the member and for others" "$((OPEN_ALL - 1)) $OPEN_VISIBLE" \
	"$(as "$P" "select sum(n) from ebba.open_work_counts where kind = 'total'") $(as "$C" "select sum(n) from ebba.open_work_counts where kind = 'total'")"

# Lifting: the frame's protection only by the frame; AF's by hand.
out=$(PGUSER=$P PGPASSWORD=$PW "$EBBACTL" -c "$CFG" case unprotect "$FCASE" 2>&1)
check_match "unprotect refuses while the frame says protected: true" "change the frame" "$out"
check "the member lifts the AF mark by hand" env PGUSER=$P PGPASSWORD=$PW "$EBBACTL" -c "$CFG" case unprotect "$ACASE"
check_eq "... and the case is visible to the caseworker again, with its queue count" \
	"$(psql_val "select count(*) from ebba.decisions where case_id = '$ACASE'") $(psql_val "select count(*) from ebba.open_work w join ebba.decisions d on d.id = w.decision_id where d.case_id <> '$FCASE'")" \
	"$(as "$C" "select count(*) from ebba.decisions where case_id = '$ACASE'") $(as "$C" "select sum(n) from ebba.open_work_counts where kind = 'total'")"
check_eq "... logged: protect by ebbad, unprotect by the member" "protect $D|unprotect $P" \
	"$(psql_val "select string_agg(action || ' ' || who, '|' order by id) from ebba.case_protection_log where case_id = '$ACASE'")"
check "the member protects it again by hand" env PGUSER=$P PGPASSWORD=$PW "$EBBACTL" -c "$CFG" case protect "$ACASE"
check_eq "... hidden again" 0 "$(as "$C" "select count(*) from ebba.decisions where case_id = '$ACASE'")"
check_eq "the queue's kept counts still agree with the queue" "" \
	"$(psql_val "select kind, key, protected from (select kind, key, protected, sum(n) n from ebba.open_work_counts group by 1, 2, 3) c
		full join (select k.kind, k.key, w.protected, count(*) m from ebba.open_work w,
		           ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k group by 1, 2, 3) r using (kind, key, protected)
		where coalesce(n, 0) <> coalesce(m, 0)")"

# What-if: a supervisor outside the group re-decides the unprotected cases
# and is told how many protected ones are left out; their households and
# amounts are not in the report.
HID=$(psql_val "select count(*) from ebba.decisions where inbox_id is not null and case_id in $HIDDEN")
out=$(PGUSER=$S PGPASSWORD=$PW "$EBBACTL" -c "$CFG" whatif --rules "$ROOT/rules" --period 2026-12 2>&1)
check_match "what-if, supervisor outside the group: only the unprotected decisions re-decided" \
	"^$(psql_val "select count(*) from ebba.decisions where inbox_id is not null and case_id not in $HIDDEN") beslut, " "$out"
check_match "... the protected ones counted as skyddade ärenden" "^$HID skyddade ärenden är inte med" "$out"
check "... and neither protected case is in the report" sh -c "! printf '%s' \"\$1\" | grep -Eq -- \"$ACASE|$FCASE\"" _ "$out"

# The API: the case system's feed carries the protected case's decisions
# (the member's decision on the AF-protected referral), marked protected.
FEED_TOKEN=$(ctl token add "feed$sfx" --role ebba_casesystem 2>/dev/null)
feed=$(curl -s -H "Authorization: Bearer $FEED_TOKEN" "$URL/api/v1/decisions?after=0&limit=1000")
check_eq "API feed: the protected case's decision is there, marked protected; the others are not marked" "true false" \
	"$(printf '%s' "$feed" | python3 -c "import json, sys
items = json.load(sys.stdin)['decisions']
mine = [i['protected'] for i in items if i['case'] == '$ACASE']
others = [i['protected'] for i in items if i['case'] not in ('$ACASE', '$FCASE')]
print(str(bool(mine) and all(mine)).lower(), str(any(others)).lower())" 2>&1)"
