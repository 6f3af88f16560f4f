-- ebba schema, version 21: every person's decision has its letter, and may
-- count an income (issue 25).
--
-- 1. ebba.resolve_review (schema 014) recorded a caseworker's approve,
--    adjust or reject with a typed amount and no letter: the applicant
--    never learnt why, or how to appeal (förvaltningslagen 32-33 §§).
--    Pröva and `ebbactl review resolve` now decide every referral line by
--    line through ebba.decide_referral (schema 019), which writes the
--    decision with its findings and its letter in one transaction.  The
--    old function goes, so no role can record a decision without a letter;
--    the decisions it recorded stay as they are (decisions are immutable).
drop function ebba.resolve_review(bigint, text, bigint, text, text);

-- 2. An income counted at an amount is a line of its own (kind 'income',
--    type, counted, declared, reason): counted above what was declared, it
--    refuses part of the application as a cost accepted below what was
--    applied for does, so it makes the outcome partly_approved and needs a
--    reason.  Otherwise ebba.decide_referral is schema 019's (its grants
--    stay with it).
create or replace function ebba.decide_referral(p_decision_id bigint, p_findings jsonb, p_verdict text,
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
        elsif l ->> 'kind' = 'income' then
            if (l ->> 'counted')::bigint > (l ->> 'declared')::bigint then
                partly := true;
                if coalesce(l ->> 'reason', '') = '' then
                    raise exception 'ebba.decide_referral: % counted above what was declared needs a reason', l ->> 'type'
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
            raise exception 'ebba.decide_referral: a line is a cost, an income or a check'
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

