-- ebba schema, version 23: protected identities (skyddade personuppgifter),
-- one model, enforced by the database (issue 28, item 1; DESIGN.md §4, §7).
--
-- 1. ebba.case_protection says which cases are protected and why: the
--    frame says "protected: true" (source 'frame'), a member of
--    ebba_protected protected it by hand ('manual', `ebbactl case
--    protect`), or a register answer carries a protection mark
--    ('af-sekretessmarkering': AF's Sekretessmarkering; a new mark is a
--    new source here and in daemon/store/protection.c's table of names).
--    One row per case and source; set_by and since are the database's
--    (ebba.person(), now()) whoever writes.  Only ebba's own functions and
--    triggers write it: ebbad's evidence (no person acting), a frame's
--    write, and ebba.case_protect/ebba.case_unprotect for members of the
--    new group ebba_protected.  Every change is a row of
--    ebba.case_protection_log (insert-only).
-- 2. Row-level security on every table that holds a case's data.  A
--    protected case's rows are visible to members of ebba_protected and to
--    the machines that must handle it as any other (ebbad: ebba_daemon;
--    ebba-deliver: ebba_deliver; the case-system feed: ebba_casesystem,
--    whose items say "protected": true).  For everyone else it does not
--    exist.  A policy is "case_id NOT IN (SELECT ebba.hidden_cases())" or
--    "decision_id NOT IN (SELECT ebba.hidden_decisions())": the protected
--    cases (or their decisions) this session may not see, none for those
--    who see all and whenever nothing is protected.  PostgreSQL runs such
--    an uncorrelated NOT IN once per statement into a hash table (a hashed
--    SubPlan), so each row costs one hash probe, in a page of one decision
--    and in Statistik's scans alike.  (An array compared with "<> ALL"
--    costs a comparison per protected case per row: Stickprov took five
--    times as long with 50 protected cases.)  ebba.open_work and its counts carry a "protected" column of
--    their own, kept by the database, so Arbetskö's counts for everyone
--    else are sums over the unprotected cases' slots: a count never
--    reveals one.
-- 3. SECURITY DEFINER functions run as the schema's owner, who is not
--    subject to the policies (no FORCE ROW LEVEL SECURITY: ebba's own
--    triggers must keep the queue and the feed whole whoever's statement
--    fires them).  So each one that returns or changes a case's data asks
--    ebba.decision_visible() itself and answers a hidden decision as it
--    answers one that does not exist.
-- 4. ebba.access_log gets "protected": true on every row about a decision,
--    letter, flag or frame of a protected case, stamped by its trigger, so
--    no caller can forget or forge the mark.

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'ebba_protected') then
        create role ebba_protected nologin;
    end if;
end $$;

create table ebba.case_protection (
    case_id text not null,
    source  text not null check (source in ('frame', 'manual', 'af-sekretessmarkering')),
    since   timestamptz not null default now(),
    set_by  text not null default ebba.person(),
    primary key (case_id, source)
);

create table ebba.case_protection_log (
    id      bigserial primary key,
    at      timestamptz not null default now(),
    who     text not null default ebba.person(),
    case_id text not null,
    action  text not null check (action in ('protect', 'unprotect')),
    source  text not null,
    client  text
);
create trigger case_protection_log_immutable before update or delete on ebba.case_protection_log
    for each row execute function ebba.refuse_change();
create trigger case_protection_log_no_truncate before truncate on ebba.case_protection_log
    for each statement execute function ebba.refuse_change();

-- Whether this session sees protected cases: a member of ebba_protected
-- (and, signed in through the identity provider, given that group at this
-- sign-in), or one of the machines that decide, deliver and feed them.
create function ebba.sees_protected() returns boolean language sql stable
    set search_path = pg_catalog
as $$
    select (pg_has_role(ebba.person(), 'ebba_protected', 'MEMBER') and ebba.session_given('protected'))
        or pg_has_role(ebba.person(), 'ebba_daemon', 'MEMBER')
        or pg_has_role(ebba.person(), 'ebba_deliver', 'MEMBER')
        or pg_has_role(ebba.person(), 'ebba_casesystem', 'MEMBER')
$$;

-- The protected cases this session may not see.  SECURITY DEFINER: the
-- policies read it for people who cannot read ebba.case_protection.
-- (plpgsql: its plan is kept for the session, where a SQL function's is
-- made again at every statement; 0.8 ms instead of 2 ms for 500 decisions)
create function ebba.hidden_cases() returns setof text language plpgsql stable security definer
    rows 50 set search_path = pg_catalog
as $$
begin
    if ebba.sees_protected() then
        return;
    end if;
    return query select distinct p.case_id from ebba.case_protection p;
end $$;

-- Their decisions (index decisions_case).
create function ebba.hidden_decisions() returns setof bigint language plpgsql stable security definer
    rows 500 set search_path = pg_catalog
as $$
begin
    if ebba.sees_protected() then
        return;
    end if;
    return query select d.id from ebba.case_protection p join ebba.decisions d on d.case_id = p.case_id;
end $$;

create function ebba.case_visible(p_case_id text) returns boolean language sql stable security definer
    set search_path = pg_catalog
as $$
    select ebba.sees_protected()
        or not exists (select 1 from ebba.case_protection p where p.case_id = p_case_id)
$$;

-- False for a decision of a protected case the session may not see, and
-- for no decision at all.
create function ebba.decision_visible(p_decision_id bigint) returns boolean language sql stable
    security definer set search_path = pg_catalog
as $$
    select exists (select 1 from ebba.decisions d
                    where d.id = p_decision_id
                      and (ebba.sees_protected()
                           or not exists (select 1 from ebba.case_protection p
                                           where p.case_id = d.case_id)))
$$;

create function ebba.decision_protected(p_decision_id bigint) returns boolean language sql stable
    security definer set search_path = pg_catalog
as $$
    select exists (select 1 from ebba.decisions d join ebba.case_protection p on p.case_id = d.case_id
                    where d.id = p_decision_id)
$$;

revoke all on function ebba.hidden_cases(), ebba.hidden_decisions(), ebba.case_visible(text), ebba.decision_visible(bigint),
    ebba.decision_protected(bigint) from public;
-- The policies run with the reader's rights: whoever reads or writes a
-- table with a policy calls ebba.hidden_cases() or ebba.hidden_decisions().
-- The other helpers are for ebba's own SECURITY DEFINER functions only.
grant execute on function ebba.hidden_cases(), ebba.hidden_decisions()
    to ebba_daemon, ebba_intake, ebba_caseworker, ebba_supervisor, ebba_deliver;

-- ---------------------------------------------------------------------
-- Who sets it.  set_by and since are stamped whoever writes; a change is
-- logged; the queue's rows of the case follow (their counts move with
-- them, ebba.open_work_count).
create function ebba.stamp_case_protection() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
begin
    new.set_by := ebba.person();
    new.since := now();
    return new;
end $$;
create trigger case_protection_stamp before insert or update on ebba.case_protection
    for each row execute function ebba.stamp_case_protection();

alter table ebba.open_work add column protected boolean not null default false;
alter table ebba.open_work_counts add column protected boolean not null default false;
alter table ebba.open_work_counts drop constraint open_work_counts_pkey;
alter table ebba.open_work_counts add primary key (slot, kind, key, protected);

create function ebba.case_protection_changed() returns trigger language plpgsql
    security definer set search_path = pg_catalog
as $$
declare c text := coalesce(new.case_id, old.case_id);
begin
    insert into ebba.case_protection_log (case_id, action, source, client)
    values (c, case tg_op when 'DELETE' then 'unprotect' else 'protect' end,
            coalesce(new.source, old.source), nullif(current_setting('ebba.protection_client', true), ''));
    update ebba.open_work w
       set protected = exists (select 1 from ebba.case_protection p where p.case_id = c)
     where w.decision_id in (select d.id from ebba.decisions d where d.case_id = c)
       and w.protected is distinct from exists (select 1 from ebba.case_protection p where p.case_id = c);
    return null;
end $$;
revoke all on function ebba.case_protection_changed() from public;
create trigger case_protection_changed after insert or delete on ebba.case_protection
    for each row execute function ebba.case_protection_changed();
create trigger case_protection_no_truncate before truncate on ebba.case_protection
    for each statement execute function ebba.refuse_change();

-- The frame's "protected": setting or lifting it is setting or lifting the
-- protection by hand, so only members may change it.
create function ebba.case_frame_protection() returns trigger language plpgsql
    security definer set search_path = pg_catalog
as $$
declare
    now_p boolean := coalesce(new.frame -> 'protected' = 'true'::jsonb, false);
    was_p boolean := tg_op = 'UPDATE' and coalesce(old.frame -> 'protected' = 'true'::jsonb, false);
begin
    if now_p = was_p then
        return null;
    end if;
    if not (pg_has_role(ebba.person(), 'ebba_protected', 'MEMBER') and ebba.session_given('protected')) then
        raise exception 'ebba.case_frames: only a member of ebba_protected may % a protected identity (protected: %)',
            case when now_p then 'set' else 'lift' end, now_p
            using errcode = 'insufficient_privilege';
    end if;
    if now_p then
        insert into ebba.case_protection (case_id, source) values (new.case_id, 'frame')
        on conflict do nothing;
    else
        delete from ebba.case_protection p where p.case_id = new.case_id and p.source = 'frame';
    end if;
    return null;
end $$;
revoke all on function ebba.case_frame_protection() from public;
create trigger case_frames_protection after insert or update on ebba.case_frames
    for each row execute function ebba.case_frame_protection();

-- A register's protection mark: AF's answer part with
-- <Sekretessmarkering>true</Sekretessmarkering> (any namespace prefix; the
-- bytes as received, as ebba.outbox_recipient read them in version 20).
-- The bytes are the whole SSBTEK answer's row (agency 'SSBTEK'); only AF's
-- part has the element.
-- Once per statement, over ebbad's COPY: the case is protected in the
-- transaction that decides it, set by ebbad's own role, no person acting.
create function ebba.evidence_protection() returns trigger language plpgsql
    security definer set search_path = pg_catalog
as $$
begin
    insert into ebba.case_protection (case_id, source)
    select distinct d.case_id, 'af-sekretessmarkering'
      from new_rows e join ebba.decisions d on d.id = e.decision_id
     where e.source = 'ssbtek' and e.agency in ('SSBTEK', 'AF') and e.raw is not null
       and position(convert_to('Sekretessmarkering>true<', 'UTF8') in e.raw) > 0
    on conflict do nothing;
    return null;
end $$;
revoke all on function ebba.evidence_protection() from public;
create trigger register_evidence_protection after insert on ebba.register_evidence
    referencing new table as new_rows
    for each statement execute function ebba.evidence_protection();

-- By hand: members of ebba_protected only.  Both answer whether anything
-- changed, and log the change (ebba.case_protection_log) with p_client.
create function ebba.case_protect(p_case_id text, p_client text) returns boolean
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    if not (pg_has_role(ebba.person(), 'ebba_protected', 'MEMBER') and ebba.session_given('protected')) then
        raise exception 'ebba.case_protect: % is not a member of ebba_protected', ebba.person()
            using errcode = 'insufficient_privilege';
    end if;
    if coalesce(p_case_id, '') = '' or length(p_case_id) > 64 then
        raise exception 'ebba.case_protect: no case' using errcode = 'invalid_parameter_value';
    end if;
    perform set_config('ebba.protection_client', coalesce(p_client, ''), true);
    insert into ebba.case_protection (case_id, source) values (p_case_id, 'manual')
    on conflict do nothing;
    return found;
end $$;

create function ebba.case_unprotect(p_case_id text, p_client text) returns boolean
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    if not (pg_has_role(ebba.person(), 'ebba_protected', 'MEMBER') and ebba.session_given('protected')) then
        raise exception 'ebba.case_unprotect: % is not a member of ebba_protected', ebba.person()
            using errcode = 'insufficient_privilege';
    end if;
    if exists (select 1 from ebba.case_frames f where f.case_id = p_case_id
                and f.frame -> 'protected' = 'true'::jsonb) then
        raise exception 'ebba.case_unprotect: case %''s frame says protected: true; change the frame (Referensram) instead', p_case_id
            using errcode = 'object_in_use';
    end if;
    perform set_config('ebba.protection_client', coalesce(p_client, ''), true);
    delete from ebba.case_protection p where p.case_id = p_case_id;
    return found;
end $$;
revoke all on function ebba.case_protect(text, text), ebba.case_unprotect(text, text) from public;
grant execute on function ebba.case_protect(text, text), ebba.case_unprotect(text, text)
    to ebba_protected;

-- ---------------------------------------------------------------------
-- The queue: a decision's row says whether its case is protected, and its
-- counts are kept apart by that.
create or replace function ebba.open_work_refresh(ids bigint[], lock boolean) returns void
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    if cardinality(ids) = 0 then
        return;
    end if;
    if lock then
        perform pg_advisory_xact_lock(hashtext('ebba.review'), (s.id % 2147483647)::int)
           from (select distinct u.id from unnest(ids) u(id) order by u.id) s;
    end if;
    with cur as (
        select d.id, i.received_at, d.outcome, d.period, fc.check_id, coalesce(fc.message, '') as reason,
               coalesce(fl.failing, '{}') as failing, coalesce(ff.flags, '{}') as flags,
               exists (select 1 from ebba.case_protection p where p.case_id = d.case_id) as protected
          from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id
          left join lateral (select c.check_id, c.message from ebba.decision_checks c
                              where c.decision_id = d.id and c.result in ('fail', 'error')
                              order by c.ordinal, c.check_id limit 1) fc on true
          left join lateral (select array_agg(distinct c.check_id order by c.check_id) as failing
                               from ebba.decision_checks c
                              where c.decision_id = d.id and c.result in ('fail', 'error')) fl on true
          left join lateral (select array_agg(distinct f.kind order by f.kind) as flags
                               from ebba.audit_flags f
                              where f.decision_id = d.id and f.resolved_at is null) ff on true
         where d.id = any(ids)
           and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)
           and (d.outcome <> 'approved' or ff.flags is not null)
    ), gone as (
        delete from ebba.open_work w
         where w.decision_id = any(ids) and w.decision_id not in (select id from cur)
    )
    insert into ebba.open_work as w (decision_id, received_at, outcome, period, first_check,
                                     reason, failing, flags, protected)
    select * from cur
    on conflict (decision_id) do update
       set first_check = excluded.first_check, reason = excluded.reason,
           failing = excluded.failing, flags = excluded.flags, protected = excluded.protected
     where (w.first_check, w.reason, w.failing, w.flags, w.protected) is distinct from
           (excluded.first_check, excluded.reason, excluded.failing, excluded.flags, excluded.protected);
end $$;

create or replace function ebba.open_work_count() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare
    my_slot integer := pg_backend_pid() % 64;
    kinds text[];
    keys text[];
    prots boolean[];
    deltas bigint[];
begin
    -- 'total' rows first (the slot's lock order), then by kind, key, protected
    if tg_op = 'INSERT' then
        select array_agg(kind order by kind <> 'total', kind, key, p), array_agg(key order by kind <> 'total', kind, key, p),
               array_agg(p order by kind <> 'total', kind, key, p), array_agg(n order by kind <> 'total', kind, key, p)
          into kinds, keys, prots, deltas
          from (select k.kind, k.key, w.protected as p, count(*) as n from new_rows w,
                       ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k
                 group by k.kind, k.key, w.protected) d;
    elsif tg_op = 'DELETE' then
        select array_agg(kind order by kind <> 'total', kind, key, p), array_agg(key order by kind <> 'total', kind, key, p),
               array_agg(p order by kind <> 'total', kind, key, p), array_agg(-n order by kind <> 'total', kind, key, p)
          into kinds, keys, prots, deltas
          from (select k.kind, k.key, w.protected as p, count(*) as n from old_rows w,
                       ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k
                 group by k.kind, k.key, w.protected) d;
    else
        select array_agg(kind order by kind <> 'total', kind, key, p), array_agg(key order by kind <> 'total', kind, key, p),
               array_agg(p order by kind <> 'total', kind, key, p), array_agg(n order by kind <> 'total', kind, key, p)
          into kinds, keys, prots, deltas
          from (select k.kind, k.key, w.protected as p, sum(w.sign) as n
                  from (select 1 as sign, * from new_rows union all select -1, * from old_rows) w,
                       ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k
                 group by k.kind, k.key, w.protected having sum(w.sign) <> 0 or k.kind = 'total') d;
    end if;
    if kinds is null then
        return null;
    end if;
    insert into ebba.open_work_counts as c (slot, kind, key, protected, n)
    select my_slot, u.kind, u.key, u.p, u.n
      from unnest(kinds, keys, prots, deltas) with ordinality u(kind, key, p, n, i)
     order by u.i
    on conflict (slot, kind, key, protected) do update set n = c.n + excluded.n;
    return null;
end $$;

-- ---------------------------------------------------------------------
-- Row-level security.  One policy per table, for every command: USING
-- hides a protected case's rows from reading, updating and deleting; new
-- rows are governed by the grants and the tables' own triggers (WITH
-- CHECK true), so ebbad, intake and ebba's functions write as before.
create function ebba.protect_tables(tables text[], expr text) returns void
    language plpgsql set search_path = pg_catalog
as $$
declare t text;
begin
    foreach t in array tables loop
        execute format('alter table ebba.%I enable row level security', t);
        execute format('create policy case_visible on ebba.%I for all using (%s) with check (true)',
                       t, replace(expr, '$T', format('ebba.%I', t)));
    end loop;
end $$;

select ebba.protect_tables(array['decisions', 'case_frames', 'case_frame_versions', 'case_protection'],
                           'case_id not in (select ebba.hidden_cases())');
select ebba.protect_tables(array['inbox'],
                           'case_id is null or case_id not in (select ebba.hidden_cases())');
select ebba.protect_tables(array['decision_checks', 'register_evidence', 'audit_flags', 'letters',
                                 'letter_pdfs', 'outbox', 'decision_feed'],
                           'decision_id not in (select ebba.hidden_decisions())');
select ebba.protect_tables(array['open_work', 'open_work_counts'],
                           'not protected or (select ebba.sees_protected())');
drop function ebba.protect_tables(text[], text);

-- ---------------------------------------------------------------------
-- SECURITY DEFINER functions that return or change a case's data ask the
-- same question.  The functions of versions 14, 17 and 19 keep their
-- bodies under a new name, callable only by the owner; the old name
-- answers a hidden decision as one that does not exist.
alter function ebba.resolve_flag(bigint, text, text, text) rename to resolve_flag_visible;
alter function ebba.decide_referral(bigint, jsonb, text, bigint, bigint, bigint, bigint, text, text,
                                    text, text, text) rename to decide_referral_visible;
alter function ebba.letter_pdf_store(bigint, bytea, bytea, text) rename to letter_pdf_store_visible;
revoke all on function ebba.resolve_flag_visible(bigint, text, text, text),
    ebba.decide_referral_visible(bigint, jsonb, text, bigint, bigint, bigint, bigint, text, text,
                                 text, text, text),
    ebba.letter_pdf_store_visible(bigint, bytea, bytea, text)
    from public, ebba_caseworker, ebba_supervisor, ebba_deliver;

-- (ebba.resolve_review only where a schema still has it: issue 25's
-- line-by-line decision may have replaced it with ebba.decide_referral)
do $do$
begin
    if to_regprocedure('ebba.resolve_review(bigint, text, bigint, text, text)') is null then
        return;
    end if;
    alter function ebba.resolve_review(bigint, text, bigint, text, text) rename to resolve_review_visible;
    revoke all on function ebba.resolve_review_visible(bigint, text, bigint, text, text)
        from public, ebba_caseworker;
    create function ebba.resolve_review(p_decision_id bigint, p_verdict text, p_amount bigint,
                                        p_note text, p_client text,
                                        out review_id bigint, out flags_resolved integer,
                                        out reviewed_by text)
        language plpgsql volatile security definer set search_path = pg_catalog
    as $$
    begin
        flags_resolved := 0;
        if not ebba.decision_visible(p_decision_id) then
            return;
        end if;
        select r.review_id, r.flags_resolved, r.reviewed_by into review_id, flags_resolved, reviewed_by
          from ebba.resolve_review_visible(p_decision_id, p_verdict, p_amount, p_note, p_client) r;
    end $$;
    revoke all on function ebba.resolve_review(bigint, text, bigint, text, text) from public;
    grant execute on function ebba.resolve_review(bigint, text, bigint, text, text) to ebba_caseworker;
end $do$;

create function ebba.resolve_flag(p_flag_id bigint, p_verdict text, p_note text, p_client text)
    returns boolean
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    if not ebba.decision_visible((select f.decision_id from ebba.audit_flags f where f.id = p_flag_id)) then
        return false;
    end if;
    return ebba.resolve_flag_visible(p_flag_id, p_verdict, p_note, p_client);
end $$;

create function ebba.decide_referral(p_decision_id bigint, p_findings jsonb, p_verdict text,
                                     p_amount bigint, p_norm bigint, p_costs bigint,
                                     p_incomes bigint, p_ruleset_version text,
                                     p_ruleset_sha256 text, p_note text, p_letter text,
                                     p_client text,
                                     out review_id bigint, out flags_resolved integer,
                                     out reviewed_by text, out outcome text)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    flags_resolved := 0;
    if not ebba.decision_visible(p_decision_id) then
        return;
    end if;
    select r.review_id, r.flags_resolved, r.reviewed_by, r.outcome
      into review_id, flags_resolved, reviewed_by, outcome
      from ebba.decide_referral_visible(p_decision_id, p_findings, p_verdict, p_amount, p_norm,
                                        p_costs, p_incomes, p_ruleset_version, p_ruleset_sha256,
                                        p_note, p_letter, p_client) r;
end $$;

create function ebba.letter_pdf_store(p_decision_id bigint, p_pdf bytea, p_body_sha256 bytea,
                                      p_renderer text, out pdf bytea, out sha256 bytea,
                                      out stored boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    if not ebba.decision_visible(p_decision_id) then
        raise exception 'decision % has no letter', p_decision_id using errcode = 'no_data_found';
    end if;
    select s.pdf, s.sha256, s.stored into pdf, sha256, stored
      from ebba.letter_pdf_store_visible(p_decision_id, p_pdf, p_body_sha256, p_renderer) s;
end $$;

revoke all on function ebba.resolve_flag(bigint, text, text, text),
    ebba.decide_referral(bigint, jsonb, text, bigint, bigint, bigint, bigint, text, text, text,
                         text, text),
    ebba.letter_pdf_store(bigint, bytea, bytea, text) from public;
grant execute on function ebba.resolve_flag(bigint, text, text, text),
    ebba.decide_referral(bigint, jsonb, text, bigint, bigint, bigint, bigint, text, text, text,
                         text, text) to ebba_caseworker;
grant execute on function ebba.letter_pdf_store(bigint, bytea, bytea, text)
    to ebba_caseworker, ebba_supervisor, ebba_deliver;

-- ebba-deliver's recipient and the feed read the protection from the table.
create or replace function ebba.outbox_recipient(p_decision_id bigint, out case_id text, out pnr text,
                                                 out protected boolean)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
declare
    d_inbox bigint;
    d_root bigint := p_decision_id;
    payload bytea;
begin
    -- a person's decision reviews another: the application is the first's
    loop
        select d.case_id, d.inbox_id, coalesce(d.reviews_decision_id, d.id)
          into case_id, d_inbox, d_root
          from ebba.decisions d where d.id = d_root;
        if not found then
            raise exception 'no decision %', p_decision_id using errcode = 'no_data_found';
        end if;
        exit when d_inbox is not null;
    end loop;
    select i.payload into payload from ebba.inbox i where i.id = d_inbox;
    pnr := (xpath('/a:application/a:household/a:person[@role="applicant"]/@pnr',
                  convert_from(payload, 'UTF8')::xml,
                  array[array['a', 'urn:ebba:application:1']]))[1]::text;
    pnr := replace(pnr, '-', '');
    protected := exists (select 1 from ebba.case_protection p where p.case_id = outbox_recipient.case_id);
end $$;

create or replace function ebba.decision_feed_page(token text, p_after bigint, p_limit integer,
                                                   out verdict text, out items text, out next bigint)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
declare t_role text;
begin
    select t.role into t_role from ebba.intake_tokens t
     where t.sha256 = sha256(convert_to(token, 'UTF8')) and t.revoked_at is null;
    if not found then
        verdict := 'unauthenticated';
        return;
    elsif not exists (select 1 from pg_roles where rolname = t_role)
          or not pg_has_role(t_role, 'ebba_casesystem', 'MEMBER') then
        verdict := 'forbidden';
        return;
    end if;
    verdict := 'ok';
    select coalesce(json_agg(x.item order by x.seq)::text, '[]'), coalesce(max(x.seq), p_after)
      into items, next
      from (select f.seq, json_build_object(
                'cursor', f.seq, 'id', d.id, 'application', d.external_id, 'case', d.case_id,
                'period', d.period, 'outcome', d.outcome, 'amount', d.amount,
                'lines', json_build_array(json_build_object('kind', 'norm', 'amount', d.norm),
                                          json_build_object('kind', 'costs', 'amount', d.costs),
                                          json_build_object('kind', 'incomes', 'amount', d.incomes)),
                'decided_by', d.decided_by,
                'decided_by_name', (select s.display_name from ebba.provider_signins s
                                     where s.person = d.decided_by),
                'automatic', d.inbox_id is not null,
                'decided_at', to_char(d.decided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'follows', d.reviews_decision_id,
                'letter', (select json_build_object('id', l.decision_id, 'sha256', encode(l.sha256, 'hex'))
                             from ebba.letters l where l.decision_id = d.id),
                'protected', exists (select 1 from ebba.case_protection p
                                      where p.case_id = d.case_id)) as item
              from ebba.decision_feed f join ebba.decisions d on d.id = f.decision_id
             where f.seq > coalesce(p_after, 0)
             order by f.seq
             limit greatest(1, least(coalesce(p_limit, 100), 1000))) x;
end $$;

-- What-if for someone outside the group: the protected cases' decisions
-- are not theirs to re-decide or list, but the report says how many there
-- are ("skyddade ärenden"), so a total is never mistaken for all.  The
-- window as store/whatif.c's.
create function ebba.hidden_decision_count(p_period text, p_from date, p_to date) returns bigint
    language sql stable security definer set search_path = pg_catalog
as $$
    select count(*) from ebba.decisions d
     where d.inbox_id is not null and not ebba.sees_protected()
       and d.case_id in (select p.case_id from ebba.case_protection p)
       and (p_period is null or d.period = p_period)
       and (p_from is null or d.decided_at >= p_from) and (p_to is null or d.decided_at < p_to + 1)
$$;
revoke all on function ebba.hidden_decision_count(text, date, date) from public;
grant execute on function ebba.hidden_decision_count(text, date, date) to ebba_supervisor;

-- ---------------------------------------------------------------------
-- The access log's mark.  Stamped by its trigger from the object the row
-- names (a decision, its letter, a flag, a frame), so a view of a
-- protected case is marked whoever logs it.
-- (if not exists: the log follow-up's migration adds the same column)
alter table ebba.access_log add column if not exists protected boolean not null default false;

create function ebba.object_protected(p_kind text, p_id text) returns boolean language sql stable
    security definer set search_path = pg_catalog
as $$
    select case
        when p_id is null or p_id !~ '^[0-9]{1,18}$' and p_kind not in ('case_frame', 'case') then false
        when p_kind in ('decision', 'letter') then ebba.decision_protected(p_id::bigint)
        when p_kind = 'audit_flag' then
            ebba.decision_protected((select f.decision_id from ebba.audit_flags f where f.id = p_id::bigint))
        when p_kind in ('case_frame', 'case') then
            exists (select 1 from ebba.case_protection p where p.case_id = p_id)
        else false end
$$;
revoke all on function ebba.object_protected(text, text) from public;

create or replace function ebba.stamp_access_log() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare named text := current_setting('ebba.access_log_who', true);
begin
    if coalesce(named, '') <> '' and current_user = (select n.nspowner::regrole::text
                                                        from pg_namespace n where n.nspname = 'ebba') then
        new.who := named;
    else
        new.who := ebba.person();
    end if;
    new.at := now();
    new.protected := ebba.object_protected(new.object_kind, new.object_id);
    return new;
end $$;
-- (the stamp runs as whoever logs: they may ask, and are told only of
-- what they log)
grant execute on function ebba.object_protected(text, text)
    to ebba_caseworker, ebba_supervisor, ebba_auditor, ebba_web, ebba_deliver;

-- Members read the protection and its history; everyone else sees no row
-- of the table (its policy) and the log only as an auditor.
grant select on ebba.case_protection to ebba_caseworker, ebba_supervisor;
grant select on ebba.case_protection_log to ebba_protected, ebba_auditor;

-- The cases already protected by their frame or AF's mark (their queue
-- rows and counts move apart through ebba.case_protection_changed).
insert into ebba.case_protection (case_id, source)
select f.case_id, 'frame' from ebba.case_frames f where f.frame -> 'protected' = 'true'::jsonb
on conflict do nothing;
insert into ebba.case_protection (case_id, source)
select distinct d.case_id, 'af-sekretessmarkering'
  from ebba.register_evidence e join ebba.decisions d on d.id = e.decision_id
 where e.source = 'ssbtek' and e.agency in ('SSBTEK', 'AF') and position(convert_to('Sekretessmarkering>true<', 'UTF8') in e.raw) > 0
on conflict do nothing;
