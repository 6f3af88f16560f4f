-- ebba schema, version 9: indexes for rule health (store/stats.c:
-- ebbactl stats, the web's Statistik).
--
-- Every statistic is over a window of application periods, and counts
-- only ebba's own decisions (inbox_id set) and the checks that failed.
-- Measured over 100 000 decisions and 1.4 million check rows, a six-month
-- window's per-check query read every decision and every check row (a
-- sequential scan of each, about 2 s); with these two partial indexes it
-- reads the window's decisions and their failed checks from the indexes
-- alone (index-only scans, about 0.4 s, most of it the caseworkers'
-- decisions looked up one by one), and the list of periods that have
-- decisions is one index probe per period (a loose index scan: 9 ms
-- instead of 17 s).  Both are partial, so they cost little at insert:
-- one entry per ebba decision, and one per failed check (a few per cent
-- of the check rows).
create index decisions_period on ebba.decisions (period, outcome) include (id, amount)
    where inbox_id is not null;
create index decision_checks_failed on ebba.decision_checks (decision_id) include (check_id, ordinal)
    where result in ('fail', 'error');
