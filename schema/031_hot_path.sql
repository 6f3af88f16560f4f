-- ebba schema, version 31: the decision's hot path in PostgreSQL made light
-- again (issue 25's "no slower than before", issue 30 item 6).
--
-- Measured with `BENCH_PG_PROFILE=1 contrib/bench/run.sh` (5 000
-- applications, 4 ebbad, instant registers; the profile lists functions by
-- their own time and statements by total time, per decision).  Against
-- the version before issue 25 (8ed223b), the COPY of a batch's decisions
-- went from 474 to 989 us per decision, and two things explained most of
-- it:
--
-- 1. ebba.case_people_from_decisions (schema 025) took 290 us a decision
--    and inserted nothing.  Its NOT EXISTS probe of case_people by
--    inbox_id could not use the partial index case_people_inbox (WHERE
--    inbox_id <> 0): nothing told the planner the probe's inbox_id is not
--    0, so every batch hashed the whole table.  The probe now says so, and
--    the trigger first asks, over the batch, whether any decision lacks
--    its persons at all: for ebbad's decisions none does (it COPYs them
--    first), and nothing else runs.
--
-- 2. The keyed hash of every person named (schema 026): pgcrypto's hmac()
--    cost 22 us a row, most of it OpenSSL looking up the digest for each
--    call; PostgreSQL's own sha256() costs 2 us.  HMAC is two hashes
--    (RFC 2104): H((K xor opad) || H((K xor ipad) || m)), so the key's two
--    padded forms are kept, computed once here, and person_key() is that
--    formula with the built-in function: the same bytes as before (checked
--    below against pgcrypto before anything changes), so every stored
--    pnr_key and its index stay valid.  Measured by inserting 20 000
--    case_people rows: 0.74 s with pgcrypto, 0.32 s with sha256 twice,
--    0.24 s with no key at all.  The row trigger itself read the key for
--    every row, an executor each (39 us a row in the bench's profile), so
--    ebbad's persons now come in one statement per batch that keys them
--    (ebba.add_case_people); every other insert is still keyed by the
--    trigger.
--
-- 3. ebba.stamp_redecides (schema 027/029) ran for every decision ebbad
--    wrote, 70 us each, to find the few that decide a komplettering or a
--    register retry again: each row-level look-up in a table pays for an
--    executor of its own.  ebbad now learns the links with the batch it
--    fences, one look-up for the batch, and writes them; the trigger runs
--    for those few decisions alone, and one statement per batch checks
--    that no re-decision went without its link.

-- 1. ------------------------------------------------------------------
create or replace function ebba.case_people_from_decisions() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare n record;
begin
    -- ebbad wrote the persons itself: one probe over the batch, by index
    if not exists (select 1 from new_decisions d
                    where d.inbox_id is not null
                      and not exists (select 1 from ebba.case_people c
                                       where c.inbox_id = d.inbox_id and c.inbox_id <> 0)) then
        return null;
    end if;
    begin
        insert into ebba.case_people (case_id, pnr, role, inbox_id)
        select d.case_id, p.pnr, p.role, d.inbox_id
          from new_decisions d join ebba.inbox i on i.id = d.inbox_id,
               lateral ebba.application_people(i.payload) p
         where d.inbox_id is not null and p.role in ('applicant', 'co-applicant', 'child')
           and not exists (select 1 from ebba.case_people c
                            where c.inbox_id = d.inbox_id and c.inbox_id <> 0)
        on conflict do nothing;
    exception when data_exception then
        for n in select d.case_id, d.inbox_id from new_decisions d where d.inbox_id is not null
                   and not exists (select 1 from ebba.case_people c
                                    where c.inbox_id = d.inbox_id and c.inbox_id <> 0) loop
            begin
                insert into ebba.case_people (case_id, pnr, role, inbox_id)
                select n.case_id, p.pnr, p.role, n.inbox_id
                  from ebba.inbox i, lateral ebba.application_people(i.payload) p
                 where i.id = n.inbox_id and p.role in ('applicant', 'co-applicant', 'child')
                on conflict do nothing;
            exception when data_exception then
                null;
            end;
        end loop;
    end;
    return null;
end $$;
revoke all on function ebba.case_people_from_decisions() from public;

-- 2. ------------------------------------------------------------------
-- The key's padded forms (64 bytes each, the SHA-256 block), no grant to
-- anyone, as the key itself.
create table ebba.person_key_pads (
    one boolean primary key default true check (one),
    ipad bytea not null check (octet_length(ipad) = 64),
    opad bytea not null check (octet_length(opad) = 64)
);
create trigger person_key_pads_immutable before update or delete on ebba.person_key_pads
    for each row execute function ebba.refuse_change();

-- The formula, once: HMAC-SHA-256 of an identity number from the key's
-- padded forms.  Plain SQL, so it is inlined into the statements below (a
-- set-based insert computes it per row without a call; STABLE as
-- convert_to is, since an IMMUTABLE function with a stable body is not
-- inlined: called, it cost 29 us a decision in the bench's profile); no
-- grant: only the owner's functions call it, with the pads only they can
-- read.
create function ebba.person_key_from(p_ipad bytea, p_opad bytea, p_pnr text) returns bytea
    language sql stable strict
as $$
    select sha256(p_opad || sha256(p_ipad || convert_to(p_pnr, 'UTF8')))
$$;
revoke all on function ebba.person_key_from(bytea, bytea, text) from public;

do $m$
declare
    k bytea := (select s.key from ebba.person_key_secret s);
    ipad bytea := '';
    opad bytea := '';
    b integer;
    crypto text := (select extnamespace::regnamespace::text from pg_extension where extname = 'pgcrypto');
    same boolean;
begin
    if octet_length(k) > 64 then
        k := sha256(k);   -- RFC 2104: a key longer than the block is hashed first
    end if;
    for i in 0 .. 63 loop
        b := case when i < octet_length(k) then get_byte(k, i) else 0 end;
        ipad := ipad || decode(lpad(to_hex(b # 54), 2, '0'), 'hex');
        opad := opad || decode(lpad(to_hex(b # 92), 2, '0'), 'hex');
    end loop;
    insert into ebba.person_key_pads (ipad, opad) values (ipad, opad);
    -- the same bytes as pgcrypto's hmac, or no migration
    execute format($q$
        select bool_and(%I.hmac(convert_to(t.p, 'UTF8'), s.key, 'sha256')
                        = ebba.person_key_from($2, $1, t.p))
          from ebba.person_key_secret s,
               (values ('194107086995'), ('189506229807'), ('000000000000')) t(p)
    $q$, crypto) into same using opad, ipad;
    if not same then
        raise exception 'schema 31: the built-in HMAC differs from pgcrypto''s';
    end if;
end $m$;

create or replace function ebba.person_key(p_pnr text) returns bytea
    language sql stable strict security definer set search_path = pg_catalog
as $$
    select ebba.person_key_from(k.ipad, k.opad, p_pnr)
      from ebba.person_key_pads k
     where p_pnr ~ '^[0-9]{12}$'
$$;
revoke all on function ebba.person_key(text) from public;
grant execute on function ebba.person_key(text) to ebba_caseworker, ebba_supervisor;

-- The row trigger computes it in place (one function call a row, not two).
create or replace function ebba.stamp_person_key() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    select ebba.person_key_from(k.ipad, k.opad, new.pnr) into new.pnr_key
      from ebba.person_key_pads k
     where new.pnr ~ '^[0-9]{12}$';
    return new;
end $$;
revoke all on function ebba.stamp_person_key() from public;

-- ebbad's persons, set by set: one statement per batch that computes the
-- keys itself, instead of a COPY whose every row ran the trigger (39 us a
-- row in `make bench`'s profile, an executor per row to read the pads).
-- The row trigger leaves a key alone only inside this function: the
-- schema's owner is the current user (SECURITY DEFINER) and the function
-- has said so for its own statement; any other insert is keyed by the
-- trigger, whatever it says.
create function ebba.add_case_people(p_case text[], p_pnr text[], p_role text[], p_inbox bigint[])
    returns void
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
begin
    perform set_config('ebba.keys_from', 'add_case_people', true);
    insert into ebba.case_people (case_id, pnr, role, inbox_id, pnr_key)
    select u.c, u.p, u.r, u.i, ebba.person_key_from(k.ipad, k.opad, u.p)
      from unnest(p_case, p_pnr, p_role, p_inbox) u(c, p, r, i), ebba.person_key_pads k;
    perform set_config('ebba.keys_from', '', true);
end $$;
revoke all on function ebba.add_case_people(text[], text[], text[], bigint[]) from public;
grant execute on function ebba.add_case_people(text[], text[], text[], bigint[]) to ebba_daemon;

do $m$
begin
    drop trigger case_people_person_key on ebba.case_people;
    execute format($t$
        create trigger case_people_person_key before insert on ebba.case_people
            for each row when (new.pnr_key is null or current_user <> %L
                               or current_setting('ebba.keys_from', true) is distinct from 'add_case_people')
            execute function ebba.stamp_person_key()
    $t$, (select r.rolname from pg_class c join pg_roles r on r.oid = c.relowner
           where c.oid = 'ebba.case_people'::regclass));
end $m$;

-- 3. ------------------------------------------------------------------
-- ebbad learns, with the batch it fences (store/queue_complete.c), which
-- of its applications decide a referral again, and writes the link itself.
-- The row trigger now fires for those few decisions alone: it checks the
-- link against the tables and splices "follows" into the trace, as
-- before.  That no re-decision goes without its link is checked once per
-- statement, over the batch.

-- The referrals that applications decide again: a komplettering's, else
-- a register retry's (an application is at most one of them).  PL/pgSQL
-- for its plan, kept for the session: as an SQL function (never inlined,
-- being SECURITY DEFINER) it was planned at every call, 1.1 ms a batch.
create function ebba.redecisions(p_inbox bigint[])
    returns table (inbox_id bigint, decision_id bigint, why text)
    language plpgsql stable security definer set search_path = pg_catalog
as $$
begin
    return query
    select c.inbox_id, r.decision_id, 'komplettering'::text
      from ebba.completions c join ebba.document_requests r on r.id = c.request_id
     where c.inbox_id = any (p_inbox)
    union all
    select x.inbox_id, x.decision_id, 'register'::text
      from ebba.register_retries x
     where x.inbox_id = any (p_inbox)
       and not exists (select 1 from ebba.completions c where c.inbox_id = x.inbox_id);
end $$;
revoke all on function ebba.redecisions(bigint[]) from public;
grant execute on function ebba.redecisions(bigint[]) to ebba_daemon;

create or replace function ebba.stamp_redecides() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare referral bigint; why text; t text; f text;
begin
    select x.decision_id, x.why into referral, why
      from ebba.redecisions(array[new.inbox_id]) x;
    if referral is null then
        return new;   -- a link the writer gave for an application of its own
    end if;
    if new.redecides_decision_id is distinct from referral then
        raise exception 'ebba.decisions: application % decides referral % again, not %',
            new.inbox_id, referral, new.redecides_decision_id using errcode = 'check_violation';
    end if;
    -- spliced in as text: the trace (json) stays as ebbad wrote it
    t := ltrim(coalesce(new.trace::text, '{}'));
    f := '{"follows":' || json_build_object('decision', referral, 'why', why)::text;
    new.trace := (f || case when t ~ '^\{\s*\}\s*$' then '}' else ',' || substr(t, 2) end)::json;
    return new;
end $$;
revoke all on function ebba.stamp_redecides() from public;
drop trigger decisions_redecides on ebba.decisions;
create trigger decisions_redecides before insert on ebba.decisions
    for each row when (new.inbox_id is not null and new.redecides_decision_id is not null)
    execute function ebba.stamp_redecides();

create function ebba.check_redecides() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
declare missed bigint;
begin
    select d.inbox_id into missed
      from new_decisions d join ebba.redecisions(
               array(select n.inbox_id from new_decisions n
                      where n.inbox_id is not null and n.redecides_decision_id is null)) x
           on x.inbox_id = d.inbox_id
     limit 1;
    if found then
        raise exception 'ebba.decisions: application % decides a referral again, but its decision does not name it', missed
            using errcode = 'check_violation';
    end if;
    return null;
end $$;
revoke all on function ebba.check_redecides() from public;
create trigger decisions_redecides_checked after insert on ebba.decisions
    referencing new table as new_decisions
    for each statement execute function ebba.check_redecides();
