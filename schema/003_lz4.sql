-- ebba schema, version 3: lz4 for the large columns ebbad writes.
--
-- make bench showed pglz_compress at about a tenth of PostgreSQL's CPU
-- while ebbad completed batches: the trace (~6 kB of JSON per decision) and
-- the SSBTEK responses in the evidence are compressed on the way into
-- TOAST.  lz4 compresses several times faster at a similar ratio.  Only new
-- values use it; a server built without lz4 keeps pglz.
do $$
begin
    alter table ebba.decisions alter column trace set compression lz4;
    alter table ebba.register_evidence alter column raw set compression lz4;
exception when feature_not_supported or invalid_parameter_value then
    raise notice 'lz4 is not available in this server; keeping pglz';
end $$;
