-- ebba schema, version 28: who is on a case, and the workers as ebbad
-- reports them (issue 29, items 5 and 6).
--
-- 1. ebba.case_assignments: a caseworker takes a case ("Ta ärendet") and
--    releases it by hand ("Släpp ärendet") or ebba releases it after the
--    configured idle time (assign_idle_minutes, ebba.yaml(5)).  One live
--    row per case, by a partial unique index: two people taking the same
--    case at once cannot both win, whatever the pages checked first.  Who
--    took and who released are ebba.person(), never a parameter: the rows
--    are written only by the SECURITY DEFINER functions below.  A row is
--    never deleted but by retention, so the table is also the record of
--    every take and release.  A protected case's assignments are hidden
--    as its decisions are (schema 023's policy), and the functions refuse
--    a case the person may not see as one that does not exist.
-- 2. ebba.workers: each ebbad upserts its owner name here when it starts
--    and then every 10 s, busy or idle (ebbad.c, heartbeat()), so Drift
--    reads when each worker was last seen from what ebbad writes; the
--    inbox's lease_owner, which Drift read before, is cleared when a batch
--    completes.
-- 3. Retention removes a case's assignments, and the person's export
--    carries them: ebba.retention_remove_case and ebba.person_export as in
--    schema 025, with one statement each added.

create table ebba.case_assignments (
    id          bigserial primary key,
    case_id     text not null check (length(case_id) between 1 and 200),
    person      text not null,
    taken_at    timestamptz not null default now(),
    active_at   timestamptz not null default now(),
    released_at timestamptz,
    released_by text,
    released_why text check (released_why in ('hand', 'idle')),
    check ((released_at is null) = (released_why is null))
);
create unique index case_assignments_live on ebba.case_assignments (case_id) where released_at is null;
create index case_assignments_person on ebba.case_assignments (person) where released_at is null;
grant select on ebba.case_assignments to ebba_caseworker, ebba_supervisor;
-- A protected case's assignments are as hidden as its decisions (schema
-- 023's policy), and retention sees them all (schema 025's).
alter table ebba.case_assignments enable row level security;
create policy case_visible on ebba.case_assignments for all
    using (case_id not in (select ebba.hidden_cases())) with check (true);
create policy retention_sees_all on ebba.case_assignments to ebba_retention using (true);

-- Releases the live assignments idle longer than p_minutes (0: none);
-- answers how many.  Called when the queue or a decision is read (a take
-- releases its own case's), so an idle assignment is gone by the time
-- anyone would see it.
create function ebba.case_release_idle(p_minutes integer) returns bigint
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare n bigint;
begin
    if p_minutes is null or p_minutes <= 0 then
        return 0;
    end if;
    update ebba.case_assignments
       set released_at = now(), released_by = 'ebba', released_why = 'idle'
     where released_at is null and active_at < now() - make_interval(mins => p_minutes);
    get diagnostics n = row_count;
    return n;
end $$;
revoke all on function ebba.case_release_idle(integer) from public;
grant execute on function ebba.case_release_idle(integer) to ebba_caseworker, ebba_supervisor;

-- Takes p_case for the person, or keeps it theirs (its idle time starts
-- again).  Answers who has the case now and whether that is the person:
-- the loser of two takes at once waits on the unique index, then sees the
-- winner.
create function ebba.case_take(p_case text, p_idle_minutes integer)
    returns table (holder text, mine boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.case_take: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    -- a case is one ebba has decided on; a protected one the person may
    -- not see is no case to them (this function runs as the owner, whom no
    -- policy binds)
    if not exists (select 1 from ebba.decisions d where d.case_id = p_case)
       or not ebba.case_visible(p_case) then
        raise exception 'ebba.case_take: there is no case %', p_case
            using errcode = 'no_data_found';
    end if;
    -- only this case's idle assignment: two takes of different cases never
    -- wait on each other's rows (the queue releases the rest)
    if p_idle_minutes > 0 then
        update ebba.case_assignments a
           set released_at = now(), released_by = 'ebba', released_why = 'idle'
         where a.case_id = p_case and a.released_at is null
           and a.active_at < now() - make_interval(mins => p_idle_minutes);
    end if;
    update ebba.case_assignments a set active_at = now()
     where a.case_id = p_case and a.released_at is null and a.person = who;
    if not found then
        insert into ebba.case_assignments (case_id, person) values (p_case, who)
            on conflict (case_id) where released_at is null do nothing;
    end if;
    return query select a.person, a.person = who from ebba.case_assignments a
                  where a.case_id = p_case and a.released_at is null;
end $$;
revoke all on function ebba.case_take(text, integer) from public;
grant execute on function ebba.case_take(text, integer) to ebba_caseworker;

-- Releases p_case if the person has it (a supervisor: whoever has it).
-- Answers whether anything was released.
create function ebba.case_release(p_case text) returns boolean
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    update ebba.case_assignments a
       set released_at = now(), released_by = who, released_why = 'hand'
     where a.case_id = p_case and a.released_at is null and ebba.case_visible(p_case)
       and (a.person = who or pg_has_role(who, 'ebba_supervisor', 'MEMBER'));
    return found;
end $$;
revoke all on function ebba.case_release(text) from public;
grant execute on function ebba.case_release(text) to ebba_caseworker, ebba_supervisor;

-- ---------------------------------------------------------------------
-- 2. The workers as they report themselves.
create table ebba.workers (
    owner      text primary key check (length(owner) between 1 and 200),
    started_at timestamptz not null default now(),
    seen_at    timestamptz not null default now(),
    decided    bigint not null default 0
);
create function ebba.worker_seen(p_owner text, p_decided bigint) returns void
    language sql volatile security definer set search_path = pg_catalog
as $$
    insert into ebba.workers as w (owner, decided) values (p_owner, p_decided)
        on conflict (owner) do update set seen_at = now(), decided = excluded.decided;
    -- a worker not seen for a week is gone
    delete from ebba.workers where seen_at < now() - interval '7 days';
$$;
revoke all on function ebba.worker_seen(text, bigint) from public;
grant execute on function ebba.worker_seen(text, bigint) to ebba_daemon;
grant select on ebba.workers to ebba_caseworker, ebba_supervisor;

-- ---------------------------------------------------------------------
-- 3. Retention and the export.
grant select, delete on ebba.case_assignments to ebba_retention;

-- Replacing a function takes its owner: membership of ebba_retention is
-- lent for the replacement only, as schema 025 does.
do $$
begin
    if not pg_has_role(current_user, 'ebba_retention', 'MEMBER') then
        execute format('grant ebba_retention to %I', current_user);
        perform set_config('ebba.lent_retention', 'yes', true);
    end if;
end $$;

-- Removes one case's rows, children first (schema 025's, with the
-- assignments).
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

-- The person's archive (schema 025's, with who has had their cases).
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
               'berakning', d.trace -> 'rules' -> 'lines')), 'UTF8')
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
revoke all on function ebba.person_export(text, text) from public;
grant execute on function ebba.person_export(text, text) to ebba_caseworker;
