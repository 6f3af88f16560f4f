# The sample audit over 20 000 automatic approvals through ebbad: the
# realised rate at the rule set's 10 % lies within 9-11 %.  The approvals
# are copies of one demo household that is approved, each with its own
# application id (the draw is keyed on it).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
new_db || exit 2
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
# One plain household that the golden file says is approved.
src=$(awk -F'\t' '$2 == "approved" {print $1; exit}' "$ROOT/contrib/demo/expected.tsv")
N=20000
psql -XAtq -v ON_ERROR_STOP=1 -c "
	update ebba.inbox set state = 'decided' where state = 'pending';
	insert into ebba.inbox (external_id, case_id, period, payload)
	select 'S-' || g, case_id, period,
		convert_to(replace(convert_from(payload, 'UTF8'), 'id=\"$src\"', 'id=\"S-' || g || '\"'), 'UTF8')
	from ebba.inbox, generate_series(1, $N) g where external_id = '$src'" || fail "inserting copies"
sed -i 's/^batch_size: .*/batch_size: 200/' "$CFG"
pids=()
for w in 1 2; do "$EBBAD" -c "$CFG" --once 2>>"$T_TMP/ebbad.log" & pids+=($!); done
wait "${pids[@]}"
read -r approved sampled < <(psql -XAt -F' ' -c "select count(*), count(*) filter (where exists
	(select 1 from ebba.audit_flags f where f.decision_id = d.id and f.kind = 'sample'))
	from ebba.decisions d where d.external_id like 'S-%' and d.outcome = 'approved'")
check_eq "all $N copies approved" "$N" "$approved"
rate=$(awk "BEGIN{printf \"%.4f\", $sampled / $approved}")
echo "# realised sample rate: $sampled of $approved = $rate"
check "realised sample rate $rate lies within 9-11 %" awk "BEGIN{exit !($rate >= 0.09 && $rate <= 0.11)}"
demo_stop_regsim
