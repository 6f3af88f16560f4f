-- ebba schema, version 24: following up the access log (issue 28, item 2;
-- lag 2001:454 10 §: "systematiska och återkommande kontroller").
--
-- Members of ebba_auditor follow the access log up through ebba-web's
-- Loggar page and `ebbactl log`: who looked at what, when and from where,
-- and the lists a security officer goes through each month.  They still
-- read no case data: everything they see comes from the two SECURITY
-- DEFINER functions below, which return log facts only (who, the case's
-- number, when, from where, why listed), and each call writes the
-- auditor's own access-log row in the same statement ("view", or "export"
-- for a CSV file), so no reading of the log goes unrecorded.  Their direct
-- SELECT on the table (version 4) is taken back for the same reason.

-- Views of protected cases carry a mark (issue 28, item 1, adds the same
-- column; whichever runs first adds it).
alter table ebba.access_log add column if not exists protected boolean not null default false;

revoke select on ebba.access_log from ebba_auditor;

-- ---- insert-only, for every role -------------------------------------------
-- Version 4's refuse_change() trigger already refused UPDATE and DELETE
-- row by row; TRUNCATE fires no row trigger and went past it for the
-- owner.  Now one guard refuses all three.  The only exception is the
-- retention function's removal of rows older than the configured time
-- (default five years), and whether a row may go is asked of one function:
--
-- RETENTION HOOK: ebba.access_log_removable(at) answers false for every
-- row until the retention migration (issue 28, items 3-5) replaces it with
-- "the current role is the retention function's own, and at is older than
-- the configured time" (and grants that role EXECUTE on it: the guard
-- runs with the deleting role's rights).  Nothing else here needs to
-- change for that.
create function ebba.access_log_removable(p_at timestamptz) returns boolean
    language sql stable set search_path = pg_catalog
as $$
    select false
$$;
revoke all on function ebba.access_log_removable(timestamptz) from public;

create function ebba.guard_access_log() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
begin
    if tg_op = 'DELETE' and ebba.access_log_removable(old.at) then
        return old;
    end if;
    raise exception 'ebba.access_log is insert-only (% refused)', tg_op
        using errcode = 'insufficient_privilege';
end $$;
revoke all on function ebba.guard_access_log() from public;

drop trigger access_log_immutable on ebba.access_log;
create trigger access_log_immutable before update or delete on ebba.access_log
    for each row execute function ebba.guard_access_log();
create trigger access_log_no_truncate before truncate on ebba.access_log
    for each statement execute function ebba.guard_access_log();

-- Newest first, as Loggar shows it, without sorting the whole log (the
-- index on at alone, of version 4, is this one's first column).
create index if not exists access_log_at_id on ebba.access_log (at, id);
drop index if exists ebba.access_log_at;

-- ---- which case a row is about ---------------------------------------------
-- Each row with the case number behind its object: a decision, its letter,
-- its evidence ("DECISION/EVIDENCE") by the decision's case; a frame by
-- the case number itself; an API look-up by its application.  NULL for
-- what is about no one case (the queue, statistics, a rule set).  A view,
-- joined rather than looked up row by row: a month of 300 000 rows is one
-- pass.  No grants: only the definer functions below read it.
create view ebba.access_log_cases as
select l.*,
       coalesce(d.case_id, i.case_id,
                case when l.object_kind in ('case_frame', 'case', 'household') then l.object_id end)
           as case_id
  from ebba.access_log l
  left join ebba.decisions d
    on l.object_kind in ('decision', 'letter', 'evidence')
   and d.id = case when split_part(l.object_id, '/', 1) ~ '^[0-9]{1,18}$'
                   then split_part(l.object_id, '/', 1)::bigint end
  left join ebba.inbox i on l.object_kind = 'application' and i.external_id = l.object_id;

-- Who has worked on which case: a decision of theirs in it (a review), a
-- flag they resolved there, a frame version they wrote.
-- ASSIGNMENTS: the household page's "Ta ärendet" has no table yet; when
-- it gets one, its (person, case) rows are one more "union" here.
create view ebba.case_work as
select d.decided_by as who, d.case_id from ebba.decisions d where d.reviews_decision_id is not null
union
select f.resolved_by, d.case_id from ebba.audit_flags f join ebba.decisions d on d.id = f.decision_id
 where f.resolved_by is not null
union
select v.updated_by, v.case_id from ebba.case_frame_versions v
union
select c.updated_by, c.case_id from ebba.case_frames c where c.updated_by is not null;

-- ebba's own programs, not people: the members of ebba_daemon and
-- ebba_deliver (which look at cases to decide and deliver them, and work
-- on none); API tokens ("token:NAME") are told by their name.
create view ebba.access_log_machines as
select r.rolname::text as who from pg_roles r
 where pg_has_role(r.oid, 'ebba_daemon', 'MEMBER') or pg_has_role(r.oid, 'ebba_deliver', 'MEMBER');

-- Records the auditor's own look at the log (or export of it), after
-- checking that the person is an auditor at this sign-in (ebba.person(),
-- ebba.session_given: schemas 014 and 016).
create function ebba.access_log_note(p_export boolean, p_kind text, p_what text, p_client text)
    returns void language plpgsql volatile set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if not pg_has_role(who, 'ebba_auditor', 'MEMBER') or not ebba.session_given('auditor') then
        raise exception 'ebba.%: % is not signed in as an auditor', p_kind, who
            using errcode = 'insufficient_privilege';
    end if;
    insert into ebba.access_log (action, object_kind, object_id, client)
    values (case when p_export then 'export' else 'view' end, p_kind, nullif(p_what, ''), p_client);
end $$;
revoke all on function ebba.access_log_note(boolean, text, text, text) from public;

-- ---- the log itself --------------------------------------------------------
-- The rows between p_from and p_to (days, both included; NULL: open),
-- narrowed to a person (login name), a case number and an action, newest
-- first, at most p_limit (NULL: all).  p_what says in words which filter
-- was asked (for the auditor's own log row: login names and case numbers
-- only, never an identity number).
create function ebba.access_log_entries(p_who text, p_case text, p_from date, p_to date,
                                        p_action text, p_limit integer,
                                        p_export boolean, p_what text, p_client text)
    returns table (id bigint, at timestamptz, who text, action text, object_kind text,
                   object_id text, case_id text, client text, count integer, protected boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
    set ebba.access_log_who = '' set jit = off
as $$
begin
    perform ebba.access_log_note(p_export, 'access_log', p_what, p_client);
    return query
    select l.id, l.at, l.who, l.action, l.object_kind, l.object_id, l.case_id, l.client,
           l.count, l.protected
      from ebba.access_log_cases l
     where (p_from is null or l.at >= p_from::timestamptz)
       and (p_to is null or l.at < (p_to + 1)::timestamptz)
       and (p_who is null or l.who = p_who)
       and (p_action is null or l.action = p_action)
       and (p_case is null or l.case_id = p_case)
       -- the auditor's own row of this call is not part of the answer
       and l.id < currval('ebba.access_log_id_seq')
     order by l.at desc, l.id desc
     limit p_limit;
end $$;
revoke all on function ebba.access_log_entries(text, text, date, date, text, integer, boolean, text, text) from public;
grant execute on function ebba.access_log_entries(text, text, date, date, text, integer, boolean, text, text)
    to ebba_auditor;

-- ---- the monthly lists -----------------------------------------------------
-- One row per finding between p_from and p_to (days, both included), with
-- why it is listed (reason):
--   protected     a view (or export) of a protected case;
--   never-worked  a view of a case the person has no work of their own in
--                 (ebba.case_work);
--   burst         a day on which a person's views were at least p_minimum
--                 and more than p_factor times the median of their own
--                 daily views over the 30 days before (the days they
--                 viewed anything; none: 0);
--   denied        a refusal of a signed-in person (a page or form their
--                 groups do not allow);
--   failed-login  a failed or throttled sign-in (who: the name tried, as
--                 ebba-web logged it), or a provider sign-in ebba-web
--                 refused (ebba.provider_signins).
-- views and median are set for bursts only; case_id for the first two.
create function ebba.access_log_followup(p_from date, p_to date, p_factor numeric, p_minimum integer,
                                         p_export boolean, p_client text)
    returns table (reason text, at timestamptz, who text, case_id text, action text,
                   object_kind text, object_id text, client text, views bigint, median numeric)
    language plpgsql volatile security definer set search_path = pg_catalog
    set ebba.access_log_who = '' set jit = off
as $$
declare
    lo timestamptz := p_from::timestamptz;
    hi timestamptz := (p_to + 1)::timestamptz;
begin
    if p_from is null or p_to is null or p_factor is null or p_minimum is null then
        raise exception 'access_log_followup: the period, the factor and the minimum are required'
            using errcode = 'invalid_parameter_value';
    end if;
    perform ebba.access_log_note(p_export, 'access_log_followup', p_from || '..' || p_to, p_client);
    return query
    with period as (
        select l.* from ebba.access_log_cases l
         where l.at >= lo and l.at < hi and l.id < currval('ebba.access_log_id_seq')
    ), daily as (
        select l.who, l.at::date as day, sum(l.count)::bigint as n, min(l.at) as first_at
          from ebba.access_log l
         where l.action = 'view' and l.at >= lo - interval '30 days' and l.at < hi
         group by l.who, l.at::date
    )
    select 'protected', p.at, p.who, p.case_id, p.action, p.object_kind, p.object_id, p.client,
           null::bigint, null::numeric
      from period p where p.protected and p.action in ('view', 'export')
    union all
    select 'never-worked', p.at, p.who, p.case_id, p.action, p.object_kind, p.object_id, p.client,
           null, null
      from period p
     where p.action in ('view', 'export') and p.case_id is not null
       and p.who not like 'token:%'
       and not exists (select 1 from ebba.access_log_machines m where m.who = p.who)
       and not exists (select 1 from ebba.case_work w where w.who = p.who and w.case_id = p.case_id)
    union all
    select 'burst', d.first_at, d.who, null, 'view', null, d.day::text, null, d.n, m.median
      from daily d
     cross join lateral (
        select coalesce(percentile_cont(0.5) within group (order by h.n), 0)::numeric as median
          from daily h where h.who = d.who and h.day >= d.day - 30 and h.day < d.day) m
     where d.first_at >= lo and d.n >= p_minimum and d.n > p_factor * m.median
    union all
    select case when p.object_kind = 'login' then 'failed-login' else 'denied' end,
           p.at, case when p.object_kind = 'login' then coalesce(p.object_id, p.who) else p.who end,
           null, p.action, p.object_kind, p.object_id, p.client, p.count::bigint, null
      from period p where p.action = 'denied'
    union all
    select 'failed-login', s.signed_in_at, s.person, null, 'denied', 'provider', s.outcome, null,
           null, null
      from ebba.provider_signins s
     where s.outcome <> 'signed-in' and s.signed_in_at >= lo and s.signed_in_at < hi
     order by 1, 2, 3;
end $$;
revoke all on function ebba.access_log_followup(date, date, numeric, integer, boolean, text) from public;
grant execute on function ebba.access_log_followup(date, date, numeric, integer, boolean, text)
    to ebba_auditor;
