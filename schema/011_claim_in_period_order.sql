-- ebba schema, version 11: a case's applications are decided in the order
-- of their periods.
--
-- A decision reads the case's earlier decisions of the year (the history:
-- how much of a child's pay the year's limit has left, whether
-- jobbstimulans has started).  Two applications of one case waiting at
-- once (September's arriving before August's was decided, or a backlog)
-- were claimed into one batch, or by two workers, and the later one was
-- decided without the earlier one's decision: its amount was computed from
-- a history that lacked a month.  Now a worker does not claim an
-- application while an application of the same case for an earlier period
-- is still pending or being decided (store/queue.c); it is claimed once
-- that one is decided or quarantined.  This index answers that question
-- from the waiting rows only, as inbox_claimable does for the claim.
create index inbox_waiting_case on ebba.inbox (case_id, period)
    where state in ('pending', 'processing');
