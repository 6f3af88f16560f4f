-- ebba schema, version 6: the work still to be looked at, kept by the
-- database as it changes, so ebba-web's Arbetskö reads only what it shows.
--
-- The queue is ebba's decisions that no caseworker has reviewed and that
-- are not approvals, or that carry an open audit flag.  Computed from the
-- decisions at each request (a lateral subquery per decision for its first
-- failed check and its flags, then counts over the whole set), the page
-- took about 4 s with 100 000 decisions stored, 30 000 of them open.
--
-- 1. ebba.open_work holds one row per decision in the queue, with what the
--    page filters, sorts and counts by: when the application arrived, the
--    outcome, the period, the first failed (or erred) check by ordinal and
--    its message, every failed check, and the kinds of open flag.  Rows are
--    copies of immutable decision columns plus what follows from
--    decision_checks and the open audit_flags, recomputed by
--    ebba.open_work_refresh() for the decisions a statement touched: the
--    statement triggers below on ebba.decisions (a new decision of ebba's,
--    a caseworker's review), ebba.decision_checks (failed checks) and
--    ebba.audit_flags (new and resolved flags).  So the same transaction
--    that decides, reviews or resolves a flag also changes the queue, and
--    the queue is never out of date, whoever writes.
-- 2. ebba.open_work_counts holds the counts the page shows (total, per
--    first reason, per flag kind, per failed check, per period), kept by
--    statement triggers on ebba.open_work from its transition tables.
--    Every transaction adds its changes to the rows of its backend's slot
--    (pg_backend_pid() % 64) and a reader sums the slots, so the ebbad
--    processes completing batches at once do not wait on one counter row.
--    A transaction takes its slot's 'total' row first, so two backends
--    that share a slot queue up behind it instead of deadlocking.
-- 3. A caseworker's resolving a flag or a decision takes the same advisory
--    lock on the decision as review resolve (store/review.c) before the
--    queue row is recomputed, so two people acting on one decision at once
--    cannot leave a reviewed decision in the queue.
-- 4. Indexes for the other pages that counted or searched whole tables
--    (with 100 000 decisions stored Stickprov took 1.2 s, and Drift 1 s,
--    plus seconds of JIT compiling that their cost estimates set off):
--    audit_flags (decision_id) for the decision page's flags and the
--    sample counts (only the open flags had one), the open flags by age
--    (Stickprov's pages) and the resolved ones by when (the latest 20); ebba's decisions by
--    outcome (Stickprov's counts, index-only) and by decided_at (Drift's
--    rates and count); the inbox by received_at (received in the last
--    hour), the quarantined rows by updated_at (their count and the latest
--    20) and the leased rows (workers seen); pending and processing have
--    inbox_claimable (version 1).

create table ebba.open_work (
    decision_id bigint primary key,
    received_at timestamptz not null,
    outcome     text not null,
    period      text not null,
    first_check text,
    reason      text not null default '',
    failing     text[] not null default '{}',
    flags       text[] not null default '{}'
);
create index open_work_order on ebba.open_work (received_at, decision_id);
create index open_work_reason on ebba.open_work (first_check, received_at, decision_id)
    where first_check is not null;

create table ebba.open_work_counts (
    slot integer not null,
    kind text not null check (kind in ('total', 'reason', 'flag', 'check', 'period')),
    key  text not null,
    n    bigint not null,
    primary key (slot, kind, key)
);

create index audit_flags_decision on ebba.audit_flags (decision_id);
create index audit_flags_open_age on ebba.audit_flags (created_at, id) where resolved_at is null;
create index audit_flags_resolved on ebba.audit_flags (resolved_at) where resolved_at is not null;
create index decisions_ebba_outcome on ebba.decisions (outcome) where inbox_id is not null;
create index decisions_ebba_decided on ebba.decisions (decided_at) where inbox_id is not null;
create index inbox_received on ebba.inbox (received_at);
create index inbox_quarantined on ebba.inbox (updated_at) where state = 'quarantined';
create index inbox_leased on ebba.inbox (lease_owner, updated_at) where lease_owner is not null;

-- The queue rows of the decisions ids, from the tables they follow from.
create function ebba.open_work_refresh(ids bigint[], lock boolean) returns void
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
               coalesce(fl.failing, '{}') as failing, coalesce(ff.flags, '{}') as flags
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
                                     reason, failing, flags)
    select * from cur
    on conflict (decision_id) do update
       set first_check = excluded.first_check, reason = excluded.reason,
           failing = excluded.failing, flags = excluded.flags
     where (w.first_check, w.reason, w.failing, w.flags) is distinct from
           (excluded.first_check, excluded.reason, excluded.failing, excluded.flags);
end $$;
revoke execute on function ebba.open_work_refresh(bigint[], boolean) from public;

-- The counts a queue row is part of.
create function ebba.open_work_keys(period text, first_check text, flags text[], failing text[])
    returns table (kind text, key text) language sql immutable set search_path = pg_catalog
as $$
    select 'total', '' union all select 'period', period
    union all select 'reason', first_check where first_check is not null
    union all select 'flag', f from unnest(flags) f
    union all select 'check', c from unnest(failing) c
$$;

-- The counts: what the statement's rows added (new_rows) and took away
-- (old_rows), into this backend's slot, its 'total' row first.
create function ebba.open_work_count() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare
    my_slot integer := pg_backend_pid() % 64;
    kinds text[];
    keys text[];
    deltas bigint[];
begin
    if tg_op = 'INSERT' then
        select array_agg(kind order by kind <> 'total', kind, key), array_agg(key order by kind <> 'total', kind, key),
               array_agg(n order by kind <> 'total', kind, key) into kinds, keys, deltas
          from (select k.kind, k.key, count(*) as n from new_rows w,
                       ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k
                 group by k.kind, k.key) d;
    elsif tg_op = 'DELETE' then
        select array_agg(kind order by kind <> 'total', kind, key), array_agg(key order by kind <> 'total', kind, key),
               array_agg(-n order by kind <> 'total', kind, key) into kinds, keys, deltas
          from (select k.kind, k.key, count(*) as n from old_rows w,
                       ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k
                 group by k.kind, k.key) d;
    else
        select array_agg(kind order by kind <> 'total', kind, key), array_agg(key order by kind <> 'total', kind, key),
               array_agg(n order by kind <> 'total', kind, key) into kinds, keys, deltas
          from (select k.kind, k.key, sum(w.sign) as n
                  from (select 1 as sign, * from new_rows union all select -1, * from old_rows) w,
                       ebba.open_work_keys(w.period, w.first_check, w.flags, w.failing) k
                 group by k.kind, k.key having sum(w.sign) <> 0 or k.kind = 'total') d;
    end if;
    if kinds is null then
        return null;
    end if;
    insert into ebba.open_work_counts as c (slot, kind, key, n)
    select my_slot, u.kind, u.key, u.n from unnest(kinds, keys, deltas) with ordinality u(kind, key, n, i)
     order by u.i
    on conflict (slot, kind, key) do update set n = c.n + excluded.n;
    return null;
end $$;
create trigger open_work_count_insert after insert on ebba.open_work
    referencing new table as new_rows
    for each statement execute function ebba.open_work_count();
create trigger open_work_count_update after update on ebba.open_work
    referencing old table as old_rows new table as new_rows
    for each statement execute function ebba.open_work_count();
create trigger open_work_count_delete after delete on ebba.open_work
    referencing old table as old_rows
    for each statement execute function ebba.open_work_count();

-- The queue built again from the tables, all at once (joins over whole
-- tables where open_work_refresh looks up each decision): what the
-- migration does with the decisions already stored, and what an operator
-- may run (as the owner) to check the kept queue against.
create function ebba.open_work_rebuild() returns bigint
    language plpgsql set search_path = pg_catalog
as $$
declare n bigint;
begin
    lock table ebba.open_work in exclusive mode;
    truncate ebba.open_work, ebba.open_work_counts;
    insert into ebba.open_work (decision_id, received_at, outcome, period, first_check, reason,
                                failing, flags)
    select d.id, i.received_at, d.outcome, d.period, c.first_check, coalesce(c.reason, ''),
           coalesce(c.failing, '{}'), coalesce(f.flags, '{}')
      from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id
      left join (select decision_id,
                        (array_agg(check_id order by ordinal, check_id))[1] as first_check,
                        (array_agg(message order by ordinal, check_id))[1] as reason,
                        array_agg(distinct check_id order by check_id) as failing
                   from ebba.decision_checks where result in ('fail', 'error')
                  group by decision_id) c on c.decision_id = d.id
      left join (select decision_id, array_agg(distinct kind order by kind) as flags
                   from ebba.audit_flags where resolved_at is null
                  group by decision_id) f on f.decision_id = d.id
     where not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)
       and (d.outcome <> 'approved' or f.flags is not null);
    get diagnostics n = row_count;
    return n;
end $$;
revoke execute on function ebba.open_work_rebuild() from public;

-- The queue as it stands, before the triggers that keep it; over a large
-- database this takes longer than a page's statement timeout.
set local statement_timeout = 0;
select ebba.open_work_rebuild();

create function ebba.open_work_on_decision() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    perform ebba.open_work_refresh(array(select id from new_rows
                                          where inbox_id is not null and outcome <> 'approved'), false);
    perform ebba.open_work_refresh(array(select reviews_decision_id from new_rows
                                          where reviews_decision_id is not null), true);
    return null;
end $$;
create trigger decisions_open_work after insert on ebba.decisions
    referencing new table as new_rows
    for each statement execute function ebba.open_work_on_decision();

create function ebba.open_work_on_check() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    perform ebba.open_work_refresh(array(select distinct decision_id from new_rows
                                          where result in ('fail', 'error')), false);
    return null;
end $$;
create trigger decision_checks_open_work after insert on ebba.decision_checks
    referencing new table as new_rows
    for each statement execute function ebba.open_work_on_check();

create function ebba.open_work_on_flag() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    perform ebba.open_work_refresh(array(select distinct decision_id from new_rows), tg_op = 'UPDATE');
    return null;
end $$;
create trigger audit_flags_open_work after insert on ebba.audit_flags
    referencing new table as new_rows
    for each statement execute function ebba.open_work_on_flag();
create trigger audit_flags_open_work_update after update on ebba.audit_flags
    referencing new table as new_rows
    for each statement execute function ebba.open_work_on_flag();

grant select on ebba.open_work, ebba.open_work_counts to ebba_caseworker, ebba_supervisor;
