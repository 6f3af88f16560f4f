-- ebba schema, version 14: the database's own defences (issue 24).
--
-- Tried with a caseworker's login in psql: version 1 gave ebba_caseworker
-- INSERT on ebba.decisions and ebba.decision_checks (for their decision
-- on a review), and the trigger of version 4 checked only the name in
-- decided_by.  So a caseworker could write ebba's own decision on an
-- application still pending (inbox_id set: "approved, 99 999 999"), or a
-- failed check on any decision, naming nobody.  They could also backdate
-- a flag's resolution (resolved_at was theirs to write), and resolving a
-- flag on Stickprov while someone resolved its decision on Pröva took the
-- flag's row lock and the decision's advisory lock in opposite orders
-- (deadlock).  Now:
--
-- 1. A caseworker records a decision and resolves a flag only through two
--    SECURITY DEFINER functions with a pinned search_path,
--    ebba.resolve_review and ebba.resolve_flag.  They take the name of
--    who acts from the session (ebba.person()), never from an argument;
--    they check what they are given; they take the decision's advisory
--    lock before any row of it (one order everywhere); and they write the
--    access_log row in the same transaction as the change.  Caseworkers
--    lose INSERT on decisions and decision_checks, the decisions sequence,
--    and UPDATE on audit_flags.
-- 2. ebba.person() answers the same inside such a function: for a
--    vouching front end's session it reads the role the front end SET
--    (the "role" setting), which a SECURITY DEFINER function does not
--    change, where current_user would be the function's owner.
-- 3. Whatever the grants say: a decision with inbox_id (ebba's own) is
--    written only by a member of ebba_daemon and always says 'ebba'; a
--    review only by a caseworker.  An audit flag's created_at and
--    resolved_at, and a frame's updated_at, are the database's clock, as
--    resolved_by and updated_by are its person.
--
-- RELIABILITY.md, "The database's own defences", lists what each role may
-- do by direct SQL and the test that proves each refusal.

create or replace function ebba.person() returns text language sql stable
    set search_path = pg_catalog
as $$
    select case when pg_has_role(session_user, 'ebba_web_proxy', 'MEMBER')
                then coalesce(nullif(current_setting('role'), 'none'), session_user::text)
                else session_user::text end
$$;

-- decisions: ebba's own (inbox_id) only from ebba_daemon, as 'ebba'; a
-- review (reviews_decision_id) only from a caseworker, as that person.
create or replace function ebba.stamp_decided_by() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if new.inbox_id is not null then
        if not pg_has_role(who, 'ebba_daemon', 'MEMBER') then
            raise exception 'ebba.decisions: a decision on an application (inbox_id) is written only by ebba_daemon, not by %', who
                using errcode = 'insufficient_privilege';
        end if;
        new.decided_by := 'ebba';
        return new;
    end if;
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.decisions: a review is written only by a caseworker, not by %', who
            using errcode = 'insufficient_privilege';
    end if;
    if new.decided_by is null or new.decided_by = 'ebba' then
        new.decided_by := who;
    elsif new.decided_by <> who then
        raise exception 'decided_by must be the session''s own role (%), not %', who, new.decided_by
            using errcode = 'insufficient_privilege';
    end if;
    return new;
end $$;

-- audit_flags: raised now and open; resolved once, now, by the person, with
-- a verdict.  Nothing but the three resolution columns changes after.
create or replace function ebba.stamp_resolved_by() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'INSERT' then
        new.created_at := now();
    else
        if old.resolved_at is not null then
            raise exception 'audit flag % is already resolved', old.id
                using errcode = 'insufficient_privilege';
        end if;
        new.created_at := old.created_at;
    end if;
    if new.resolved_at is null and new.resolved_by is null and new.verdict is null then
        return new;
    end if;
    if new.verdict is null then
        raise exception 'audit flag %: resolved without a verdict', new.id
            using errcode = 'not_null_violation';
    end if;
    if new.resolved_by is null then
        new.resolved_by := who;
    elsif new.resolved_by <> who then
        raise exception 'resolved_by must be the session''s own role (%), not %', who, new.resolved_by
            using errcode = 'insufficient_privilege';
    end if;
    new.resolved_at := now();
    return new;
end $$;

-- case_frames: updated_at is the time of the change, as updated_by is its
-- person (a caseworker has INSERT and UPDATE on the table).
create or replace function ebba.stamp_updated_by() returns trigger language plpgsql
    set search_path = pg_catalog
as $$
declare who text := ebba.person();
begin
    if tg_op = 'UPDATE' and new.updated_by is not distinct from old.updated_by then
        new.updated_by := who;
    end if;
    if new.updated_by is null then
        new.updated_by := who;
    elsif new.updated_by <> who then
        raise exception 'updated_by must be the session''s own role (%), not %', who, new.updated_by
            using errcode = 'insufficient_privilege';
    end if;
    new.updated_at := now();
    return new;
end $$;

-- The lock two people acting on one decision queue on (store/review.c
-- before this version, and ebba.open_work_refresh's lock = true).
create function ebba.lock_decision(p_decision_id bigint) returns void
    language sql volatile set search_path = pg_catalog
as $$
    select pg_advisory_xact_lock(hashtext('ebba.review'), (p_decision_id % 2147483647)::int)
$$;
revoke all on function ebba.lock_decision(bigint) from public;

-- A caseworker's decision on one of ebba's open decisions (Pröva, `ebbactl
-- review resolve`).  verdict: 'approve' (ebba's amount, or p_amount when
-- given), 'adjust' (p_amount, required) or 'reject' (no amount); amounts in
-- whole kronor; a note is required with adjust and reject.
-- The decision's open audit flags are resolved with the verdict, and the
-- access_log row ('resolve', 'decision', id, client) is written, in the
-- same transaction.  review_id is null when p_decision_id is not an open
-- decision by ebba (none, or reviewed already: a decision is reviewed
-- once); then nothing is written.  reviewed_by is who the database
-- recorded: the session's person, never an argument.
create function ebba.resolve_review(p_decision_id bigint, p_verdict text, p_amount bigint,
                                    p_note text, p_client text,
                                    out review_id bigint, out flags_resolved integer,
                                    out reviewed_by text)
    language plpgsql volatile security definer
    set search_path = pg_catalog
    set ebba.access_log_who = ''
as $$
declare
    who text := ebba.person();
    orig record;
begin
    flags_resolved := 0;
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.resolve_review: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    if p_verdict is null or p_verdict not in ('approve', 'adjust', 'reject') then
        raise exception 'ebba.resolve_review: the verdict is approve, adjust or reject, not %', coalesce(p_verdict, 'none')
            using errcode = 'invalid_parameter_value';
    end if;
    if p_verdict = 'adjust' and p_amount is null then
        raise exception 'ebba.resolve_review: adjust needs an amount'
            using errcode = 'invalid_parameter_value';
    end if;
    if p_verdict = 'reject' and p_amount is not null then
        raise exception 'ebba.resolve_review: a rejection has no amount'
            using errcode = 'invalid_parameter_value';
    end if;
    if p_amount < 0 or p_amount > 99999999 then
        raise exception 'ebba.resolve_review: the amount is whole kronor, 0 to 99 999 999'
            using errcode = 'invalid_parameter_value';
    end if;
    if p_verdict <> 'approve' and coalesce(p_note, '') = '' then
        raise exception 'ebba.resolve_review: % needs a note', p_verdict
            using errcode = 'invalid_parameter_value';
    end if;
    if length(p_note) > 4000 then
        raise exception 'ebba.resolve_review: the note is at most 4000 characters'
            using errcode = 'invalid_parameter_value';
    end if;
    -- The decision's lock first, then its rows; each statement below sees
    -- what whoever held the lock before committed.
    perform ebba.lock_decision(p_decision_id);
    select d.* into orig from ebba.decisions d
     where d.id = p_decision_id and d.inbox_id is not null
       and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id);
    if not found then
        return;
    end if;
    insert into ebba.decisions as n (reviews_decision_id, external_id, case_id, period, outcome,
                                     amount, norm, costs, incomes, ruleset_name, ruleset_version,
                                     ruleset_sha256, decided_by, note)
    values (orig.id, orig.external_id, orig.case_id, orig.period,
            case p_verdict when 'reject' then 'rejected' else 'approved' end,
            case p_verdict when 'reject' then null else coalesce(p_amount, orig.amount) end,
            orig.norm, orig.costs, orig.incomes, orig.ruleset_name, orig.ruleset_version,
            orig.ruleset_sha256, who, p_note)
    returning n.id, n.decided_by into review_id, reviewed_by;
    update ebba.audit_flags f set resolved_at = now(), resolved_by = who, verdict = p_verdict
     where f.decision_id = p_decision_id and f.resolved_at is null;
    get diagnostics flags_resolved = row_count;
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('resolve', 'decision', p_decision_id::text, p_client);
end $$;

-- A caseworker's verdict on one open audit flag (Stickprov): 'ok', or
-- 'not-ok' with a note; stored as "verdict" or "verdict: note".  The flag's
-- decision is locked first, as ebba.resolve_review does.  The access_log
-- row ('resolve', 'audit_flag', id, client) is written in the same
-- transaction.  False, and nothing written, when there is no such open
-- flag.
create function ebba.resolve_flag(p_flag_id bigint, p_verdict text, p_note text, p_client text)
    returns boolean
    language plpgsql volatile security definer
    set search_path = pg_catalog
    set ebba.access_log_who = ''
as $$
declare
    who text := ebba.person();
    of_decision bigint;
begin
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.resolve_flag: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    if p_verdict is null or p_verdict not in ('ok', 'not-ok') then
        raise exception 'ebba.resolve_flag: the verdict is ok or not-ok, not %', coalesce(p_verdict, 'none')
            using errcode = 'invalid_parameter_value';
    end if;
    if p_verdict = 'not-ok' and coalesce(p_note, '') = '' then
        raise exception 'ebba.resolve_flag: not-ok needs a note' using errcode = 'invalid_parameter_value';
    end if;
    if length(p_note) > 4000 then
        raise exception 'ebba.resolve_flag: the note is at most 4000 characters'
            using errcode = 'invalid_parameter_value';
    end if;
    select f.decision_id into of_decision from ebba.audit_flags f where f.id = p_flag_id;
    if not found then
        return false;
    end if;
    perform ebba.lock_decision(of_decision);
    update ebba.audit_flags f
       set resolved_at = now(), resolved_by = who,
           verdict = case when coalesce(p_note, '') = '' then p_verdict else p_verdict || ': ' || p_note end
     where f.id = p_flag_id and f.resolved_at is null;
    if not found then
        return false;
    end if;
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('resolve', 'audit_flag', p_flag_id::text, p_client);
    return true;
end $$;

revoke all on function ebba.resolve_review(bigint, text, bigint, text, text),
    ebba.resolve_flag(bigint, text, text, text) from public;
grant execute on function ebba.resolve_review(bigint, text, bigint, text, text),
    ebba.resolve_flag(bigint, text, text, text) to ebba_caseworker;

-- Trigger functions cannot be called but as triggers; still, no SECURITY
-- DEFINER function is anyone's to execute unless granted (the grants test,
-- tests/integration/60_security_grants.sh, lists every grant there is).
revoke all on function ebba.open_work_count(), ebba.open_work_on_check(), ebba.open_work_on_flag(),
    ebba.open_work_on_review(), ebba.open_work_on_unchecked() from public;

revoke insert on ebba.decisions, ebba.decision_checks from ebba_caseworker;
revoke usage on sequence ebba.decisions_id_seq from ebba_caseworker;
revoke update (resolved_at, resolved_by, verdict) on ebba.audit_flags from ebba_caseworker;
