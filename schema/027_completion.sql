-- ebba schema, version 27: komplettering (issue 29 item 2; DESIGN.md §6,
-- §13).  A caseworker asks the applicant of a referral for what is missing
-- (entries of the rule set's documents catalogue, free text, a deadline);
-- the applicant is told by a letter (queued by the outbox trigger on
-- ebba.letters like every letter) and the API's events; the case waits
-- out of the active queue until the e-service answers with POST
-- /api/v1/applications/{id}/completions or the deadline passes.  An
-- answer is a new inbox row (the corrected document, or the original
-- again) that ebbad decides as any other: the decision it writes names the
-- referral in redecides_decision_id (DESIGN.md §1), set here by a trigger,
-- so ebbad's completion (COPY) is unchanged.

-- 1. The re-decision column (shared with the register-retry re-decision,
--    issue 29 item 1: both create it if it is not there).  At most one
--    re-decision per referral, enforced here.
alter table ebba.decisions add column if not exists redecides_decision_id bigint
    references ebba.decisions (id);
create unique index if not exists decisions_redecides_once on ebba.decisions (redecides_decision_id);

-- 2. What was asked for.  One request per referral: a re-decision that
--    refers again is a new referral, and may be asked about again.
--    documents: [{"id": ..., "text": ...}] as the catalogue worded them
--    when asked (the letter says the same).  Immutable: a request is
--    answered by a row in ebba.completions, not by changing it.
create table ebba.document_requests (
    id            bigserial primary key,
    decision_id   bigint not null unique references ebba.decisions (id),
    documents     jsonb not null check (jsonb_typeof(documents) = 'array'),
    message       text not null default '' check (length(message) <= 2000),
    deadline      date not null,
    requested_at  timestamptz not null default now(),
    requested_by  text not null default ebba.person(),
    check (jsonb_array_length(documents) > 0 or message <> '')
);
-- 3. The applicant's answer: the inbox row ebbad decides again (its
--    payload is the corrected document, or the original when none came)
--    and the token that sent it.
create table ebba.completions (
    id           bigserial primary key,
    request_id   bigint not null unique references ebba.document_requests (id),
    inbox_id     bigint not null unique references ebba.inbox (id),
    corrected    boolean not null,
    received_at  timestamptz not null default now(),
    intake_token bigint not null
);

-- 4. The attachments, as received: PDF, JPEG or PNG by their content
--    (ebba-web checks with libmagic before it stores), with their SHA-256.
create table ebba.completion_attachments (
    id            bigserial primary key,
    completion_id bigint not null references ebba.completions (id),
    filename      text not null check (length(filename) between 1 and 200
                                       and filename !~ '[\x01-\x1f/\\"]'),
    media_type    text not null check (media_type in ('application/pdf', 'image/jpeg', 'image/png')),
    content       bytea not null,
    sha256        bytea not null,
    check (sha256 = sha256(content))
);
create index completion_attachments_completion on ebba.completion_attachments (completion_id);

-- 5. ebbad's decision of a completion's inbox row names the referral.
--    Only rows with an inbox id look (one index probe each).
create function ebba.stamp_redecides() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare referral bigint;
begin
    select r.decision_id into referral
      from ebba.completions c join ebba.document_requests r on r.id = c.request_id
     where c.inbox_id = new.inbox_id;
    if found then
        new.redecides_decision_id := referral;
    end if;
    return new;
end $$;
revoke all on function ebba.stamp_redecides() from public;
create trigger decisions_redecides before insert on ebba.decisions
    for each row when (new.inbox_id is not null and new.redecides_decision_id is null)
    execute function ebba.stamp_redecides();

-- 6. The queue: a re-decided referral leaves it as a reviewed one does.
--    Version 23's refresh (schema 023_case_protection), with the
--    re-decision beside the review.
create or replace function ebba.open_work_refresh(ids bigint[], lock boolean) returns void
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    if cardinality(ids) = 0 then
        return;
    end if;
    if lock then
        perform pg_advisory_xact_lock(hashtext('ebba.review'), (s.id % 2147483647)::int)
           from (select distinct u.id from unnest(ids) u(id) order by u.id) s;
    end if;
    with cur as (
        select d.id, i.received_at, d.outcome, d.period, fc.check_id, coalesce(fc.message, '') as reason,
               coalesce(fl.failing, '{}') as failing, coalesce(ff.flags, '{}') as flags,
               exists (select 1 from ebba.case_protection p where p.case_id = d.case_id) as protected
          from ebba.decisions d join ebba.inbox i on i.id = d.inbox_id
          left join lateral (select c.check_id, c.message from ebba.decision_checks c
                              where c.decision_id = d.id and c.result in ('fail', 'error')
                              order by c.ordinal, c.check_id limit 1) fc on true
          left join lateral (select array_agg(distinct c.check_id order by c.check_id) as failing
                               from ebba.decision_checks c
                              where c.decision_id = d.id and c.result in ('fail', 'error')) fl on true
          left join lateral (select array_agg(distinct f.kind order by f.kind) as flags
                               from ebba.audit_flags f
                              where f.decision_id = d.id and f.resolved_at is null) ff on true
         where d.id = any(ids)
           and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)
           and not exists (select 1 from ebba.decisions r where r.redecides_decision_id = d.id)
           and (d.outcome <> 'approved' or ff.flags is not null)
    ), gone as (
        delete from ebba.open_work w
         where w.decision_id = any(ids) and w.decision_id not in (select id from cur)
    )
    insert into ebba.open_work as w (decision_id, received_at, outcome, period, first_check,
                                     reason, failing, flags, protected)
    select * from cur
    on conflict (decision_id) do update
       set first_check = excluded.first_check, reason = excluded.reason,
           failing = excluded.failing, flags = excluded.flags, protected = excluded.protected
     where (w.first_check, w.reason, w.failing, w.flags, w.protected) is distinct from
           (excluded.first_check, excluded.reason, excluded.failing, excluded.flags, excluded.protected);
end $$;
revoke execute on function ebba.open_work_refresh(bigint[], boolean) from public;

create function ebba.open_work_on_redecision() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    perform ebba.open_work_refresh(array[new.redecides_decision_id], true);
    return null;
end $$;
revoke all on function ebba.open_work_on_redecision() from public;
create trigger decisions_open_work_redecision after insert on ebba.decisions
    for each row when (new.redecides_decision_id is not null)
    execute function ebba.open_work_on_redecision();

-- 7. Where a referral stands with its komplettering: 'waiting' (asked,
--    not answered, the deadline not passed: out of the active queue),
--    'expired' (the deadline passed without an answer: back in the queue,
--    marked), 'answered' (ebba decides again), or null (never asked).  The
--    deadline is the last day an answer is on time.  No job moves a case:
--    the queue asks this each time it is read.  SECURITY DEFINER: a
--    caseworker reads no request table; the queue's rows are already
--    only those the reader may see.
create function ebba.completion_state(p_decision_id bigint) returns text
    language sql stable security definer set search_path = pg_catalog
as $$
    select case when c.id is not null then 'answered'
                when r.deadline >= current_date then 'waiting'
                else 'expired' end
      from ebba.document_requests r left join ebba.completions c on c.request_id = r.id
     where r.decision_id = p_decision_id
$$;
revoke all on function ebba.completion_state(bigint) from public;
grant execute on function ebba.completion_state(bigint) to ebba_caseworker, ebba_supervisor;

-- The cases waiting for the applicant, oldest deadline first (Arbetskö's
-- "Väntar på komplettering").
create view ebba.awaiting_completion with (security_barrier) as
    select r.decision_id, d.case_id, d.period, r.deadline, r.requested_at, r.requested_by,
           r.documents, r.message
      from ebba.document_requests r join ebba.decisions d on d.id = r.decision_id
     where r.deadline >= current_date
       and not exists (select 1 from ebba.completions c where c.request_id = r.id)
       and r.decision_id not in (select ebba.hidden_decisions());
grant select on ebba.awaiting_completion to ebba_caseworker, ebba_supervisor;

-- 8. A caseworker asks.  The referral must be ebba's, still open (not
--    reviewed, not re-decided, not asked before), the deadline after
--    today.  p_letter is the letter's text, rendered by the caller from the
--    rule set's documents_requested template; it is the referral's letter
--    (ebba writes none for a referral), so the outbox delivers it and the
--    API numbers it as every letter.  Returns the request's id.
create function ebba.request_documents(p_decision_id bigint, p_documents jsonb, p_message text,
                                       p_deadline date, p_letter text)
    returns bigint
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    who text := ebba.person();
    d record;
    id bigint;
begin
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.request_documents: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    perform pg_advisory_xact_lock(hashtext('ebba.review'), (p_decision_id % 2147483647)::int);
    select x.* into d from ebba.decisions x where x.id = p_decision_id;
    if not found or not ebba.decision_visible(p_decision_id) then
        raise exception 'decision % does not exist', p_decision_id using errcode = 'no_data_found';
    end if;
    if d.inbox_id is null or d.outcome <> 'referred' then
        raise exception 'decision % is not a referral of ebba''s: only a referral waits for a komplettering',
            p_decision_id using errcode = 'check_violation';
    end if;
    if exists (select 1 from ebba.decisions r where r.reviews_decision_id = p_decision_id
                                                 or r.redecides_decision_id = p_decision_id) then
        raise exception 'decision % is already decided again', p_decision_id using errcode = 'check_violation';
    end if;
    if exists (select 1 from ebba.document_requests r where r.decision_id = p_decision_id) then
        raise exception 'decision % has already been sent a request for documents', p_decision_id
            using errcode = 'unique_violation';
    end if;
    if p_deadline is null or p_deadline <= current_date or p_deadline > current_date + 90 then
        raise exception 'the deadline % must be after today and within 90 days', p_deadline
            using errcode = 'invalid_parameter_value';
    end if;
    if p_letter is null or p_letter = '' or exists (select 1 from ebba.letters l where l.decision_id = p_decision_id) then
        raise exception 'decision % needs one letter, and has one already or none was given', p_decision_id
            using errcode = 'check_violation';
    end if;
    insert into ebba.document_requests (decision_id, documents, message, deadline, requested_by)
    values (p_decision_id, coalesce(p_documents, '[]'), coalesce(p_message, ''), p_deadline, who)
    returning document_requests.id into id;
    insert into ebba.letters (decision_id, body) values (p_decision_id, p_letter);
    return id;
end $$;
revoke all on function ebba.request_documents(bigint, jsonb, text, date, text) from public;
grant execute on function ebba.request_documents(bigint, jsonb, text, date, text) to ebba_caseworker;

-- What was asked, for the decision page (the row policy hides a
-- protected case's).
grant select on ebba.document_requests to ebba_caseworker, ebba_supervisor;

-- 9. The e-service answers (POST .../completions), on ebba-web's role:
--    the token must be the one that submitted the application, and the
--    application's newest referral must wait for an answer.  p_document is
--    the corrected document (already validated by ebba-web, which checked
--    its id is the application's) or null: then the original goes to
--    ebbad again.  One statement writes the inbox row and the answer;
--    verdict 'ok', 'not waiting' (nothing asked, answered already, or the
--    deadline passed), or the token check's refusal.
create function ebba.intake_completion(token text, p_external_id text, p_document bytea,
                                       out verdict text, out completion_id bigint)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare own record; req record; orig record; new_inbox bigint;
begin
    select * into own from ebba.intake_own_application(token, p_external_id);
    verdict := own.verdict;
    if verdict <> 'ok' then
        return;
    end if;
    select r.id, r.decision_id into req
      from ebba.decisions d join ebba.document_requests r on r.decision_id = d.id
     where d.external_id = p_external_id and r.deadline >= current_date
       and not exists (select 1 from ebba.completions c where c.request_id = r.id)
     order by d.id desc limit 1
       for update of r;
    if not found then
        verdict := 'not waiting';
        return;
    end if;
    select i.* into orig from ebba.inbox i where i.id = own.inbox_id;
    insert into ebba.inbox (external_id, case_id, period, payload, submitted_by, intake_token)
    values (p_external_id || '/komplettering-' || req.id, orig.case_id, orig.period,
            coalesce(p_document, orig.payload), orig.submitted_by, orig.intake_token)
    returning id into new_inbox;
    insert into ebba.completions (request_id, inbox_id, corrected, intake_token)
    values (req.id, new_inbox, p_document is not null, orig.intake_token)
    returning id into completion_id;
end $$;
revoke all on function ebba.intake_completion(text, text, bytea) from public;
grant execute on function ebba.intake_completion(text, text, bytea) to ebba_web;

-- An attachment of completion p_completion_id, sent by the same token in
-- the same transaction as ebba.intake_completion.
create function ebba.intake_completion_attach(token text, p_completion_id bigint, p_filename text,
                                              p_media_type text, p_content bytea)
    returns bigint
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare t record; id bigint;
begin
    select * into t from ebba.intake_token_check(token);
    if t.verdict <> 'ok' or not exists (select 1 from ebba.completions c
                                         where c.id = p_completion_id and c.intake_token = t.token_id) then
        raise exception 'completion % is not this token''s', p_completion_id
            using errcode = 'insufficient_privilege';
    end if;
    insert into ebba.completion_attachments (completion_id, filename, media_type, content, sha256)
    values (p_completion_id, p_filename, p_media_type, p_content, sha256(p_content))
    returning completion_attachments.id into id;
    return id;
end $$;
revoke all on function ebba.intake_completion_attach(text, bigint, text, text, bytea) from public;
grant execute on function ebba.intake_completion_attach(text, bigint, text, text, bytea) to ebba_web;

-- 10. A caseworker downloads an attachment: logged as a view in the same
--     statement.  The list of a decision's attachments names no content.
create function ebba.completion_attachment(p_id bigint, p_client text, out filename text,
                                           out media_type text, out content bytea, out sha256 text)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.completion_attachment: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    select a.filename, a.media_type, a.content, encode(a.sha256, 'hex')
      into filename, media_type, content, sha256
      from ebba.completion_attachments a
      join ebba.completions c on c.id = a.completion_id
      join ebba.document_requests r on r.id = c.request_id
     where a.id = p_id and ebba.decision_visible(r.decision_id);
    if not found then
        return;
    end if;
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('view', 'attachment', p_id::text, p_client);
end $$;
revoke all on function ebba.completion_attachment(bigint, text) from public;
grant execute on function ebba.completion_attachment(bigint, text) to ebba_caseworker;

create view ebba.completion_files with (security_barrier) as
    select a.id, r.decision_id, a.filename, a.media_type, octet_length(a.content) as bytes,
           encode(a.sha256, 'hex') as sha256, c.received_at
      from ebba.completion_attachments a
      join ebba.completions c on c.id = a.completion_id
      join ebba.document_requests r on r.id = c.request_id
     where r.decision_id not in (select ebba.hidden_decisions());
grant select on ebba.completion_files to ebba_caseworker, ebba_supervisor;

-- 11. What the applicant is told (version 23's events): the chain of
--     decisions now follows re-decisions too (redecided), and a
--     komplettering's request (documents_requested: the list and the
--     deadline) and answer (completion_received).  The letters follow the
--     same chain.
create or replace function ebba.application_letters(p_inbox_id bigint)
    returns table (n integer, decision_id bigint, delivered_at timestamptz, channel text)
    language sql stable set search_path = pg_catalog
as $$
    with recursive chain as (
        select d.id from ebba.decisions d where d.inbox_id = p_inbox_id
        union all
        select r.id from ebba.decisions r join chain c
            on r.reviews_decision_id = c.id or r.redecides_decision_id = c.id
    )
    select (row_number() over (order by l.decision_id))::integer, l.decision_id, o.delivered_at,
           case when o.state <> 'delivered' then null
                when o.channel = 'digital' then 'digital'
                else 'print' end
      from chain c
      join ebba.letters l on l.decision_id = c.id
      left join ebba.outbox o on o.decision_id = l.decision_id
$$;

create or replace function ebba.application_events(p_inbox_id bigint) returns text
    language sql stable set search_path = pg_catalog
as $$
    with recursive chain as (
        select d.id, d.outcome, d.amount, d.decided_at, 'decided' as kind
          from ebba.decisions d where d.inbox_id = p_inbox_id
        union all
        select r.id, r.outcome, r.amount, r.decided_at,
               case when r.reviews_decision_id is not null then 'reviewed' else 'redecided' end
          from ebba.decisions r join chain c
            on r.reviews_decision_id = c.id or r.redecides_decision_id = c.id
    ), events (at, rank, tiebreak, body) as (
        select i.received_at, 0, 0::bigint, jsonb_build_object('type', 'received')
          from ebba.inbox i where i.id = p_inbox_id
        union all
        select c.decided_at, case when c.kind = 'reviewed' then 2 else 1 end, c.id,
               jsonb_build_object('type', c.kind,
                                  'outcome', c.outcome,
                                  'amount', case when c.outcome in ('approved', 'partly_approved')
                                                 then c.amount end)
          from chain c
        union all
        select r.requested_at, 2, r.id,
               jsonb_build_object('type', 'documents_requested', 'documents', r.documents,
                                  'message', r.message, 'deadline', to_char(r.deadline, 'YYYY-MM-DD'))
          from chain c join ebba.document_requests r on r.decision_id = c.id
        union all
        select k.received_at, 2, k.id,
               jsonb_build_object('type', 'completion_received',
                                  'attachments', (select count(*) from ebba.completion_attachments a
                                                   where a.completion_id = k.id),
                                  'corrected', k.corrected)
          from chain c join ebba.document_requests r on r.decision_id = c.id
          join ebba.completions k on k.request_id = r.id
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

-- 12. Retention removes a komplettering with its case, and the export
--     carries it (schema 025's functions, with the three tables).  The
--     removal is ebba_retention's: replacing it needs membership of that
--     role, lent for this statement as schema 025 did.
do $$
begin
    if not pg_has_role(current_user, 'ebba_retention', 'MEMBER') then
        execute format('grant ebba_retention to %I', current_user);
        perform set_config('ebba.migrate_lent', 'yes', true);
    end if;
end $$;
create or replace function ebba.retention_remove_case(p_case text, p_who text)
    returns table (table_name text, removed bigint)
    language plpgsql volatile set search_path = pg_catalog
as $$
declare
    ids bigint[];
    inbox_ids bigint[];
    n bigint;
    m bigint;
begin
    select coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.inbox_id) filter (where d.inbox_id is not null), '{}')
      into ids, inbox_ids from ebba.decisions d where d.case_id = p_case;
    -- what-if results keep no change of a removed decision
    update ebba.whatif_runs w
       set result = jsonb_set(jsonb_set(w.result::jsonb, '{changes}',
               coalesce((select jsonb_agg(e) from jsonb_array_elements(w.result::jsonb -> 'changes') e
                          where (e ->> 'decision')::bigint <> all (ids)), '[]')),
               '{skips}',
               coalesce((select jsonb_agg(e) from jsonb_array_elements(w.result::jsonb -> 'skips') e
                          where (e ->> 'decision')::bigint <> all (ids)), '[]'))::json
     where w.result is not null
       and (exists (select 1 from jsonb_array_elements(w.result::jsonb -> 'changes') e
                     where (e ->> 'decision')::bigint = any (ids))
            or exists (select 1 from jsonb_array_elements(w.result::jsonb -> 'skips') e
                        where (e ->> 'decision')::bigint = any (ids)));
    get diagnostics n = row_count;
    table_name := 'whatif_runs'; removed := n; return next;
    delete from ebba.outbox o where o.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'outbox'; removed := n; return next;
    delete from ebba.decision_feed f where f.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'decision_feed'; removed := n; return next;
    delete from ebba.letter_pdfs p where p.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'letter_pdfs'; removed := n; return next;
    delete from ebba.letters l where l.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'letters'; removed := n; return next;
    delete from ebba.audit_flags f where f.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'audit_flags'; removed := n; return next;
    delete from ebba.register_evidence e where e.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'register_evidence'; removed := n; return next;
    delete from ebba.decision_checks c where c.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'decision_checks'; removed := n; return next;
    -- a komplettering's attachments, answers and requests (schema 027)
    delete from ebba.completion_attachments a using ebba.completions c, ebba.document_requests r
     where a.completion_id = c.id and c.request_id = r.id and r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'completion_attachments'; removed := n; return next;
    delete from ebba.completions c using ebba.document_requests r
     where c.request_id = r.id and r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'completions'; removed := n; return next;
    delete from ebba.document_requests r where r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'document_requests'; removed := n; return next;
    delete from ebba.open_work w where w.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'open_work'; removed := n; return next;
    -- reviews first: they refer to ebba's decisions
    delete from ebba.decisions d where d.id = any (ids)
       and (d.reviews_decision_id is not null or d.redecides_decision_id is not null);
    get diagnostics n = row_count;
    delete from ebba.decisions d where d.id = any (ids);
    get diagnostics m = row_count;
    table_name := 'decisions'; removed := n + m; return next;
    -- the applications: those decided by their ids, the rest (quarantined;
    -- a pending one is a recent entry) by the partial index of their state
    -- (an index on the inbox's case would cost every intake)
    delete from ebba.inbox i where i.id = any (inbox_ids);
    get diagnostics n = row_count;
    delete from ebba.inbox i where i.state = 'quarantined' and i.case_id = p_case;
    get diagnostics m = row_count;
    table_name := 'inbox'; removed := n + m; return next;
    delete from ebba.case_frames f where f.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_frames'; removed := n; return next;
    delete from ebba.case_frame_versions v where v.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_frame_versions'; removed := n; return next;
    delete from ebba.case_people p where p.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_people'; removed := n; return next;
    delete from ebba.case_holds h where h.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_holds'; removed := n; return next;
    -- protection last: its trigger logs the lifting, and that log goes too
    delete from ebba.case_protection p where p.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection'; removed := n; return next;
    delete from ebba.case_protection_log l where l.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection_log'; removed := n; return next;
end $$;
do $$
begin
    if current_setting('ebba.migrate_lent', true) = 'yes' then
        execute format('revoke ebba_retention from %I', current_user);
    end if;
end $$;
grant select, delete on ebba.document_requests, ebba.completions, ebba.completion_attachments
    to ebba_retention;
create trigger document_requests_immutable before update or delete on ebba.document_requests
    for each row execute function ebba.refuse_change();
create trigger completions_immutable before update or delete on ebba.completions
    for each row execute function ebba.refuse_change();
create trigger completion_attachments_immutable before update or delete on ebba.completion_attachments
    for each row execute function ebba.refuse_change();

create or replace function ebba.person_export(p_pnr text, p_client text)
    returns table (path text, data bytea)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    who text := ebba.person();
    decs bigint[];
    apps bigint[];
    cases text[];
    flags bigint[];
    exts text[];
begin
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.person_export: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    if p_pnr is null or p_pnr !~ '^[0-9]{12}$' then
        raise exception 'ebba.person_export: an identity number is 12 digits'
            using errcode = 'invalid_parameter_value';
    end if;
    select coalesce(array_agg(x.id order by x.id), '{}') into decs from ebba.person_decisions(p_pnr) x;
    select coalesce(array_agg(x.id order by x.id), '{}') into apps from ebba.person_applications(p_pnr) x;
    select coalesce(array_agg(distinct c order by c), '{}') into cases from (
        select p.case_id as c from ebba.case_people p where p.pnr = p_pnr and p.inbox_id = 0
        union select d.case_id from ebba.decisions d where d.id = any (decs)) s;
    -- a protected case this caller may not see does not exist here either
    -- (schema 023): this function runs as the owner, whom no policy binds
    decs := array(select d.id from ebba.decisions d
                   where d.id = any (decs) and d.case_id not in (select h from ebba.hidden_cases() h)
                   order by d.id);
    apps := array(select i.id from ebba.inbox i
                   where i.id = any (apps) and coalesce(i.case_id, '') not in (select h from ebba.hidden_cases() h)
                   order by i.id);
    cases := array(select c from unnest(cases) c where c not in (select h from ebba.hidden_cases() h) order by c);
    select coalesce(array_agg(f.id), '{}') into flags from ebba.audit_flags f where f.decision_id = any (decs);
    select coalesce(array_agg(i.external_id), '{}') into exts from ebba.inbox i where i.id = any (apps);

    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('export', 'person', array_to_string(cases, ','), p_client);

    return query
    -- each application as received
    select format('ansokningar/%s.xml', i.id), i.payload
      from ebba.inbox i where i.id = any (apps)
    union all
    -- each decision: its row, checks with their messages, flags, delivery
    select format('beslut/%s/beslut.json', d.id), convert_to(jsonb_pretty(jsonb_build_object(
               'beslut', d.id, 'ansokan', d.external_id, 'arende', d.case_id, 'period', d.period,
               'utfall', d.outcome, 'belopp', d.amount, 'norm', d.norm, 'kostnader', d.costs,
               'inkomster', d.incomes, 'beslutat', d.decided_at, 'beslutat_av', d.decided_by,
               'provar_beslut', d.reviews_decision_id, 'anteckning', d.note,
               'regelverk', jsonb_build_object('namn', d.ruleset_name, 'version', d.ruleset_version,
                                               'sha256', d.ruleset_sha256),
               'kontroller', (select coalesce(jsonb_agg(jsonb_build_object(
                                  'kontroll', c.check_id, 'resultat', c.result, 'meddelande', c.message)
                                  order by c.ordinal, c.check_id), '[]')
                                from ebba.decision_checks c where c.decision_id = d.id),
               'flaggor', (select coalesce(jsonb_agg(jsonb_build_object(
                               'id', f.id, 'slag', f.kind, 'skal', f.reason, 'skapad', f.created_at,
                               'avgjord', f.resolved_at, 'avgjord_av', f.resolved_by, 'bedomning', f.verdict)
                               order by f.id), '[]')
                             from ebba.audit_flags f where f.decision_id = d.id),
               'underlag', (select coalesce(jsonb_agg(jsonb_build_object(
                                'id', e.id, 'kalla', e.source, 'myndighet', e.agency, 'person', e.person_ref,
                                'status', e.status, 'hamtat', e.fetched_at, 'sha256', e.sha256)
                                order by e.id), '[]')
                              from ebba.register_evidence e where e.decision_id = d.id),
               'utskick', (select jsonb_build_object('kanal', o.channel, 'status', o.state,
                                                     'levererat', o.delivered_at)
                             from ebba.outbox o where o.decision_id = d.id),
               'berakning', d.trace -> 'rules' -> 'lines')), 'UTF8')
      from ebba.decisions d where d.id = any (decs)
    union all
    -- the letter's text (its PDF: ebbactl adds it, rendering it if need be)
    select format('beslut/%s/brev.txt', l.decision_id), convert_to(l.body, 'UTF8')
      from ebba.letters l where l.decision_id = any (decs)
    union all
    -- each komplettering: what was asked, and each attachment as received
    select format('beslut/%s/komplettering.json', r.decision_id), convert_to(jsonb_pretty(jsonb_build_object(
               'begaran', r.id, 'handlingar', r.documents, 'meddelande', r.message,
               'sista_dag', r.deadline, 'begard', r.requested_at, 'begard_av', r.requested_by,
               'svar', (select jsonb_build_object('mottaget', c.received_at, 'rattad_ansokan', c.corrected,
                                                  'bilagor', (select coalesce(jsonb_agg(jsonb_build_object(
                                                      'id', a.id, 'filnamn', a.filename, 'typ', a.media_type,
                                                      'sha256', encode(a.sha256, 'hex')) order by a.id), '[]')
                                                      from ebba.completion_attachments a where a.completion_id = c.id))
                          from ebba.completions c where c.request_id = r.id))), 'UTF8')
      from ebba.document_requests r where r.decision_id = any (decs)
    union all
    select format('beslut/%s/komplettering/%s-%s', r.decision_id, a.id, a.filename), a.content
      from ebba.document_requests r join ebba.completions c on c.request_id = r.id
      join ebba.completion_attachments a on a.completion_id = c.id
     where r.decision_id = any (decs)
    union all
    -- the evidence as the register sent it
    select format('beslut/%s/underlag/%s-%s-%s.%s', e.decision_id, e.id, lower(e.source), lower(e.agency),
                  case when e.source = 'ssbtek' or e.source = 'attendance' then 'xml' else 'bin' end),
           coalesce(e.raw, '')
      from ebba.register_evidence e where e.decision_id = any (decs)
    union all
    -- every version of the frames that name them
    select format('referensramar/%s/version-%s.yaml', v.case_id, v.version),
           convert_to(v.source_yaml, 'UTF8')
      from ebba.case_frame_versions v
     where v.case_id = any (cases) and v.frame -> 'household' ? p_pnr
    union all
    -- legal holds on their cases
    select format('arenden/%s/sparrar.json', h.case_id), convert_to(jsonb_pretty(jsonb_build_object(
               'arende', h.case_id, 'skal', h.reason, 'satt', h.held_at, 'satt_av', h.held_by,
               'havd', h.released_at, 'havd_av', h.released_by)), 'UTF8')
      from ebba.case_holds h where h.case_id = any (cases)
    union all
    -- protection of their cases (skyddade personuppgifter) and its history
    select format('arenden/%s/skydd.json', c), convert_to(jsonb_pretty(jsonb_build_object(
               'arende', c,
               'skydd', (select coalesce(jsonb_agg(jsonb_build_object('kalla', p.source, 'sedan', p.since,
                                                                     'satt_av', p.set_by) order by p.source), '[]')
                          from ebba.case_protection p where p.case_id = c),
               'historik', (select coalesce(jsonb_agg(jsonb_build_object('tid', l.at, 'vem', l.who,
                                                                        'handling', l.action, 'kalla', l.source)
                                                     order by l.id), '[]')
                             from ebba.case_protection_log l where l.case_id = c))), 'UTF8')
      from unnest(cases) c
     where exists (select 1 from ebba.case_protection_log l where l.case_id = c)
    union all
    -- who looked at their data, and when
    select 'atkomst.csv', convert_to('tid;vem;handling;objekt;id;klient' || E'\n' ||
               coalesce(string_agg(format('%s;%s;%s;%s;%s;%s', a.at, a.who, a.action, a.object_kind,
                                          a.object_id, coalesce(a.client, '')), E'\n' order by a.id), '')
               || E'\n', 'UTF8')
      from ebba.access_log a
     where (a.object_kind in ('decision', 'letter') and a.object_id = any (decs::text[]))
        or (a.object_kind = 'evidence' and split_part(a.object_id, '/', 1) = any (decs::text[]))
        or (a.object_kind = 'audit_flag' and a.object_id = any (flags::text[]))
        or (a.object_kind = 'case_frame' and a.object_id = any (cases))
        or (a.object_kind = 'application' and a.object_id = any (exts));
end $$;

-- 13. Row-level security (schema 023): a protected case's komplettering is
--     as invisible as its decisions.  The answers and attachments follow
--     their request (the subquery reads the request under its own policy).
alter table ebba.document_requests enable row level security;
create policy case_visible on ebba.document_requests for all
    using (decision_id not in (select ebba.hidden_decisions())) with check (true);
alter table ebba.completions enable row level security;
create policy case_visible on ebba.completions for all
    using (exists (select 1 from ebba.document_requests r where r.id = request_id)) with check (true);
alter table ebba.completion_attachments enable row level security;
create policy case_visible on ebba.completion_attachments for all
    using (exists (select 1 from ebba.completions c where c.id = completion_id)) with check (true);

-- 14. GET /api/v1/applications/{id}'s outcome is the last word on it: a
--     person's decision on the referral, else ebba's re-decision after a
--     komplettering, else ebba's first (version 8's look-up, renamed by
--     version 13, with the re-decision).
create or replace function ebba.intake_status_lookup(token text, p_external_id text, out verdict text,
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
    select i.state, i.received_at, coalesce(r.outcome, e.outcome, d.outcome),
           case when r.id is not null then r.amount when e.id is not null then e.amount else d.amount end,
           coalesce(r.decided_at, e.decided_at, d.decided_at), r.id is not null
      into state, received_at, outcome, amount, decided_at, reviewed
      from ebba.inbox i
      left join ebba.decisions d on d.inbox_id = i.id
      left join ebba.decisions r on r.reviews_decision_id = d.id
      left join ebba.decisions e on e.redecides_decision_id = d.id
     where i.external_id = p_external_id and i.intake_token = t.token_id;
    verdict := case when found then 'ok' else 'not found' end;
end $$;
-- Retention sees every case (schema 025's permissive policy of its own).
create policy retention_sees_all on ebba.document_requests to ebba_retention using (true);
create policy retention_sees_all on ebba.completions to ebba_retention using (true);
create policy retention_sees_all on ebba.completion_attachments to ebba_retention using (true);
