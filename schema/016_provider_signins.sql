-- ebba schema, version 16: signing in through the municipality's identity
-- provider (ebba-web, auth: proxy; README, "Operations").
--
-- What the provider said at each person's last sign-in: their name and
-- title, the groups its claim gave (mapped to ebba's) and the level of the
-- sign-in (acr), and whether ebba-web let them in.  `ebbactl user list`
-- shows these groups beside the database's, so a person whose groups the
-- provider has taken away while their database role still has them is
-- seen.  Written by ebba-web's own connection, one row a person.
create table ebba.provider_signins (
    person          text primary key,
    signed_in_at    timestamptz not null default now(),
    display_name    text not null default '',
    title           text not null default '',
    groups          text[] not null,        -- ebba's groups the claim maps to: {caseworker}
    provider_groups text not null,          -- the claim as the provider sent it
    acr             text not null default '',
    outcome         text not null check (outcome in ('signed-in', 'refused-acr', 'refused-groups'))
);
grant select, insert, update on ebba.provider_signins to ebba_web;
grant select on ebba.provider_signins to ebba_auditor;

-- A session opened by a vouching front end (a member of ebba_web_proxy)
-- acts as the person with only the groups that both the provider and the
-- database give them at this sign-in: the front end names them in
-- ebba.session_groups ("caseworker,supervisor").  A PostgreSQL role
-- inherits all its groups' rights, so the writes of each group check the
-- list here too: a person taken out of the caseworkers at the provider
-- resolves nothing even if the front end asked the database to.  Any
-- other session (a person's own login, ebbad, ebbactl) and a front end
-- that names no list are as before.
create function ebba.session_given(grp text) returns boolean language sql stable
    set search_path = pg_catalog
as $$
    select coalesce(current_setting('ebba.session_groups', true), '') = ''
        or not pg_has_role(session_user, 'ebba_web_proxy', 'MEMBER')
        or grp = any (string_to_array(current_setting('ebba.session_groups', true), ','))
$$;

create function ebba.refuse_ungiven() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
begin
    if not ebba.session_given(tg_argv[0]) then
        raise exception '% is not signed in as %: the identity provider did not give that group at this sign-in',
            ebba.person(), tg_argv[0] using errcode = 'insufficient_privilege';
    end if;
    return null;
end $$;

-- Once a statement, so ebbad's bulk writes pay one cheap call.
create trigger decisions_session_given before insert on ebba.decisions
    for each statement execute function ebba.refuse_ungiven('caseworker');
create trigger decision_checks_session_given before insert on ebba.decision_checks
    for each statement execute function ebba.refuse_ungiven('caseworker');
create trigger audit_flags_session_given before update on ebba.audit_flags
    for each statement execute function ebba.refuse_ungiven('caseworker');
create trigger case_frames_session_given before insert or update on ebba.case_frames
    for each statement execute function ebba.refuse_ungiven('caseworker');
create trigger whatif_runs_session_given before insert or update on ebba.whatif_runs
    for each statement execute function ebba.refuse_ungiven('supervisor');
