-- ebba schema, version 12: ebba's decisions by period, for rule health
-- (store/stats.c: ebbactl stats, the web's Statistik).
--
-- Every statistic is over a window of application periods.  Without this
-- index each one read every decision; with it a window of six months out
-- of years reads only those months, and the list of periods that have
-- decisions is one index probe per period (a loose index scan).  Only
-- ebba's own decisions (inbox_id set) are counted, so the index holds only
-- those.  (Version 12: the numbers 6 to 11 are other changes under way.)
create index decisions_period on ebba.decisions (period) where inbox_id is not null;
