# The decision letter as a PDF (docs/letters.md, DESIGN.md §10a): the demo
# households decided by ebbad; an approval's letter asked for with ebbactl
# and downloaded from ebba-web.  Checked with poppler-utils and qpdf, not
# with ebba's own reading of it:
#  - pdffonts: every font embedded; pdfinfo: A4, tagged, the title;
#    pdfinfo -struct: H1, H2, P and the calculation as Table/TR/TH/TD;
#    the catalogue's /Lang is sv-SE (qpdf --show-object);
#  - pdftotext finds the amount as Swedes write it ("12 460 kr", the
#    spaces no-break ones in the PDF), and pdftotext -bbox puts the right
#    edges of the calculation's amounts within 1 pt of each other;
#  - asking twice gives the same bytes, rendering the same text twice too;
#    the web's download is ebbactl's bytes, logged as an export; the
#    letter's text and PDF are stored once, with their SHA-256, and nobody
#    can change them; ebbad does not link the renderer.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/demo_lib.sh"
for t in pdffonts pdfinfo pdftotext qpdf; do
	command -v $t >/dev/null || { fail "$t is installed (make deps: poppler-utils, qpdf)"; exit 0; }
done
new_db || exit 2
demo_decided || exit 0

check_eq "ebbad does not link cairo, pango or qpdf" 0 "$(ldd "$EBBAD" | grep -cE 'cairo|pango|qpdf')"

# An approval with an amount in the thousands, and a referral (no letter).
D=$(psql_val "select d.id from ebba.decisions d join ebba.letters l on l.decision_id = d.id
	where d.amount >= 10000 order by d.id limit 1")
R=$(psql_val "select id from ebba.decisions where outcome = 'referred' order by id limit 1")
[ -n "$D" ] && [ -n "$R" ] || { fail "the demo has an approval over 10 000 kr and a referral"; exit 0; }
AMOUNT=$(psql_val "select amount from ebba.decisions where id = $D")
KR=$(printf '%d' "$AMOUNT" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1 \2/;ta')   # 12460 -> "12 460"

# ---- the text -----------------------------------------------------------------
ctl letter "$D" >"$T_TMP/letter.txt"
check_eq "ebbactl letter prints the text (exit 0)" 0 "$?"
check "... with the amount as a Swede writes it" grep -qF "Socialnämnden beviljar försörjningsstöd med $KR kr" "$T_TMP/letter.txt"
check "... as text: no markup left" bash -c "! grep -qE '^#' '$T_TMP/letter.txt'"
check "... the title first" bash -c "head -n 1 '$T_TMP/letter.txt' | grep -qx 'Beslut om ekonomiskt bistånd (försörjningsstöd)'"
check_eq "... the calculation's amounts right-aligned in one column (4 rows, one width)" "4 1" \
	"$(python3 -c 'import sys; r = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8") if l.startswith(("  Norm", "  + Godtagna", "  - Inkomster", "  = Beviljat"))]; print(len(r), len({len(l) for l in r}))' "$T_TMP/letter.txt")"
ctl letter "$D" --raw >"$T_TMP/raw.txt"
psql -XAtq -c "select body from ebba.letters where decision_id = $D" >"$T_TMP/body.txt"
check "--raw is the stored text, byte for byte" cmp -s "$T_TMP/raw.txt" <(head -c -1 "$T_TMP/body.txt")
check_eq "the database keeps the text's SHA-256" "$(sha256sum <"$T_TMP/raw.txt" | cut -c1-64)" \
	"$(psql_val "select encode(sha256, 'hex') from ebba.letters where decision_id = $D")"
check_eq "each look at the text is logged (view, letter)" 2 \
	"$(psql_val "select count(*) from ebba.access_log where action = 'view' and object_kind = 'letter' and object_id = '$D' and client = 'ebbactl'")"
ctl letter "$R" >/dev/null 2>"$T_TMP/noletter.err"
check_eq "a referral has no letter (exit 1)" 1 "$?"
check_match "... and says so" "decision $R has no letter" "$(cat "$T_TMP/noletter.err")"

# ---- the PDF, twice -----------------------------------------------------------
check_eq "no PDF is stored before anyone asks" 0 "$(psql_val "select count(*) from ebba.letter_pdfs")"
out=$(ctl letter "$D" --pdf "$T_TMP/a.pdf")
check_match "ebbactl letter --pdf writes the PDF and says its SHA-256" "a.pdf: [0-9]+ bytes, SHA-256 [0-9a-f]{64}" "$out"
check "the file is private to its owner (0600)" bash -c "[ \"\$(stat -c %a '$T_TMP/a.pdf')\" = 600 ]"
ctl letter "$D" --pdf "$T_TMP/b.pdf" >/dev/null
check "asking twice gives the same bytes" cmp -s "$T_TMP/a.pdf" "$T_TMP/b.pdf"
SHA=$(sha256sum <"$T_TMP/a.pdf" | cut -c1-64)
check_eq "one PDF stored, its SHA-256 the file's, rendered from the letter as stored" "1 $SHA true" \
	"$(psql_val "select count(*) || ' ' || max(encode(p.sha256, 'hex')) || ' ' || bool_and(p.body_sha256 = l.sha256)
		from ebba.letter_pdfs p join ebba.letters l using (decision_id)")"
check_match "the stored PDF names its renderer" "^cairo 1\.[0-9.]+, pango 1\.[0-9.]+, qpdf [0-9.]+, fonts LiberationSans-Regular.ttf [0-9a-f]{12}" \
	"$(psql_val "select renderer from ebba.letter_pdfs where decision_id = $D")"
check_eq "each PDF is logged as an export" 2 \
	"$(psql_val "select count(*) from ebba.access_log where action = 'export' and object_kind = 'letter' and object_id = '$D'")"
ctl letter "$D" --raw >"$T_TMP/again.txt"
ctl letter --file "$T_TMP/again.txt" --pdf "$T_TMP/c.pdf" --date 2026-12-07 >/dev/null
ctl letter --file "$T_TMP/again.txt" --pdf "$T_TMP/d.pdf" --date 2026-12-07 >/dev/null
check "rendering the same text twice gives the same bytes" cmp -s "$T_TMP/c.pdf" "$T_TMP/d.pdf"
out=$(ctl letter "$D" --check)
check_match "--check: the stored PDF is the stored text rendered again" "the stored PDF is its text rendered again \(SHA-256 $SHA\)" "$out"
ctl letter "$D" --pdf - >"$T_TMP/stdout.pdf" 2>/dev/null
check "--pdf - writes the same bytes to standard output" cmp -s "$T_TMP/a.pdf" "$T_TMP/stdout.pdf"

# ---- what poppler and qpdf see ------------------------------------------------
P=$T_TMP/a.pdf
pdffonts "$P" >"$T_TMP/fonts.txt" 2>&1
check "pdffonts lists fonts, every one embedded" bash -c \
	"[ \$(tail -n +3 '$T_TMP/fonts.txt' | wc -l) -ge 1 ] && tail -n +3 '$T_TMP/fonts.txt' | awk '{ if (\$(NF-4) != \"yes\") bad = 1 } END { exit bad }'"
pdfinfo "$P" >"$T_TMP/info.txt"
check "pdfinfo: Tagged: yes" grep -qx 'Tagged: *yes' "$T_TMP/info.txt"
check "pdfinfo: the letter's title" grep -qx 'Title: *Beslut om ekonomiskt bistånd (försörjningsstöd)' "$T_TMP/info.txt"
check "pdfinfo: A4" grep -q '^Page size: .*(A4)' "$T_TMP/info.txt"
pdfinfo -struct "$P" >"$T_TMP/struct.txt"
for tag in Document H1 H2 P Table TR TH TD; do
	check "pdfinfo -struct: $tag" grep -qE "^ *$tag( |\$)" "$T_TMP/struct.txt"
done
check "pdfinfo -struct: the table's rows hold a header cell and a data cell" bash -c \
	"grep -A2 -E '^ *TR\$' '$T_TMP/struct.txt' | grep -qE '^ *TH\$' && grep -A2 -E '^ *TR\$' '$T_TMP/struct.txt' | grep -qE '^ *TD\$'"
root=$(qpdf --show-object=trailer "$P" | grep -oE '/Root [0-9]+ [0-9]+ R' | awk '{print $2}')
catalog=$(qpdf --show-object="$root" "$P")
check_match "the catalogue's /Lang is sv-SE" '/Lang \(sv-SE\)' "$catalog"
check_match "the catalogue marks the PDF tagged and asks viewers to show the title" \
	'/MarkInfo << /Marked true >>.*/ViewerPreferences << /DisplayDocTitle true >>' "$catalog"
check "qpdf --check finds no error" qpdf --check "$P"
pdftotext "$P" - | sed 's/\xc2\xa0/ /g' >"$T_TMP/pdf.txt"
check "pdftotext finds the amount as Swedes write it ($KR kr)" grep -qF "med $KR kr för" "$T_TMP/pdf.txt"
check "pdftotext finds the appeal" grep -qF "förvaltningsrätten" "$T_TMP/pdf.txt"
check "the PDF holds no-break spaces in the amounts (ToUnicode U+00A0)" \
	bash -c "qpdf --qdf --object-streams=disable '$P' - | grep -aqi '<00a0>'"
pdftotext -bbox "$P" "$T_TMP/bbox.html"
edges=$(python3 - "$T_TMP/bbox.html" <<'PY'
import re, sys
words = [(float(a), float(b), float(c), w) for a, b, c, w in
         re.findall(r'<word xMin="[0-9.]+" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>', open(sys.argv[1], encoding='utf-8').read())]
rows = {}
for y, xmax, _, w in words:
    rows.setdefault(round(y, 1), []).append((xmax, w))
out = []
for first in ('Norm', 'Godtagna', 'Inkomster:', 'Beviljat'):
    y = next(y for y, ws in rows.items() if any(w == first for _, w in ws))
    out.append(max(x for x, w in rows[y] if w == 'kr'))
print(len(out), '%.2f' % (max(out) - min(out)))
PY
)
check_match "pdftotext -bbox: the four amounts' right edges within 1 pt" '^4 0\.[0-9]{2}$' "$edges"

# ---- the database keeps them --------------------------------------------------
out=$(psql -XAtq -c "update ebba.letter_pdfs set renderer = 'x'" 2>&1)
check_match "nobody updates a stored PDF (trigger)" "immutable" "$out"
out=$(psql -XAtq -c "delete from ebba.letter_pdfs" 2>&1)
check_match "nobody deletes one" "immutable" "$out"
out=$(psql -XAtq -c "truncate ebba.letter_pdfs" 2>&1)
check_match "nobody truncates them" "immutable" "$out"
out=$(psql -XAtq -c "update ebba.letters set body = 'x' where decision_id = $D" 2>&1)
check_match "nobody changes a letter's text" "immutable" "$out"
D2=$(psql_val "select d.id from ebba.decisions d join ebba.letters l on l.decision_id = d.id where d.id > $D order by d.id limit 1")
out=$(psql -XAtq -c "select stored from ebba.letter_pdf_store($D2, '\x255044462d'::bytea, sha256('other text'), 'x')" 2>&1)
check_match "a PDF of another text is refused" "not rendered from decision $D2's letter" "$out"
check_eq "the first PDF stored stays: a second offer gets the first's bytes" "false $SHA" \
	"$(psql_val "select stored || ' ' || encode(sha256, 'hex') from ebba.letter_pdf_store($D, '\x255044462d31'::bytea,
		(select sha256 from ebba.letters where decision_id = $D), 'x')")"

# ---- ebba-web -------------------------------------------------------------------
sfx=${PGDATABASE##*_}
CW=lp$sfx PASSWORD='Lösen-för-test-1'
printf '%s\n' "$PASSWORD" | ctl user add "$CW" --role caseworker >/dev/null
psql_val "grant password_login to $CW" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade" >/dev/null 2>&1; psql -XAtq -d postgres -c "drop role if exists $CW" >/dev/null 2>&1; t_cleanup' EXIT
out=$(psql -XAtq -c "set role $CW; insert into ebba.letter_pdfs (decision_id, pdf, body_sha256, renderer, rendered_by)
	values ($D2, '\x255044462d'::bytea, '\x00'::bytea, 'x', 'x')" 2>&1)
check_match "a caseworker cannot write the table but through the function" "permission denied" "$out"
WEBCFG=$T_TMP/web.yaml
{ cat "$CFG"; printf 'web:\n  address: 127.0.0.1\n  port: 0\n'; } >"$WEBCFG"
start_web "$WEBCFG" || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
URL=http://127.0.0.1:$WEB_PORT
J=$T_TMP/cw.jar
curl -s -c "$J" -b "$J" "$URL/login" >"$T_TMP/login.html"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T_TMP/login.html" | head -n 1 | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$tok" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PASSWORD" "$URL/login"
get() { curl -s -D "$2.h" -o "$2" -w '%{http_code}' -b "$J" "$URL$1"; }

check_eq "the decision page (200)" 200 "$(get "/beslut/$D" "$T_TMP/page.html")"
check "... links Skriv ut / PDF to /beslut/$D/brev.pdf" grep -qF "<a href=\"/beslut/$D/brev.pdf\">Skriv ut / PDF</a>" "$T_TMP/page.html"
check "... and shows the letter as text, without its markup" bash -c \
	"grep -qF 'Beslut om ekonomiskt bistånd (försörjningsstöd)' '$T_TMP/page.html' && ! grep -qE '(^|>)#+ ' '$T_TMP/page.html'"
before=$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'export' and object_kind = 'letter' and object_id = '$D'")
check_eq "GET /beslut/$D/brev.pdf (200)" 200 "$(get "/beslut/$D/brev.pdf" "$T_TMP/web.pdf")"
check "... is ebbactl's bytes" cmp -s "$T_TMP/a.pdf" "$T_TMP/web.pdf"
check "... Content-Type: application/pdf" grep -qi '^content-type: application/pdf' "$T_TMP/web.pdf.h"
check "... Content-Disposition: attachment, a file name" grep -qi "^content-disposition: attachment; filename=\"beslut-$D-brev.pdf\"" "$T_TMP/web.pdf.h"
check "... X-Content-Type-Options: nosniff, Cache-Control: no-store" bash -c \
	"grep -qi '^x-content-type-options: nosniff' '$T_TMP/web.pdf.h' && grep -qi '^cache-control: no-store' '$T_TMP/web.pdf.h'"
check_eq "... logged as the caseworker's export, from the browser's address" "$((before + 1)) 127.0.0.1" \
	"$(psql_val "select count(*) || ' ' || max(client) from ebba.access_log where who = '$CW' and action = 'export' and object_kind = 'letter' and object_id = '$D'")"
check_eq "a referral's /brev.pdf is 404" 404 "$(get "/beslut/$R/brev.pdf" "$T_TMP/none.html")"
get "/beslut/$R" "$T_TMP/ref.html" >/dev/null
check "a referral's page has no Skriv ut / PDF" bash -c "! grep -q 'brev.pdf' '$T_TMP/ref.html'"
# A letter nobody asked for yet: the browser's request renders and stores it.
check_eq "GET /beslut/$D2/brev.pdf, the first request for it (200)" 200 "$(get "/beslut/$D2/brev.pdf" "$T_TMP/web2.pdf")"
check_eq "... stored by the caseworker" "$CW $(sha256sum <"$T_TMP/web2.pdf" | cut -c1-64)" \
	"$(psql_val "select rendered_by || ' ' || encode(sha256, 'hex') from ebba.letter_pdfs where decision_id = $D2")"
ctl letter "$D2" --pdf "$T_TMP/ctl2.pdf" >/dev/null
check "... and ebbactl then gives the same bytes" cmp -s "$T_TMP/web2.pdf" "$T_TMP/ctl2.pdf"
