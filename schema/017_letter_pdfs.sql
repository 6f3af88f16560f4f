-- ebba schema, version 17: the letter as sent, text and PDF, each with its
-- SHA-256 (DESIGN.md §10a; docs/letters.md).
--
-- The text of a letter is written with its decision, in the decision's
-- transaction, and has been immutable since version 1 (letters_immutable).
-- The database now keeps its SHA-256 too, computed by itself.
--
-- The PDF is rendered outside ebbad's deciding path (ebbad does not even
-- link the renderer), once, by whichever program first needs it: ebba-web
-- or ebbactl when a person asks for it, the delivery program when it sends
-- it.  It is stored write-once in ebba.letter_pdfs, and from then on the
-- same bytes are shown, downloaded and sent.  Nobody inserts into the table
-- directly: ebba.letter_pdf_store() stores a PDF only when the decision has
-- a letter, the PDF was rendered from that letter's text as it stands
-- (body_sha256), and no PDF is stored yet; either way it answers with the
-- PDF that is stored, so two people asking at once both get the bytes of
-- whoever came first.  Rendering is deterministic (the same text gives the
-- same bytes with the same renderer, which the row names), so a stored PDF
-- can be checked by rendering its text again.

-- convert_to() is only STABLE (a conversion could be redefined); from the
-- database's encoding to UTF-8 of a UTF-8 database it is the identity.
create function ebba.utf8_sha256(t text) returns bytea
    language sql immutable strict parallel safe
as $$ select pg_catalog.sha256(pg_catalog.convert_to(t, 'UTF8')) $$;

alter table ebba.letters
    add column sha256 bytea generated always as (ebba.utf8_sha256(body)) stored;

create table ebba.letter_pdfs (
    decision_id bigint primary key references ebba.letters (decision_id),
    pdf         bytea not null
                constraint letter_pdfs_is_pdf check (substring(pdf from 1 for 5) = '\x255044462d'::bytea),
    sha256      bytea not null generated always as (sha256(pdf)) stored,
    body_sha256 bytea not null,     -- the letter's text it was rendered from
    renderer    text not null,      -- cairo, pango, qpdf and the fonts (by SHA-256)
    rendered_by text not null,      -- ebba.person() of whoever first asked
    rendered_at timestamptz not null default now()
);
-- A PDF's streams are compressed already.
alter table ebba.letter_pdfs alter column pdf set storage external;

create trigger letter_pdfs_immutable before update or delete on ebba.letter_pdfs
    for each row execute function ebba.refuse_change();
create trigger letter_pdfs_no_truncate before truncate on ebba.letter_pdfs
    for each statement execute function ebba.refuse_change();
create trigger letters_no_truncate before truncate on ebba.letters
    for each statement execute function ebba.refuse_change();

-- Stores p_pdf as decision p_decision_id's letter unless one is stored
-- already; answers with the stored PDF and its SHA-256, and whether it was
-- this call that stored it.  SECURITY DEFINER: nobody else may write the
-- table.  Who stored it is the person on whose behalf the session runs,
-- as ebba.person() says outside this function: inside it current_user is
-- the owner, so a vouching front end's person is the role it SET ROLE to.
create function ebba.letter_pdf_store(p_decision_id bigint, p_pdf bytea, p_body_sha256 bytea,
                                      p_renderer text, out pdf bytea, out sha256 bytea,
                                      out stored boolean)
    language plpgsql volatile security definer set search_path = pg_catalog
as $$
declare
    text_sha bytea;
    who text := case when pg_has_role(session_user, 'ebba_web_proxy', 'MEMBER')
                     then current_setting('role') else session_user::text end;
begin
    select l.sha256 into text_sha from ebba.letters l where l.decision_id = p_decision_id;
    if not found then
        raise exception 'decision % has no letter', p_decision_id using errcode = 'no_data_found';
    end if;
    if p_body_sha256 is distinct from text_sha then
        raise exception 'the PDF was not rendered from decision %''s letter as it stands', p_decision_id
            using errcode = 'check_violation';
    end if;
    if octet_length(p_pdf) > 16 * 1024 * 1024 or length(p_renderer) > 1000 then
        raise exception 'a letter''s PDF of % bytes is too large', octet_length(p_pdf)
            using errcode = 'program_limit_exceeded';
    end if;
    insert into ebba.letter_pdfs (decision_id, pdf, body_sha256, renderer, rendered_by)
    values (p_decision_id, p_pdf, p_body_sha256, p_renderer, who)
    on conflict (decision_id) do nothing;
    stored := found;
    -- a new statement, a new snapshot: a PDF stored by someone else while
    -- this insert waited is seen here
    select p.pdf, p.sha256 into pdf, sha256 from ebba.letter_pdfs p where p.decision_id = p_decision_id;
end $$;

revoke all on function ebba.letter_pdf_store(bigint, bytea, bytea, text) from public;
grant execute on function ebba.letter_pdf_store(bigint, bytea, bytea, text)
    to ebba_caseworker, ebba_supervisor;
grant select on ebba.letter_pdfs to ebba_caseworker, ebba_supervisor;
