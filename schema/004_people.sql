-- ebba schema, version 4: people (docs/architecture.md, "Roles"; §7, §11).
--
-- Every person is a PostgreSQL login role of their own (ebbactl user add),
-- member of NOLOGIN groups.  Who did something is never a free-text field:
-- ebba.person() is the database's own answer, and triggers make every *_by
-- column and the access log's "who" that answer, whatever a client sends.

do $$
declare r text;
begin
    foreach r in array array['ebba_supervisor', 'ebba_auditor', 'ebba_web'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
    -- A front end that authenticates people itself (ebba-web with auth:
    -- proxy): its login role is a member, and every person is granted to
    -- this group, so the front end may SET ROLE to the person it vouches
    -- for.  NOINHERIT: membership gives the right to become a person, not
    -- the union of everybody's privileges.
    if not exists (select 1 from pg_roles where rolname = 'ebba_web_proxy') then
        create role ebba_web_proxy nologin noinherit;
    end if;
end $$;

-- The person on whose behalf this statement runs: the session's own role,
-- or, for a session opened by a vouching front end (a member of
-- ebba_web_proxy), the role it has SET ROLE to.  Not SECURITY DEFINER: that
-- would make current_user the owner.  search_path pinned so that nobody's
-- own function can stand in for pg_has_role.
create function ebba.person() returns text language sql stable
    set search_path = pg_catalog
as $$
    select case when pg_has_role(session_user, 'ebba_web_proxy', 'MEMBER')
                then current_user::text else session_user::text end
$$;

-- decisions.decided_by: 'ebba' for the daemon's own decisions, written only
-- by a member of ebba_daemon; every other decision (a caseworker's review)
-- carries the person.  Left at its default, it becomes the person.
create function ebba.stamp_decided_by() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if new.decided_by = 'ebba' and new.reviews_decision_id is null
       and pg_has_role(who, 'ebba_daemon', 'MEMBER') then
        return new;
    end if;
    if new.decided_by is null or new.decided_by = 'ebba' then
        new.decided_by := who;
    elsif new.decided_by <> who then
        raise exception 'decided_by must be the session''s own role (%), not %', who, new.decided_by
            using errcode = 'insufficient_privilege';
    end if;
    return new;
end $$;
create trigger decisions_decided_by before insert on ebba.decisions
    for each row execute function ebba.stamp_decided_by();

-- A decision is resolved once, whoever tries at the same moment.
create unique index decisions_one_review on ebba.decisions (reviews_decision_id)
    where reviews_decision_id is not null;

-- audit_flags.resolved_by: the person resolving; a flag is resolved once.
create function ebba.stamp_resolved_by() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'UPDATE' and old.resolved_at is not null then
        raise exception 'audit flag % is already resolved', old.id
            using errcode = 'insufficient_privilege';
    end if;
    if new.resolved_at is null and new.resolved_by is null then
        return new;
    end if;
    if new.resolved_by is null then
        new.resolved_by := who;
    elsif new.resolved_by <> who then
        raise exception 'resolved_by must be the session''s own role (%), not %', who, new.resolved_by
            using errcode = 'insufficient_privilege';
    end if;
    return new;
end $$;
create trigger audit_flags_resolved_by before insert or update on ebba.audit_flags
    for each row execute function ebba.stamp_resolved_by();

-- case_frames.updated_by: whoever writes the frame, on every write.
create function ebba.stamp_updated_by() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'UPDATE' and new.updated_by is not distinct from old.updated_by then
        new.updated_by := who;
    end if;
    if new.updated_by is null then
        new.updated_by := who;
    elsif new.updated_by <> who then
        raise exception 'updated_by must be the session''s own role (%), not %', who, new.updated_by
            using errcode = 'insufficient_privilege';
    end if;
    return new;
end $$;
alter table ebba.case_frames alter column updated_by set default ebba.person();
create trigger case_frames_updated_by before insert or update on ebba.case_frames
    for each row execute function ebba.stamp_updated_by();

-- Every time a person is shown personal data, resolves, exports, logs in,
-- or is refused.  Insert-only; "who" is never the client's to give.
create table ebba.access_log (
    id          bigserial primary key,
    at          timestamptz not null default now(),
    who         text not null default ebba.person(),
    action      text not null check (action in ('view', 'resolve', 'export', 'login', 'denied')),
    object_kind text,
    object_id   text,
    client      text
);
create index access_log_at on ebba.access_log (at);
create index access_log_who on ebba.access_log (who, at);

create function ebba.stamp_access_log() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
begin
    new.who := ebba.person();
    new.at := now();
    return new;
end $$;
create trigger access_log_who before insert on ebba.access_log
    for each row execute function ebba.stamp_access_log();
create trigger access_log_immutable before update or delete on ebba.access_log
    for each row execute function ebba.refuse_change();

-- Supervisors read what caseworkers read (the tables of versions 1-3, not
-- the access log); they resolve nothing unless also caseworkers.
grant usage on schema ebba to ebba_supervisor, ebba_auditor, ebba_web;
grant select on ebba.inbox, ebba.case_frames, ebba.decisions, ebba.decision_checks,
    ebba.register_evidence, ebba.audit_flags, ebba.letters, ebba.schema_migrations
    to ebba_supervisor;
-- (Caseworkers' "select on all tables" of version 1 named the tables that
-- existed then: they cannot read the access log.)

-- Everyone who uses ebba writes their own rows (columns without who/at);
-- the web front end writes failed logins under its own name.
grant insert (action, object_kind, object_id, client) on ebba.access_log
    to ebba_caseworker, ebba_supervisor, ebba_auditor, ebba_web;
grant usage on sequence ebba.access_log_id_seq
    to ebba_caseworker, ebba_supervisor, ebba_auditor, ebba_web;
grant select on ebba.access_log to ebba_auditor;
