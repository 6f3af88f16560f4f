# Shared by the queue tests: a valid application document for inbox row N,
# built in SQL so that thousands can be inserted in one statement exactly as
# an e-service with the intake role would.
app_doc_sql() {  # app_doc_sql ID_EXPR: an SQL expression yielding the document text
	local a1 c1
	a1=$(grep -m1 '^1985' "$EBBA_REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt")
	c1=$(grep -m1 '^2015' "$EBBA_REFERENCE/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt")
	cat <<SQL
format('<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="urn:ebba:application:1" id="EB-T-%s" case="C-%s" kind="repeat">
  <period>2026-12</period>
  <submitted>2026-11-24T21:13:05+01:00</submitted>
  <household shared-with="0">
    <person pnr="$a1" role="applicant"/>
    <person pnr="$c1" role="child"/>
  </household>
  <incomes><income person="$a1" type="salary" amount="4200"/></incomes>
  <costs><cost type="rent" amount="7450"/></costs>
  <changes>false</changes>
</application>
', %ID%, %ID%)
SQL
}

# insert_apps FROM TO: inbox rows EB-T-FROM .. EB-T-TO
insert_apps() {
	local expr; expr=$(app_doc_sql | sed 's/%ID%/g/g')
	psql -XAtq -v ON_ERROR_STOP=1 -c "insert into ebba.inbox (external_id, case_id, period, payload)
		select 'EB-T-' || g, 'C-' || g, '2026-12', convert_to($expr, 'UTF8')
		from generate_series($1, $2) g"
}
