-- ebba schema, version 32: a decision's inputs stored apart from its trace
-- (issue 30, item 1).
--
-- Replay and what-if re-decide a stored decision from what it was decided
-- from: the document as received and the register evidence (their own
-- tables), and the frame, the decision date, the year's history by value,
-- whether the registers were asked and why a look-up failed.  Those used
-- to be read out of the trace, ~8.9 kB a decision and mostly the rules'
-- own trace, which what-if had to fetch and scan for each decision.  They
-- now have a table of their own, written by ebbad in the decision's
-- transaction (store/queue_complete.c), read directly by replay and
-- what-if (store/whatif.c, store/decisions.c).
--
-- A NULL column means the decision did not record that input (its trace
-- had none): replay then decides without it, exactly as it did reading
-- the trace.  inputs_version says which shape a row has; this is 1.
-- The document's version is not here: neither a decision nor its trace
-- records one, and the document itself is kept as received (ebba.inbox).

create table ebba.decision_inputs (
    decision_id          bigint primary key references ebba.decisions (id),
    inputs_version       smallint not null default 1 check (inputs_version = 1),
    decided_on           date,          -- the trace's "today": the date decided on
    registers_configured boolean,       -- were the registers asked at all
    frame                jsonb check (jsonb_typeof(frame) = 'object'),
    history              jsonb check (jsonb_typeof(history) = 'object'),
    -- per person of the document, in its order: why a look-up failed
    -- ({"ssbtek_reason", "attendance_reason"}, each only when it did);
    -- NULL when the registers were not asked
    register_reasons     jsonb check (jsonb_typeof(register_reasons) = 'array'
                                      and not jsonb_path_exists(register_reasons,
                                              '$[*] ? (@.type() != "object")'))
);

-- Immutable as the decision it belongs to (retention alone deletes,
-- schema 025's refuse_change).
create trigger decision_inputs_immutable before update or delete on ebba.decision_inputs
    for each row execute function ebba.refuse_change();
create trigger decision_inputs_no_truncate before truncate on ebba.decision_inputs
    for each statement execute function ebba.refuse_change();

-- Read by whoever reads the decision's evidence, written by ebbad alone
-- (the only writer of ebba's own decisions, the ones replayed): the
-- grants of ebba.register_evidence.
grant select, insert on ebba.decision_inputs to ebba_daemon;
grant select on ebba.decision_inputs to ebba_caseworker, ebba_supervisor;
grant select, delete on ebba.decision_inputs to ebba_retention;

-- A protected case's inputs are as hidden as its decision (schema 023),
-- and retention sees every case (schema 025).
alter table ebba.decision_inputs enable row level security;
create policy case_visible on ebba.decision_inputs for all
    using (decision_id not in (select ebba.hidden_decisions())) with check (true);
create policy retention_sees_all on ebba.decision_inputs to ebba_retention using (true);

-- The backfill: every stored decision's inputs from its trace (json, read
-- as jsonb once here), in one statement (the decisions themselves stay as
-- they are).  Only ebba's own decisions (with an application) are
-- replayed; a person's decision has no inputs of its own.  A "today" that
-- is not a date is left NULL rather than failing the migration: replay
-- refused such a decision before too ("beslutsdagen finns inte").
create function ebba.date_or_null(p text) returns date
    language plpgsql immutable set search_path = pg_catalog
as $$
begin
    return case when p ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then p::date end;
exception when others then
    return null;
end $$;

-- Over a large database this takes longer than a statement timeout meant
-- for a page (as schema 006's rebuild of the queue).
set local statement_timeout = 0;
insert into ebba.decision_inputs (decision_id, decided_on, registers_configured, frame, history,
                                  register_reasons)
select t.id,
       ebba.date_or_null(t.trace ->> 'today'),
       case when jsonb_typeof(t.trace -> 'registers_configured') = 'boolean'
            then (t.trace -> 'registers_configured')::boolean end,
       case when jsonb_typeof(t.trace -> 'frame') = 'object' then t.trace -> 'frame' end,
       case when jsonb_typeof(t.trace -> 'history') = 'object' then t.trace -> 'history' end,
       case when jsonb_typeof(t.trace -> 'registers') = 'array' then
           coalesce((select jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                'ssbtek_reason', case when jsonb_typeof(r.e -> 'ssbtek_reason') = 'string'
                                                      then r.e -> 'ssbtek_reason' end,
                                'attendance_reason', case when jsonb_typeof(r.e -> 'attendance_reason') = 'string'
                                                          then r.e -> 'attendance_reason' end))
                                order by r.i)
                       from jsonb_array_elements(t.trace -> 'registers') with ordinality r(e, i)), '[]')
       end
  from (select d.id, d.trace::jsonb as trace from ebba.decisions d
         where d.trace is not null and d.inbox_id is not null) t;
drop function ebba.date_or_null(text);

-- Retention removes them with their decision, and the export carries them
-- (schema 029's functions, with one statement and one key added).
do $$
begin
    if not pg_has_role(current_user, 'ebba_retention', 'MEMBER') then
        execute format('grant ebba_retention to %I', current_user);
        perform set_config('ebba.lent_retention', 'yes', true);
    end if;
end $$;
create or replace function ebba.retention_remove_case(p_case text, p_who text)
    returns table (table_name text, removed bigint)
    language plpgsql volatile set search_path = pg_catalog
as $$
declare
    ids bigint[];
    inbox_ids bigint[];
    n bigint;
    m bigint;
begin
    select coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.inbox_id) filter (where d.inbox_id is not null), '{}')
      into ids, inbox_ids from ebba.decisions d where d.case_id = p_case;
    -- what-if results keep no change of a removed decision
    update ebba.whatif_runs w
       set result = jsonb_set(jsonb_set(w.result::jsonb, '{changes}',
               coalesce((select jsonb_agg(e) from jsonb_array_elements(w.result::jsonb -> 'changes') e
                          where (e ->> 'decision')::bigint <> all (ids)), '[]')),
               '{skips}',
               coalesce((select jsonb_agg(e) from jsonb_array_elements(w.result::jsonb -> 'skips') e
                          where (e ->> 'decision')::bigint <> all (ids)), '[]'))::json
     where w.result is not null
       and (exists (select 1 from jsonb_array_elements(w.result::jsonb -> 'changes') e
                     where (e ->> 'decision')::bigint = any (ids))
            or exists (select 1 from jsonb_array_elements(w.result::jsonb -> 'skips') e
                        where (e ->> 'decision')::bigint = any (ids)));
    get diagnostics n = row_count;
    table_name := 'whatif_runs'; removed := n; return next;
    delete from ebba.outbox o where o.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'outbox'; removed := n; return next;
    delete from ebba.decision_feed f where f.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'decision_feed'; removed := n; return next;
    delete from ebba.letter_pdfs p where p.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'letter_pdfs'; removed := n; return next;
    delete from ebba.letters l where l.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'letters'; removed := n; return next;
    delete from ebba.audit_flags f where f.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'audit_flags'; removed := n; return next;
    delete from ebba.register_evidence e where e.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'register_evidence'; removed := n; return next;
    delete from ebba.decision_inputs x where x.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'decision_inputs'; removed := n; return next;
    delete from ebba.decision_checks c where c.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'decision_checks'; removed := n; return next;
    -- a komplettering's attachments, answers and requests (schema 027)
    delete from ebba.completion_attachments a using ebba.completions c, ebba.document_requests r
     where a.completion_id = c.id and c.request_id = r.id and r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'completion_attachments'; removed := n; return next;
    delete from ebba.completions c using ebba.document_requests r
     where c.request_id = r.id and r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'completions'; removed := n; return next;
    delete from ebba.document_requests r where r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'document_requests'; removed := n; return next;
    -- a register retry's link, before the decisions it joins (schema 029)
    delete from ebba.register_retries r where r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'register_retries'; removed := n; return next;
    delete from ebba.open_work w where w.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'open_work'; removed := n; return next;
    -- reviews first: they refer to ebba's decisions
    delete from ebba.decisions d where d.id = any (ids)
       and (d.reviews_decision_id is not null or d.redecides_decision_id is not null);
    get diagnostics n = row_count;
    delete from ebba.decisions d where d.id = any (ids);
    get diagnostics m = row_count;
    table_name := 'decisions'; removed := n + m; return next;
    -- the applications: those decided by their ids, the rest (quarantined;
    -- a pending one is a recent entry) by the partial index of their state
    -- (an index on the inbox's case would cost every intake)
    delete from ebba.inbox i where i.id = any (inbox_ids);
    get diagnostics n = row_count;
    delete from ebba.inbox i where i.state = 'quarantined' and i.case_id = p_case;
    get diagnostics m = row_count;
    table_name := 'inbox'; removed := n + m; return next;
    delete from ebba.case_frames f where f.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_frames'; removed := n; return next;
    delete from ebba.case_frame_versions v where v.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_frame_versions'; removed := n; return next;
    delete from ebba.case_people p where p.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_people'; removed := n; return next;
    delete from ebba.case_holds h where h.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_holds'; removed := n; return next;
    delete from ebba.case_assignments a where a.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_assignments'; removed := n; return next;
    -- protection last: its trigger logs the lifting, and that log goes too
    delete from ebba.case_protection p where p.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection'; removed := n; return next;
    delete from ebba.case_protection_log l where l.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection_log'; removed := n; return next;
end $$;
revoke all on function ebba.retention_remove_case(text, text) from public;

do $$
begin
    if current_setting('ebba.lent_retention', true) = 'yes' then
        execute format('revoke ebba_retention from %I', current_user);
    end if;
end $$;

create or replace function ebba.person_export(p_pnr text, p_client text)
    returns table (path text, data bytea)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    who text := ebba.person();
    decs bigint[];
    apps bigint[];
    cases text[];
    flags bigint[];
    exts text[];
begin
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.person_export: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    if p_pnr is null or p_pnr !~ '^[0-9]{12}$' then
        raise exception 'ebba.person_export: an identity number is 12 digits'
            using errcode = 'invalid_parameter_value';
    end if;
    select coalesce(array_agg(x.id order by x.id), '{}') into decs from ebba.person_decisions(p_pnr) x;
    select coalesce(array_agg(x.id order by x.id), '{}') into apps from ebba.person_applications(p_pnr) x;
    select coalesce(array_agg(distinct c order by c), '{}') into cases from (
        select p.case_id as c from ebba.case_people p where p.pnr = p_pnr and p.inbox_id = 0
        union select d.case_id from ebba.decisions d where d.id = any (decs)) s;
    -- a protected case this caller may not see does not exist here either
    -- (schema 023): this function runs as the owner, whom no policy binds
    decs := array(select d.id from ebba.decisions d
                   where d.id = any (decs) and d.case_id not in (select h from ebba.hidden_cases() h)
                   order by d.id);
    apps := array(select i.id from ebba.inbox i
                   where i.id = any (apps) and coalesce(i.case_id, '') not in (select h from ebba.hidden_cases() h)
                   order by i.id);
    cases := array(select c from unnest(cases) c where c not in (select h from ebba.hidden_cases() h) order by c);
    select coalesce(array_agg(f.id), '{}') into flags from ebba.audit_flags f where f.decision_id = any (decs);
    select coalesce(array_agg(i.external_id), '{}') into exts from ebba.inbox i where i.id = any (apps);

    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('export', 'person', array_to_string(cases, ','), p_client);

    return query
    -- each application as received
    select format('ansokningar/%s.xml', i.id), i.payload
      from ebba.inbox i where i.id = any (apps)
    union all
    -- each decision: its row, checks with their messages, flags, delivery
    select format('beslut/%s/beslut.json', d.id), convert_to(jsonb_pretty(jsonb_build_object(
               'beslut', d.id, 'ansokan', d.external_id, 'arende', d.case_id, 'period', d.period,
               'utfall', d.outcome, 'belopp', d.amount, 'norm', d.norm, 'kostnader', d.costs,
               'inkomster', d.incomes, 'beslutat', d.decided_at, 'beslutat_av', d.decided_by,
               'provar_beslut', d.reviews_decision_id, 'anteckning', d.note,
               'provar_igen', d.redecides_decision_id,
               'provas_igen_efter_registerfel', (select jsonb_build_object('beslut', x.decision_id,
                                                     'sedan', x.since, 'forsok', x.attempt,
                                                     'planerat', x.scheduled_at)
                                                   from ebba.register_retries x where x.decision_id = d.id),
               'regelverk', jsonb_build_object('namn', d.ruleset_name, 'version', d.ruleset_version,
                                               'sha256', d.ruleset_sha256),
               'kontroller', (select coalesce(jsonb_agg(jsonb_build_object(
                                  'kontroll', c.check_id, 'resultat', c.result, 'meddelande', c.message)
                                  order by c.ordinal, c.check_id), '[]')
                                from ebba.decision_checks c where c.decision_id = d.id),
               'flaggor', (select coalesce(jsonb_agg(jsonb_build_object(
                               'id', f.id, 'slag', f.kind, 'skal', f.reason, 'skapad', f.created_at,
                               'avgjord', f.resolved_at, 'avgjord_av', f.resolved_by, 'bedomning', f.verdict)
                               order by f.id), '[]')
                             from ebba.audit_flags f where f.decision_id = d.id),
               'underlag', (select coalesce(jsonb_agg(jsonb_build_object(
                                'id', e.id, 'kalla', e.source, 'myndighet', e.agency, 'person', e.person_ref,
                                'status', e.status, 'hamtat', e.fetched_at, 'sha256', e.sha256)
                                order by e.id), '[]')
                              from ebba.register_evidence e where e.decision_id = d.id),
               'utskick', (select jsonb_build_object('kanal', o.channel, 'status', o.state,
                                                     'levererat', o.delivered_at)
                             from ebba.outbox o where o.decision_id = d.id),
               'berakning', d.trace -> 'rules' -> 'lines',
               -- what it was decided from, besides the document and the evidence (schema 032)
               'indata', (select jsonb_build_object('version', x.inputs_version, 'beslutsdag', x.decided_on,
                                                    'register_fragade', x.registers_configured,
                                                    'referensram', x.frame, 'historik', x.history,
                                                    'registerfel', x.register_reasons)
                            from ebba.decision_inputs x where x.decision_id = d.id))), 'UTF8')
      from ebba.decisions d where d.id = any (decs)
    union all
    -- the letter's text (its PDF: ebbactl adds it, rendering it if need be)
    select format('beslut/%s/brev.txt', l.decision_id), convert_to(l.body, 'UTF8')
      from ebba.letters l where l.decision_id = any (decs)
    union all
    -- each komplettering: what was asked, and each attachment as received
    select format('beslut/%s/komplettering.json', r.decision_id), convert_to(jsonb_pretty(jsonb_build_object(
               'begaran', r.id, 'handlingar', r.documents, 'meddelande', r.message,
               'sista_dag', r.deadline, 'begard', r.requested_at, 'begard_av', r.requested_by,
               'svar', (select jsonb_build_object('mottaget', c.received_at, 'rattad_ansokan', c.corrected,
                                                  'bilagor', (select coalesce(jsonb_agg(jsonb_build_object(
                                                      'id', a.id, 'filnamn', a.filename, 'typ', a.media_type,
                                                      'sha256', encode(a.sha256, 'hex')) order by a.id), '[]')
                                                      from ebba.completion_attachments a where a.completion_id = c.id))
                          from ebba.completions c where c.request_id = r.id))), 'UTF8')
      from ebba.document_requests r where r.decision_id = any (decs)
    union all
    select format('beslut/%s/komplettering/%s-%s', r.decision_id, a.id, a.filename), a.content
      from ebba.document_requests r join ebba.completions c on c.request_id = r.id
      join ebba.completion_attachments a on a.completion_id = c.id
     where r.decision_id = any (decs)
    union all
    -- the evidence as the register sent it
    select format('beslut/%s/underlag/%s-%s-%s.%s', e.decision_id, e.id, lower(e.source), lower(e.agency),
                  case when e.source = 'ssbtek' or e.source = 'attendance' then 'xml' else 'bin' end),
           coalesce(e.raw, '')
      from ebba.register_evidence e where e.decision_id = any (decs)
    union all
    -- every version of the frames that name them
    select format('referensramar/%s/version-%s.yaml', v.case_id, v.version),
           convert_to(v.source_yaml, 'UTF8')
      from ebba.case_frame_versions v
     where v.case_id = any (cases) and v.frame -> 'household' ? p_pnr
    union all
    -- legal holds on their cases
    select format('arenden/%s/sparrar.json', h.case_id), convert_to(jsonb_pretty(jsonb_build_object(
               'arende', h.case_id, 'skal', h.reason, 'satt', h.held_at, 'satt_av', h.held_by,
               'havd', h.released_at, 'havd_av', h.released_by)), 'UTF8')
      from ebba.case_holds h where h.case_id = any (cases)
    union all
    -- protection of their cases (skyddade personuppgifter) and its history
    select format('arenden/%s/skydd.json', c), convert_to(jsonb_pretty(jsonb_build_object(
               'arende', c,
               'skydd', (select coalesce(jsonb_agg(jsonb_build_object('kalla', p.source, 'sedan', p.since,
                                                                     'satt_av', p.set_by) order by p.source), '[]')
                          from ebba.case_protection p where p.case_id = c),
               'historik', (select coalesce(jsonb_agg(jsonb_build_object('tid', l.at, 'vem', l.who,
                                                                        'handling', l.action, 'kalla', l.source)
                                                     order by l.id), '[]')
                             from ebba.case_protection_log l where l.case_id = c))), 'UTF8')
      from unnest(cases) c
     where exists (select 1 from ebba.case_protection_log l where l.case_id = c)
    union all
    -- who has had their cases, taken and released (schema 028)
    select format('arenden/%s/handlaggare.json', a.case_id), convert_to(jsonb_pretty(jsonb_agg(jsonb_build_object(
               'handlaggare', a.person, 'tog', a.taken_at, 'senast_aktiv', a.active_at,
               'slappt', a.released_at, 'slappt_av', a.released_by, 'varfor', a.released_why)
               order by a.id)), 'UTF8')
      from ebba.case_assignments a where a.case_id = any (cases) group by a.case_id
    union all
    -- who looked at their data, and when
    select 'atkomst.csv', convert_to('tid;vem;handling;objekt;id;klient' || E'\n' ||
               coalesce(string_agg(format('%s;%s;%s;%s;%s;%s', a.at, a.who, a.action, a.object_kind,
                                          a.object_id, coalesce(a.client, '')), E'\n' order by a.id), '')
               || E'\n', 'UTF8')
      from ebba.access_log a
     where (a.object_kind in ('decision', 'letter') and a.object_id = any (decs::text[]))
        or (a.object_kind = 'evidence' and split_part(a.object_id, '/', 1) = any (decs::text[]))
        or (a.object_kind = 'audit_flag' and a.object_id = any (flags::text[]))
        or (a.object_kind = 'case_frame' and a.object_id = any (cases))
        or (a.object_kind = 'application' and a.object_id = any (exts));
end $$;
