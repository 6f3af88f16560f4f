-- ebba schema, version 10: the queue kept with one refresh per completion,
-- not two.
--
-- Version 6's statement trigger on ebba.decisions refreshed the queue rows
-- of every new non-approval, before its checks were written; the trigger on
-- decision_checks then refreshed the same rows again, now with their failed
-- checks.  Every completion wrote each open decision's queue row twice (and
-- counted it twice), and the decisions trigger's transition table copied
-- every new decision's row, trace and all, for the ids alone.  `make bench`
-- measured the cost on the store's ceiling (the same rows by COPY, no
-- deciding; 10 000 decisions, batch 64, 4 connections, three runs each,
-- alternating): PostgreSQL CPU 0.65-0.74 ms per decision with version 6's
-- triggers, 0.49-0.54 ms with none; with these, 0.56-0.62 ms.
--
-- A non-approval enters the queue when its failed checks are written (every
-- referral and rejection of ebba's has a failed or erred check): the
-- decision_checks trigger of version 6 already does that.  What is left for
-- the decisions table:
-- 1. a caseworker's review takes ebba's decision out of the queue: a row
--    trigger for review rows only (its WHEN clause is evaluated without
--    calling any function, so ebba's own rows cost nothing);
-- 2. a non-approval with no failed check (ebba writes none, but whoever
--    writes, the queue is the definition) still enters it: a constraint
--    trigger deferred to commit, when the transaction's checks and flags are
--    written, that looks the decision up in the queue and refreshes it only
--    if it is not there.
drop trigger decisions_open_work on ebba.decisions;
drop function ebba.open_work_on_decision();

create function ebba.open_work_on_review() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    perform ebba.open_work_refresh(array[new.reviews_decision_id], true);
    return null;
end $$;
create trigger decisions_open_work_review after insert on ebba.decisions
    for each row when (new.reviews_decision_id is not null)
    execute function ebba.open_work_on_review();

create function ebba.open_work_on_unchecked() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    if not exists (select 1 from ebba.open_work w where w.decision_id = new.id) then
        perform ebba.open_work_refresh(array[new.id], false);
    end if;
    return null;
end $$;
create constraint trigger decisions_open_work_unchecked after insert on ebba.decisions
    deferrable initially deferred
    for each row when (new.inbox_id is not null and new.outcome <> 'approved')
    execute function ebba.open_work_on_unchecked();
