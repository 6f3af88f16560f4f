-- ebba schema, version 30: ebba asks the applicant by itself (issue 29
-- item 2; DESIGN.md §6).  When ebba's decision is a referral whose every
-- failed check has outcome `complete` (so a person has nothing else to
-- look at), ebbad writes, in the transaction of the decision (its COPY,
-- daemon/store/queue_complete.c), the request for the checks' documents
-- (ebba.document_requests, requested_by 'ebba', the deadline the decision
-- date plus the rule set's completion_days) and its letter (ebba.letters,
-- so the outbox trigger queues it and the API's events show
-- documents_requested) -- what a caseworker's ebba.request_documents
-- writes, without a person.  Every other referral is the caseworker's as
-- before.

-- 1. ebbad writes the request rows (COPY: its login role is BYPASSRLS,
--    schema 023).  No UPDATE or DELETE: a request is immutable.
grant insert on ebba.document_requests to ebba_daemon;
grant usage on sequence ebba.document_requests_id_seq to ebba_daemon;

-- 2. Who asked is not a field the writer chooses: a row ebbad writes says
--    'ebba' (as its decisions' decided_by does), and nobody else may write
--    'ebba' (a caseworker's request goes through ebba.request_documents,
--    which names the person).  ebba asks only about its own fresh
--    referral, with a deadline after today and within the 90 days
--    ebba.request_documents allows a person.  The trigger fires only for
--    the rows that are requests, so ebbad's other decisions pay nothing.
create function ebba.document_request_writer() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare
    who text := ebba.person();
    -- a superuser is a member of every role: an owner repairing by hand,
    -- or a test, is neither ebbad nor refused
    su boolean := exists (select 1 from pg_roles r where r.rolname = who and r.rolsuper);
    daemon boolean := not su and pg_has_role(who, 'ebba_daemon', 'MEMBER');
begin
    if su then
        return new;
    end if;
    if daemon and new.requested_by <> 'ebba' then
        raise exception 'a request for documents ebbad writes says requested_by ebba, not %', new.requested_by
            using errcode = 'check_violation';
    end if;
    if not daemon and new.requested_by = 'ebba' then
        raise exception 'only ebbad writes a request for documents as ebba' using errcode = 'insufficient_privilege';
    end if;
    if daemon and not exists (select 1 from ebba.decisions d
                               where d.id = new.decision_id and d.outcome = 'referred'
                                 and d.inbox_id is not null and d.decided_by = 'ebba') then
        raise exception 'decision % is not a referral of ebba''s', new.decision_id using errcode = 'check_violation';
    end if;
    if daemon and (new.deadline <= current_date or new.deadline > current_date + 90) then
        raise exception 'the deadline % must be after today and within 90 days', new.deadline
            using errcode = 'invalid_parameter_value';
    end if;
    return new;
end $$;
revoke all on function ebba.document_request_writer() from public;
create trigger document_requests_writer before insert on ebba.document_requests
    for each row execute function ebba.document_request_writer();
