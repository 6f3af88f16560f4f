-- ebba schema, version 5: less work for PostgreSQL per decision, the same
-- guarantees.
--
-- A profile of the PostgreSQL backends while ebbad completed batches (perf,
-- `make bench`'s instant phase) put a third of their CPU in the per-row
-- foreign-key checks (AfterTriggerEndQuery -> RI_FKey_check: one SPI query
-- and one row lock per row; a decision writes about 35 rows that refer to
-- it) and a sixth in jsonb_in (parsing and key-sorting the ~6 kB trace).
--
-- 1. The four tables that refer to a decision check that reference once per
--    statement instead of once per row: an AFTER ... FOR EACH STATEMENT
--    trigger over the statement's transition table, one anti-join for a
--    whole COPY.  What a foreign key also guards against, the parent row
--    going away or changing its id, cannot happen here: ebba.decisions
--    refuses UPDATE and DELETE (decisions_immutable, version 1) and now
--    TRUNCATE as well.  So a row that refers to a decision always refers to
--    one that exists, as before.
-- 2. The trace is stored as json, not jsonb: it is written once, read whole
--    (replay, the decision page) and queried rarely, so the text needs
--    validating but not converting; json also keeps it exactly as ebba
--    wrote it.  The json operators (->, ->>) work as before.

alter table ebba.decision_checks drop constraint decision_checks_decision_id_fkey;
alter table ebba.register_evidence drop constraint register_evidence_decision_id_fkey;
alter table ebba.audit_flags drop constraint audit_flags_decision_id_fkey;
alter table ebba.letters drop constraint letters_decision_id_fkey;

create function ebba.check_decision_refs() returns trigger language plpgsql as $$
declare missing bigint;
begin
    select n.decision_id into missing from new_rows n
     where not exists (select 1 from ebba.decisions d where d.id = n.decision_id)
     limit 1;
    if found then
        raise exception 'insert or update on table "%" violates the reference to ebba.decisions', tg_table_name
            using errcode = 'foreign_key_violation',
                  detail = format('Key (decision_id)=(%s) is not present in table "decisions".', missing);
    end if;
    return null;
end $$;

create trigger decision_checks_decision_ref after insert on ebba.decision_checks
    referencing new table as new_rows
    for each statement execute function ebba.check_decision_refs();
create trigger register_evidence_decision_ref after insert on ebba.register_evidence
    referencing new table as new_rows
    for each statement execute function ebba.check_decision_refs();
create trigger letters_decision_ref after insert on ebba.letters
    referencing new table as new_rows
    for each statement execute function ebba.check_decision_refs();
-- Audit flags are updated when they are resolved; the reference is checked
-- then too (the other three tables refuse updates).
create trigger audit_flags_decision_ref after insert on ebba.audit_flags
    referencing new table as new_rows
    for each statement execute function ebba.check_decision_refs();
create trigger audit_flags_decision_ref_update after update on ebba.audit_flags
    referencing new table as new_rows
    for each statement execute function ebba.check_decision_refs();

create trigger decisions_no_truncate before truncate on ebba.decisions
    for each statement execute function ebba.refuse_change();

alter table ebba.decisions alter column trace type json using trace::json;
do $$
begin
    alter table ebba.decisions alter column trace set compression lz4;
exception when feature_not_supported or invalid_parameter_value then
    raise notice 'lz4 is not available in this server; keeping pglz';
end $$;
