-- ebba schema, version 34: the hot path's triggers planned for the tables
-- as they are, not as they were when a connection first ran them.
--
-- PL/pgSQL keeps a statement's plan for the life of the connection, and a
-- statement whose only parameter is an array (ids) gets a generic plan
-- after five runs, made for the table sizes of that moment.  ebbad's
-- connections start on a young database (a new installation, a first
-- backlog, every `make bench`): open_work_refresh's plan (schema 027) was
-- made while ebba.decisions and ebba.open_work held a few hundred rows, so
-- it read both whole (Seq Scan, "Rows Removed by Filter: 3145" at 3 200
-- decisions) at every batch, for as long as the connection lived: a cost
-- in the square of the backlog.  Seen with auto_explain
-- (log_nested_statements, log_analyze) over contrib/bench/run.sh.
--
-- 1. open_work_refresh plans each call for its ids and the tables' sizes
--    now (plan_cache_mode = force_custom_plan, for this function only):
--    index look-ups by decision id, whatever the size.  Planning it costs
--    about a millisecond a batch.
-- 2. check_decision_refs (schema 005) probes ebba.decisions once for each
--    decision a statement names, not once for each row (a batch's COPY of
--    checks names 64 decisions in some 1 700 rows), and always by its
--    primary key.  The statement has no parameter, so PL/pgSQL plans it
--    once a connection; and even planned afresh, the planner hashed the
--    whole table to check 64 ids until it held well over 20 000 decisions
--    ("Seq Scan on decisions", 19 840 rows read, 38 ms).  A statement's
--    few ids against a table that only grows want an index probe each,
--    whatever the sizes, so the function turns the other ways off for its
--    own statement (the settings end with the call).
--
-- Measure with `make bench` (cpu_ms_pg) or BENCH_PG_PROFILE=1 (the
-- functions' own time per decision).

alter function ebba.open_work_refresh(bigint[], boolean) set plan_cache_mode = force_custom_plan;

create or replace function ebba.check_decision_refs() returns trigger language plpgsql
    set enable_seqscan = off set enable_hashjoin = off set enable_mergejoin = off
as $$
declare missing bigint;
begin
    select n.decision_id into missing from (select distinct decision_id from new_rows) n
     where not exists (select 1 from ebba.decisions d where d.id = n.decision_id)
     limit 1;
    if found then
        raise exception 'insert or update on table "%" violates the reference to ebba.decisions', tg_table_name
            using errcode = 'foreign_key_violation',
                  detail = format('Key (decision_id)=(%s) is not present in table "decisions".', missing);
    end if;
    return null;
end $$;
