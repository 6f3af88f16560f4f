-- ebba schema, version 12: a what-if run that stopped without finishing is
-- shown as stopped, not as running for ever.
--
-- A run in ebba-web is a thread of the web process writing its progress
-- and its result through the supervisor's own connection (so the run is
-- theirs, by the database).  When ebba-web is restarted during a run, or
-- that connection is lost, nobody writes the end: the row stayed 'running'
-- and its page kept saying "pågår" and reloading itself.  Nobody else may
-- write the row (it is the supervisor's), so the state is read, not
-- written: progress_at is when the run last wrote anything, and a running
-- run with no progress for ten minutes (a batch takes well under a second)
-- reads as 'stalled' through ebba.whatif_run_status.  If it does finish
-- after all, its end is still recorded, as before.
alter table ebba.whatif_runs add column progress_at timestamptz;
update ebba.whatif_runs set progress_at = coalesce(finished_at, created_at);
alter table ebba.whatif_runs alter column progress_at set default now(),
    alter column progress_at set not null;

create function ebba.stamp_whatif_progress() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
begin
    new.progress_at := now();
    return new;
end $$;
create trigger whatif_runs_progress before insert or update on ebba.whatif_runs
    for each row execute function ebba.stamp_whatif_progress();

create function ebba.whatif_run_status(status text, progress_at timestamptz) returns text
    language sql stable set search_path = pg_catalog
as $$
    select case when status = 'running' and progress_at < now() - interval '10 minutes'
                then 'stalled' else status end
$$;
