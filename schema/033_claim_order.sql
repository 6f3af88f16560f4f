-- ebba schema, version 33: the claim reads only the waiting rows, whatever
-- the planner's statistics say.
--
-- The claim takes the lowest waiting ids (store/queue.c, ORDER BY id).
-- The primary key serves that order as well as inbox_claimable (schema
-- 1) does, and when the table's statistics were taken while every row was
-- waiting (a first month's backlog; `make bench` after loading 20 000
-- applications), the planner costs the two alike and took the primary
-- key: each claim then stepped over every row decided since, so the
-- claims of a backlog cost time in the square of its size (EXPLAIN
-- ANALYZE with 10 000 of 20 000 decided: 16 ms a claim, against 0.2 ms
-- over the waiting rows).  Autovacuum's analyze ends it within minutes,
-- but a backlog is exactly when it matters.
--
-- The claim now orders by id + 0, an expression the primary key cannot
-- serve and this index can: the only ordered way to the first waiting
-- rows is through the waiting rows.  Measure with `make bench` (phase
-- "instant registers", cpu_ms_pg) or BENCH_PG_PROFILE=1 (the claim's
-- statement, microseconds per decision).
create index inbox_claim_order on ebba.inbox ((id + 0))
    where state in ('pending', 'processing');
drop index ebba.inbox_claimable;
