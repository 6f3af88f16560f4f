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

-- Volatile now, since it writes.
create or replace function ebba.intake_status(token text, p_external_id text, out verdict text,
                                              out state text, out received_at timestamptz,
                                              out outcome text, out amount bigint,
                                              out decided_at timestamptz, out reviewed boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare t record;
begin
    select * into t from ebba.intake_token_check(token);
    if t.verdict <> 'ok' then
        verdict := t.verdict;
        return;
    end if;
    select i.state, i.received_at, coalesce(r.outcome, d.outcome),
           case when r.id is not null then r.amount else d.amount end,
           coalesce(r.decided_at, d.decided_at), r.id is not null
      into state, received_at, outcome, amount, decided_at, reviewed
      from ebba.inbox i
      left join ebba.decisions d on d.inbox_id = i.id
      left join ebba.decisions r on r.reviews_decision_id = d.id
     where i.external_id = p_external_id and i.intake_token = t.token_id;
    if not found then
        verdict := 'not found';
        return;
    end if;
    verdict := 'ok';
    perform set_config('ebba.access_log_who',
                       'token:' || (select k.name from ebba.intake_tokens k where k.id = t.token_id), true);
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('view', 'application', p_external_id, 'api');
    perform set_config('ebba.access_log_who', '', true);
end $$;
