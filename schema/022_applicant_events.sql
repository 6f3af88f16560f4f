-- ebba schema, version 22: the applicant told (issue 26 item 4; DESIGN.md
-- §13): GET /api/v1/applications/{id} answers with the application's
-- events, and GET /api/v1/applications/{id}/letters/{n} with the n-th
-- letter's PDF, both to the intake token that submitted it and no one else.
--
-- ebba_web gets no new table right: both answers come from SECURITY
-- DEFINER functions that check the token, as ebba.intake_status does, and
-- log in the access log in the same statement ("token:NAME" as who).

-- An application's letters, numbered from 1 in the order of the decisions
-- that wrote them (ebba's, then each person's that reviews it), so that a
-- letter keeps its number whatever is delivered first.  channel is what
-- the applicant is told: 'digital' (the mailbox) or 'print' (the print
-- spool, the protected one included: the applicant receives paper either
-- way); null until the letter is delivered.  The one place that reads the
-- outbox's channel for the API.  Not granted to anyone: ebba's functions
-- call it.
create function ebba.application_letters(p_inbox_id bigint)
    returns table (n integer, decision_id bigint, delivered_at timestamptz, channel text)
    language sql stable set search_path = pg_catalog
as $$
    with recursive chain as (
        select d.id from ebba.decisions d where d.inbox_id = p_inbox_id
        union all
        select r.id from ebba.decisions r join chain c on r.reviews_decision_id = c.id
    )
    select (row_number() over (order by l.decision_id))::integer, l.decision_id, o.delivered_at,
           case when o.state <> 'delivered' then null
                when o.channel = 'digital' then 'digital'
                else 'print' end
      from chain c
      join ebba.letters l on l.decision_id = c.id
      left join ebba.outbox o on o.decision_id = l.decision_id
$$;
revoke all on function ebba.application_letters(bigint) from public;

-- What the applicant can be told of application p_inbox_id, in order, as
-- a JSON array: received, ebba's decision (decided: outcome, amount), each
-- person's decision on it (reviewed), each letter once delivered (letter:
-- n, channel).  amount is what was granted: null for a referral (whose
-- stored amount is only what ebba computed) and a rejection.  Times in UTC to the second; events of the same instant in
-- that order.  Not granted: ebba.intake_status answers with it.
create function ebba.application_events(p_inbox_id bigint) returns text
    language sql stable set search_path = pg_catalog
as $$
    with recursive chain as (
        select d.id, d.outcome, d.amount, d.decided_at, false as by_person
          from ebba.decisions d where d.inbox_id = p_inbox_id
        union all
        select r.id, r.outcome, r.amount, r.decided_at, true
          from ebba.decisions r join chain c on r.reviews_decision_id = c.id
    ), events (at, rank, tiebreak, body) as (
        select i.received_at, 0, 0::bigint, jsonb_build_object('type', 'received')
          from ebba.inbox i where i.id = p_inbox_id
        union all
        select c.decided_at, case when c.by_person then 2 else 1 end, c.id,
               jsonb_build_object('type', case when c.by_person then 'reviewed' else 'decided' end,
                                  'outcome', c.outcome,
                                  'amount', case when c.outcome in ('approved', 'partly_approved')
                                                 then c.amount end)
          from chain c
        union all
        select l.delivered_at, 3, l.n::bigint,
               jsonb_build_object('type', 'letter', 'n', l.n, 'channel', l.channel)
          from ebba.application_letters(p_inbox_id) l where l.channel is not null
    )
    select coalesce(jsonb_agg(jsonb_build_object('at', to_char(e.at at time zone 'UTC',
                                                               'YYYY-MM-DD"T"HH24:MI:SS"Z"')) || e.body
                              order by e.at, e.rank, e.tiebreak)::text, '[]')
      from events e
$$;
revoke all on function ebba.application_events(bigint) from public;

-- The application p_external_id of the intake token token: its inbox id
-- and the token's name, or a verdict that refuses ('unauthenticated',
-- 'forbidden', 'not found').  Not granted: for the functions below.
create function ebba.intake_own_application(token text, p_external_id text, out verdict text,
                                            out inbox_id bigint, out token_name text)
    language plpgsql stable set search_path = pg_catalog
as $$
declare t record;
begin
    select * into t from ebba.intake_token_check(token);
    if t.verdict <> 'ok' then
        verdict := t.verdict;
        return;
    end if;
    select i.id, k.name into inbox_id, token_name
      from ebba.inbox i join ebba.intake_tokens k on k.id = i.intake_token
     where i.external_id = p_external_id and i.intake_token = t.token_id;
    verdict := case when found then 'ok' else 'not found' end;
end $$;
revoke all on function ebba.intake_own_application(text, text) from public;

-- GET /api/v1/applications/{id}: version 13's answer and its access-log
-- row, now with the events.  (A function's out columns cannot be changed
-- in place: dropped and made again, with the same grant.)
drop function ebba.intake_status(text, text);
create function ebba.intake_status(token text, p_external_id text, out verdict text,
                                   out state text, out received_at timestamptz,
                                   out outcome text, out amount bigint,
                                   out decided_at timestamptz, out reviewed boolean,
                                   out events text)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare own record;
begin
    select * into verdict, state, received_at, outcome, amount, decided_at, reviewed
      from ebba.intake_status_lookup(token, p_external_id);
    if verdict <> 'ok' then
        return;
    end if;
    select * into own from ebba.intake_own_application(token, p_external_id);
    events := ebba.application_events(own.inbox_id);
    perform set_config('ebba.access_log_who', 'token:' || own.token_name, true);
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('view', 'application', p_external_id, 'api');
    perform set_config('ebba.access_log_who', '', true);
end $$;
revoke all on function ebba.intake_status(text, text) from public;
grant execute on function ebba.intake_status(text, text) to ebba_web;

-- Version 17's store, with who stored it given: ebba.letter_pdf_store
-- names the session's person, ebba.intake_letter the token.  Not granted.
create function ebba.letter_pdf_keep(p_who text, p_decision_id bigint, p_pdf bytea,
                                     p_body_sha256 bytea, p_renderer text, out pdf bytea,
                                     out sha256 bytea, out stored boolean)
    language plpgsql volatile set search_path = pg_catalog
as $$
declare text_sha bytea;
begin
    select l.sha256 into text_sha from ebba.letters l where l.decision_id = p_decision_id;
    if not found then
        raise exception 'decision % has no letter', p_decision_id using errcode = 'no_data_found';
    end if;
    if p_body_sha256 is distinct from text_sha then
        raise exception 'the PDF was not rendered from decision %''s letter as it stands', p_decision_id
            using errcode = 'check_violation';
    end if;
    if octet_length(p_pdf) > 16 * 1024 * 1024 or length(p_renderer) > 1000 then
        raise exception 'a letter''s PDF of % bytes is too large', octet_length(p_pdf)
            using errcode = 'program_limit_exceeded';
    end if;
    insert into ebba.letter_pdfs (decision_id, pdf, body_sha256, renderer, rendered_by)
    values (p_decision_id, p_pdf, p_body_sha256, p_renderer, p_who)
    on conflict (decision_id) do nothing;
    stored := found;
    -- a new statement, a new snapshot: a PDF stored by someone else while
    -- this insert waited is seen here
    select p.pdf, p.sha256 into pdf, sha256 from ebba.letter_pdfs p where p.decision_id = p_decision_id;
end $$;
revoke all on function ebba.letter_pdf_keep(text, bigint, bytea, bytea, text) from public;

create or replace function ebba.letter_pdf_store(p_decision_id bigint, p_pdf bytea, p_body_sha256 bytea,
                                                 p_renderer text, out pdf bytea, out sha256 bytea,
                                                 out stored boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    who text := case when pg_has_role(session_user, 'ebba_web_proxy', 'MEMBER')
                     then current_setting('role') else session_user::text end;
begin
    select * into pdf, sha256, stored
      from ebba.letter_pdf_keep(who, p_decision_id, p_pdf, p_body_sha256, p_renderer);
end $$;

-- GET /api/v1/applications/{id}/letters/{n}: the n-th letter of the
-- token's own application, once it is delivered (before, it does not
-- exist for the applicant: 'not found', as for another token's).
-- verdict 'ok': pdf is the stored PDF, and the export is in the access log
-- ("token:NAME", object the letter's decision) in this same statement.
-- 'render': no PDF is stored yet; body (the letter's text), body_sha256
-- and created (the decision's time) are what to render it from, nothing
-- was logged, and the caller asks again with p_pdf, which is stored
-- through ebba.letter_pdf_keep (the first PDF offered wins, as ever) and
-- answered as 'ok'.
create function ebba.intake_letter(token text, p_external_id text, p_n integer, p_pdf bytea,
                                   p_body_sha256 bytea, p_renderer text,
                                   out verdict text, out decision_id bigint, out body text,
                                   out body_sha256 bytea, out created text, out pdf bytea)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare own record;
begin
    select * into own from ebba.intake_own_application(token, p_external_id);
    verdict := own.verdict;
    if verdict <> 'ok' then
        return;
    end if;
    select l.decision_id into decision_id from ebba.application_letters(own.inbox_id) l
     where l.n = p_n and l.channel is not null;
    if not found then
        verdict := 'not found';
        return;
    end if;
    select p.pdf into pdf from ebba.letter_pdfs p where p.decision_id = intake_letter.decision_id;
    if pdf is null and p_pdf is not null then
        select k.pdf into pdf
          from ebba.letter_pdf_keep('token:' || own.token_name, decision_id, p_pdf, p_body_sha256,
                                    p_renderer) k;
    end if;
    if pdf is null then
        verdict := 'render';
        select l.body, l.sha256, to_char(d.decided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          into body, body_sha256, created
          from ebba.letters l join ebba.decisions d on d.id = l.decision_id
         where l.decision_id = intake_letter.decision_id;
        return;
    end if;
    perform set_config('ebba.access_log_who', 'token:' || own.token_name, true);
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('export', 'letter', decision_id::text, 'api');
    perform set_config('ebba.access_log_who', '', true);
end $$;
revoke all on function ebba.intake_letter(text, text, integer, bytea, bytea, text) from public;
grant execute on function ebba.intake_letter(text, text, integer, bytea, bytea, text) to ebba_web;
