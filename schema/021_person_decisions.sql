-- ebba schema, version 21: a person's decision line by line (issue 25).
--
-- 1. partly_approved (delvis bifall) is an outcome: a person granted part
--    of the application and refused the rest.  ebba itself never decides
--    it.  The names are lib/outcome.c's table.
alter table ebba.decisions drop constraint decisions_outcome_check;
alter table ebba.decisions add constraint decisions_outcome_check
    check (outcome in ('approved', 'partly_approved', 'referred', 'rejected'));
alter table ebba.decisions add constraint decisions_partly_by_person
    check (outcome <> 'partly_approved' or reviews_decision_id is not null);
