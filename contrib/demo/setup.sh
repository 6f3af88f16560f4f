# Sourced by contrib/demo/run.sh and by the end-to-end test: builds the
# demo households, starts the register simulator, writes a configuration,
# migrates the database named by the PG* environment, stores the case
# frames and submits the applications.  Leaves:
#   DEMO_DIR/data       generated households (see contrib/gen/gen.c)
#   DEMO_DIR/ebba.yaml  the configuration ebbad and ebbactl use
#   DEMO_REGSIM_PID     the simulator's pid
#   DEMO_DIR/mailbox    the municipality's test signing key and certificate
#                       (signer.key, signer.pem) for the digital mailbox,
#                       which the simulator trusts; DEMO_MAILBOX_URL its
#                       recipient service (ebba-deliver's deliver.mailbox_url)
#
# About 50 households: ebba-gen draws deviations (a missing AF
# registration, low attendance, undeclared income, declared changes, rent
# over the frame, no plan); five more are altered here to show the other
# reasons (a new application, free text to the caseworker, a case without
# a frame, a case under manual handling) and a register outage.

demo_setup() {
	local root=$1 build=$2 dir=$3 reference=$4
	DEMO_DIR=$dir
	mkdir -p "$dir"
	"$build/ebba-gen" --out "$dir/data" --count 50 --seed 2026 --period 2026-12 \
		--deviations 0.45 --pnr-list "$reference/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt" \
		>/dev/null || return 1
	demo_alter "$dir/data" || return 1
	demo_mailbox "$dir" || return 1
	"$build/ebba-regsim" --dir "$dir/data/registers" --port 0 --port-file "$dir/regsim.port" \
		--mailbox-trust "$dir/mailbox/signer.pem" >"$dir/regsim.log" 2>&1 &
	DEMO_REGSIM_PID=$!
	local i
	for i in $(seq 100); do [ -s "$dir/regsim.port" ] && break; sleep 0.05; done
	[ -s "$dir/regsim.port" ] || { echo "demo: the register simulator did not start" >&2; return 1; }
	local port; port=$(cat "$dir/regsim.port")
	DEMO_MAILBOX_URL=http://127.0.0.1:$port/mailbox/recipient
	cat >"$dir/ebba.yaml" <<YAML
# Demo configuration (written by contrib/demo/setup.sh).
database: ""
rules_dir: $root/rules
batch_size: 64
registers:
  ssbtek_url: http://127.0.0.1:$port/ssbtek
  attendance_url: http://127.0.0.1:$port
  timeout_ms: 1000
  deadline_ms: 3000
  retries: 2
  organisation_number: "2120000000"
  organisation_name: Demo kommun
audit:
  secret: demo-secret-not-for-production
YAML
	local ctl="$build/ebbactl -c $dir/ebba.yaml"
	$ctl db migrate >/dev/null || return 1
	local f
	for f in "$dir"/data/cases/*.yaml; do
		$ctl case set "$f" >/dev/null || return 1
	done
	$ctl submit "$dir"/data/applications/*.xml >/dev/null
}

demo_alter() {
	local data=$1 id case app
	# A household without deviations for each alteration, chosen in
	# manifest order so the choice is the same on every run.
	mapfile -t plain < <(awk -F'\t' '$4 == "none" {print $1 "\t" $2}' "$data/manifest.tsv")
	[ ${#plain[@]} -ge 6 ] || { echo "demo: too few plain households" >&2; return 1; }
	IFS=$'\t' read -r id case <<<"${plain[0]}"
	sed -i 's/kind="repeat"/kind="new"/' "$data/applications/$id.xml"
	IFS=$'\t' read -r id case <<<"${plain[1]}"
	sed -i -e 's|<message></message>|<message>Jag har fått ett nytt jobb från januari.</message>|' \
		-e 's|<message/>|<message>Jag har fått ett nytt jobb från januari.</message>|' "$data/applications/$id.xml"
	IFS=$'\t' read -r id case <<<"${plain[2]}"
	rm -f "$data/cases/$case.yaml"
	IFS=$'\t' read -r id case <<<"${plain[3]}"
	sed -i 's/^automation: allowed/automation: manual/' "$data/cases/$case.yaml"
	IFS=$'\t' read -r id case <<<"${plain[4]}"
	# A register outage: the applicant's SSBTEK answer is garbage every time.
	local pnr
	pnr=$(grep -o 'pnr="[0-9]*" role="applicant"' "$data/applications/$id.xml" | grep -o '[0-9]\{12\}')
	printf 'Service Unavailable\n' >"$data/registers/ssbtek/$pnr.xml"
	{
		printf '%s\tnew application\n' "$(cut -f1 <<<"${plain[0]}")"
		printf '%s\tmessage to caseworker\n' "$(cut -f1 <<<"${plain[1]}")"
		printf '%s\tno case frame\n' "$(cut -f1 <<<"${plain[2]}")"
		printf '%s\tmanual handling\n' "$(cut -f1 <<<"${plain[3]}")"
		printf '%s\tregister outage\n' "$(cut -f1 <<<"${plain[4]}")"
	} >"$data/altered.tsv"
}

# The digital mailbox of the demo: a test signing key and certificate made
# here (never shipped), and every other applicant with a mailbox at the
# simulated supplier a or b, one of whom does not accept the municipality
# as a sender; the rest get their letters on paper.
demo_mailbox() {
	local dir=$1
	mkdir -p "$dir/mailbox" "$dir/data/registers/mailbox"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Demo kommun (test signing only)" \
		-keyout "$dir/mailbox/signer.key" -out "$dir/mailbox/signer.pem" >/dev/null 2>&1 ||
		{ echo "demo: openssl could not make the signing certificate" >&2; return 1; }
	grep -ho 'pnr="[0-9]*" role="applicant"' "$dir"/data/applications/*.xml | grep -o '[0-9]\{12\}' |
		sort -u | awk 'NR % 2 == 1 { n++; printf "%s\t%s%s\n", $1, (n % 2 ? "a" : "b"), (n == 3 ? "\tdeclined" : "") }' \
		>"$dir/data/registers/mailbox/people.tsv"
}

demo_stop_regsim() {
	[ -n "${DEMO_REGSIM_PID:-}" ] && kill "$DEMO_REGSIM_PID" 2>/dev/null && wait "$DEMO_REGSIM_PID" 2>/dev/null
	DEMO_REGSIM_PID=
}

# A readable summary of what ebbad decided.
demo_summary() {
	psql -XAtq -F $'\t' -c "select outcome, count(*) from ebba.decisions where decided_by = 'ebba' group by 1 order by 1" |
		while IFS=$'\t' read -r o n; do printf '  %-10s %s\n' "$o" "$n"; done
	echo
	echo "Referral reasons:"
	psql -XAtq -F $'\t' -c "select c.message, count(*) from ebba.decision_checks c join ebba.decisions d on d.id = c.decision_id
		where d.outcome = 'referred' and c.result in ('fail','error') group by 1 order by 2 desc, 1" |
		while IFS=$'\t' read -r m n; do printf '  %3s × %s\n' "$n" "$m"; done
	echo
	echo "Audit flags:"
	psql -XAtq -F $'\t' -c "select kind, reason, count(*) from ebba.audit_flags group by 1, 2 order by 1, 2" |
		while IFS=$'\t' read -r k r n; do printf '  %3s × %s: %s\n' "$n" "$k" "$r"; done
	echo
	echo "Decisions:"
	psql -XAt -F $'\t' -c "select d.id, d.external_id, d.outcome, coalesce(d.amount::text, '-'),
		coalesce((select string_agg(c.check_id, ',' order by c.ordinal) from ebba.decision_checks c
			where c.decision_id = d.id and c.result in ('fail','error')), ''),
		coalesce((select string_agg(f.kind, ',') from ebba.audit_flags f where f.decision_id = d.id), '')
		from ebba.decisions d where d.decided_by = 'ebba' order by d.id" |
		while IFS=$'\t' read -r id ext o a c f; do printf '  %4s %-20s %-9s %7s  %s%s\n' "$id" "$ext" "$o" "$a" "$c" "${f:+  [$f]}"; done
}
