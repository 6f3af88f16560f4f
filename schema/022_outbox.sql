-- ebba schema, version 22: the transactional outbox (DESIGN.md §10a;
-- docs/delivery.md).
--
-- Every letter is queued for delivery in the transaction that stores it:
-- a statement trigger on ebba.letters, so ebbad's completion (COPY) and
-- every function that records a person's decision queue it in their own
-- transaction without any INSERT right on the outbox.  Deciding never
-- waits for delivery: the row is all it writes.
--
-- ebba-deliver (role ebba_deliver) claims rows under a lease with FOR
-- UPDATE SKIP LOCKED, as ebbad claims the inbox, renders the PDF once
-- (ebba.letter_pdf_store), delivers it at least once with the row's
-- idempotency key, and retries with backoff until the row's deadline;
-- then the row ends 'failed' with a one-line reason.

-- Deliver may log the letters it sends (access_log) and render them.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'ebba_deliver') then
        create role ebba_deliver nologin;
    end if;
end $$;

create table ebba.outbox (
    id              bigserial primary key,
    decision_id     bigint not null unique references ebba.letters (decision_id),
    -- chosen at the first delivery attempt (daemon/deliver/channel.c)
    channel         text check (channel in ('digital', 'print', 'protected')),
    state           text not null default 'queued'
                    check (state in ('queued', 'claimed', 'delivered', 'failed')),
    attempts        integer not null default 0,
    queued_at       timestamptz not null default now(),
    next_attempt_at timestamptz not null default now(),
    lease_owner     text,
    lease_expires   timestamptz,
    -- what the receiver may use to tell a repeat from a new letter
    idempotency_key uuid not null unique default gen_random_uuid(),
    -- set at the first claim (ebba-deliver's deadline_seconds after queued_at)
    deadline        timestamptz,
    last_error      text check (last_error !~ '[\r\n]' and length(last_error) <= 500),
    delivered_at    timestamptz,
    receipt         text check (length(receipt) <= 500),
    check ((state = 'delivered') = (delivered_at is not null))
);
create index outbox_claimable on ebba.outbox (next_attempt_at)
    where state in ('queued', 'claimed');
create trigger outbox_no_delete before delete on ebba.outbox
    for each row execute function ebba.refuse_change();
create trigger outbox_no_truncate before truncate on ebba.outbox
    for each statement execute function ebba.refuse_change();

-- SECURITY DEFINER: whoever stores a letter queues it, and nobody needs an
-- INSERT right on the outbox for that.  The trigger's own EXECUTE check is
-- made when it is created, so nobody else is granted it.
create function ebba.queue_letters() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    insert into ebba.outbox (decision_id) select n.decision_id from new_letters n;
    perform pg_notify('ebba_outbox', '');
    return null;
end $$;
revoke all on function ebba.queue_letters() from public;
create trigger letters_outbox after insert on ebba.letters
    referencing new table as new_letters
    for each statement execute function ebba.queue_letters();

-- The letters stored before this version are not sent now: they were
-- communicated (or not) before ebba could deliver them.

-- Who receives decision p_decision_id's letter: the case, the applicant's
-- identity number (from the application as received, or the reviewed
-- decision's), and whether the case is protected (the frame's
-- "protected: true" or a register's protection mark, AF's
-- Sekretessmarkering, in the decision's evidence).  SECURITY DEFINER:
-- ebba-deliver reads no application and no frame, only this answer.
create function ebba.outbox_recipient(p_decision_id bigint, out case_id text, out pnr text,
                                      out protected boolean)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
declare
    d_inbox bigint;
    d_root bigint := p_decision_id;
    payload bytea;
begin
    -- a person's decision reviews another: the application is the first's
    loop
        select d.case_id, d.inbox_id, coalesce(d.reviews_decision_id, d.id)
          into case_id, d_inbox, d_root
          from ebba.decisions d where d.id = d_root;
        if not found then
            raise exception 'no decision %', p_decision_id using errcode = 'no_data_found';
        end if;
        exit when d_inbox is not null;
    end loop;
    select i.payload into payload from ebba.inbox i where i.id = d_inbox;
    pnr := (xpath('/a:application/a:household/a:person[@role="applicant"]/@pnr',
                  convert_from(payload, 'UTF8')::xml,
                  array[array['a', 'urn:ebba:application:1']]))[1]::text;
    pnr := replace(pnr, '-', '');
    protected := exists (select 1 from ebba.case_frames f
                          where f.case_id = outbox_recipient.case_id
                            and f.frame -> 'protected' = 'true'::jsonb)
              or exists (select 1 from ebba.register_evidence e
                          where e.decision_id in (p_decision_id, d_root)
                            and position(convert_to('Sekretessmarkering>true<', 'UTF8') in e.raw) > 0);
end $$;
revoke all on function ebba.outbox_recipient(bigint) from public;
grant execute on function ebba.outbox_recipient(bigint) to ebba_deliver;

grant usage on schema ebba to ebba_deliver;
grant select on ebba.outbox to ebba_deliver, ebba_caseworker, ebba_supervisor;
grant update (channel, state, attempts, next_attempt_at, lease_owner, lease_expires, deadline,
              last_error, delivered_at, receipt) on ebba.outbox to ebba_deliver;
-- rendering (letter_store.c): the letter's text and date, the stored PDF
grant select on ebba.letters, ebba.letter_pdfs to ebba_deliver;
grant select (id, decided_at) on ebba.decisions to ebba_deliver;
grant execute on function ebba.letter_pdf_store(bigint, bytea, bytea, text) to ebba_deliver;
-- every letter that leaves is logged as an export, as a download is
grant insert (action, object_kind, object_id, client) on ebba.access_log to ebba_deliver;
grant usage on sequence ebba.access_log_id_seq to ebba_deliver;
