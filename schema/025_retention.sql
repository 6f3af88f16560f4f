-- ebba schema, version 25: retention (gallring), legal holds and the
-- applicant's own copy (issue 28, items 3 and 4; docs/retention.md).
--
-- 1. ebba.case_people: who each case is about, by identity number and
--    role: written by ebbad with each decision (from the document it
--    parsed; a trigger reads the document for any decision written
--    otherwise) and by a trigger as frames are written.  Retention reads
--    the applicant's and co-applicant's day of birth from it (those born
--    on the 5th, 15th and 25th are kept), and export-person finds a
--    person's cases by an index on it instead of parsing every stored
--    document.
-- 2. ebba.case_holds: a legal hold keeps a case whatever its age; set and
--    released by archivists and supervisors, who is the database's answer.
-- 3. ebba.retention_run(): the ONE way anything of a case is deleted.
--    SECURITY DEFINER, owned by ebba_retention (NOLOGIN, no members); the
--    immutability triggers let a DELETE through only when current_user is
--    that role, which only this function's body is.  It decides itself
--    which cases are past the limit (from the database's clock, the
--    parameters the rule set gives and the holds), removes at most a batch
--    of them per call, and records what it removed in ebba.retention_log
--    (counts per case and table, never the content).
-- 4. ebba.person_export(): everything ebba holds about one person, as the
--    files of one archive, and the export's access-log row, in one
--    transaction.

do $$
declare r text;
begin
    foreach r in array array['ebba_retention', 'ebba_archivist'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
end $$;
grant usage on schema ebba to ebba_archivist;

-- ---------------------------------------------------------------------
-- 1. Who each case is about.
create table ebba.case_people (
    case_id  text not null,
    pnr      text not null check (pnr ~ '^[0-9]{12}$'),
    -- applicant, co-applicant, child (an application's roles); adult,
    -- household (a frame's)
    role     text not null check (role in ('applicant', 'co-applicant', 'child', 'adult', 'household')),
    -- the application that named them; 0 for the frame
    inbox_id bigint not null,
    primary key (pnr, case_id, role, inbox_id)
);
create index case_people_case on ebba.case_people (case_id);
create index case_people_inbox on ebba.case_people (inbox_id) where inbox_id <> 0;

-- The persons of one application document, its roles as written (every
-- person of a valid document has both attributes, so the two lists pair).
create function ebba.application_people(payload bytea)
    returns table (pnr text, role text)
    language sql stable strict set search_path = pg_catalog
as $$
    with d as (select convert_from(payload, 'UTF8')::xml as doc)
    select replace(p::text, '-', ''), r::text
      from d, unnest(xpath('/a:application/a:household/a:person/@pnr', d.doc,
                           array[array['a', 'urn:ebba:application:1']]),
                     xpath('/a:application/a:household/a:person/@role', d.doc,
                           array[array['a', 'urn:ebba:application:1']])) as x(p, r)
$$;

-- ebba's own decisions name their application: its persons.  ebbad writes
-- them itself (store/queue_complete.c: a COPY before the decisions', from
-- the document it parsed), so this statement trigger finds them there and
-- parses nothing; it reads the document only for a decision written any
-- other way (one XPath over the document took 0.36 ms, measured over
-- 20 000 documents: a third of what a decision costs PostgreSQL).  A
-- document that is not XML (direct SQL, as tests write) is skipped, one
-- by one, and the rest are read.
create function ebba.case_people_from_decisions() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare n record;
begin
    begin
        insert into ebba.case_people (case_id, pnr, role, inbox_id)
        select d.case_id, p.pnr, p.role, d.inbox_id
          from new_decisions d join ebba.inbox i on i.id = d.inbox_id,
               lateral ebba.application_people(i.payload) p
         where d.inbox_id is not null and p.role in ('applicant', 'co-applicant', 'child')
           and not exists (select 1 from ebba.case_people c where c.inbox_id = d.inbox_id)
        on conflict do nothing;
    exception when data_exception then
        for n in select d.case_id, d.inbox_id from new_decisions d where d.inbox_id is not null
                   and not exists (select 1 from ebba.case_people c where c.inbox_id = d.inbox_id) loop
            begin
                insert into ebba.case_people (case_id, pnr, role, inbox_id)
                select n.case_id, p.pnr, p.role, n.inbox_id
                  from ebba.inbox i, lateral ebba.application_people(i.payload) p
                 where i.id = n.inbox_id and p.role in ('applicant', 'co-applicant', 'child')
                on conflict do nothing;
            exception when data_exception then
                null;
            end;
        end loop;
    end;
    return null;
end $$;
revoke all on function ebba.case_people_from_decisions() from public;
create trigger decisions_case_people after insert on ebba.decisions
    referencing new table as new_decisions
    for each statement execute function ebba.case_people_from_decisions();

create function ebba.case_people_from_frame() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    insert into ebba.case_people (case_id, pnr, role, inbox_id)
    select new.case_id, h.pnr,
           case when new.frame -> 'adults' ? h.pnr then 'adult' else 'household' end, 0
      from jsonb_array_elements_text(new.frame -> 'household') h(pnr)
     where h.pnr ~ '^[0-9]{12}$'
    on conflict do nothing;
    return null;
end $$;
revoke all on function ebba.case_people_from_frame() from public;
create trigger case_frames_case_people after insert or update on ebba.case_frames
    for each row execute function ebba.case_people_from_frame();

-- what was stored before this version: all at once, or one by one if a
-- document is not XML (skipped)
do $$
declare n record;
begin
    insert into ebba.case_people (case_id, pnr, role, inbox_id)
    select d.case_id, p.pnr, p.role, d.inbox_id
      from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id,
           lateral ebba.application_people(i.payload) p
     where p.role in ('applicant', 'co-applicant', 'child')
    on conflict do nothing;
exception when data_exception then
    for n in select d.case_id, d.inbox_id from ebba.decisions d where d.inbox_id is not null loop
        begin
            insert into ebba.case_people (case_id, pnr, role, inbox_id)
            select n.case_id, p.pnr, p.role, n.inbox_id
              from ebba.inbox i, lateral ebba.application_people(i.payload) p
             where i.id = n.inbox_id and p.role in ('applicant', 'co-applicant', 'child')
            on conflict do nothing;
        exception when data_exception then
            null;
        end;
    end loop;
end $$;
insert into ebba.case_people (case_id, pnr, role, inbox_id)
select v.case_id, h.pnr, case when v.frame -> 'adults' ? h.pnr then 'adult' else 'household' end, 0
  from ebba.case_frame_versions v, jsonb_array_elements_text(v.frame -> 'household') h(pnr)
 where h.pnr ~ '^[0-9]{12}$'
on conflict do nothing;

-- Applications not decided (pending, or quarantined: perhaps no XML at
-- all) are few; export-person searches their bytes, found by the partial
-- indexes inbox_claimable (schema 1) and inbox_quarantined (schema 6).

-- ---------------------------------------------------------------------
-- 2. Legal holds.
create table ebba.case_holds (
    id          bigserial primary key,
    case_id     text not null check (length(case_id) between 1 and 200),
    reason      text not null check (length(reason) between 1 and 500 and reason !~ '[\r\n]'),
    held_at     timestamptz not null default now(),
    held_by     text not null default ebba.person(),
    released_at timestamptz,
    released_by text
);
create unique index case_holds_open on ebba.case_holds (case_id) where released_at is null;

-- The lock a hold and retention's removal of one case queue on.
create function ebba.lock_case(p_case text) returns void
    language sql volatile set search_path = pg_catalog
as $$
    select pg_advisory_xact_lock(hashtext('ebba.case'), hashtext(p_case))
$$;

-- Held now by the person; released once, now, by the person; nothing
-- else changes.
create function ebba.stamp_case_hold() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'INSERT' then
        perform ebba.lock_case(new.case_id);
        if new.held_by is distinct from who then
            raise exception 'held_by must be the session''s own role (%), not %', who, new.held_by
                using errcode = 'insufficient_privilege';
        end if;
        new.held_at := now();
        new.released_at := null;
        new.released_by := null;
        return new;
    end if;
    if old.released_at is not null then
        raise exception 'the hold on case % is released already', old.case_id
            using errcode = 'insufficient_privilege';
    end if;
    if (new.case_id, new.reason, new.held_at, new.held_by) is distinct from
       (old.case_id, old.reason, old.held_at, old.held_by) or new.released_at is null then
        raise exception 'a hold is only released' using errcode = 'insufficient_privilege';
    end if;
    if new.released_by is not null and new.released_by <> who then
        raise exception 'released_by must be the session''s own role (%), not %', who, new.released_by
            using errcode = 'insufficient_privilege';
    end if;
    new.released_by := who;
    new.released_at := now();
    return new;
end $$;
create trigger case_holds_stamp before insert or update on ebba.case_holds
    for each row execute function ebba.stamp_case_hold();
create trigger case_holds_no_delete before delete on ebba.case_holds
    for each row execute function ebba.refuse_change();
create trigger case_holds_no_truncate before truncate on ebba.case_holds
    for each statement execute function ebba.refuse_change();

grant select on ebba.case_holds to ebba_archivist, ebba_supervisor, ebba_caseworker;
grant insert (case_id, reason), update (released_at) on ebba.case_holds
    to ebba_archivist, ebba_supervisor;
grant usage on sequence ebba.case_holds_id_seq to ebba_archivist, ebba_supervisor;
grant insert (action, object_kind, object_id, client) on ebba.access_log to ebba_archivist;
grant usage on sequence ebba.access_log_id_seq to ebba_archivist;

-- ---------------------------------------------------------------------
-- 3. Retention.

-- What was removed: counts per case and table, never the content.
-- Insert-only, written only by ebba.retention_run.
create table ebba.retention_log (
    id         bigserial primary key,
    at         timestamptz not null default now(),
    who        text not null,
    case_id    text not null,          -- '' for the access log's rows
    table_name text not null,
    removed    bigint not null check (removed > 0)
);
create index retention_log_at on ebba.retention_log (at);
create trigger retention_log_immutable before update or delete on ebba.retention_log
    for each row execute function ebba.refuse_change();
create trigger retention_log_no_truncate before truncate on ebba.retention_log
    for each statement execute function ebba.refuse_change();
grant select on ebba.retention_log to ebba_archivist, ebba_auditor;

-- The immutability triggers let one role delete: ebba_retention, which
-- nobody logs in as and nobody is a member of, so current_user is that
-- role only inside ebba.retention_run.  Everything else is refused as
-- before (UPDATE, TRUNCATE, and DELETE by anyone else, the owner too).
create or replace function ebba.refuse_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_user = 'ebba_retention' then
        return old;
    end if;
    raise exception 'ebba.%: rows are immutable (% refused)', tg_table_name, tg_op
        using errcode = 'insufficient_privilege';
end $$;

-- Frames, their versions and who a case is about are deleted by nobody
-- else either (a frame had no such trigger: only its grants kept
-- caseworkers from deleting one).
create trigger case_frames_no_delete before delete on ebba.case_frames
    for each row execute function ebba.refuse_change();
create trigger case_frame_versions_immutable before update or delete on ebba.case_frame_versions
    for each row execute function ebba.refuse_change();
create trigger case_people_no_delete before update or delete on ebba.case_people
    for each row execute function ebba.refuse_change();
create trigger case_frames_no_truncate before truncate on ebba.case_frames
    for each statement execute function ebba.refuse_change();
create trigger case_frame_versions_no_truncate before truncate on ebba.case_frame_versions
    for each statement execute function ebba.refuse_change();
create trigger case_people_no_truncate before truncate on ebba.case_people
    for each statement execute function ebba.refuse_change();

-- A what-if run's result is fixed once finished, but for retention: the
-- changes and skips of removed decisions leave it (version 7's rules
-- otherwise).
create or replace function ebba.stamp_whatif_run() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'UPDATE' and current_user = 'ebba_retention' then
        return new;
    end if;
    if tg_op = 'INSERT' then
        if new.created_by is null then
            new.created_by := who;
        elsif new.created_by <> who then
            raise exception 'created_by must be the session''s own role (%), not %', who, new.created_by
                using errcode = 'insufficient_privilege';
        end if;
        new.created_at := now();
        new.status := 'running';
        new.done := 0;
        new.finished_at := null;
        new.error := null;
        new.result := null;
        return new;
    end if;
    if old.created_by <> who then
        raise exception 'what-if run % is %''s; only they record its progress', old.id, old.created_by
            using errcode = 'insufficient_privilege';
    end if;
    if old.status <> 'running' then
        raise exception 'what-if run % is finished', old.id using errcode = 'insufficient_privilege';
    end if;
    if (new.created_by, new.created_at, new.candidate, new.candidate_sha256, new.period,
        new.window_from, new.window_to, new.parameters::text)
       is distinct from (old.created_by, old.created_at, old.candidate, old.candidate_sha256,
        old.period, old.window_from, old.window_to, old.parameters::text) then
        raise exception 'what-if run %: only its progress and result change', old.id
            using errcode = 'insufficient_privilege';
    end if;
    new.finished_at := case when new.status = 'running' then null else now() end;
    return new;
end $$;

-- The day of the month a person was born, from their identity number
-- (a samordningsnummer's day is the day of birth + 60).
create function ebba.pnr_birth_day(p_pnr text) returns integer
    language sql immutable strict set search_path = pg_catalog
as $$
    select case when substr(p_pnr, 7, 2)::int > 60 then substr(p_pnr, 7, 2)::int - 60
                else substr(p_pnr, 7, 2)::int end
$$;

-- Every case past the limit, with its last entry and what happens to it:
-- 'remove', or kept: 'keep-hold' (a legal hold), 'keep-birthday' (the
-- applicant or co-applicant born on a day of p_keep_days), 'keep-all' (the
-- municipality keeps everything).  The last entry is the newest of the
-- case's applications received, decisions made, frames written and flags
-- resolved.
create function ebba.retention_cases(p_years integer, p_keep_days integer[], p_keep_all boolean)
    returns table (case_id text, last_entry timestamptz, verdict text)
    language sql stable set search_path = pg_catalog
as $$
    with entries as (
        select i.case_id, i.received_at as at from ebba.inbox i where i.case_id is not null
        union all select d.case_id, d.decided_at from ebba.decisions d
        union all select v.case_id, v.updated_at from ebba.case_frame_versions v
        union all select d.case_id, f.resolved_at from ebba.audit_flags f
                    join ebba.decisions d on d.id = f.decision_id where f.resolved_at is not null
    ), last as (
        select e.case_id, max(e.at) as last_entry from entries e group by e.case_id
    )
    select l.case_id, l.last_entry,
           case when exists (select 1 from ebba.case_holds h
                              where h.case_id = l.case_id and h.released_at is null) then 'keep-hold'
                when exists (select 1 from ebba.case_people p
                              where p.case_id = l.case_id
                                and p.role in ('applicant', 'co-applicant', 'adult')
                                and ebba.pnr_birth_day(p.pnr) = any (p_keep_days)) then 'keep-birthday'
                when p_keep_all then 'keep-all'
                else 'remove' end
      from last l
     where l.last_entry < now() - make_interval(years => p_years)
     order by l.last_entry, l.case_id
$$;
revoke all on function ebba.retention_cases(integer, integer[], boolean) from public;

-- Removes one case's rows, children first; a row for ebba.retention_log
-- per table with a count.
create function ebba.retention_remove_case(p_case text, p_who text)
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
    delete from ebba.open_work w where w.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'open_work'; removed := n; return next;
    -- reviews first: they refer to ebba's decisions
    delete from ebba.decisions d where d.id = any (ids) and d.reviews_decision_id is not null;
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
    -- protection last: its trigger logs the lifting, and that log goes too
    delete from ebba.case_protection p where p.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection'; removed := n; return next;
    delete from ebba.case_protection_log l where l.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection_log'; removed := n; return next;
end $$;
revoke all on function ebba.retention_remove_case(text, text) from public;

-- The retention function.  p_years: a case goes this many years after its
-- last entry; p_keep_days: the days of birth whose cases are kept;
-- p_keep_all: the municipality keeps every case; p_log_years: access-log
-- rows go after this many years; p_batch: at most this many cases (and
-- 1000 times as many access-log rows) in this call.  p_remove false: the
-- plan, nothing changes.  Answers one row per case past the limit (its
-- verdict; with p_remove, only the cases of this batch, and a row per
-- table removed from), and a row ('', 'access-log') for the access log.
-- The caller (ebbactl retention run) calls again until nothing is
-- removed; each call is its own transaction, so a long run holds no lock
-- for long and an interrupted one has lost nothing.
create function ebba.retention_run(p_years integer, p_keep_days integer[], p_keep_all boolean,
                                   p_log_years integer, p_batch integer, p_remove boolean)
    returns table (case_id text, last_entry timestamptz, verdict text, table_name text, removed bigint)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    who text := ebba.person();
    c record;
    r record;
    done integer := 0;
    n bigint;
begin
    if p_years is null or p_years < 1 or p_log_years is null or p_log_years < 1 then
        raise exception 'ebba.retention_run: the limits are whole years, at least 1'
            using errcode = 'invalid_parameter_value';
    end if;
    if p_batch is null or p_batch < 1 or p_batch > 10000 then
        raise exception 'ebba.retention_run: the batch is 1 to 10000 cases'
            using errcode = 'invalid_parameter_value';
    end if;
    if p_remove and not pg_has_role(who, 'ebba_archivist', 'MEMBER') then
        raise exception 'ebba.retention_run: % is not an archivist', who
            using errcode = 'insufficient_privilege';
    end if;
    for c in select * from ebba.retention_cases(p_years, coalesce(p_keep_days, '{}'), p_keep_all) loop
        if not p_remove or c.verdict <> 'remove' then
            if not p_remove then
                case_id := c.case_id; last_entry := c.last_entry; verdict := c.verdict;
                table_name := null; removed := null;
                return next;
            end if;
            continue;
        end if;
        exit when done >= p_batch;
        done := done + 1;
        -- a hold set since the list was read keeps the case: the case's
        -- lock (a hold takes it too), then the hold looked for again
        perform ebba.lock_case(c.case_id);
        if exists (select 1 from ebba.case_holds h
                    where h.case_id = c.case_id and h.released_at is null) then
            continue;
        end if;
        for r in select * from ebba.retention_remove_case(c.case_id, who) x where x.removed > 0 loop
            insert into ebba.retention_log (who, case_id, table_name, removed)
            values (who, c.case_id, r.table_name, r.removed);
            case_id := c.case_id; last_entry := c.last_entry; verdict := c.verdict;
            table_name := r.table_name; removed := r.removed;
            return next;
        end loop;
    end loop;
    -- the access log by age alone: its guard (schema 024) asks
    -- ebba.access_log_removable, which reads the limit set here
    perform set_config('ebba.retention_log_years', p_log_years::text, true);
    if p_remove then
        delete from ebba.access_log a
         where a.id in (select l.id from ebba.access_log l
                         where l.at < now() - make_interval(years => p_log_years)
                         order by l.at limit p_batch * 1000);
        get diagnostics n = row_count;
    else
        select count(*) into n from ebba.access_log l
         where l.at < now() - make_interval(years => p_log_years);
    end if;
    if n > 0 then
        if p_remove then
            insert into ebba.retention_log (who, case_id, table_name, removed)
            values (who, '', 'access_log', n);
        end if;
        case_id := ''; last_entry := null; verdict := 'access-log';
        table_name := 'access_log'; removed := n;
        return next;
    end if;
end $$;
-- Owned by ebba_retention.  Giving an object to a role needs membership
-- of it (unless a superuser migrates): held for these three statements
-- only, so afterwards ebba_retention has no member.
do $$
declare lend boolean := not pg_has_role(current_user, 'ebba_retention', 'MEMBER');
begin
    if lend then
        execute format('grant ebba_retention to %I', current_user);
    end if;
    alter function ebba.retention_cases(integer, integer[], boolean) owner to ebba_retention;
    alter function ebba.retention_remove_case(text, text) owner to ebba_retention;
    alter function ebba.retention_run(integer, integer[], boolean, integer, integer, boolean)
        owner to ebba_retention;
    if lend then
        execute format('revoke ebba_retention from %I', current_user);
    end if;
end $$;
revoke all on function ebba.retention_run(integer, integer[], boolean, integer, integer, boolean) from public;
grant execute on function ebba.retention_run(integer, integer[], boolean, integer, integer, boolean)
    to ebba_archivist;

-- What ebba_retention may touch: the tables that hold a case's data, the
-- access log and its own record.  Nothing is granted to log in as it.
grant usage on schema ebba to ebba_retention;
grant select, delete on ebba.inbox, ebba.decisions, ebba.decision_checks, ebba.register_evidence,
    ebba.audit_flags, ebba.letters, ebba.letter_pdfs, ebba.outbox, ebba.decision_feed,
    ebba.open_work, ebba.case_frames, ebba.case_frame_versions, ebba.case_people,
    ebba.case_holds, ebba.access_log to ebba_retention;
grant select, update (result) on ebba.whatif_runs to ebba_retention;
grant insert on ebba.retention_log to ebba_retention;
grant usage on sequence ebba.retention_log_id_seq to ebba_retention;

-- ---------------------------------------------------------------------
-- 4. The applicant's own copy (GDPR art. 15).

-- The decisions about a person: ebba's decisions on the applications
-- that named them, and every person's decision on one of those.
create function ebba.person_decisions(p_pnr text) returns table (id bigint)
    language sql stable set search_path = pg_catalog
as $$
    select d.id from ebba.case_people p join ebba.decisions d on d.inbox_id = p.inbox_id
     where p.pnr = p_pnr and p.inbox_id <> 0
    union
    select r.id from ebba.case_people p join ebba.decisions d on d.inbox_id = p.inbox_id
      join ebba.decisions r on r.reviews_decision_id = d.id
     where p.pnr = p_pnr and p.inbox_id <> 0
$$;
revoke all on function ebba.person_decisions(text) from public;

-- The applications that name a person: those decided (by the index) and
-- those not decided yet or quarantined, whose bytes are searched for the
-- number in both spellings (few rows, each set by a partial index).
create function ebba.person_applications(p_pnr text) returns table (id bigint)
    language sql stable set search_path = pg_catalog
as $$
    select p.inbox_id from ebba.case_people p where p.pnr = p_pnr and p.inbox_id <> 0
    union
    select u.id from (
        select i.id, i.payload from ebba.inbox i where i.state in ('pending', 'processing')
        union all
        select i.id, i.payload from ebba.inbox i where i.state = 'quarantined') u
     where position(convert_to('"' || p_pnr || '"', 'UTF8') in u.payload) > 0
        or position(convert_to('"' || substr(p_pnr, 1, 8) || '-' || substr(p_pnr, 9), 'UTF8')
                    in u.payload) > 0
$$;
revoke all on function ebba.person_applications(text) from public;

-- Who looked at an object: the export reads the person's rows by it
-- (without, every export read the whole access log).
create index access_log_object on ebba.access_log (object_kind, object_id);

-- The files of the person's archive: path and bytes.  Written for the
-- applicant: the texts are Swedish, the data as stored.  Only a
-- caseworker may ask; the export is logged ('export', 'person', the
-- cases) in the same transaction.  SECURITY DEFINER: the access log
-- (who looked at their data) is no caseworker's to read otherwise.
create function ebba.person_export(p_pnr text, p_client text)
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
grant select on ebba.case_people to ebba_caseworker, ebba_supervisor;
-- ebbad writes the persons of the documents it decides (store/queue_complete.c)
grant insert on ebba.case_people to ebba_daemon;

-- The access log's one way out (schema 024's RETENTION HOOK): a row may be
-- deleted only by this migration's role, inside ebba.retention_run (no one
-- can act as ebba_retention otherwise), and only when it is older than the
-- limit retention_run was given (at least a year; five by default).
create or replace function ebba.access_log_removable(p_at timestamptz) returns boolean
    language sql stable set search_path = pg_catalog
as $$
    select current_user = 'ebba_retention'
       and p_at < now() - make_interval(years =>
               coalesce(nullif(current_setting('ebba.retention_log_years', true), '')::integer, 5))
$$;
revoke all on function ebba.access_log_removable(timestamptz) from public;
grant execute on function ebba.access_log_removable(timestamptz) to ebba_retention;

-- The tables of this migration that name a case hide a protected one as
-- schema 023's do (who a case is about above all: case_people holds their
-- identity numbers).
do $$
declare t text;
begin
    foreach t in array array['case_people', 'case_holds', 'retention_log'] loop
        execute format('alter table ebba.%I enable row level security', t);
        execute format('create policy case_visible on ebba.%I for all'
                       ' using (case_id not in (select ebba.hidden_cases())) with check (true)', t);
    end loop;
end $$;
-- the policies ask it for archivists and auditors too, who read these
grant execute on function ebba.hidden_cases() to ebba_archivist, ebba_auditor;

-- Retention sees every case: ebba_retention runs retention_run's body, and
-- the row policies of schema 023 bind it as anyone (it owns no table).  A
-- permissive policy of its own on every table under row-level security;
-- nobody can act as ebba_retention outside that function.
do $$
declare t record;
begin
    for t in select c.relname from pg_class c
              where c.relnamespace = 'ebba'::regnamespace and c.relrowsecurity loop
        execute format('create policy retention_sees_all on ebba.%I to ebba_retention using (true)', t.relname);
    end loop;
end $$;
grant select, delete on ebba.case_protection, ebba.case_protection_log to ebba_retention;
