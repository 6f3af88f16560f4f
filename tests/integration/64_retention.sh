# Retention (gallring), legal holds and the applicant's own copy (issue 28,
# items 3 and 4; docs/retention.md).  The demo's 50 households decided,
# then, in the test's set-up (the superuser, triggers off), their dates
# spread over eight years: the households born on the 5th, 15th or 25th
# and one held case among the oldest.  Then:
#  - export-person for a test person returns every row an independent SQL
#    query finds for them and nothing of anyone else;
#  - retention plan names exactly the cases past the limit, and why each
#    stays; keep_all keeps them all;
#  - retention run removes exactly those cases' rows in every table (what-if
#    results and the access log's old rows included), touches nothing else,
#    records counts per case and table; every remaining decision replays
#    with 0 differences;
#  - no role deletes anything by direct SQL, nor reaches the function's
#    helpers or its role.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_decided || exit 0
sfx=${PGDATABASE##*_}
CW=cwr$sfx AR=arr$sfx SU=sur$sfx AU=aur$sfx DA=dar$sfx DL=dlr$sfx
for u in "$CW:caseworker" "$AR:archivist" "$SU:supervisor" "$AU:auditor"; do
	printf 'Test-l0senord\n' | ctl user add "${u%%:*}" --role "${u#*:}" >/dev/null || fail "user add $u"
done
psql_val "create role $DA login in role ebba_daemon; create role $DL login in role ebba_deliver" >/dev/null
trap 'for u in $CW $AR $SU $AU $DA $DL; do psql -XAtq -d postgres -c "drop owned by $u cascade; drop role if exists $u" >/dev/null 2>&1; done; t_cleanup' EXIT
as() { local u=$1; shift; PGUSER=$u "$@"; }
sql_as() { PGUSER=$1 psql -XAtq -v ON_ERROR_STOP=1 -c "$2" 2>&1; }

# ---- who each case is about (ebba.case_people), as ebbad wrote it -------------------
check_eq "ebba.case_people holds every person of every decided application, with its role" \
	"$(psql_val "select count(*) from (select i.id, replace(m[1], '-', ''), m[2] from ebba.inbox i
		join ebba.decisions d on d.inbox_id = i.id,
		regexp_matches(convert_from(i.payload, 'UTF8'), 'pnr=\"([0-9-]+)\" role=\"([a-z-]+)\"', 'g') m) s")" \
	"$(psql_val "select count(*) from ebba.case_people where inbox_id <> 0")"
check_eq "... and nothing else" "" \
	"$(psql_val "select p.inbox_id from ebba.case_people p join ebba.inbox i on i.id = p.inbox_id
		where position(convert_to('pnr=\"' || p.pnr, 'UTF8') in i.payload) = 0
		  and position(convert_to('pnr=\"' || substr(p.pnr, 1, 8) || '-' || substr(p.pnr, 9), 'UTF8') in i.payload) = 0")"

# ---- the test's set-up: eight years of history ---------------------------------
# The applicant's and co-applicant's birth days, from the documents (not from
# ebba.case_people, which is what is being tested).
psql -XAtq -v ON_ERROR_STOP=1 <<'SQL' || fail "spreading the history"
create table public.t_case_age as
with people as (
    select i.case_id, (regexp_matches(convert_from(i.payload, 'UTF8'),
           'pnr="([0-9]{8})-?([0-9]{4})" role="(applicant|co-applicant)"', 'g'))[1] as born
      from ebba.inbox i),
birthday as (
    select distinct case_id from people
     where (case when substr(born, 7, 2)::int > 60 then substr(born, 7, 2)::int - 60
                 else substr(born, 7, 2)::int end) in (5, 15, 25)),
cases as (select distinct case_id, row_number() over (order by case_id) as rn
            from (select distinct case_id from ebba.inbox) c)
select c.case_id, b.case_id is not null as birthday,
       case when b.case_id is not null then 6 else (c.rn % 8)::int end as years
  from cases c left join birthday b using (case_id);
set session_replication_role = replica;
update ebba.inbox i set received_at = received_at - make_interval(years => a.years, days => 30)
  from public.t_case_age a where a.case_id = i.case_id;
update ebba.decisions d set decided_at = decided_at - make_interval(years => a.years, days => 30)
  from public.t_case_age a where a.case_id = d.case_id;
update ebba.case_frame_versions v set updated_at = updated_at - make_interval(years => a.years, days => 30)
  from public.t_case_age a where a.case_id = v.case_id;
update ebba.case_frames v set updated_at = updated_at - make_interval(years => a.years, days => 30)
  from public.t_case_age a where a.case_id = v.case_id;
update ebba.audit_flags f set created_at = created_at - make_interval(years => a.years, days => 30)
  from public.t_case_age a, ebba.decisions d where d.id = f.decision_id and a.case_id = d.case_id;
SQL
echo "# ages: $(psql_val "select string_agg(years || ':' || n || case when b then 'b' else '' end, ' ')
	from (select years, birthday b, count(*) n from public.t_case_age group by 1, 2 order by 1, 2) s")"

# ---- export-person ----------------------------------------------------------------
# The person: the applicant of a sampled approval in a case that stays, whose
# decision a caseworker looks at and reviews; someone else's decision is looked
# at too, and must not show.
R=$(psql_val "select d.id from ebba.decisions d join public.t_case_age a using (case_id)
	where d.inbox_id is not null and a.years < 5 and exists (select 1 from ebba.audit_flags f where f.decision_id = d.id)
	and d.outcome = 'approved' order by d.id limit 1")
OTHER=$(psql_val "select d.id from ebba.decisions d where d.inbox_id is not null and d.id <> ${R:-0} order by d.id desc limit 1")
P=$(psql_val "select (regexp_match(convert_from(i.payload, 'UTF8'), 'pnr=\"([0-9]{8}-?[0-9]{4})\" role=\"applicant\"'))[1]
	from ebba.inbox i join ebba.decisions d on d.inbox_id = i.id where d.id = ${R:-0}" | tr -d -)
[ -n "$R" ] && [ -n "$P" ] || { fail "the demo has a sampled approval in a kept case"; exit 0; }
as "$CW" "$EBBACTL" -c "$CFG" review show "$R" >/dev/null || fail "review show as the caseworker"
as "$CW" "$EBBACTL" -c "$CFG" review show "$OTHER" >/dev/null || fail "review show of another decision"
as "$CW" "$EBBACTL" -c "$CFG" review resolve "$R" --verdict approve --note "Stickprov utan anmärkning" >/dev/null ||
	fail "review resolve as the caseworker"
# the independent query: every application whose bytes name the person, in
# either spelling, its decisions and the reviews of those
PDASH="${P:0:8}-${P:8}"
APPS="select i.id from ebba.inbox i where position(convert_to('\"$P\"', 'UTF8') in i.payload) > 0
	or position(convert_to('\"$PDASH\"', 'UTF8') in i.payload) > 0"
DECS="select d.id from ebba.decisions d where d.inbox_id in ($APPS)
	union select r.id from ebba.decisions r join ebba.decisions d on r.reviews_decision_id = d.id where d.inbox_id in ($APPS)"
before_export=$(psql_val "select count(*) from ebba.access_log where action = 'export' and object_kind = 'person'")
out=$(printf '%s\n' "$PDASH" | as "$CW" "$EBBACTL" -c "$CFG" export-person --out "$T_TMP/p.tar" 2>&1)
check_eq "export-person writes the archive (exit 0)" 0 "$?"
check_match "... and says how many files" "p.tar: [0-9]+ files" "$out"
check_eq "... logged as an export of the person, once" "$((before_export + 1))" \
	"$(psql_val "select count(*) from ebba.access_log where action = 'export' and object_kind = 'person' and who = '$CW'")"
check_eq "... the log row names the cases, not the number" 0 \
	"$(psql_val "select count(*) from ebba.access_log where object_id like '%${P:8}%' or client like '%${P:8}%'")"
printf "%s\n" "$P" | as "$CW" "$EBBACTL" -c "$CFG" export-person --out "$T_TMP/arg.tar" "$P" >/dev/null 2>&1
check_eq "a number as an argument is refused (usage, exit 2), nothing written" "2 no" "$? $([ -e "$T_TMP/arg.tar" ] && echo yes || echo no)"
tar -tvf "$T_TMP/p.tar" | head -5 | sed "s/^/# /"
mkdir -p "$T_TMP/x" && tar -xf "$T_TMP/p.tar" -C "$T_TMP/x" || fail "the archive is a tar archive"
X=$T_TMP/x/ebba-export
lsids() { ls "$1" 2>/dev/null | sed 's/\..*//' | sort -n | tr '\n' ' '; }
check_eq "every application that names the person, and no other" \
	"$(psql_val "$APPS order by 1" | tr '\n' ' ')" "$(lsids "$X/ansokningar")"
check_eq "every decision about the person (the review included), and no other" \
	"$(psql_val "$DECS order by 1" | tr '\n' ' ')" "$(lsids "$X/beslut")"
check_match "... the review is there" " $(psql_val "select id from ebba.decisions where reviews_decision_id = $R") " " $(lsids "$X/beslut")"
ok_bytes=0 n_bytes=0
while IFS='|' read -r id sha; do
	n_bytes=$((n_bytes + 1))
	[ "$(sha256sum <"$X/ansokningar/$id.xml" | cut -d' ' -f1)" = "$sha" ] && ok_bytes=$((ok_bytes + 1))
done < <(psql_val "select id, encode(sha256(payload), 'hex') from ebba.inbox where id in ($APPS)")
check_eq "each application is the bytes received" "$n_bytes" "$ok_bytes"
check_eq "every evidence row of theirs, as received" \
	"$(psql_val "select string_agg(h, ' ' order by h collate \"C\") from (select encode(sha256(coalesce(raw, '')), 'hex') h from ebba.register_evidence where decision_id in ($DECS)) e")" \
	"$(for f in "$X"/beslut/*/underlag/*; do sha256sum <"$f" | cut -d' ' -f1; done | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "every letter as text" "$(psql_val "select count(*) from ebba.letters where decision_id in ($DECS)")" \
	"$(ls "$X"/beslut/*/brev.txt 2>/dev/null | wc -l)"
check_eq "every letter as its PDF" "$(psql_val "select count(*) from ebba.letters where decision_id in ($DECS)")" \
	"$(ls "$X"/beslut/*/brev.pdf 2>/dev/null | wc -l)"
check_eq "... the PDF as stored" "$(psql_val "select encode(sha256, 'hex') from ebba.letter_pdfs where decision_id = $R")" \
	"$(sha256sum <"$X/beslut/$R/brev.pdf" | cut -d' ' -f1)"
check_eq "every check of theirs, with its message" \
	"$(psql_val "select count(*) from ebba.decision_checks where decision_id in ($DECS)")" \
	"$(cat "$X"/beslut/*/beslut.json | grep -c '"kontroll":')"
check_eq "every flag of theirs, with its verdict" \
	"$(psql_val "select count(*) from ebba.audit_flags where decision_id in ($DECS) and verdict is not null")" \
	"$(cat "$X"/beslut/*/beslut.json | grep -c '"bedomning": "approve"')"
CASE=$(psql_val "select case_id from ebba.decisions where id = $R")
check_eq "every version of their frame" \
	"$(psql_val "select count(*) from ebba.case_frame_versions where case_id = '$CASE' and frame -> 'household' ? '$P'")" \
	"$(ls "$X/referensramar/$CASE" 2>/dev/null | wc -l)"
check_eq "who looked at their data: the caseworker's view and resolve, nothing else" \
	"view;decision;$R resolve;decision;$R" \
	"$(awk -F';' -v w="$CW" '$2 == w {print $3 ";" $4 ";" $5}' "$X/atkomst.csv" | grep -v ';letter;' | tr '\n' ' ' | sed 's/ $//')"
check "... not the view of someone else's decision" bash -c "! grep -q ';decision;$OTHER;' '$X/atkomst.csv'"
# nothing of anyone else: every identity number in the archive is a member
# of the person's own households, every case theirs
HOUSE=$(psql_val "select distinct replace(m[1], '-', '') from ebba.inbox i,
	regexp_matches(convert_from(i.payload, 'UTF8'), 'pnr=\"([0-9]{8}-?[0-9]{4})\"', 'g') m where i.id in ($APPS) order by 1")
INARCH=$(grep -rhoaE '(19|20)[0-9]{6}-?[0-9]{4}' "$X" | tr -d - | sort -u | while read -r n; do
	grep -qx "$n" "$EBBA_REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt" && echo "$n"; done)
check_eq "no identity number outside the person's households" "" "$(comm -13 <(echo "$HOUSE") <(echo "$INARCH") | grep .)"
check_eq "no case but theirs" "$CASE" "$(grep -rhoE '"arende": "[^"]*"' "$X/beslut" | sort -u | cut -d'"' -f4)"
out=$(printf '19121212-1213\n' | as "$CW" "$EBBACTL" -c "$CFG" export-person --out "$T_TMP/bad.tar" 2>&1)
check_eq "an invalid number is refused with one line (exit 1), no file" "1 no" "$? $([ -e "$T_TMP/bad.tar" ] && echo yes || echo no)"
check_match "... saying what" "^ebbactl export-person: standard input: check digit" "$out"
out=$(printf '%s\n' "$P" | as "$CW" "$EBBACTL" -c "$CFG" export-person --out "$T_TMP/p.tar" 2>&1)
check_eq "an existing file is not overwritten (exit 2)" 2 "$?"
out=$(printf '%s\n' "$P" | as "$AR" "$EBBACTL" -c "$CFG" export-person --out "$T_TMP/ar.tar" 2>&1)
check_match "only a caseworker exports" "permission denied|not a caseworker" "$out"

# ---- legal holds --------------------------------------------------------------------
HELD=$(psql_val "select case_id from public.t_case_age where years = 7 and not birthday order by case_id limit 1")
FREED=$(psql_val "select case_id from public.t_case_age where years = 7 and not birthday order by case_id offset 1 limit 1")
out=$(as "$AR" "$EBBACTL" -c "$CFG" case hold "$HELD" --reason "Överklagat, mål 1234-26" 2>&1)
check_eq "an archivist holds a case" "case $HELD: held" "$out"
check_eq "... as themselves, by the database" "$AR" "$(psql_val "select held_by from ebba.case_holds where case_id = '$HELD'")"
out=$(as "$AR" "$EBBACTL" -c "$CFG" case hold "$HELD" --reason "igen" 2>&1)
check_eq "a case is held once at a time (exit 1)" 1 "$?"
as "$AR" "$EBBACTL" -c "$CFG" case hold "$FREED" --reason "Tillfälligt" >/dev/null || fail "hold $FREED"
out=$(as "$AR" "$EBBACTL" -c "$CFG" case release "$FREED" 2>&1)
check_eq "... and released" "case $FREED: released" "$out"
check_eq "... by the archivist, once" "$AR|1" "$(psql_val "select released_by, count(*) from ebba.case_holds where case_id = '$FREED' group by 1")"
out=$(as "$AR" "$EBBACTL" -c "$CFG" case hold "$HELD" --reason "pnr $P" 2>&1)
check_match "an identity number in a reason is refused" "identity number cannot be part" "$out"
out=$(as "$CW" "$EBBACTL" -c "$CFG" case hold "$FREED" --reason "x" 2>&1)
check_match "a caseworker cannot hold a case" "permission denied" "$out"
check_match "nobody names another person as who held" "must be the session's own role|permission denied" \
	"$(sql_as "$AR" "insert into ebba.case_holds (case_id, reason, held_by) values ('X', 'y', 'someone')")"
check_match "a hold's reason cannot be rewritten" "permission denied|only released" \
	"$(sql_as "$AR" "update ebba.case_holds set reason = 'z' where case_id = '$HELD'")"

# ---- retention plan -----------------------------------------------------------------
expect() {  # the cases past the limit with the verdict the set-up gives them
	psql_val "select case_id || ' ' || case when case_id = '$HELD' then 'keep-hold'
		when birthday then 'keep-birthday' else '$1' end from public.t_case_age
		where years >= 5 order by case_id collate \"C\""
}
plan=$(as "$AR" "$EBBACTL" -c "$CFG" --porcelain retention plan 2>&1)
check_eq "retention plan: exactly the cases past five years, with why" "$(expect remove)" \
	"$(awk -F'\t' '$1 == "case" {print $2 " " $4}' <<<"$plan" | LC_ALL=C sort)"
check_eq "... the birthday cases are among them (the test means something)" 6 "$(grep -c keep-birthday <<<"$plan")"
plan_words=$(as "$AR" "$EBBACTL" -c "$CFG" retention plan 2>&1)
check_match "... in words" "sparas: född den 5, 15 eller 25" "$plan_words"
check_match "... with a count" "$(grep -c ' remove$' <<<"$(expect remove)") ärenden gallras" "$plan_words"
write_config <<<"$(grep -v '^rules_dir:' "$CFG")
retention:
  keep_all: true" >/dev/null
plan=$(as "$AR" "$EBBACTL" -c "$T_TMP/ebba.yaml" --porcelain retention plan 2>&1)
check_eq "retention.keep_all: every case kept" "$(expect keep-all)" \
	"$(awk -F'\t' '$1 == "case" {print $2 " " $4}' <<<"$plan" | LC_ALL=C sort)"
check_match "a caseworker cannot ask for the plan" "permission denied" \
	"$(as "$CW" "$EBBACTL" -c "$CFG" retention plan 2>&1)"
printf 'database: ""\nretention:\n  access_log_years: 0\n' >"$T_TMP/bad.yaml"
out=$(as "$AR" "$EBBACTL" -c "$T_TMP/bad.yaml" retention plan 2>&1)
check_eq "a limit of 0 years in the configuration is refused (exit 2), one line" "2 1" "$? $(wc -l <<<"$out")"
check_match "... naming the file and the place" "bad.yaml:3:[0-9]+: .*access_log_years" "$out"
out=$(as "$AR" "$EBBACTL" -c "$CFG" retention plan --rules "$T_TMP/none" 2>&1)
check_eq "rules that do not load: exit 2, one line" "2 1" "$? $(wc -l <<<"$out")"

# ---- what retention must touch and what it must not ------------------------------------
# A finished what-if run whose result names a decision that goes and one that
# stays; an access-log row six years old and one of today.
GONE=$(psql_val "select min(d.id) from ebba.decisions d join public.t_case_age a using (case_id) where a.years >= 5
	and a.case_id <> '$HELD' and not a.birthday")
KEPT=$(psql_val "select min(d.id) from ebba.decisions d join public.t_case_age a using (case_id) where a.years < 5")
psql -XAtq -v ON_ERROR_STOP=1 <<SQL || fail "planting a what-if run and old log rows"
set session_replication_role = replica;
insert into ebba.whatif_runs (created_by, candidate, candidate_sha256, status, result)
values ('$SU', 'rules', repeat('a', 64), 'done', '{"total": 2, "changes": [{"decision": $GONE, "case": "x"},
  {"decision": $KEPT, "case": "y"}], "skips": [{"decision": $GONE, "why": "z"}]}');
insert into ebba.access_log (at, who, action, object_kind, object_id) values
  (now() - interval '6 years', '$CW', 'view', 'decision', '$GONE'),
  (now() - interval '1 day', '$CW', 'view', 'decision', '$KEPT');
SQL
# every row of every case that stays, and every row of the tables that hold no
# case, as one digest per table
TABLES="inbox decisions decision_checks register_evidence audit_flags letters letter_pdfs outbox decision_feed
	open_work case_frames case_frame_versions case_people case_holds"
digest_kept() {
	local t q out=
	for t in $TABLES; do
		case $t in
		inbox|decisions|case_frames|case_frame_versions|case_people|case_holds) q="select * from ebba.$t x where x.case_id in (select case_id from keep)" ;;
		*) q="select x.* from ebba.$t x join ebba.decisions d on d.id = x.decision_id where d.case_id in (select case_id from keep)" ;;
		esac
		out+="$t $(psql_val "with keep as (select case_id from public.t_case_age where years < 5 or birthday or case_id = '$HELD')
			select count(*) || ':' || md5(coalesce(string_agg(r::text, '|' order by r::text collate \"C\"), '')) from ($q) r") "
	done
	echo "$out $(psql_val "select md5(string_agg(r::text, '|' order by r::text collate \"C\")) from (select * from ebba.access_log where at > now() - interval '5 years') r")"
}
kept_before=$(digest_kept)
gone_before=$(psql_val "select count(*) from ebba.decisions d join public.t_case_age a using (case_id) where a.years >= 5 and not a.birthday and a.case_id <> '$HELD'")

# ---- nobody deletes by direct SQL -------------------------------------------------------
for t in $TABLES access_log retention_log whatif_runs; do
	for u in "$CW" "$AR" "$SU" "$AU" "$DA" "$DL"; do
		r=$(sql_as "$u" "delete from ebba.$t")
		case $r in *"permission denied"*|*"immutable"*|*"insert-only"*) ;; *) fail "$u deleted from ebba.$t: $r"; continue 2 ;; esac
	done
	# the owner, inside a transaction rolled back whatever happens; the
	# queue (open_work) is derived, and rebuilt by the owner by design
	r=$(psql -XAtq -v ON_ERROR_STOP=1 -c "begin" -c "delete from ebba.$t" -c "select 'deleted'" -c "rollback" 2>&1)
	if [ "$t" != open_work ] && [ "$(psql_val "select count(*) > 0 from ebba.$t")" = t ]; then
		case $r in *"immutable"*|*"insert-only"*) ;; *) fail "the owner deleted from ebba.$t: $r"; continue ;; esac
	fi
	ok "nobody deletes from ebba.$t by direct SQL"
done 2>/dev/null
check_eq "... and everything is still there" "$kept_before" "$(digest_kept)"
check_match "no login becomes ebba_retention" "permission denied" "$(sql_as "$AR" "set role ebba_retention")"
check_eq "ebba_retention cannot log in and has no member" "false 0" \
	"$(psql_val "select rolcanlogin || ' ' || (select count(*) from pg_auth_members where roleid = r.oid) from pg_roles r where rolname = 'ebba_retention'")"
check_match "the function's helpers are not callable" "permission denied" \
	"$(sql_as "$AR" "select * from ebba.retention_remove_case('$GONE', 'x')")"
check_match "only an archivist runs retention" "not an archivist|permission denied" \
	"$(sql_as "$SU" "select * from ebba.retention_run(5, '{}', false, 5, 10, true)")"
check_match "the limits cannot be cut below a year" "at least 1" \
	"$(sql_as "$AR" "select * from ebba.retention_run(0, '{}', false, 5, 10, true)")"

# ---- retention run --------------------------------------------------------------------
# in batches of four cases, each its own transaction
write_config <<<"$(grep -v '^rules_dir:' "$CFG")
retention:
  batch_size: 4" >/dev/null
out=$(as "$AR" "$EBBACTL" -c "$T_TMP/ebba.yaml" --porcelain retention run 2>&1)
rc=$?
check_eq "retention run (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || echo "$out" | tail -3 | sed 's/^/#   /'

check_eq "every case that was to go is gone from every table" "" \
	"$(for t in inbox decisions case_frames case_frame_versions case_people case_holds; do
		psql_val "select '$t ' || case_id from ebba.$t where case_id in (select case_id from public.t_case_age
			where years >= 5 and not birthday and case_id <> '$HELD')"; done | grep .)"
check_eq "... and no row refers to a decision that is gone" "" \
	"$(for t in decision_checks register_evidence audit_flags letters letter_pdfs outbox decision_feed open_work; do
		psql_val "select '$t ' || decision_id from ebba.$t x where not exists (select 1 from ebba.decisions d where d.id = x.decision_id)"; done | grep .)"
check_eq "nothing else is touched" "$kept_before" "$(digest_kept)"
check_eq "the run removed the decisions it counted" "$gone_before" \
	"$(awk -F'\t' '$1 == "removed" && $3 == "decisions" {s += $4} END {print s + 0}' <<<"$out")"
check_eq "ebba.retention_log: counts per case and table, the same" \
	"$(awk -F'\t' '$1 == "removed" {print $2 " " $3 " " $4}' <<<"$out" | LC_ALL=C sort)" \
	"$(psql_val "select l from (select case_id || ' ' || table_name || ' ' || removed as l from ebba.retention_log) s order by l collate \"C\"")"
check_eq "... in four transactions (batches of four)" 4 \
	"$(psql_val "select count(distinct xmin::text) from ebba.retention_log where case_id <> ''")"
check_match "... which not even the owner deletes" "immutable" \
	"$(psql -XAtq -c "delete from ebba.retention_log" 2>&1)"
check_eq "... by the archivist" "$AR" "$(psql_val "select string_agg(distinct who, ',') from ebba.retention_log")"
check_eq "the what-if run keeps no change of a removed decision" "$KEPT" \
	"$(psql_val "select string_agg(e->>'decision', ',') from ebba.whatif_runs w, json_array_elements(w.result->'changes') e")"
check_eq "... nor a skip" 0 "$(psql_val "select json_array_length(result->'skips') from ebba.whatif_runs")"
check_eq "access-log rows past five years are gone, the rest stay" "0 1" \
	"$(psql_val "select count(*) filter (where at < now() - interval '5 years') || ' ' || count(*) filter (where object_id = '$KEPT' and at < now() - interval '12 hours') from ebba.access_log")"
check_eq "a second run finds nothing" "" "$(as "$AR" "$EBBACTL" -c "$CFG" --porcelain retention run 2>&1)"
check_eq "the plan then lists only what stays" "" "$(as "$AR" "$EBBACTL" -c "$CFG" --porcelain retention plan | grep -v 'keep-')"

# ---- replay of every remaining decision ------------------------------------------------
mapfile -t left < <(psql_val "select id from ebba.decisions where inbox_id is not null order by id")
out=$("$EBBACTL" -c "$CFG" --porcelain replay "${left[@]}" 2>&1)
check_eq "replay of the ${#left[@]} remaining decisions: exit 0" 0 "$?"
check_eq "... 0 differences" "0" "$(awk -F'\t' '$1 == "differences" {s += $2} END {print s + 0}' <<<"$out")"
psql_val "drop table public.t_case_age" >/dev/null
