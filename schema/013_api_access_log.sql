-- ebba schema, version 13: the API's look-ups are in the access log.
--
-- GET /api/v1/applications/{id} tells a case-management system a
-- household's outcome and amount: a view of personal data like any page,
-- and every view is logged.  Version 8's ebba.intake_status logged nothing.
-- Now it writes an access_log row in the same statement, whatever the
-- client does, naming the token as who looked ("token:NAME"): the API's
-- connection is ebba-web's own, not a person's, so ebba.person() would
-- name ebba-web.  Only ebba's own functions (running as the schema's
-- owner) may name someone else as who; everyone else is stamped with
-- ebba.person() as before.
create or replace function ebba.stamp_access_log() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare named text := current_setting('ebba.access_log_who', true);
begin
    if coalesce(named, '') <> '' and current_user = (select n.nspowner::regrole::text
                                                        from pg_namespace n where n.nspname = 'ebba') then
        new.who := named;
    else
        new.who := ebba.person();
    end if;
    new.at := now();
    return new;
end $$;

-- Version 8's look-up, kept as it was under another name; the new
-- ebba.intake_status (volatile, since it writes) answers with it and logs.
alter function ebba.intake_status(text, text) rename to intake_status_lookup;
revoke all on function ebba.intake_status_lookup(text, text) from public, ebba_web;

create function ebba.intake_status(token text, p_external_id text, out verdict text,
                                   out state text, out received_at timestamptz,
                                   out outcome text, out amount bigint,
                                   out decided_at timestamptz, out reviewed boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    select * into verdict, state, received_at, outcome, amount, decided_at, reviewed
      from ebba.intake_status_lookup(token, p_external_id);
    if verdict <> 'ok' then
        return;
    end if;
    perform set_config('ebba.access_log_who',
                       'token:' || (select k.name from ebba.intake_tokens k
                                     where k.id = (select c.token_id from ebba.intake_token_check(token) c)),
                       true);
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('view', 'application', p_external_id, 'api');
    perform set_config('ebba.access_log_who', '', true);
end $$;
revoke all on function ebba.intake_status(text, text) from public;
grant execute on function ebba.intake_status(text, text) to ebba_web;
