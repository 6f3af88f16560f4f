# ebba-web's Statistik against the rows: the demo households (2026-12),
# twelve more copies of one aktivitetskrav referral and a copy of every
# household for 2027-01, decided by ebbad; a check with a hostile id on one
# referral; known referrals resolved in known ways (with ebbactl, and one
# sample flag through the web's Stickprov as "Beslutet var fel").  Every
# count on the page, fetched with curl as a supervisor, is checked against
# counts computed here from the rows by other queries than the store's.
# Then tests/web/stats/statistik.mjs in Chromium: axe-core, the keyboard,
# the screenshot.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
new_db || exit 2
demo_decided || exit 0

mapfile -t akt < <(golden aktivitetskrav)
mapfile -t nochg < <(golden no-changes)
[ ${#akt[@]} -ge 2 ] && [ ${#nochg[@]} -ge 3 ] || { fail "the demo has the referrals this test resolves"; exit 0; }
demo_copies "${akt[0]}" || exit 0

# A check whose id is markup, failing on one January referral: the page
# and its chart must show it as text.
HOSTILE_CHECK=$'<script>window.__pwned=1</script>"><svg onload="window.__pwned=2">&amp;'
HOSTILE_DEC=$(psql_val "select id from ebba.decisions where inbox_id is not null and period = '2027-01'
	and outcome = 'referred' order by id desc limit 1")
psql -XAtq -v ON_ERROR_STOP=1 -v c="$HOSTILE_CHECK" >/dev/null <<SQL || { fail "the hostile check row"; exit 0; }
insert into ebba.decision_checks (decision_id, check_id, result, message, ordinal)
	values ($HOSTILE_DEC, :'c', 'fail', 'fientlig', 98)
SQL
# December: aktivitetskrav approved as applied (the demo's and the twelve
# copies: a check to tune); no-changes one of each; January: two referrals
# approved, one rejected.
for ext in "${akt[@]}" $(seq -f 'T-%g' 1 12); do resolve "$(did "$ext")" approve; done
resolve "$(did "${nochg[0]}")" approve
resolve "$(did "${nochg[1]}")" less 100
resolve "$(did "${nochg[2]}")" reject
mapfile -t jan < <(psql_val "select id from ebba.decisions where inbox_id is not null and period = '2027-01'
	and outcome = 'referred' and id <> $HOSTILE_DEC order by id limit 3")
resolve "${jan[0]}" approve; resolve "${jan[1]}" approve; resolve "${jan[2]}" reject
# Audit: one sampled approval confirmed by a decision, one adjusted (an
# error found); another sample flag resolved on the web as wrong (below).
review_two_samples || exit 0
WEB_FLAG=$(psql_val "select f.id from ebba.audit_flags f where f.kind = 'sample' and f.resolved_at is null order by f.id limit 1")
[ -n "$WEB_FLAG" ] || { fail "an open sample flag is left"; exit 0; }
WEB_FLAG_MONTH=$(psql_val "select d.period from ebba.audit_flags f join ebba.decisions d on d.id = f.decision_id where f.id = $WEB_FLAG")

# -- people and ebba-web --------------------------------------------------------
sfx=${PGDATABASE##*_}
CW=cw$sfx SV=sv$sfx PASSWORD='Lösen-för-test-1'
printf '%s\n' "$PASSWORD" | ctl user add "$CW" --role caseworker >/dev/null
printf '%s\n' "$PASSWORD" | ctl user add "$SV" --role supervisor >/dev/null
psql_val "grant password_login to $CW, $SV" >/dev/null
cleanup_roles() {
	psql -XAtq -d postgres -c "drop owned by $CW, $SV cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $CW, $SV" >/dev/null 2>&1
}
trap 'cleanup_roles; t_cleanup' EXIT
WEBCFG=$T_TMP/web.yaml
{ cat "$CFG"; printf 'web:\n  address: 127.0.0.1\n  port: 0\n'; } >"$WEBCFG"
start_web "$WEBCFG" || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
URL=http://127.0.0.1:$WEB_PORT
login() {  # login USER JAR: a session in the cookie jar
	curl -s -c "$2" -b "$2" "$URL/login" >"$T_TMP/login.html"
	local tok
	tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T_TMP/login.html" | head -n 1 | grep -o '[0-9a-f]\{64\}')
	curl -s -o /dev/null -c "$2" -b "$2" --data-urlencode "csrf=$tok" --data-urlencode "user=$1" \
		--data-urlencode "password=$PASSWORD" "$URL/login"
}
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | grep -o '[0-9a-f]\{64\}'; }
CJ=$T_TMP/cw.jar SJ=$T_TMP/sv.jar
login "$CW" "$CJ"; login "$SV" "$SJ"

# The caseworker finds the January sample flag wrong on Stickprov.
curl -s -b "$CJ" "$URL/stickprov" >"$T_TMP/flags.html"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$CJ" --data-urlencode "csrf=$(csrf_of "$T_TMP/flags.html")" \
	--data-urlencode verdict=not-ok --data-urlencode "note=Fel belopp för hyran" "$URL/stickprov/$WEB_FLAG")
check_eq "the caseworker resolves a sample flag as wrong on Stickprov" 303 "$code"

# -- the page ---------------------------------------------------------------------
get() {  # get JAR PATH OUT: the status code
	curl -s -D "$3.h" -o "$3" -w '%{http_code}' -b "$1" "$URL$2"
}
check_eq "a caseworker is refused Statistik (403)" 403 "$(get "$CJ" /statistik "$T_TMP/cw.html")"
check_eq "the refusal is logged (denied)" 1 "$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'denied'")"
check "a caseworker's navigation has no Statistik" bash -c "! grep -q 'href=\"/statistik\"' '$T_TMP/flags.html'"
check_eq "Statistik answers the supervisor (200)" 200 "$(get "$SJ" /statistik "$T_TMP/default.html")"
check "the supervisor's navigation has Statistik, current" grep -q 'href="/statistik" aria-current="page">Statistik' "$T_TMP/default.html"
check_match "without a choice: the six months up to the newest period with decisions" \
	'Visar 2026-08 till och med 2027-01 \(6 månader\)' "$(cat "$T_TMP/default.html")"
for bad in "till=2027-13" "till=x" "manader=5" "manader=-1" "till=2027-01&manader=999999"; do
	check_eq "?$bad is refused (400)" 400 "$(get "$SJ" "/statistik?$bad" "$T_TMP/bad.html")"
done
check_eq "a month without decisions is a page of zeros (200)" 200 "$(get "$SJ" "/statistik?till=2020-01&manader=1" "$T_TMP/empty.html")"
check "it says there are no referrals" grep -q 'Inga hänvisningar under perioden' "$T_TMP/empty.html"

before=$(psql_val "select count(*) from ebba.access_log where who = '$SV' and action = 'view' and object_kind = 'statistics'")
check_eq "Statistik for 2026-11 to 2027-01 (200)" 200 "$(get "$SJ" "/statistik?till=2027-01&manader=3" "$T_TMP/page.html")"
check_eq "the view is logged (view, statistics, the window)" "$((before + 1)) 2026-11..2027-01" \
	"$(psql_val "select count(*) || ' ' || max(object_id) filter (where id = (select max(id) from ebba.access_log where who = '$SV'))
		from ebba.access_log where who = '$SV' and action = 'view' and object_kind = 'statistics'")"
H=$T_TMP/page.html
check "the page is no-store and carries the CSP without unsafe-inline" bash -c \
	"grep -qi '^cache-control: no-store' '$H.h' && grep -i '^content-security-policy:' '$H.h' | grep -q \"style-src 'self'\" && ! grep -qi 'unsafe-inline' '$H.h'"
# HTML Tidy reads the page, SVG included, without an error (its warnings
# are about things HTML5 allows, so only errors count).
tidy -q -e "$H" >"$T_TMP/tidy.out" 2>&1
rc=$?
check_eq "HTML Tidy finds no error in the page (exit below 2)" "" "$([ $rc -ge 2 ] && cat "$T_TMP/tidy.out")"
check "no style attribute, no script, no external resource" bash -c \
	"! grep -Eiq '<[^>]* style=|<script|(src|href)=\"(https?:)?//' '$H'"

# What the page shows, as records (python's HTML parser, not the templates).
python3 - "$H" >"$T_TMP/shown.tsv" <<'PY'
import sys, re
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.tables = []; s.cur = None; s.cell = None; s.row = None; s.cap = None
        s.svgs = []; s.ids = set(); s.titles = {}; s.intitle = None
    def handle_starttag(s, t, a):
        a = dict(a)
        if 'id' in a: s.ids.add(a['id'])
        if t == 'table': s.cur = {'caption': '', 'rows': []}
        elif t == 'caption': s.cap = ''
        elif t == 'tr' and s.cur is not None: s.row = []
        elif t in ('td', 'th') and s.row is not None: s.cell = ''
        elif t == 'svg': s.svgs.append(a)
        elif t in ('title', 'desc') and s.svgs and 'id' in a: s.intitle = a['id']; s.titles[a['id']] = ''
    def handle_endtag(s, t):
        if t == 'table': s.tables.append(s.cur); s.cur = None
        elif t == 'caption': s.cur['caption'] = ' '.join(s.cap.split()); s.cap = None
        elif t in ('td', 'th') and s.cell is not None: s.row.append(' '.join(s.cell.split())); s.cell = None
        elif t == 'tr' and s.row is not None: s.cur['rows'].append(s.row); s.row = None
        elif t in ('title', 'desc'): s.intitle = None
    def handle_data(s, d):
        if s.cap is not None: s.cap += d
        if s.cell is not None: s.cell += d
        if s.intitle: s.titles[s.intitle] += d
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
num = lambda v: v.replace('\u2009', '').replace(' ', '')
for t in p.tables:
    c, rows = t['caption'], [r for r in t['rows'] if r and not r[0].startswith(('Kontroll', 'Månad', 'Slag'))]
    m = re.fullmatch(r'Hänvisningar av (.*) per månad', c)
    for r in rows:
        if c.startswith('Hänvisade ärenden per kontroll'):
            print('\t'.join(['total', r[0]] + r[1:7] + [r[7].replace('Att se över ', '')]))
        elif m:
            print('\t'.join(['check', m.group(1)] + r))
        elif c.startswith('Granskningsflaggor'):
            print('\t'.join(['audit_total'] + r))
        elif c.endswith(': flaggor per månad'):
            print('\t'.join(['audit', c.split(':')[0]] + r))
        elif c.startswith('Automatiska beviljanden och stickprov'):
            print('\t'.join(['sample'] + r))
for s in p.svgs:
    ids = s.get('aria-labelledby', '').split()
    ok = s.get('role') == 'img' and len(ids) == 2 and all(i in p.ids and p.titles.get(i, '').strip() for i in ids)
    print('\t'.join(['svg', 'ok' if ok else 'bad', p.titles.get(ids[0], '') if ids else '']))
PY
shown() { awk -F'\t' -v k="$1" '$1 == k' "$T_TMP/shown.tsv" | cut -f2- | LC_ALL=C sort; }

# --- the same counts from the rows ------------------------------------------------
REV="(select distinct on (reviews_decision_id) reviews_decision_id as of, outcome, amount from ebba.decisions
	where reviews_decision_id is not null order by reviews_decision_id, id)"
SAME="(r.outcome = 'approved' and coalesce(r.amount, -1) = coalesce(e.amount, -1))"
REFS="from ebba.decisions e join ebba.decision_checks c on c.decision_id = e.id left join $REV r on r.of = e.id
	left join (select redecides_decision_id as of from ebba.decisions where redecides_decision_id is not null) rd on rd.of = e.id
	where e.reviews_decision_id is null and e.outcome = 'referred' and c.result not in ('pass', 'skip')
	and e.period between '2026-11' and '2027-01'"
COUNTS="count(*), sum(case when $SAME then 1 else 0 end), sum(case when r.outcome in ('approved', 'partly_approved') and not $SAME then 1 else 0 end),
	sum(case when r.outcome = 'rejected' then 1 else 0 end), sum(case when r.outcome is null and rd.of is null then 1 else 0 end),
	sum(case when r.outcome is null and rd.of is not null then 1 else 0 end)"
pct() { echo "case when $2 = 0 then '–' else round(100.0 * $1 / $2)::text || ' %' end"; }
A="sum(case when $SAME then 1 else 0 end)"
D="sum(case when r.outcome is not null then 1 else 0 end)"
expect_totals=$(psql -XAt -F$'\t' -c "select c.check_id, $COUNTS, $(pct "$A" "$D") || case when $D = 0 then '' else ' av ' || $D end
	$REFS group by c.check_id" | LC_ALL=C sort)
expect_checks=$(psql -XAt -F$'\t' -c "select c.check_id, e.period, $COUNTS, $(pct "$A" "$D") $REFS group by c.check_id, e.period" | LC_ALL=C sort)
check_eq "every check's totals on the page agree with the rows" "$expect_totals" "$(shown total)"
check_eq "every check's months with referrals agree with the rows" "$expect_checks" \
	"$(shown check | awk -F'\t' '$3 != 0' | LC_ALL=C sort)"
check_eq "every other month of a check is all zeros" "" \
	"$(shown check | awk -F'\t' '$3 == 0 && ($4 != 0 || $5 != 0 || $6 != 0 || $7 != 0 || $8 != 0 || $9 != "–")')"
check_eq "every check has a row for each of the three months" "" \
	"$(shown check | cut -f1 | uniq -c | awk '$1 != 3')"
# Audit: a flag found an error when the caseworker's decision changed
# ebba's, or, resolved without one, when its verdict said so.
FL="from ebba.audit_flags f join ebba.decisions e on e.id = f.decision_id left join $REV r on r.of = e.id
	where e.period between '2026-11' and '2027-01'"
ERR="f.resolved_at is not null and ((r.of is not null and not $SAME) or (r.of is null and split_part(f.verdict, ':', 1) in ('adjust', 'reject', 'not-ok')))"
AUD="count(*), count(f.resolved_at), sum(case when $ERR then 1 else 0 end)"
expect_audit_total=$(for k in sample targeted; do psql -XAt -F$'\t' -c "select
	case '$k' when 'sample' then 'Stickprov' else 'Riktad granskning' end, $AUD,
	$(pct "sum(case when $ERR then 1 else 0 end)" "count(f.resolved_at)") $FL and f.kind = '$k'"; done | LC_ALL=C sort)
check_eq "the audit totals per kind agree with the rows" "$expect_audit_total" "$(shown audit_total)"
expect_audit=$(for k in sample targeted; do psql -XAt -F$'\t' -c "select
	case '$k' when 'sample' then 'Stickprov' else 'Riktad granskning' end, m, coalesce(count(f.id), 0),
	count(f.resolved_at), sum(case when f.id is not null and $ERR then 1 else 0 end),
	$(pct "sum(case when f.id is not null and $ERR then 1 else 0 end)" "count(f.resolved_at)")
	from unnest(array['2026-11', '2026-12', '2027-01']) m
	left join (ebba.audit_flags f join ebba.decisions e on e.id = f.decision_id left join $REV r on r.of = e.id)
	on e.period = m and f.kind = '$k' group by m"; done | LC_ALL=C sort)
check_eq "the audit counts per kind and month agree with the rows" "$expect_audit" "$(shown audit)"
n_err=$(psql_val "select count(*) from ebba.audit_flags f join ebba.decisions e on e.id = f.decision_id
	where f.kind = 'sample' and e.period = '$WEB_FLAG_MONTH' and f.resolved_at is not null and f.id <> $WEB_FLAG
	and exists (select 1 from ebba.decisions r where r.reviews_decision_id = e.id and (r.outcome <> 'approved' or r.amount is distinct from e.amount))")
check_match "the flag resolved on the web as wrong counts as an error found" \
	"^Stickprov	$WEB_FLAG_MONTH	[0-9]+	[0-9]+	$((n_err + 1))	" "$(shown audit | grep "	$WEB_FLAG_MONTH	")"
expect_sample=$(psql -XAt -F$'\t' -c "select m, count(e.id),
	count(e.id) filter (where exists (select 1 from ebba.audit_flags f where f.decision_id = e.id and f.kind = 'sample')),
	case when count(e.id) = 0 then '–' else replace(to_char(100.0 * count(e.id) filter (where exists (select 1
		from ebba.audit_flags f where f.decision_id = e.id and f.kind = 'sample')) / count(e.id), 'FM990.0'), '.', ',') || ' %' end
	from unnest(array['2026-11', '2026-12', '2027-01']) m left join ebba.decisions e
	on e.period = m and e.reviews_decision_id is null and e.outcome = 'approved' group by m" | LC_ALL=C sort)
check_eq "the sample rate per month agrees with the rows" "$expect_sample" "$(shown sample)"
tot=$(psql -XAt -F' ' -c "select count(*), count(*) filter (where exists (select 1 from ebba.audit_flags f
	where f.decision_id = e.id and f.kind = 'sample')) from ebba.decisions e where e.reviews_decision_id is null
	and e.outcome = 'approved' and e.period between '2026-11' and '2027-01'")
check_match "the realised rate over the window, beside the configured 10,0 %" \
	"<strong id=\"realiserad\">${tot#* } av ${tot% *}</strong>.*inställd andel <strong id=\"installd\">10,0 %</strong>" "$(tr -d '\n' <"$H")"

# The checks to tune: aktivitetskrav only (>= 90 % of >= 10 decided).
check_eq "the one check to tune is aktivitetskrav, marked in the table" "aktivitetskrav" \
	"$(grep -o '<tr class="tune"><th scope="row"><a href="#kontroll-[0-9]*"><code>[^<]*' "$H" | sed 's/.*<code>//')"
check_match "the list of checks to tune says why" \
	'<code>aktivitetskrav</code></a>: [0-9]+ av [0-9]+ avgjorda hänvisningar \((9[0-9]|100) %\) beviljades oförändrade' "$(cat "$H")"

# The charts: one per check, one per audit kind, one for the sample rate;
# each an image named by its title and description.
n_checks=$(shown total | wc -l)
check_eq "a chart per check, per audit kind and for the sample rate" "$((n_checks + 3))" "$(shown svg | wc -l)"
check_eq "every chart is role=img named by its own title and description" "" "$(shown svg | grep -v '^ok')"
check_eq "every chart has a table of its numbers after it" "$((n_checks + 3))" \
	"$(tr -d '\n' <"$H" | grep -o '</svg>.\{0,900\}<details>' | wc -l)"
# The hostile check id: text everywhere, markup nowhere.
esc=$(python3 -c 'import html,sys; print(html.escape(sys.argv[1], quote=True))' "$HOSTILE_CHECK")
check "the hostile check id is on the page as escaped text (table, heading, chart)" test "$(grep -cF "$esc" "$H")" -ge 4
check_eq "the hostile check id is a row of its own, as typed" 1 "$(shown total | cut -f1 | grep -cxF "$HOSTILE_CHECK")"
check_match "the hostile check id's chart title holds it as text" "." "$(grep -F '<title id="diagram-kontroll-' "$H" | grep -F "$esc")"
check_eq "no markup of the hostile id survives" 0 "$(grep -c '<script\|<svg onload' "$H")"

# Every count on the page is a number that adds up: referred = the four.
check_eq "on every line referred = unchanged + adjusted + rejected + open" "" \
	"$(shown total | awk -F'\t' '$2 != $3 + $4 + $5 + $6')$(shown check | awk -F'\t' '$3 != $4 + $5 + $6 + $7')"

# -- in Chromium ------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ] || [ ! -d "$ROOT/node_modules/puppeteer-core" ]; then
	fail "browser tests need chromium and node_modules (make deps)"; exit 0
fi
export EBBA_WEB_URL=$URL EBBA_CASEWORKER=$CW EBBA_SUPERVISOR=$SV EBBA_PASSWORD=$PASSWORD \
	EBBA_HOSTILE_CHECK=$HOSTILE_CHECK EBBA_SCREENS=$ROOT/$BUILD/web-screens
timeout 180 node "$ROOT/tests/web/stats/statistik.mjs" || fail "statistik.mjs exited $?"
