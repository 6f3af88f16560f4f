# The database's own defences, from the catalogue (issue 24; RELIABILITY.md,
# "The database's own defences"): every privilege any role other than the
# owner holds in schema ebba (the schema, tables, columns, sequences,
# functions), compared with the list below.  A new grant, or one gone, fails
# here until the list is changed with it: a deliberate change, reviewed
# with the RELIABILITY.md table.  Then what the list cannot say: every
# SECURITY DEFINER function pins its search_path, nothing in the schema is
# owned by anyone but the schema's owner, the groups cannot log in and are
# members of none of each other, ebba_web_proxy inherits nothing.
. "$(dirname "$0")/../lib.sh"
new_db || exit 2

GRANTS_SQL="with obj as (
    select 'schema' as kind, n.nspname::text as name, n.nspowner as owner,
           coalesce(n.nspacl, acldefault('n', n.nspowner)) as acl
      from pg_namespace n where n.nspname = 'ebba'
    union all
    select case c.relkind when 'S' then 'sequence' else 'table' end, c.oid::regclass::text, c.relowner,
           coalesce(c.relacl, acldefault(case c.relkind when 'S' then 's'::\"char\" else 'r'::\"char\" end, c.relowner))
      from pg_class c
     where c.relnamespace = 'ebba'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
    union all
    select 'column', a.attrelid::regclass::text || '.' || a.attname, c.relowner, a.attacl
      from pg_attribute a join pg_class c on c.oid = a.attrelid
     where c.relnamespace = 'ebba'::regnamespace and a.attacl is not null and not a.attisdropped
    union all
    select case when p.prosecdef then 'definer-function' else 'function' end,
           p.oid::regprocedure::text, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner))
      from pg_proc p where p.pronamespace = 'ebba'::regnamespace
)
select g from (
    select format('%s %s%s %s %s', case when x.grantee = 0 then 'PUBLIC' else x.grantee::regrole::text end,
                  x.privilege_type, case when x.is_grantable then '+grant' else '' end, o.kind, o.name) as g
      from obj o, aclexplode(o.acl) x
     where x.grantee <> o.owner) s
 order by g collate \"C\""

# GRANTEE PRIVILEGE KIND OBJECT, one a line.
EXPECTED=$(grep -v '^#' <<'LIST' | grep .
# PUBLIC: only functions that run with the caller's own rights (triggers,
# ebba.person(), helpers); no SECURITY DEFINER function is PUBLIC's.
PUBLIC EXECUTE function ebba.application_people(bytea)
PUBLIC EXECUTE function ebba.case_frame_next_version()
PUBLIC EXECUTE function ebba.check_decision_refs()
PUBLIC EXECUTE function ebba.lock_case(text)
PUBLIC EXECUTE function ebba.notify_inbox()
PUBLIC EXECUTE function ebba.open_work_keys(text,text,text[],text[])
PUBLIC EXECUTE function ebba.person()
PUBLIC EXECUTE function ebba.pnr_birth_day(text)
PUBLIC EXECUTE function ebba.refuse_change()
PUBLIC EXECUTE function ebba.refuse_ungiven()
PUBLIC EXECUTE function ebba.sees_protected()
PUBLIC EXECUTE function ebba.session_given(text)
PUBLIC EXECUTE function ebba.stamp_access_log()
PUBLIC EXECUTE function ebba.stamp_case_hold()
PUBLIC EXECUTE function ebba.stamp_case_protection()
PUBLIC EXECUTE function ebba.stamp_decided_by()
PUBLIC EXECUTE function ebba.stamp_intake_token()
PUBLIC EXECUTE function ebba.stamp_resolved_by()
PUBLIC EXECUTE function ebba.stamp_updated_by()
PUBLIC EXECUTE function ebba.stamp_whatif_progress()
PUBLIC EXECUTE function ebba.stamp_whatif_run()
PUBLIC EXECUTE function ebba.utf8_sha256(text)
PUBLIC EXECUTE function ebba.whatif_run_status(text,timestamp with time zone)

# ebba_archivist (schema 025): runs retention through ebba.retention_run only,
# sets and releases legal holds, reads what retention removed (counts);
# logs their own views.  Reads no case data.
ebba_archivist EXECUTE definer-function ebba.hidden_cases()
ebba_archivist EXECUTE definer-function ebba.retention_run(integer,integer[],boolean,integer,integer,boolean)
ebba_archivist INSERT column ebba.access_log.action
ebba_archivist INSERT column ebba.access_log.client
ebba_archivist INSERT column ebba.access_log.object_id
ebba_archivist INSERT column ebba.access_log.object_kind
ebba_archivist INSERT column ebba.case_holds.case_id
ebba_archivist INSERT column ebba.case_holds.reason
ebba_archivist SELECT table ebba.case_holds
ebba_archivist SELECT table ebba.retention_log
ebba_archivist UPDATE column ebba.case_holds.released_at
ebba_archivist USAGE schema ebba
ebba_archivist USAGE sequence ebba.access_log_id_seq
ebba_archivist USAGE sequence ebba.case_holds_id_seq

# ebba_auditor: reads the access log only through the two functions that
# log each read (schema 024); logs their own views.
ebba_auditor EXECUTE definer-function ebba.access_log_entries(text,text,date,date,text,integer,boolean,text,text)
ebba_auditor EXECUTE definer-function ebba.access_log_followup(date,date,numeric,integer,boolean,text)
ebba_auditor EXECUTE definer-function ebba.hidden_cases()
ebba_auditor EXECUTE definer-function ebba.object_protected(text,text)
ebba_auditor EXECUTE definer-function ebba.person_name(text)
ebba_auditor INSERT column ebba.access_log.action
ebba_auditor INSERT column ebba.access_log.client
ebba_auditor INSERT column ebba.access_log.object_id
ebba_auditor INSERT column ebba.access_log.object_kind
ebba_auditor SELECT table ebba.case_protection_log
ebba_auditor SELECT table ebba.people_names
ebba_auditor SELECT table ebba.provider_signins
ebba_auditor SELECT table ebba.retention_log
ebba_auditor USAGE schema ebba
ebba_auditor USAGE sequence ebba.access_log_id_seq

# ebba_caseworker: reads everything but the access log; sets frames; records
# a decision only line by line with its letter through ebba.decide_referral
# (schema 019; ebba.resolve_review, without a letter, is gone, schema 021)
# and resolves a flag only through ebba.resolve_flag (schema 014);
# logs their own views.  No INSERT on decisions or decision_checks, no UPDATE
# on audit_flags.
ebba_caseworker EXECUTE definer-function ebba.case_release(text)
ebba_caseworker EXECUTE definer-function ebba.case_release_idle(integer)
ebba_caseworker EXECUTE definer-function ebba.case_take(text,integer)
ebba_caseworker EXECUTE definer-function ebba.completion_attachment(bigint,text)
ebba_caseworker EXECUTE definer-function ebba.completion_state(bigint)
ebba_caseworker EXECUTE definer-function ebba.decide_referral(bigint,jsonb,text,bigint,bigint,bigint,bigint,text,text,text,text,text)
ebba_caseworker EXECUTE definer-function ebba.hidden_cases()
ebba_caseworker EXECUTE definer-function ebba.hidden_decisions()
ebba_caseworker EXECUTE definer-function ebba.letter_pdf_store(bigint,bytea,bytea,text)
ebba_caseworker EXECUTE definer-function ebba.object_protected(text,text)
ebba_caseworker EXECUTE definer-function ebba.person_export(text,text)
ebba_caseworker EXECUTE definer-function ebba.person_key(text)
ebba_caseworker EXECUTE definer-function ebba.person_name(text)
ebba_caseworker EXECUTE definer-function ebba.request_documents(bigint,jsonb,text,date,text)
ebba_caseworker EXECUTE definer-function ebba.resolve_flag(bigint,text,text,text)
ebba_caseworker INSERT column ebba.access_log.action
ebba_caseworker INSERT column ebba.access_log.client
ebba_caseworker INSERT column ebba.access_log.object_id
ebba_caseworker INSERT column ebba.access_log.object_kind
ebba_caseworker INSERT table ebba.case_frames
ebba_caseworker SELECT table ebba.audit_flags
ebba_caseworker SELECT table ebba.awaiting_completion
ebba_caseworker SELECT table ebba.case_assignments
ebba_caseworker SELECT table ebba.case_frame_versions
ebba_caseworker SELECT table ebba.case_frames
ebba_caseworker SELECT table ebba.case_holds
ebba_caseworker SELECT table ebba.case_people
ebba_caseworker SELECT table ebba.case_protection
ebba_caseworker SELECT table ebba.completion_files
ebba_caseworker SELECT table ebba.decision_checks
ebba_caseworker SELECT table ebba.decision_inputs
ebba_caseworker SELECT table ebba.decisions
ebba_caseworker SELECT table ebba.document_requests
ebba_caseworker SELECT table ebba.inbox
ebba_caseworker SELECT table ebba.letter_pdfs
ebba_caseworker SELECT table ebba.letters
ebba_caseworker SELECT table ebba.open_work
ebba_caseworker SELECT table ebba.open_work_counts
ebba_caseworker SELECT table ebba.outbox
ebba_caseworker SELECT table ebba.people_names
ebba_caseworker SELECT table ebba.register_evidence
ebba_caseworker SELECT table ebba.register_retries
ebba_caseworker SELECT table ebba.schema_migrations
ebba_caseworker SELECT table ebba.workers
ebba_caseworker UPDATE table ebba.case_frames
ebba_caseworker USAGE schema ebba
ebba_caseworker USAGE sequence ebba.access_log_id_seq

# ebba_daemon: claims and completes inbox rows (state columns only), writes
# decisions and what belongs to them (and who the case is about, schema 025;
# its own requests for documents through a view that writes the request and
# its letter, schema 030).  No UPDATE or DELETE on any of them.
ebba_daemon EXECUTE definer-function ebba.add_case_people(text[],text[],text[],bigint[])
ebba_daemon EXECUTE definer-function ebba.hidden_cases()
ebba_daemon EXECUTE definer-function ebba.hidden_decisions()
ebba_daemon EXECUTE definer-function ebba.redecisions(bigint[])
ebba_daemon EXECUTE definer-function ebba.register_retry_schedule(text[],interval,interval,integer)
ebba_daemon EXECUTE definer-function ebba.worker_seen(text,bigint)
ebba_daemon INSERT table ebba.audit_flags
ebba_daemon INSERT table ebba.auto_document_requests
ebba_daemon INSERT table ebba.case_people
ebba_daemon INSERT table ebba.decision_checks
ebba_daemon INSERT table ebba.decision_inputs
ebba_daemon INSERT table ebba.decisions
ebba_daemon INSERT table ebba.letters
ebba_daemon INSERT table ebba.register_evidence
ebba_daemon SELECT table ebba.audit_flags
ebba_daemon SELECT table ebba.case_frames
ebba_daemon SELECT table ebba.decision_checks
ebba_daemon SELECT table ebba.decision_inputs
ebba_daemon SELECT table ebba.decisions
ebba_daemon SELECT table ebba.inbox
ebba_daemon SELECT table ebba.letters
ebba_daemon SELECT table ebba.register_evidence
ebba_daemon UPDATE column ebba.inbox.attempts
ebba_daemon UPDATE column ebba.inbox.claimed_at
ebba_daemon UPDATE column ebba.inbox.error
ebba_daemon UPDATE column ebba.inbox.lease_expires
ebba_daemon UPDATE column ebba.inbox.lease_owner
ebba_daemon UPDATE column ebba.inbox.state
ebba_daemon UPDATE column ebba.inbox.updated_at
ebba_daemon USAGE schema ebba
ebba_daemon USAGE sequence ebba.audit_flags_id_seq
ebba_daemon USAGE sequence ebba.decisions_id_seq
ebba_daemon USAGE sequence ebba.register_evidence_id_seq

# ebba_deliver (ebba-deliver, schema 020): works the outbox (its state
# columns only), reads the letters and renders a missing PDF through
# ebba.letter_pdf_store, learns the recipient only through
# ebba.outbox_recipient, logs every letter that leaves.
ebba_deliver EXECUTE definer-function ebba.hidden_cases()
ebba_deliver EXECUTE definer-function ebba.hidden_decisions()
ebba_deliver EXECUTE definer-function ebba.letter_pdf_store(bigint,bytea,bytea,text)
ebba_deliver EXECUTE definer-function ebba.object_protected(text,text)
ebba_deliver EXECUTE definer-function ebba.outbox_recipient(bigint)
ebba_deliver INSERT column ebba.access_log.action
ebba_deliver INSERT column ebba.access_log.client
ebba_deliver INSERT column ebba.access_log.object_id
ebba_deliver INSERT column ebba.access_log.object_kind
ebba_deliver SELECT column ebba.decisions.decided_at
ebba_deliver SELECT column ebba.decisions.id
ebba_deliver SELECT table ebba.letter_pdfs
ebba_deliver SELECT table ebba.letters
ebba_deliver SELECT table ebba.outbox
ebba_deliver UPDATE column ebba.outbox.attempts
ebba_deliver UPDATE column ebba.outbox.channel
ebba_deliver UPDATE column ebba.outbox.deadline
ebba_deliver UPDATE column ebba.outbox.delivered_at
ebba_deliver UPDATE column ebba.outbox.last_error
ebba_deliver UPDATE column ebba.outbox.lease_expires
ebba_deliver UPDATE column ebba.outbox.lease_owner
ebba_deliver UPDATE column ebba.outbox.next_attempt_at
ebba_deliver UPDATE column ebba.outbox.receipt
ebba_deliver UPDATE column ebba.outbox.state
ebba_deliver USAGE schema ebba
ebba_deliver USAGE sequence ebba.access_log_id_seq

# ebba_intake: puts applications in the inbox (four columns), nothing else
# (and asks the inbox's row policy, schema 023).
ebba_intake EXECUTE definer-function ebba.hidden_cases()
ebba_intake EXECUTE definer-function ebba.hidden_decisions()
ebba_intake INSERT column ebba.inbox.case_id
ebba_intake INSERT column ebba.inbox.external_id
ebba_intake INSERT column ebba.inbox.payload
ebba_intake INSERT column ebba.inbox.period
ebba_intake USAGE schema ebba
ebba_intake USAGE sequence ebba.inbox_id_seq

# ebba_protected (schema 023): set or lift a protected identity by hand, and
# read the history of those changes; what its members see besides is the
# row-level policies' business, not a grant.
ebba_protected EXECUTE definer-function ebba.case_protect(text,text)
ebba_protected EXECUTE definer-function ebba.case_unprotect(text,text)
ebba_protected SELECT table ebba.case_protection_log

# ebba_retention (schema 025): NOLOGIN, no members; owns ebba.retention_run,
# the one function that deletes case data (the immutability triggers let
# DELETE through only for this role), and may delete exactly those tables.
ebba_retention DELETE table ebba.access_log
ebba_retention DELETE table ebba.audit_flags
ebba_retention DELETE table ebba.case_assignments
ebba_retention DELETE table ebba.case_frame_versions
ebba_retention DELETE table ebba.case_frames
ebba_retention DELETE table ebba.case_holds
ebba_retention DELETE table ebba.case_people
ebba_retention DELETE table ebba.case_protection
ebba_retention DELETE table ebba.case_protection_log
ebba_retention DELETE table ebba.completion_attachments
ebba_retention DELETE table ebba.completions
ebba_retention DELETE table ebba.decision_checks
ebba_retention DELETE table ebba.decision_feed
ebba_retention DELETE table ebba.decision_inputs
ebba_retention DELETE table ebba.decisions
ebba_retention DELETE table ebba.document_requests
ebba_retention DELETE table ebba.inbox
ebba_retention DELETE table ebba.letter_pdfs
ebba_retention DELETE table ebba.letters
ebba_retention DELETE table ebba.open_work
ebba_retention DELETE table ebba.outbox
ebba_retention DELETE table ebba.register_evidence
ebba_retention DELETE table ebba.register_retries
ebba_retention EXECUTE function ebba.access_log_removable(timestamp with time zone)
ebba_retention INSERT table ebba.retention_log
ebba_retention SELECT table ebba.access_log
ebba_retention SELECT table ebba.audit_flags
ebba_retention SELECT table ebba.case_assignments
ebba_retention SELECT table ebba.case_frame_versions
ebba_retention SELECT table ebba.case_frames
ebba_retention SELECT table ebba.case_holds
ebba_retention SELECT table ebba.case_people
ebba_retention SELECT table ebba.case_protection
ebba_retention SELECT table ebba.case_protection_log
ebba_retention SELECT table ebba.completion_attachments
ebba_retention SELECT table ebba.completions
ebba_retention SELECT table ebba.decision_checks
ebba_retention SELECT table ebba.decision_feed
ebba_retention SELECT table ebba.decision_inputs
ebba_retention SELECT table ebba.decisions
ebba_retention SELECT table ebba.document_requests
ebba_retention SELECT table ebba.inbox
ebba_retention SELECT table ebba.letter_pdfs
ebba_retention SELECT table ebba.letters
ebba_retention SELECT table ebba.open_work
ebba_retention SELECT table ebba.outbox
ebba_retention SELECT table ebba.register_evidence
ebba_retention SELECT table ebba.register_retries
ebba_retention SELECT table ebba.whatif_runs
ebba_retention UPDATE column ebba.whatif_runs.result
ebba_retention USAGE schema ebba
ebba_retention USAGE sequence ebba.retention_log_id_seq

# ebba_supervisor: reads what a caseworker reads; starts and records what-if
# runs; logs their own views.  Records no decision.
ebba_supervisor EXECUTE definer-function ebba.case_release(text)
ebba_supervisor EXECUTE definer-function ebba.case_release_idle(integer)
ebba_supervisor EXECUTE definer-function ebba.completion_state(bigint)
ebba_supervisor EXECUTE definer-function ebba.hidden_cases()
ebba_supervisor EXECUTE definer-function ebba.hidden_decision_count(text,date,date)
ebba_supervisor EXECUTE definer-function ebba.hidden_decisions()
ebba_supervisor EXECUTE definer-function ebba.letter_pdf_store(bigint,bytea,bytea,text)
ebba_supervisor EXECUTE definer-function ebba.object_protected(text,text)
ebba_supervisor EXECUTE definer-function ebba.person_key(text)
ebba_supervisor EXECUTE definer-function ebba.person_name(text)
ebba_supervisor INSERT column ebba.access_log.action
ebba_supervisor INSERT column ebba.access_log.client
ebba_supervisor INSERT column ebba.access_log.object_id
ebba_supervisor INSERT column ebba.access_log.object_kind
ebba_supervisor INSERT column ebba.case_holds.case_id
ebba_supervisor INSERT column ebba.case_holds.reason
ebba_supervisor INSERT column ebba.whatif_runs.candidate
ebba_supervisor INSERT column ebba.whatif_runs.candidate_sha256
ebba_supervisor INSERT column ebba.whatif_runs.parameters
ebba_supervisor INSERT column ebba.whatif_runs.period
ebba_supervisor INSERT column ebba.whatif_runs.total
ebba_supervisor INSERT column ebba.whatif_runs.window_from
ebba_supervisor INSERT column ebba.whatif_runs.window_to
ebba_supervisor SELECT table ebba.audit_flags
ebba_supervisor SELECT table ebba.awaiting_completion
ebba_supervisor SELECT table ebba.case_assignments
ebba_supervisor SELECT table ebba.case_frame_versions
ebba_supervisor SELECT table ebba.case_frames
ebba_supervisor SELECT table ebba.case_holds
ebba_supervisor SELECT table ebba.case_people
ebba_supervisor SELECT table ebba.case_protection
ebba_supervisor SELECT table ebba.completion_files
ebba_supervisor SELECT table ebba.decision_checks
ebba_supervisor SELECT table ebba.decision_inputs
ebba_supervisor SELECT table ebba.decisions
ebba_supervisor SELECT table ebba.document_requests
ebba_supervisor SELECT table ebba.inbox
ebba_supervisor SELECT table ebba.letter_pdfs
ebba_supervisor SELECT table ebba.letters
ebba_supervisor SELECT table ebba.open_work
ebba_supervisor SELECT table ebba.open_work_counts
ebba_supervisor SELECT table ebba.outbox
ebba_supervisor SELECT table ebba.people_names
ebba_supervisor SELECT table ebba.register_evidence
ebba_supervisor SELECT table ebba.register_retries
ebba_supervisor SELECT table ebba.schema_migrations
ebba_supervisor SELECT table ebba.whatif_runs
ebba_supervisor SELECT table ebba.workers
ebba_supervisor UPDATE column ebba.case_holds.released_at
ebba_supervisor UPDATE column ebba.whatif_runs.done
ebba_supervisor UPDATE column ebba.whatif_runs.error
ebba_supervisor UPDATE column ebba.whatif_runs.result
ebba_supervisor UPDATE column ebba.whatif_runs.status
ebba_supervisor UPDATE column ebba.whatif_runs.total
ebba_supervisor USAGE schema ebba
ebba_supervisor USAGE sequence ebba.access_log_id_seq
ebba_supervisor USAGE sequence ebba.case_holds_id_seq
ebba_supervisor USAGE sequence ebba.whatif_runs_id_seq

# ebba_web (ebba-web's own role): the API's functions (the decision feed's
# checks its token's role in ebba_casesystem, schema 020; an application's
# letter for the token that submitted it, schema 022), and the access log's
# refusals and logins under its own name.
ebba_web DELETE table ebba.login_strikes
ebba_web EXECUTE definer-function ebba.decision_feed_page(text,bigint,integer)
ebba_web EXECUTE definer-function ebba.intake_completion(text,text,bytea)
ebba_web EXECUTE definer-function ebba.intake_completion_attach(text,bigint,text,text,bytea)
ebba_web EXECUTE definer-function ebba.intake_letter(text,text,integer,bytea,bytea,text)
ebba_web EXECUTE definer-function ebba.intake_status(text,text)
ebba_web EXECUTE definer-function ebba.intake_submit(text,text,text,text,bytea)
ebba_web EXECUTE definer-function ebba.intake_token_check(text)
ebba_web EXECUTE definer-function ebba.object_protected(text,text)
ebba_web INSERT column ebba.access_log.action
ebba_web INSERT column ebba.access_log.client
ebba_web INSERT column ebba.access_log.count
ebba_web INSERT column ebba.access_log.first_at
ebba_web INSERT column ebba.access_log.object_id
ebba_web INSERT column ebba.access_log.object_kind
ebba_web INSERT table ebba.login_strikes
ebba_web INSERT table ebba.provider_signins
ebba_web SELECT table ebba.login_strikes
ebba_web SELECT table ebba.provider_signins
ebba_web UPDATE table ebba.login_strikes
ebba_web UPDATE table ebba.provider_signins
ebba_web USAGE schema ebba
ebba_web USAGE sequence ebba.access_log_id_seq
LIST
)

got=$(psql_val "$GRANTS_SQL")
if [ "$EXPECTED" = "$got" ]; then
	ok "the privileges in schema ebba are exactly the expected list ($(wc -l <<<"$got") grants)"
else
	fail "the privileges in schema ebba are exactly the expected list"
	diff <(echo "$EXPECTED") <(echo "$got") | sed 's/^</#   expected only:/; s/^>/#   granted only: /' | grep '^#' | head -n 80
fi
for r in ebba_casesystem ebba_daemon ebba_deliver ebba_intake ebba_caseworker ebba_supervisor ebba_auditor ebba_protected ebba_web ebba_web_proxy \
	ebba_archivist ebba_retention; do
	check_eq "group $r exists and cannot log in" "f" "$(psql_val "select rolcanlogin from pg_roles where rolname = '$r'")"
done
check_eq "no ebba group has any power beyond its grants (superuser, createrole, createdb, replication, bypassrls)" "" \
	"$(psql_val "select rolname from pg_roles where rolname like 'ebba\_%' and (rolsuper or rolcreaterole or rolcreatedb or rolreplication or rolbypassrls)")"
check_eq "ebba_web_proxy inherits nothing (NOINHERIT: the right to become a person, not everyone's rights)" f \
	"$(psql_val "select rolinherit from pg_roles where rolname = 'ebba_web_proxy'")"
check_eq "no ebba group is a member of another" "" \
	"$(psql_val "select m.roleid::regrole || ' > ' || m.member::regrole from pg_auth_members m
	where m.roleid::regrole::text like 'ebba\_%' and m.member::regrole::text like 'ebba\_%'")"
check_eq "every SECURITY DEFINER function in ebba pins its search_path" "" \
	"$(psql_val "select p.oid::regprocedure from pg_proc p where p.pronamespace = 'ebba'::regnamespace and p.prosecdef
	and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%')")"
# (retention's three functions are ebba_retention's, schema 025: the one
# role the immutability triggers let delete)
check_eq "everything in ebba is owned by the schema's owner, but retention's functions" \
	"ebba.retention_cases(integer,integer[],boolean) ebba_retention
ebba.retention_remove_case(text,text) ebba_retention
ebba.retention_run(integer,integer[],boolean,integer,integer,boolean) ebba_retention" \
	"$(psql_val "select o from (select c.oid::regclass::text || ' ' || c.relowner::regrole as o from pg_class c
	join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'ebba' and c.relowner <> n.nspowner
	union all select p.oid::regprocedure::text || ' ' || p.proowner::regrole from pg_proc p
	join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'ebba' and p.proowner <> n.nspowner) s
	order by o collate \"C\"")"
check_eq "ebba_retention has no member, so only its functions act as it" "" \
	"$(psql_val "select member::regrole from pg_auth_members where roleid = 'ebba_retention'::regrole")"
check_eq "no default privileges give a role what the migrations did not" "" \
	"$(psql_val "select defaclrole::regrole::text || ' ' || defaclobjtype::text from pg_default_acl d
	where d.defaclnamespace in (0, 'ebba'::regnamespace)")"
# Schema 023: every table that holds a case's rows (a case_id or a
# decision_id column) has row-level security and a policy, so a protected
# case does not exist for those outside ebba_protected.  The one exception
# is the protection's own change log, which only members and auditors may
# read at all.
check_eq "every table with a case_id or decision_id has row-level security and a policy" "" \
	"$(psql_val "select c.relname from pg_class c
	where c.relnamespace = 'ebba'::regnamespace and c.relkind = 'r'
	  and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname in ('case_id', 'decision_id')
	              and not a.attisdropped)
	  and c.relname <> 'case_protection_log'
	  and not (c.relrowsecurity and exists (select 1 from pg_policy p where p.polrelid = c.oid))
	order by 1")"
