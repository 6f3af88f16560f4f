-- ebba schema, version 2: when the current attempt was claimed.
--
-- updated_at is overwritten at completion, so without this the time from
-- claim to commit (what `make bench` reports as p50/p99, and what an
-- operator wants to know about a slow batch) is lost.  decided_at is the
-- completing transaction's time.  Null for rows claimed before version 2.
alter table ebba.inbox add column claimed_at timestamptz;
grant update (claimed_at) on ebba.inbox to ebba_daemon;
