-- ebba schema, version 18: a frame has a version, and every version is kept.
--
-- ebba-web's Referensram edits a frame with a version check: the form
-- carries the version it showed, and the change is one
-- `update ... where case_id = $1 and version = $2`; when two people edit
-- at once the second one's update finds no row, and nothing is
-- overwritten.  The version is the database's: every write to a frame
-- (the web, `ebbactl case set`) counts it up here, so no client can skip
-- or reuse one.  Each version is copied to ebba.case_frame_versions as it
-- is written (insert-only: who set what, when), for the household page's
-- history and for an appeal that asks what the frame said on a day.
alter table ebba.case_frames add column version integer not null default 1;

create table ebba.case_frame_versions (
    case_id     text not null,
    version     integer not null,
    frame       jsonb not null,
    source_yaml text not null,
    updated_at  timestamptz not null,
    updated_by  text not null,
    primary key (case_id, version)
);

-- The version a write gives the frame: 1 for a new frame, one more than the
-- stored one for a change, whatever the statement said.
create function ebba.case_frame_next_version() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
begin
    if tg_op = 'UPDATE' then
        new.version := old.version + 1;
    else
        new.version := 1;
    end if;
    return new;
end $$;
create trigger case_frames_version before insert or update on ebba.case_frames
    for each row execute function ebba.case_frame_next_version();

-- The copy of each version: written by the schema's owner (security
-- definer), since nobody else may insert into the history.
create function ebba.case_frame_keep_version() returns trigger language plpgsql
    security definer set search_path = pg_catalog
as $$
begin
    insert into ebba.case_frame_versions (case_id, version, frame, source_yaml, updated_at, updated_by)
    values (new.case_id, new.version, new.frame, new.source_yaml, new.updated_at, new.updated_by);
    return null;
end $$;
revoke all on function ebba.case_frame_keep_version() from public;
create trigger case_frames_keep_version after insert or update on ebba.case_frames
    for each row execute function ebba.case_frame_keep_version();

-- The frames stored before this version are their own version 1.
insert into ebba.case_frame_versions (case_id, version, frame, source_yaml, updated_at, updated_by)
select case_id, version, frame, source_yaml, updated_at, updated_by from ebba.case_frames;

grant select on ebba.case_frame_versions to ebba_caseworker, ebba_supervisor;
