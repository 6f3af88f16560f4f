-- ebba schema, version 26: find a household by identity number (issue 29,
-- item 3) through keyed hashes, never through the number itself.
--
-- ebba.case_people (schema 025) says who each case is about.  Each row now
-- also carries pnr_key, HMAC-SHA-256 of the identity number under a key
-- that only the schema's owner can read (ebba.person_key_secret: no grant
-- to anyone), and the search (ebba-web's Sök, store/web_find.c) looks a
-- person up by that column's index alone: it never compares identity
-- numbers and never parses a document.
--
-- Why the key lives in the database and not in a file beside ebba-web: the
-- rows are written by ebbad's COPY, by the triggers of schema 025 and by
-- this migration's backfill, all inside PostgreSQL, so the hash has to be
-- computed there anyway; a key file would have to be given to PostgreSQL
-- as well as to both daemons, and a second copy of a secret is a second
-- place to lose it.  pgcrypto's hmac is a trusted extension (PostgreSQL
-- 13 and later), part of Debian's postgresql package.  Identity numbers
-- are few (about 10^10 with a check digit), so a plain hash would be
-- reversed by trying them all; the key makes the column, and anything
-- copied from it (a dump of the index, an access-log row), useless to
-- whoever does not also hold the key.
--
-- Who may compute a key: the people who search (a keyed hash of a number
-- they already typed), and the owner's own trigger.  No application role
-- reads the key.  case_people is under row-level security (schema 025's
-- policy, as every case table): a search finds no trace of a protected
-- case for those who may not see it.

do $$
begin
    if not exists (select 1 from pg_extension where extname = 'pgcrypto') then
        create schema if not exists ebba_crypto;
        create extension pgcrypto with schema ebba_crypto;
    end if;
end $$;

-- One row, made here from the database's random source; never shown.
create table ebba.person_key_secret (
    one boolean primary key default true check (one),
    key bytea not null check (octet_length(key) >= 32)
);
create trigger person_key_secret_immutable before update or delete on ebba.person_key_secret
    for each row execute function ebba.refuse_change();

-- The functions are written with the schema pgcrypto is in, wherever a
-- database administrator put it.
do $m$
declare s text := (select extnamespace::regnamespace::text from pg_extension where extname = 'pgcrypto');
begin
    execute format('insert into ebba.person_key_secret (key) values (%I.gen_random_bytes(32))', s);
    -- The keyed hash of a 12-digit identity number; NULL for anything else.
    execute format($f$
        create function ebba.person_key(p_pnr text) returns bytea
            language sql stable strict security definer set search_path = pg_catalog
        as $b$
            select %I.hmac(convert_to(p_pnr, 'UTF8'), k.key, 'sha256')
              from ebba.person_key_secret k
             where p_pnr ~ '^[0-9]{12}$'
        $b$ $f$, s);
end $m$;
revoke all on function ebba.person_key(text) from public;
grant execute on function ebba.person_key(text) to ebba_caseworker, ebba_supervisor;

alter table ebba.case_people add column pnr_key bytea;

-- Every row written gets its key, however it is written (ebbad's COPY,
-- the triggers of schema 025, a test's insert): whatever it said is
-- replaced.  Measured on the shared test machine: 20 000 rows inserted in
-- 1.6 s with the key, 0.4 s without (about 60 us a row, most of it
-- pgcrypto's hmac; a decision names two to four persons).
create function ebba.stamp_person_key() returns trigger
    language plpgsql security definer set search_path = pg_catalog
as $$
begin
    new.pnr_key := ebba.person_key(new.pnr);
    return new;
end $$;
revoke all on function ebba.stamp_person_key() from public;
create trigger case_people_person_key before insert on ebba.case_people
    for each row execute function ebba.stamp_person_key();

-- The rows stored before this version.  Rows are otherwise immutable
-- (schema 025); the owner lifts that for this one statement.
alter table ebba.case_people disable trigger case_people_no_delete;
update ebba.case_people set pnr_key = ebba.person_key(pnr);
alter table ebba.case_people enable trigger case_people_no_delete;
alter table ebba.case_people alter column pnr_key set not null;
create index case_people_pnr_key on ebba.case_people (pnr_key);

