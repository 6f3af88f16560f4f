# Staff sign in through the municipality's identity provider, with two
# factors, proven end to end with real parts (tests/sso/stack.sh): the test
# OpenID Provider (oidc-provider, tests/sso/provider.mjs) with its own login
# page, Apache 2 with mod_auth_openidc over TLS from a throwaway CA running
# contrib/apache/ebba-web-openidc.conf, ebba-web behind it on its Unix
# socket with auth: proxy, and Chromium (tests/sso/sso.mjs).  In the
# browser: the two-factor caseworker reaches Arbetskö and resolves a
# referral as themself; the password-only person and the person without a
# group are refused, logged; Logga ut ends every session (back button,
# replayed cookie); out of the group at the provider, out of ebba at the
# next sign-in.  Here: identity headers sent to ebba-web directly or
# through Apache are not believed, the database refuses what the session
# was not given, and `ebbactl user list` shows the provider's groups.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/contrib/demo/setup.sh"
. "$ROOT/tests/sso/stack.sh"
START=$(date +%s)
missing=
[ -x /usr/bin/chromium ] || missing+=" chromium"
[ -x /usr/sbin/apache2 ] || missing+=" apache2"
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || missing+=" libapache2-mod-auth-openidc"
for m in puppeteer-core axe-core oidc-provider; do
	[ -d "$ROOT/node_modules/$m" ] || missing+=" node_modules/$m"
done
if [ -n "$missing" ]; then fail "single sign-on needs$missing (make deps)"; exit 0; fi

new_db || exit 2
sfx=${PGDATABASE##*_}
CW=anna$sfx SV=sara$sfx NO_MFA=per$sfx NO_GROUP=nils$sfx WEBROLE=websso$sfx
PW=Sso-test-$RANDOM-l0senord
LOA2=http://id.elegnamnden.se/loa/1.0/loa2 LOA3=http://id.elegnamnden.se/loa/1.0/loa3
cleanup() {
	sso_stack_stop "$T_TMP/sso"
	psql -XAtq -d postgres -c "drop owned by $CW, $SV, $NO_MFA, $NO_GROUP, $WEBROLE cascade" >/dev/null 2>&1
	psql -XAtq -d postgres -c "drop role if exists $CW, $SV, $NO_MFA, $NO_GROUP, $WEBROLE" >/dev/null 2>&1
	t_cleanup
}
trap cleanup EXIT

# Decisions to review: the demo's households through ebbad.
demo_setup "$ROOT" "$ROOT/$BUILD" "$T_TMP/demo" "$EBBA_REFERENCE" >/dev/null || { fail "demo setup"; exit 0; }
T_PIDS+=("$DEMO_REGSIM_PID")
CFG=$T_TMP/demo/ebba.yaml
"$EBBAD" -c "$CFG" --once 2>"$T_TMP/ebbad.log" || { fail "ebbad --once"; exit 0; }
kill "$DEMO_REGSIM_PID" 2>/dev/null
# (one referred on attendance: accepting its checks leaves an amount to grant)
DECISION=$(psql_val "select min(d.id) from ebba.decisions d where d.outcome = 'referred' and d.inbox_id is not null
	and not exists (select 1 from ebba.decisions r where r.reviews_decision_id = d.id)
	and exists (select 1 from ebba.decision_checks c where c.decision_id = d.id and c.check_id = 'plan-attendance' and c.result = 'fail')")

# Every person is a role in the database with ebba's groups; the provider
# decides how each signs in.  Their database passwords are never used.
for p in "$CW caseworker" "$SV supervisor" "$NO_MFA caseworker" "$NO_GROUP caseworker"; do
	set -- $p
	printf '%s\n' "db-$PW" | "$EBBACTL" -c "$CFG" user add "$1" --role "$2" >/dev/null
done
psql_val "create role $WEBROLE login in role ebba_web, ebba_web_proxy" >/dev/null
python3 - "$T_TMP/people.json" "$PW" "$CW" "$SV" "$NO_MFA" "$NO_GROUP" "$LOA2" "$LOA3" <<'PY'
import json, sys
out, pw, cw, sv, nomfa, nogroup, loa2, loa3 = sys.argv[1:]
mfa = {'password': pw, 'acr': loa3, 'amr': ['pwd', 'otp']}
people = {
    cw: dict(mfa, groups=['ebba-handlaggare', 'kommun-alla'], name='Anna Åberg', title='Socialsekreterare'),
    sv: dict(mfa, groups=['ebba-chef', 'kommun-alla'], name='Sara Öberg', title='Enhetschef'),
    nomfa: {'password': pw, 'acr': loa2, 'amr': ['pwd'], 'groups': ['ebba-handlaggare'], 'name': 'Per Lösen', 'title': 'Socialsekreterare'},
    nogroup: dict(mfa, groups=['kommun-alla'], name='Nils Utan', title='Assistent'),
}
for u, p in people.items():
    p['email'] = u + '@kommun.example'
json.dump(people, open(out, 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
PY

SOCKDIR=$(sso_socket_dir "$T_TMP/run")
SOCK=$SOCKDIR/web.sock
sso_stack_start "$T_TMP/sso" "$SOCK" "$T_TMP/people.json" || { fail "the provider and Apache started"; exit 0; }
ok "the provider ($SSO_ISSUER) and Apache with mod_auth_openidc ($SSO_URL) started"

WEBCFG=$T_TMP/web.yaml
{ cat "$CFG"; cat <<YAML; } >"$WEBCFG"
web:
  auth: proxy
  address: $SOCK
  database: "user=$WEBROLE"
  proxy_peers: $SSO_PEER
  proxy_header: X-Remote-User
  proxy_required_acr: $LOA3
  proxy_groups_header: X-Ebba-Groups
  proxy_group_map: ebba-handlaggare=caseworker ebba-chef=supervisor ebba-logg=auditor
  proxy_logout_url: $SSO_LOGOUT_URL
  cookie_secure: true
YAML
"$ROOT/$BUILD/ebba-web" -c "$WEBCFG" >"$T_TMP/web.log" 2>&1 &
WEB_PID=$!
T_PIDS+=("$WEB_PID")
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && [ -S "$SOCK" ] && break; sleep 0.05; done
if ! [ -S "$SOCK" ]; then fail "ebba-web started on its socket"; cat "$T_TMP/web.log"; exit 0; fi
ok "ebba-web listens on its Unix socket (auth: proxy, proxy_peers: $SSO_PEER)"
check_eq "Apache reaches ebba-web over the socket" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$SSO_CA" "$SSO_URL/static/ebba.css")"

# -- in the browser ---------------------------------------------------------
mkdir -p "$ROOT/$BUILD/web-screens"
EBBA_SSO_URL=$SSO_URL EBBA_SSO_ISSUER=$SSO_ISSUER EBBA_SSO_SPKI=$SSO_SPKI EBBA_SSO_PEOPLE=$T_TMP/people.json \
EBBA_SSO_PASSWORD=$PW EBBA_SSO_CASEWORKER=$CW EBBA_SSO_SUPERVISOR=$SV EBBA_SSO_NO_MFA=$NO_MFA \
EBBA_SSO_NO_GROUP=$NO_GROUP EBBA_SSO_DECISION=$DECISION EBBA_SSO_LOA3=$LOA3 EBBA_SCREENS=$ROOT/$BUILD/web-screens \
	timeout 180 node "$ROOT/tests/sso/sso.mjs" || fail "tests/sso/sso.mjs exited $?"

# -- identity headers from anyone but Apache --------------------------------
forged=(-H "X-Remote-User: $CW" -H "X-Ebba-Acr: $LOA3" -H "X-Ebba-Groups: ebba-handlaggare" -H "X-Ebba-Name: Förfalskad")
before=$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'login'")
if [ "$(id -u)" = 0 ]; then
	untrusted=$(psql_val "select count(*) from ebba.access_log where action = 'denied' and object_id = '(untrusted peer)'")
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "${forged[@]}" http://localhost/ko)
	check_eq "headers sent straight to ebba-web's socket by another user than Apache's are not believed (403)" 403 "$code"
	check_eq "... and the refusal is logged" $((untrusted + 1)) \
		"$(psql_val "select count(*) from ebba.access_log where action = 'denied' and object_id = '(untrusted peer)'")"
	code=$(runuser -u nobody -- curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "${forged[@]}" http://localhost/ko)
	check_eq "a user outside the socket's group cannot open it at all" 000 "$code"
else
	echo "ok - # SKIP straight to the socket: needs root, so that Apache's workers run as another user"
fi
hdrs=$(curl -s -o /dev/null -D - --cacert "$SSO_CA" "${forged[@]}" "$SSO_URL/ko")
check_match "headers sent to Apache without a sign-in get the provider's sign-in instead" \
	"^HTTP/[0-9.]+ 302" "$hdrs"
check_match "... (Location: the provider's authorization endpoint)" "[Ll]ocation: $SSO_ISSUER/auth\?" "$hdrs"
hdrs=$(curl -s -D - -o "$T_TMP/out.html" --cacert "$SSO_CA" "${forged[@]}" "$SSO_URL/utloggad")
check_match "... and on the page open to all, Apache drops them before ebba-web sees them" \
	"Du är utloggad" "$(cat "$T_TMP/out.html")"
check_eq "... no session is made for the name they carry" "" "$(grep -i '^set-cookie: ebba_session=[0-9a-f]' <<<"$hdrs")"
check_eq "... and nobody signed in as the caseworker by them" "$before" \
	"$(psql_val "select count(*) from ebba.access_log where who = '$CW' and action = 'login'")"

# -- the database keeps to the session's groups --------------------------------
as_front() { PGUSER=$WEBROLE psql -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
check_match "a proxy session given only supervisor cannot write as a caseworker, whatever its role has" \
	"not signed in as caseworker" \
	"$(as_front "set role $CW; set ebba.session_groups = 'supervisor'; update ebba.case_frames set case_id = case_id where false")"
check_eq "... given caseworker, it can" "" \
	"$(as_front "set role $CW; set ebba.session_groups = 'caseworker'; update ebba.case_frames set case_id = case_id where false")"

# -- ebbactl user list: the provider's groups beside the database's -------------
list=$("$EBBACTL" -c "$CFG" --porcelain user list)
check_match "user list: the caseworker is still a caseworker in the database" "^user	$CW	yes	caseworker$" "$list"
check_match "... and got no group from the provider at the last sign-in: marked" "^provider	$CW		[0-9-]+ [0-9:]+	differs$" "$list"
check_match "... the supervisor: the same at both" "^provider	$SV	supervisor	[0-9-]+ [0-9:]+	same$" "$list"
check_match "... the password-only person: refused before groups counted, but recorded" "^provider	$NO_MFA	caseworker	" "$list"
human=$("$EBBACTL" -c "$CFG" user list)
check_match "user list (for people) marks the difference" "^$CW +yes +caseworker +none \([0-9: -]+\)  \* differs" "$human"

if grep -q '\[auth_openidc:error\]' "$T_TMP/sso/apache/logs/error.log"; then
	fail "mod_auth_openidc logged no error"; grep '\[auth_openidc:error\]' "$T_TMP/sso/apache/logs/error.log" | head -5 | sed 's/^/#   /'
else ok "mod_auth_openidc logged no error"; fi
echo "# single sign-on test: $(( $(date +%s) - START )) s"
