-- ebba schema, version 8: the intake API's bearer tokens
-- (docs/architecture.md §13; `ebbactl token`, ebba-web's /api/v1/).
--
-- A token stands for a PostgreSQL role (by default the group ebba_intake
-- itself); it is accepted only while that role is a member of ebba_intake
-- and the token is not revoked.  Only the token's SHA-256 is stored.
--
-- ebba-web answers the API as its own role (a member of ebba_web) and may
-- do exactly two things for it: submit a document and read the state of a
-- submission, each through a function that checks the token here, in the
-- database.  ebba_web has no INSERT on ebba.inbox: without a valid token it
-- can put nothing in.  The inbox row records the token and its role
-- (intake_token, submitted_by); ebba_intake's column grants (version 1)
-- cannot name either, so a direct INSERT by an intake role is stamped with
-- the database's own ebba.person() and no token.

create table ebba.intake_tokens (
    id          bigserial primary key,
    name        text not null unique check (name ~ '^[a-z][a-z0-9._-]{0,62}$'),
    sha256      bytea not null unique check (octet_length(sha256) = 32),
    role        text not null,
    created_at  timestamptz not null default now(),
    created_by  text not null default ebba.person(),
    revoked_at  timestamptz
);

-- created_by is whoever creates the token, whatever the client sends; once
-- created, a token changes only by being revoked, once.
create function ebba.stamp_intake_token() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'INSERT' then
        if new.created_by is distinct from who then
            raise exception 'created_by must be the session''s own role (%), not %', who, new.created_by
                using errcode = 'insufficient_privilege';
        end if;
        new.created_at := now();
        new.revoked_at := null;
        return new;
    end if;
    if old.revoked_at is not null or new.revoked_at is null
       or (new.id, new.name, new.sha256, new.role, new.created_at, new.created_by)
          is distinct from (old.id, old.name, old.sha256, old.role, old.created_at, old.created_by) then
        raise exception 'ebba.intake_tokens: a token is only ever revoked, once'
            using errcode = 'insufficient_privilege';
    end if;
    return new;
end $$;
create trigger intake_tokens_stamp before insert or update on ebba.intake_tokens
    for each row execute function ebba.stamp_intake_token();
create trigger intake_tokens_no_delete before delete on ebba.intake_tokens
    for each row execute function ebba.refuse_change();

alter table ebba.inbox add column submitted_by text default ebba.person();
alter table ebba.inbox add column intake_token bigint references ebba.intake_tokens (id);

-- A NOTIFY makes every committing transaction that sends one wait for the
-- others (PostgreSQL serialises them, fsync included): the API's inserts,
-- one transaction each, would go one at a time.  So the insert inside
-- ebba.intake_submit does not notify; ebba-web sends one NOTIFY for all
-- the inserts of the last few milliseconds instead (web/api_notify.c), and
-- ebbad's polling stays the fallback.
create or replace function ebba.notify_inbox() returns trigger language plpgsql as $$
begin
    if current_setting('ebba.inbox_notify', true) is distinct from 'deferred' then
        perform pg_notify('ebba_inbox', '');
    end if;
    return null;
end $$;

-- The token's row, and whether it may submit: 'ok', 'unauthenticated'
-- (unknown or revoked) or 'forbidden' (its role is not in ebba_intake).
create function ebba.intake_token_check(token text, out verdict text, out token_id bigint,
                                        out token_role text)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
begin
    select t.id, t.role into token_id, token_role from ebba.intake_tokens t
     where t.sha256 = sha256(convert_to(token, 'UTF8')) and t.revoked_at is null;
    if not found then
        verdict := 'unauthenticated';
    elsif not exists (select 1 from pg_roles where rolname = token_role) then
        verdict := 'forbidden';
    elsif not pg_has_role(token_role, 'ebba_intake', 'MEMBER') then
        verdict := 'forbidden';
    else
        verdict := 'ok';
    end if;
end $$;

-- POST /api/v1/applications, after ebba-web validated the document.
-- verdict: 'created' (inbox_id is the new row), 'exists' (this token sent
-- these bytes under this id before), 'conflict' (the id is taken: other
-- bytes, or another token's), or the token check's refusal.  One
-- statement: a document is in the inbox whole or not at all.
create function ebba.intake_submit(token text, p_external_id text, p_case_id text, p_period text,
                                   p_payload bytea, out verdict text, out inbox_id bigint)
    language plpgsql security definer set search_path = pg_catalog
as $$
declare t record; prior record;
begin
    select * into t from ebba.intake_token_check(token);
    if t.verdict <> 'ok' then
        verdict := t.verdict;
        return;
    end if;
    perform set_config('ebba.inbox_notify', 'deferred', true);
    insert into ebba.inbox (external_id, case_id, period, payload, submitted_by, intake_token)
        values (p_external_id, p_case_id, p_period, p_payload, t.token_role, t.token_id)
        on conflict (external_id) do nothing
        returning id into inbox_id;
    if inbox_id is not null then
        verdict := 'created';
        return;
    end if;
    select i.id, i.intake_token, i.payload = p_payload as same into prior
      from ebba.inbox i where i.external_id = p_external_id;
    if prior.intake_token is not distinct from t.token_id and prior.same then
        verdict := 'exists';
        inbox_id := prior.id;
    else
        verdict := 'conflict';
    end if;
end $$;

-- GET /api/v1/applications/{id}: the state of this token's own
-- submission; another token's is not found.  outcome and amount are the
-- last word on it: a caseworker's decision on a referral, else ebba's.
create function ebba.intake_status(token text, p_external_id text, out verdict text,
                                   out state text, out received_at timestamptz,
                                   out outcome text, out amount bigint,
                                   out decided_at timestamptz, out reviewed boolean)
    language plpgsql stable security definer set search_path = pg_catalog
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
    verdict := case when found then 'ok' else 'not found' end;
end $$;

revoke all on function ebba.intake_token_check(text), ebba.intake_submit(text, text, text, text, bytea),
    ebba.intake_status(text, text) from public;
grant execute on function ebba.intake_token_check(text), ebba.intake_submit(text, text, text, text, bytea),
    ebba.intake_status(text, text) to ebba_web;
