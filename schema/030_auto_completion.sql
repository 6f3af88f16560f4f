-- ebba schema, version 30: ebba asks the applicant by itself (issue 29
-- item 2; DESIGN.md §6).  When ebba's decision is a referral whose every
-- failed check has outcome `complete` (so a person has nothing else to
-- look at), ebbad writes, in the transaction of the decision (one more
-- COPY in daemon/store/queue_complete.c, made only when the batch has such
-- a referral), the request for the checks' documents (the deadline the
-- decision date plus the rule set's completion_days) and its letter, the
-- rule set's documents_requested: what a caseworker's
-- ebba.request_documents writes, with requested_by 'ebba'.  The outbox
-- trigger queues the letter and the API's events show
-- documents_requested.  Every other referral is the caseworker's as
-- before.

-- 1. What ebbad writes: one row per request, the letter with it, into a
--    view whose INSTEAD OF trigger writes both or neither.  ebbad gets no
--    grant on the request table itself, so who asked, for which decision
--    and by when is decided here, not by the writer.
create view ebba.auto_document_requests as
    select r.decision_id, r.documents, r.deadline, ''::text as letter
      from ebba.document_requests r where false;

-- 2. ebba asks only about its own fresh referral, with a deadline within
--    the 90 days ebba.request_documents allows a person.
--    It asks once per application: a re-decision after the applicant's
--    answer (schema 027's stamp named a referral that had a request) that
--    refers again is left to a caseworker, not asked about again, so no
--    applicant goes round without a person ever looking.  That row is
--    skipped, not refused: the decision stands, in the active queue.
create function ebba.auto_document_request() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare
    who text := ebba.person();
    d record;
begin
    if not pg_has_role(who, 'ebba_daemon', 'MEMBER') then
        raise exception 'only ebbad asks for documents as ebba' using errcode = 'insufficient_privilege';
    end if;
    select x.outcome, x.inbox_id, x.decided_by, x.redecides_decision_id into d
      from ebba.decisions x where x.id = new.decision_id;
    if not found or d.outcome <> 'referred' or d.inbox_id is null or d.decided_by <> 'ebba' then
        raise exception 'decision % is not a referral of ebba''s', new.decision_id using errcode = 'check_violation';
    end if;
    -- ebbad's day is its local date and may be the database's day before
    -- or after around midnight: a day's slack each way, so that a sound
    -- request never aborts ebbad's batch (completion_days is 1 to 90)
    if new.deadline is null or new.deadline < current_date or new.deadline > current_date + 91 then
        raise exception 'the deadline % must be from today and within 91 days', new.deadline
            using errcode = 'invalid_parameter_value';
    end if;
    if new.letter is null or new.letter = '' then
        raise exception 'a request for documents needs its letter' using errcode = 'check_violation';
    end if;
    if d.redecides_decision_id is not null
       and exists (select 1 from ebba.document_requests r where r.decision_id = d.redecides_decision_id) then
        return null;
    end if;
    insert into ebba.document_requests (decision_id, documents, message, deadline, requested_by)
    values (new.decision_id, new.documents, '', new.deadline, 'ebba');
    insert into ebba.letters (decision_id, body) values (new.decision_id, new.letter);
    return new;
end $$;
revoke all on function ebba.auto_document_request() from public;
create trigger auto_document_requests_insert instead of insert on ebba.auto_document_requests
    for each row execute function ebba.auto_document_request();
grant insert on ebba.auto_document_requests to ebba_daemon;
