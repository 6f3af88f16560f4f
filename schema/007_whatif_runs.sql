-- ebba schema, version 7: what-if runs (docs/architecture.md §12).
--
-- A supervisor's run of a candidate rule set against stored decisions,
-- kept so that its result page can be shared and compared later: who ran
-- it (the database's own answer, ebba.person(), as for every *_by column),
-- when, the candidate and its SHA-256, the window, the parameter values set
-- for the run, its progress, and the result as JSON.  Only the person who
-- started a run records its progress and result, once; after that the row
-- is fixed, and nobody deletes one.

create table ebba.whatif_runs (
    id               bigserial primary key,
    created_at       timestamptz not null default now(),
    created_by       text not null default ebba.person(),
    candidate        text not null,
    candidate_sha256 text not null check (candidate_sha256 ~ '^[0-9a-f]{64}$'),
    period           text check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    window_from      date,
    window_to        date,
    parameters       json not null default '[]',
    status           text not null default 'running' check (status in ('running', 'done', 'failed')),
    done             bigint not null default 0,
    total            bigint not null default 0,
    finished_at      timestamptz,
    error            text,
    result           json
);
create index whatif_runs_created on ebba.whatif_runs (created_at);

create function ebba.stamp_whatif_run() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'INSERT' then
        if new.created_by is null then
            new.created_by := who;
        elsif new.created_by <> who then
            raise exception 'created_by must be the session''s own role (%), not %', who, new.created_by
                using errcode = 'insufficient_privilege';
        end if;
        new.created_at := now();
        new.status := 'running';
        new.done := 0;
        new.finished_at := null;
        new.error := null;
        new.result := null;
        return new;
    end if;
    if old.created_by <> who then
        raise exception 'what-if run % is %''s; only they record its progress', old.id, old.created_by
            using errcode = 'insufficient_privilege';
    end if;
    if old.status <> 'running' then
        raise exception 'what-if run % is finished', old.id using errcode = 'insufficient_privilege';
    end if;
    if (new.created_by, new.created_at, new.candidate, new.candidate_sha256, new.period,
        new.window_from, new.window_to, new.parameters::text)
       is distinct from (old.created_by, old.created_at, old.candidate, old.candidate_sha256,
        old.period, old.window_from, old.window_to, old.parameters::text) then
        raise exception 'what-if run %: only its progress and result change', old.id
            using errcode = 'insufficient_privilege';
    end if;
    new.finished_at := case when new.status = 'running' then null else now() end;
    return new;
end $$;
create trigger whatif_runs_stamp before insert or update on ebba.whatif_runs
    for each row execute function ebba.stamp_whatif_run();
create trigger whatif_runs_no_delete before delete on ebba.whatif_runs
    for each row execute function ebba.refuse_change();

grant select on ebba.whatif_runs to ebba_supervisor;
grant insert (candidate, candidate_sha256, period, window_from, window_to, parameters, total)
    on ebba.whatif_runs to ebba_supervisor;
grant update (status, done, total, error, result) on ebba.whatif_runs to ebba_supervisor;
grant usage on sequence ebba.whatif_runs_id_seq to ebba_supervisor;
