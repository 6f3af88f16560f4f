-- ebba schema, version 15: failed logins that nobody can evict, and
-- refusals counted instead of repeated (issue 24, item 5).
--
-- Failed logins per user name were counted in ebba-web's memory, in a
-- table of 4 096 entries that made room by forgetting its oldest: an
-- attacker with enough addresses filled it with made-up names and so
-- unlocked the name they were guessing at.  The counts are now rows here,
-- one per user name that failed within web.login_lockout_seconds: nothing
-- makes room, a restart forgets nothing, and every ebba-web on the
-- database counts together.  Rows older than the window are deleted as
-- later failures arrive.  Only ebba-web's own role (ebba_web) reads or
-- writes them.
create table ebba.login_strikes (
    user_name text primary key,
    failures  integer not null check (failures >= 1),
    since     timestamptz not null      -- the window's first failure
);
create index login_strikes_since on ebba.login_strikes (since);
grant select, insert, update, delete on ebba.login_strikes to ebba_web;

-- A refusal before anyone is known (a failed or throttled login, a proxy
-- header from a peer not trusted) was a row each: 3 609 rows for one
-- attack.  ebba-web now writes the first refusal of a kind, name and
-- client at once and counts the ones that follow it within
-- web.denied_log_seconds into one more row: count says how many refusals
-- a row stands for, first_at when the first of them was (at: when the row
-- was written).  No refusal is left out of the record; a row of anyone
-- else's is one event (count 1), as before.  Only ebba_web may write
-- either column.
alter table ebba.access_log
    add column count integer not null default 1 check (count >= 1),
    add column first_at timestamptz,
    add constraint access_log_first_at check (first_at is null or first_at <= at);
grant insert (count, first_at) on ebba.access_log to ebba_web;
