-- ebba schema, version 19: a person's decision line by line (issue 25).
--
-- 1. partly_approved (delvis bifall) is an outcome: a person granted part
--    of the application and refused the rest.  ebba itself never decides
--    it.  The names are lib/outcome.c's table.
alter table ebba.decisions drop constraint decisions_outcome_check;
alter table ebba.decisions add constraint decisions_outcome_check
    check (outcome in ('approved', 'partly_approved', 'referred', 'rejected'));
alter table ebba.decisions add constraint decisions_partly_by_person
    check (outcome <> 'partly_approved' or reviews_decision_id is not null);

-- 2. A person's findings, line by line, with the decision: what was
--    decided on each cost and check, with which catalogue reason, the
--    referring rule set's SHA-256 beside the recomputing one's.  Written
--    only by ebba.decide_referral (decisions are immutable).
alter table ebba.decisions add column findings jsonb;

-- 3. People's display names and titles, for the letters ("Beslutet har
--    fattats av Anna Svensson, socialsekreterare").  Set by ebbactl user
--    add/set; the identity provider's claims (ebba.provider_signins) stand
--    in where there is no row.
create table ebba.people_names (
    role         text primary key,
    display_name text not null check (length(display_name) between 1 and 200),
    title        text check (length(title) <= 200),
    updated_at   timestamptz not null default now()
);
grant select on ebba.people_names to ebba_caseworker, ebba_supervisor, ebba_auditor;

-- 4. A person's decision on a referral, line by line (issue 25): ebba's
--    rule set ran again with the person's findings (the client computed
--    p_amount, p_norm, p_costs, p_incomes with the rule set whose SHA-256
--    it gives); the outcome follows from the lines and is derived here,
--    never given: rejected when the whole (findings.reason) or a check is
--    rejected, partly_approved when a cost is accepted below what was
--    applied for, approved otherwise.  p_verdict, when given (approve,
--    partly, reject), must agree.  Every refused part names a reason; a
--    refusal needs the person's note.  The decision, its findings, its
--    letter (p_letter), the flags' verdicts and the access_log row are
--    written in one transaction, after the decision's lock, as
--    ebba.resolve_review does.  Nothing is written (review_id null) when
--    the decision is not an open one of ebba's.
create function ebba.decide_referral(p_decision_id bigint, p_findings jsonb, p_verdict text,
                                     p_amount bigint, p_norm bigint, p_costs bigint,
                                     p_incomes bigint, p_ruleset_version text,
                                     p_ruleset_sha256 text, p_note text, p_letter text,
                                     p_client text,
                                     out review_id bigint, out flags_resolved integer,
                                     out reviewed_by text, out outcome text)
    language plpgsql volatile security definer
    set search_path = pg_catalog
    set ebba.access_log_who = ''
as $$
declare
    who text := ebba.person();
    orig record;
    l jsonb;
    rejected boolean;
    partly boolean := false;
begin
    flags_resolved := 0;
    if not pg_has_role(who, 'ebba_caseworker', 'MEMBER') then
        raise exception 'ebba.decide_referral: % is not a caseworker', who
            using errcode = 'insufficient_privilege';
    end if;
    if p_findings is null or jsonb_typeof(p_findings -> 'lines') <> 'array' then
        raise exception 'ebba.decide_referral: the findings have no lines'
            using errcode = 'invalid_parameter_value';
    end if;
    rejected := coalesce(p_findings ->> 'reason', '') <> '';
    for l in select * from jsonb_array_elements(p_findings -> 'lines') loop
        if l ->> 'kind' = 'cost' then
            if (l ->> 'accepted')::bigint < (l ->> 'applied')::bigint then
                partly := true;
                if coalesce(l ->> 'reason', '') = '' then
                    raise exception 'ebba.decide_referral: % accepted below what was applied for needs a reason', l ->> 'type'
                        using errcode = 'invalid_parameter_value';
                end if;
            end if;
        elsif l ->> 'kind' = 'check' then
            if l ->> 'verdict' = 'reject' then
                rejected := true;
                if coalesce(l ->> 'reason', '') = '' then
                    raise exception 'ebba.decide_referral: rejecting on % needs a reason', l ->> 'check'
                        using errcode = 'invalid_parameter_value';
                end if;
            elsif l ->> 'verdict' is distinct from 'accept' then
                raise exception 'ebba.decide_referral: a check is accepted or rejected'
                    using errcode = 'invalid_parameter_value';
            end if;
        else
            raise exception 'ebba.decide_referral: a line is a cost or a check'
                using errcode = 'invalid_parameter_value';
        end if;
    end loop;
    outcome := case when rejected then 'rejected' when partly then 'partly_approved' else 'approved' end;
    -- (in parentheses: plpgsql would end the IF's condition at the CASE's first THEN)
    if p_verdict is not null and p_verdict <> (case outcome when 'rejected' then 'reject'
                                                           when 'partly_approved' then 'partly'
                                                           else 'approve' end) then
        raise exception 'ebba.decide_referral: the verdict % disagrees with the lines, which give %', p_verdict, outcome
            using errcode = 'invalid_parameter_value';
    end if;
    if outcome <> 'approved' and coalesce(p_note, '') = '' then
        raise exception 'ebba.decide_referral: % needs a note', outcome
            using errcode = 'invalid_parameter_value';
    end if;
    if length(p_note) > 4000 or length(p_letter) > 100000 then
        raise exception 'ebba.decide_referral: the note is at most 4000 characters, the letter 100000'
            using errcode = 'invalid_parameter_value';
    end if;
    if outcome <> 'rejected' and (p_amount is null or p_amount <= 0 or p_amount > 99999999) then
        raise exception 'ebba.decide_referral: a grant is whole kronor, 1 to 99 999 999'
            using errcode = 'invalid_parameter_value';
    end if;
    if coalesce(p_letter, '') = '' or coalesce(p_ruleset_sha256, '') !~ '^[0-9a-f]{64}$' then
        raise exception 'ebba.decide_referral: a person''s decision needs its letter and the rule set''s SHA-256'
            using errcode = 'invalid_parameter_value';
    end if;
    perform ebba.lock_decision(p_decision_id);
    select d.* into orig from ebba.decisions d
     where d.id = p_decision_id and d.inbox_id is not null
       and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id);
    if not found then
        outcome := null;
        return;
    end if;
    insert into ebba.decisions as n (reviews_decision_id, external_id, case_id, period, outcome,
                                     amount, norm, costs, incomes, ruleset_name, ruleset_version,
                                     ruleset_sha256, decided_by, note, findings)
    values (orig.id, orig.external_id, orig.case_id, orig.period, outcome,
            case when outcome = 'rejected' then null else p_amount end,
            p_norm, p_costs, p_incomes, orig.ruleset_name, coalesce(p_ruleset_version, orig.ruleset_version),
            p_ruleset_sha256, who, p_note,
            p_findings || jsonb_build_object('referring_ruleset_sha256', orig.ruleset_sha256,
                                             'ruleset_differs', orig.ruleset_sha256 <> p_ruleset_sha256))
    returning n.id, n.decided_by into review_id, reviewed_by;
    insert into ebba.letters (decision_id, body) values (review_id, p_letter);
    update ebba.audit_flags f set resolved_at = now(), resolved_by = who,
           verdict = case outcome when 'rejected' then 'reject' when 'partly_approved' then 'adjust' else 'approve' end
     where f.decision_id = p_decision_id and f.resolved_at is null;
    get diagnostics flags_resolved = row_count;
    insert into ebba.access_log (action, object_kind, object_id, client)
    values ('resolve', 'decision', p_decision_id::text, p_client);
end $$;

revoke all on function ebba.decide_referral(bigint, jsonb, text, bigint, bigint, bigint, bigint,
                                            text, text, text, text, text) from public;
grant execute on function ebba.decide_referral(bigint, jsonb, text, bigint, bigint, bigint, bigint,
                                               text, text, text, text, text) to ebba_caseworker;

-- Who a person is, for a letter: ebba.people_names, else the identity
-- provider's claims at the last sign-in, else the role itself.  SECURITY
-- DEFINER: a caseworker does not read the sign-in records.
create function ebba.person_name(p_role text, out display_name text, out title text)
    language sql stable security definer set search_path = pg_catalog
as $$
    select coalesce(n.display_name, nullif(s.display_name, ''), p_role),
           coalesce(n.title, nullif(s.title, ''), '')
      from (select p_role as role) r
      left join ebba.people_names n on n.role = r.role
      left join ebba.provider_signins s on s.person = r.role and s.outcome = 'signed-in'
$$;
revoke all on function ebba.person_name(text) from public;
grant execute on function ebba.person_name(text) to ebba_caseworker, ebba_supervisor, ebba_auditor;
