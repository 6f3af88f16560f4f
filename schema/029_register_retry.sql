-- ebba schema, version 29: ask the registers again before asking a person
-- (issue 29 item 1; DESIGN.md §1).  A referral whose only failed checks
-- are those the rule set marks `retry: registers` (a required register did
-- not answer) is decided again by ebba once the registers answer, unless
-- a person has opened it or taken its case.  It is the komplettering's
-- mechanism (schema 027) with another cause: ebbad's scheduler
-- (ebba.register_retry_schedule) puts the application's document in the
-- inbox again under a new row; ebbad decides that row as any other, and
-- the stamp trigger names the referral in the decision's
-- redecides_decision_id (at most one per referral: schema 027's unique
-- index) and writes why into its trace ("follows").  So the queue, the
-- API's events, the feed's `follows`, replay and retention see a
-- re-decision for what it is without a second code path.
--
-- Not hammering a register that is down: the scheduler sends one referral
-- first (a probe) and waits for its decision; only when the probe's
-- registers answered does it send the rest, a batch at a time, each batch
-- after the last is decided.  A probe that is referred again for the same
-- reason waits a whole interval before the next.  ebbad's own circuit
-- breakers (lib/http.c) still stand between every look-up and a register.

-- 1. The link from a referral to the inbox row that asks again.
--    since: when the chain's first referral was made; the window
--    (registers.retry_window_hours) counts from it, so a re-decision that
--    refers again is retried only inside the first referral's window.
--    attempt: the how-manieth time the chain asks again; each waits twice
--    as long as the one before (p_every, 2 p_every, 4 p_every, ...), so
--    one household whose register answer stays broken costs a few
--    re-decisions a day, not one per interval.
create table ebba.register_retries (
    decision_id  bigint primary key references ebba.decisions (id),
    inbox_id     bigint not null unique references ebba.inbox (id),
    since        timestamptz not null,
    attempt      integer not null check (attempt >= 1),
    probe        boolean not null,
    scheduled_at timestamptz not null default now()
);
create index register_retries_scheduled on ebba.register_retries (scheduled_at);
grant select on ebba.register_retries to ebba_caseworker, ebba_supervisor;
alter table ebba.register_retries enable row level security;
create policy case_visible on ebba.register_retries for all
    using (decision_id not in (select ebba.hidden_decisions())) with check (true);
create policy retention_sees_all on ebba.register_retries to ebba_retention using (true);
grant select, delete on ebba.register_retries to ebba_retention;

-- 2. ebbad's decision of an inbox row that asks again names the referral,
--    and says why in its trace: {"follows": {"decision": N, "why":
--    "komplettering" | "register"}, ...}.  Schema 027's trigger, with the
--    second cause; still one index probe per ebba decision when neither.
create or replace function ebba.stamp_redecides() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare referral bigint; why text; t text; f text;
begin
    select r.decision_id, 'komplettering' into referral, why
      from ebba.completions c join ebba.document_requests r on r.id = c.request_id
     where c.inbox_id = new.inbox_id;
    if not found then
        select x.decision_id, 'register' into referral, why
          from ebba.register_retries x where x.inbox_id = new.inbox_id;
    end if;
    if referral is not null then
        new.redecides_decision_id := referral;
        -- spliced in as text: the trace (json) stays as ebbad wrote it
        t := ltrim(coalesce(new.trace::text, '{}'));
        f := '{"follows":' || json_build_object('decision', referral, 'why', why)::text;
        new.trace := (f || case when t ~ '^\{\s*\}\s*$' then '}' else ',' || substr(t, 2) end)::json;
    end if;
    return new;
end $$;
revoke all on function ebba.stamp_redecides() from public;

-- 3. The scheduler, called by every ebbad every few seconds (one runs at a
--    time: the advisory lock).  p_checks: the rule set's retry checks;
--    p_every: the interval between a failed probe and the next, and the
--    least age of a referral before it is retried; p_window: how long
--    after the first referral; p_batch: referrals sent at once once the
--    registers answer.  Returns what it sent.
create function ebba.register_retry_schedule(p_checks text[], p_every interval, p_window interval,
                                             p_batch integer)
    returns table (decision_id bigint, inbox_id bigint, probe boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    last_round timestamptz;
    still_down boolean;
    n integer;
    is_probe boolean;
begin
    if p_checks is null or cardinality(p_checks) = 0 or p_batch < 1 then
        return;
    end if;
    if not pg_try_advisory_xact_lock(hashtext('ebba.register_retry')) then
        return;   -- another ebbad is scheduling now
    end if;
    -- the last round (every row of a round has its transaction's now());
    -- while it is still being decided, wait for its answer
    select max(x.scheduled_at) into last_round from ebba.register_retries x;
    if exists (select 1 from ebba.register_retries x join ebba.inbox i on i.id = x.inbox_id
                where x.scheduled_at = last_round and i.state in ('pending', 'processing')) then
        return;
    end if;
    -- what it learnt: did a re-decision of it refer again for a retry
    -- check alone (the registers still did not answer)?
    select coalesce(bool_or(ebba.register_retry_only(e.id, p_checks)), false) into still_down
      from ebba.register_retries x join ebba.decisions e on e.inbox_id = x.inbox_id
     where x.scheduled_at = last_round;
    if still_down and last_round > now() - p_every then
        return;
    end if;
    -- a probe first, unless the last round was answered within the interval
    is_probe := last_round is null or still_down or last_round <= now() - p_every;
    n := case when is_probe then 1 else p_batch end;
    return query
    with due as (
        select d.id, d.inbox_id as orig_inbox, o.external_id || '/register-' || d.id as ext,
               coalesce(prev.since, d.decided_at) as since, coalesce(prev.attempt, 0) + 1 as attempt
          from ebba.decisions d
          join ebba.inbox o on o.id = d.inbox_id
          left join ebba.register_retries prev on prev.inbox_id = d.inbox_id
         where d.inbox_id is not null and d.outcome = 'referred'
           and d.decided_at > now() - p_window
           and d.decided_at <= now() - p_every * power(2, least(coalesce(prev.attempt, 0), 16))
           and coalesce(prev.since, d.decided_at) > now() - p_window
           -- failed only retry checks (ebba.register_retry_only, written
           -- out so the planner sees two probes of decision_checks_failed)
           and exists (select 1 from ebba.decision_checks c
                        where c.decision_id = d.id and c.result in ('fail', 'error'))
           and not exists (select 1 from ebba.decision_checks c
                            where c.decision_id = d.id and c.result in ('fail', 'error')
                              and c.check_id <> all (p_checks))
           and not exists (select 1 from ebba.decisions r
                            where r.reviews_decision_id = d.id or r.redecides_decision_id = d.id)
           and not exists (select 1 from ebba.document_requests q where q.decision_id = d.id)
           and not exists (select 1 from ebba.register_retries x where x.decision_id = d.id)
           -- opened by a person, or its case taken: it is theirs now
           and not exists (select 1 from ebba.access_log a
                            where a.object_kind = 'decision' and a.object_id = d.id::text)
           and not exists (select 1 from ebba.case_assignments c
                            where c.case_id = d.case_id
                              and (c.released_at is null or c.taken_at >= d.decided_at))
         order by coalesce(prev.attempt, 0), d.decided_at, d.id
         limit n
    ), asked as (
        insert into ebba.inbox (external_id, case_id, period, payload, submitted_by, intake_token)
        select due.ext, o.case_id, o.period, o.payload,
               o.submitted_by, o.intake_token
          from due join ebba.inbox o on o.id = due.orig_inbox
        returning ebba.inbox.id as new_inbox, ebba.inbox.external_id as ext
    )
    insert into ebba.register_retries as x (decision_id, inbox_id, since, attempt, probe)
    select due.id, asked.new_inbox, due.since, due.attempt, is_probe
      from due join asked on asked.ext = due.ext
    returning x.decision_id, x.inbox_id, x.probe;
end $$;
revoke all on function ebba.register_retry_schedule(text[], interval, interval, integer) from public;
grant execute on function ebba.register_retry_schedule(text[], interval, interval, integer) to ebba_daemon;

-- A referral of ebba's that failed only checks the registers could mend:
-- at least one failure, and every failure among p_checks.
create function ebba.register_retry_only(p_decision_id bigint, p_checks text[]) returns boolean
    language sql stable set search_path = pg_catalog
as $$
    select coalesce(bool_and(c.check_id = any (p_checks)), false)
      from ebba.decision_checks c
     where c.decision_id = p_decision_id and c.result in ('fail', 'error')
$$;
revoke all on function ebba.register_retry_only(bigint, text[]) from public;

-- 4. GET /api/v1/applications/{id}'s outcome is the last word on it: the
--    end of the chain of re-decisions and a person's review (schema 027's
--    look-up went one step only; a register retry may refer again and be
--    retried again).
create or replace function ebba.intake_status_lookup(token text, p_external_id text, out verdict text,
                                   out state text, out received_at timestamptz,
                                   out outcome text, out amount bigint,
                                   out decided_at timestamptz, out reviewed boolean)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
declare t record; app record;
begin
    select * into t from ebba.intake_token_check(token);
    if t.verdict <> 'ok' then
        verdict := t.verdict;
        return;
    end if;
    select i.id, i.state, i.received_at into app
      from ebba.inbox i where i.external_id = p_external_id and i.intake_token = t.token_id;
    if not found then
        verdict := 'not found';
        return;
    end if;
    verdict := 'ok';
    state := app.state;
    received_at := app.received_at;
    with recursive chain as (
        select d.id, 0 as depth from ebba.decisions d where d.inbox_id = app.id
        union all
        select r.id, c.depth + 1 from ebba.decisions r join chain c
            on r.reviews_decision_id = c.id or r.redecides_decision_id = c.id
    )
    select d.outcome, d.amount, d.decided_at, d.reviews_decision_id is not null
      into outcome, amount, decided_at, reviewed
      from chain c join ebba.decisions d on d.id = c.id
     order by c.depth desc, d.id desc limit 1;
end $$;

-- 5. The case system's feed: `follows` names the decision a re-decision
--    follows too (DESIGN.md §13; schema 023's page named reviews only, so
--    a komplettering's re-decision came without it).
create or replace function ebba.decision_feed_page(token text, p_after bigint, p_limit integer,
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
                'follows', coalesce(d.reviews_decision_id, d.redecides_decision_id),
                'letter', (select json_build_object('id', l.decision_id, 'sha256', encode(l.sha256, 'hex'))
                             from ebba.letters l where l.decision_id = d.id),
                'protected', exists (select 1 from ebba.case_protection p
                                      where p.case_id = d.case_id)) as item
              from ebba.decision_feed f join ebba.decisions d on d.id = f.decision_id
             where f.seq > coalesce(p_after, 0)
             order by f.seq
             limit greatest(1, least(coalesce(p_limit, 100), 1000))) x;
end $$;

-- 6. Retention removes the link with its case, and the export carries it
--    (schema 028's functions, with one statement and one key added).
do $$
begin
    if not pg_has_role(current_user, 'ebba_retention', 'MEMBER') then
        execute format('grant ebba_retention to %I', current_user);
        perform set_config('ebba.lent_retention', 'yes', true);
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
    -- a register retry's link, before the decisions it joins (schema 029)
    delete from ebba.register_retries r where r.decision_id = any (ids);
    get diagnostics n = row_count; table_name := 'register_retries'; removed := n; return next;
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
    delete from ebba.case_assignments a where a.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_assignments'; removed := n; return next;
    -- protection last: its trigger logs the lifting, and that log goes too
    delete from ebba.case_protection p where p.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection'; removed := n; return next;
    delete from ebba.case_protection_log l where l.case_id = p_case;
    get diagnostics n = row_count; table_name := 'case_protection_log'; removed := n; return next;
end $$;
revoke all on function ebba.retention_remove_case(text, text) from public;

do $$
begin
    if current_setting('ebba.lent_retention', true) = 'yes' then
        execute format('revoke ebba_retention from %I', current_user);
    end if;
end $$;

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
               'provar_igen', d.redecides_decision_id,
               'provas_igen_efter_registerfel', (select jsonb_build_object('beslut', x.decision_id,
                                                     'sedan', x.since, 'forsok', x.attempt,
                                                     'planerat', x.scheduled_at)
                                                   from ebba.register_retries x where x.decision_id = d.id),
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
    -- who has had their cases, taken and released (schema 028)
    select format('arenden/%s/handlaggare.json', a.case_id), convert_to(jsonb_pretty(jsonb_agg(jsonb_build_object(
               'handlaggare', a.person, 'tog', a.taken_at, 'senast_aktiv', a.active_at,
               'slappt', a.released_at, 'slappt_av', a.released_by, 'varfor', a.released_why)
               order by a.id)), 'UTF8')
      from ebba.case_assignments a where a.case_id = any (cases) group by a.case_id
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
