-- ebba schema, version 20: the transactional outbox (DESIGN.md §10a;
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

-- ---------------------------------------------------------------------
-- The decision feed for the municipality's case system (DESIGN.md §13:
-- GET /api/v1/decisions?after=CURSOR).  Every final decision (not a
-- referral) exactly once, none skipped, in one order all consumers see.
--
-- A cursor on decisions.id would skip: ids are drawn when a row is
-- inserted, but rows become visible when their transaction commits, so a
-- reader can see id 11 committed while id 10's transaction is still open,
-- move its cursor past 10, and never see it.  The feed's own number is
-- drawn at commit instead: a DEFERRABLE INITIALLY DEFERRED constraint
-- trigger runs as the transaction commits, takes a transaction-level
-- advisory lock (held until the commit is visible) and only then draws the
-- number.  Two committing transactions number one after the other, and the
-- one that numbered first is visible before the other can number, so a
-- reader who sees seq N sees every seq below N that will ever exist (gaps,
-- from a transaction that failed after numbering, are never filled).  The
-- cost: committing decisions serialise on this lock, from the trigger to
-- the end of the commit.

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'ebba_casesystem') then
        create role ebba_casesystem nologin;
    end if;
end $$;

create table ebba.decision_feed (
    seq         bigint primary key,
    decision_id bigint not null unique references ebba.decisions (id)
);
create sequence ebba.decision_feed_seq owned by ebba.decision_feed.seq;
create trigger decision_feed_immutable before update or delete on ebba.decision_feed
    for each row execute function ebba.refuse_change();
create trigger decision_feed_no_truncate before truncate on ebba.decision_feed
    for each statement execute function ebba.refuse_change();

-- (a constant key of ebba's own for the advisory lock: 'ebbafeed')
create function ebba.number_feed() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    perform pg_advisory_xact_lock(6558946265567700324);
    insert into ebba.decision_feed (seq, decision_id)
    values (nextval('ebba.decision_feed_seq'), new.id);
    return null;
end $$;
revoke all on function ebba.number_feed() from public;
create constraint trigger decisions_feed after insert on ebba.decisions
    deferrable initially deferred
    for each row when (new.outcome <> 'referred')
    execute function ebba.number_feed();

-- the final decisions made before this version, in id order
insert into ebba.decision_feed (seq, decision_id)
select nextval('ebba.decision_feed_seq'), id from (
    select id from ebba.decisions where outcome <> 'referred' order by id) d;

-- One page of the feed for a token whose role is in ebba_casesystem:
-- verdict ('ok', 'unauthenticated', 'forbidden'), the items after p_after
-- (at most p_limit, 1..1000) as a JSON array, and the cursor to ask with
-- next (p_after when the page is empty).  SECURITY DEFINER: ebba-web holds
-- no right to read decisions; the token is its whole authority.
create function ebba.decision_feed_page(token text, p_after bigint, p_limit integer,
                                        out verdict text, out items text, out next bigint)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
declare t_role text;
begin
    select t.role into t_role from ebba.intake_tokens t
     where t.sha256 = sha256(convert_to(token, 'UTF8')) and t.revoked_at is null;
    if not found then
        verdict := 'unauthenticated';
        return;
    elsif not exists (select 1 from pg_roles where rolname = t_role)
          or not pg_has_role(t_role, 'ebba_casesystem', 'MEMBER') then
        verdict := 'forbidden';
        return;
    end if;
    verdict := 'ok';
    select coalesce(json_agg(x.item order by x.seq)::text, '[]'), coalesce(max(x.seq), p_after)
      into items, next
      from (select f.seq, json_build_object(
                'cursor', f.seq, 'id', d.id, 'application', d.external_id, 'case', d.case_id,
                'period', d.period, 'outcome', d.outcome, 'amount', d.amount,
                'lines', json_build_array(json_build_object('kind', 'norm', 'amount', d.norm),
                                          json_build_object('kind', 'costs', 'amount', d.costs),
                                          json_build_object('kind', 'incomes', 'amount', d.incomes)),
                'decided_by', d.decided_by,
                'decided_by_name', (select s.display_name from ebba.provider_signins s
                                     where s.person = d.decided_by),
                'automatic', d.inbox_id is not null,
                'decided_at', to_char(d.decided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'follows', d.reviews_decision_id,
                'letter', (select json_build_object('id', l.decision_id, 'sha256', encode(l.sha256, 'hex'))
                             from ebba.letters l where l.decision_id = d.id),
                'protected', exists (select 1 from ebba.case_frames c where c.case_id = d.case_id
                                     and c.frame -> 'protected' = 'true'::jsonb)) as item
              from ebba.decision_feed f join ebba.decisions d on d.id = f.decision_id
             where f.seq > coalesce(p_after, 0)
             order by f.seq
             limit greatest(1, least(coalesce(p_limit, 100), 1000))) x;
end $$;
revoke all on function ebba.decision_feed_page(text, bigint, integer) from public;
grant execute on function ebba.decision_feed_page(text, bigint, integer) to ebba_web;
