-- ebba schema, version 1.  Applied by `ebbactl db migrate` inside one
-- transaction; see daemon/store/db_migrate.c.  The columns named in docs/architecture.md §7
-- are a contract with case-management systems: never rename or drop them.

create table ebba.inbox (
    id            bigserial primary key,
    external_id   text not null unique,
    case_id       text,
    period        text,
    received_at   timestamptz not null default now(),
    payload       bytea not null,
    state         text not null default 'pending'
                  check (state in ('pending', 'processing', 'decided', 'quarantined')),
    attempts      integer not null default 0,
    error         text,
    -- The lease: who holds the row and until when.  (lease_owner, attempts)
    -- fences completion, so a worker whose lease was taken over cannot
    -- complete work it no longer holds.
    lease_owner   text,
    lease_expires timestamptz,
    updated_at    timestamptz not null default now()
);

-- Only the rows a worker may claim are indexed, so claiming stays cheap no
-- matter how many decided rows the table keeps.
create index inbox_claimable on ebba.inbox (id)
    where state in ('pending', 'processing');

create table ebba.case_frames (
    case_id     text primary key,
    frame       jsonb not null,
    source_yaml text not null,
    updated_at  timestamptz not null default now(),
    updated_by  text not null default current_user
);

create table ebba.decisions (
    id              bigserial primary key,
    -- ebba's own decision carries the inbox row; a caseworker's decision on
    -- review carries reviews_decision_id instead, so ebba's is never
    -- overwritten and inbox_id stays unique.
    inbox_id        bigint unique references ebba.inbox (id),
    reviews_decision_id bigint references ebba.decisions (id),
    external_id     text not null,
    case_id         text not null,
    period          text not null,
    outcome         text not null check (outcome in ('approved', 'referred', 'rejected')),
    amount          bigint,
    norm            bigint,
    costs           bigint,
    incomes         bigint,
    ruleset_name    text not null,
    ruleset_version text not null,
    ruleset_sha256  text not null,
    decided_at      timestamptz not null default now(),
    decided_by      text not null default 'ebba',
    note            text,
    trace           jsonb,
    check ((inbox_id is null) <> (reviews_decision_id is null))
);
create index decisions_case on ebba.decisions (case_id, period);
create index decisions_review on ebba.decisions (reviews_decision_id) where reviews_decision_id is not null;

create table ebba.decision_checks (
    decision_id bigint not null references ebba.decisions (id),
    check_id    text not null,
    result      text not null check (result in ('pass', 'fail', 'skip', 'error')),
    message     text not null default '',
    outcome     text,
    ordinal     integer not null default 0,
    primary key (decision_id, check_id)
);

create table ebba.register_evidence (
    id          bigserial primary key,
    decision_id bigint not null references ebba.decisions (id),
    source      text not null,          -- 'ssbtek' or 'attendance'
    agency      text not null,          -- AF, SO, CSN, FK, SKV, TNS, MIV, PLAN
    person_ref  text,                   -- role/index in the household, not the pnr
    status      text not null,
    fetched_at  timestamptz not null,
    sha256      text not null,
    raw         bytea
);
create index register_evidence_decision on ebba.register_evidence (decision_id);

create table ebba.audit_flags (
    id          bigserial primary key,
    decision_id bigint not null references ebba.decisions (id),
    kind        text not null check (kind in ('sample', 'targeted')),
    reason      text not null,
    draw        text,                   -- how a sample was drawn, for an auditor
    created_at  timestamptz not null default now(),
    resolved_at timestamptz,
    resolved_by text,
    verdict     text
);
create index audit_flags_open on ebba.audit_flags (decision_id) where resolved_at is null;

create table ebba.letters (
    decision_id bigint primary key references ebba.decisions (id),
    body        text not null
);

-- New work wakes the daemons (LISTEN ebba_inbox); once per statement, so a
-- bulk submit sends one notification, not thousands.
create function ebba.notify_inbox() returns trigger language plpgsql as $$
begin
    perform pg_notify('ebba_inbox', '');
    return null;
end $$;
create trigger inbox_notify after insert on ebba.inbox
    for each statement execute function ebba.notify_inbox();

-- Decisions and what they rest on are immutable, whatever the grants say.
create function ebba.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'ebba.%: rows are immutable (% refused)', tg_table_name, tg_op
        using errcode = 'insufficient_privilege';
end $$;
create trigger decisions_immutable before update or delete on ebba.decisions
    for each row execute function ebba.refuse_change();
create trigger decision_checks_immutable before update or delete on ebba.decision_checks
    for each row execute function ebba.refuse_change();
create trigger register_evidence_immutable before update or delete on ebba.register_evidence
    for each row execute function ebba.refuse_change();
create trigger letters_immutable before update or delete on ebba.letters
    for each row execute function ebba.refuse_change();
create trigger inbox_no_delete before delete on ebba.inbox
    for each row execute function ebba.refuse_change();
create trigger audit_flags_no_delete before delete on ebba.audit_flags
    for each row execute function ebba.refuse_change();

-- Least-privilege roles (NOLOGIN groups; grant them to login roles).
do $$
declare r text;
begin
    foreach r in array array['ebba_daemon', 'ebba_intake', 'ebba_caseworker'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
end $$;

grant usage on schema ebba to ebba_daemon, ebba_intake, ebba_caseworker;

-- intake: may only put applications in the inbox.
grant insert (external_id, case_id, period, payload) on ebba.inbox to ebba_intake;
grant usage on sequence ebba.inbox_id_seq to ebba_intake;

-- daemon: claims and completes inbox rows, reads frames, writes decisions.
grant select on ebba.inbox, ebba.case_frames to ebba_daemon;
grant update (state, attempts, error, lease_owner, lease_expires, updated_at) on ebba.inbox to ebba_daemon;
grant select, insert on ebba.decisions, ebba.decision_checks, ebba.register_evidence,
    ebba.audit_flags, ebba.letters to ebba_daemon;
grant usage on sequence ebba.decisions_id_seq, ebba.register_evidence_id_seq,
    ebba.audit_flags_id_seq to ebba_daemon;

-- caseworkers: read everything, set frames, record their own decisions and
-- resolve flags.
grant select on all tables in schema ebba to ebba_caseworker;
grant insert, update on ebba.case_frames to ebba_caseworker;
grant insert on ebba.decisions, ebba.decision_checks to ebba_caseworker;
grant update (resolved_at, resolved_by, verdict) on ebba.audit_flags to ebba_caseworker;
grant usage on sequence ebba.decisions_id_seq to ebba_caseworker;
