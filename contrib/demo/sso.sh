#!/usr/bin/env bash
# make demo-sso: single sign-on beside the ordinary demo (started first if
# it is not running): the test OpenID Provider and Apache with
# mod_auth_openidc on loopback (tests/sso/stack.sh, the stack
# tests/integration/90_sso.sh proves), in front of a second ebba-web with
# auth: proxy on a Unix socket, over the demo's database.  Prints the
# address and the test people; writes DIR/sso.env (shell-sourceable):
# EBBA_SSO_URL, EBBA_SSO_CASEWORKER, EBBA_SSO_SUPERVISOR, EBBA_SSO_NO_MFA,
# EBBA_SSO_NO_GROUP, EBBA_SSO_PASSWORD.  make demo-stop stops it too.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
DIR=${EBBA_DEMO_DIR:-$ROOT/$BUILD/demo}
SSO=$DIR/sso

running() { [ -s "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }
if ! running ebba-web || [ ! -s "$DIR/web.env" ]; then
	echo "demo-sso: the ordinary demo is not running; starting it"
	"$ROOT/contrib/demo/run.sh" >/dev/null
fi
. "$DIR/web.env"
. "$ROOT/tests/sso/stack.sh"
[ -d "$SSO" ] && sso_stack_stop "$SSO"
if running ebba-web-sso; then kill "$(cat "$DIR/ebba-web-sso.pid")"; sleep 0.5; fi
rm -rf "$SSO"
mkdir -p "$SSO"
[ "$(id -u)" = 0 ] && chmod 0755 "$SSO"

PASSWORD=${EBBA_DEMO_SSO_PASSWORD:-ebba-sso-2026}
CW=anna.sso SV=sara.sso NO_MFA=per.sso NO_GROUP=nils.sso WEBROLE=ebba-web-sso
LOA2=http://id.elegnamnden.se/loa/1.0/loa2 LOA3=http://id.elegnamnden.se/loa/1.0/loa3
ctl="$ROOT/$BUILD/ebbactl -c $DIR/ebba.yaml"
# In the database every one of them is a caseworker or a supervisor; the
# provider decides who gets in.  Their database passwords are never used.
for p in "$CW caseworker" "$SV supervisor" "$NO_MFA caseworker" "$NO_GROUP caseworker"; do
	set -- $p
	[ "$(psql -XAtq -c "select count(*) from pg_roles where rolname = '$1'")" = 1 ] ||
		openssl rand -hex 16 | $ctl user add "$1" --role "$2" >/dev/null
done
[ "$(psql -XAtq -c "select count(*) from pg_roles where rolname = '$WEBROLE'")" = 1 ] ||
	psql -XAtq -c "create role \"$WEBROLE\" login in role ebba_web, ebba_web_proxy" >/dev/null
python3 - "$SSO/people.json" "$PASSWORD" "$CW" "$SV" "$NO_MFA" "$NO_GROUP" "$LOA2" "$LOA3" <<'PY'
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

SOCK=$(sso_socket_dir "$SSO/run")/web.sock
trap 'sso_stack_stop "$SSO"' ERR
sso_stack_start "$SSO" "$SOCK" "$SSO/people.json"
{
	sed '/^web:/,$d' "$DIR/ebba.yaml"
	cat <<YAML
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
} >"$SSO/ebba-web.yaml"
nohup "$ROOT/$BUILD/ebba-web" -c "$SSO/ebba-web.yaml" >"$SSO/ebba-web.log" 2>&1 &
echo $! >"$DIR/ebba-web-sso.pid"
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "demo-sso: ebba-web did not start:" >&2; cat "$SSO/ebba-web.log" >&2; exit 1; }
trap - ERR

cat >"$DIR/sso.env" <<ENV
# Written by make demo-sso (contrib/demo/sso.sh); source it: . $DIR/sso.env
EBBA_SSO_URL=$SSO_URL
EBBA_SSO_ISSUER=$SSO_ISSUER
EBBA_SSO_CA=$SSO_CA
EBBA_SSO_SPKI=$SSO_SPKI
EBBA_SSO_CASEWORKER=$CW
EBBA_SSO_SUPERVISOR=$SV
EBBA_SSO_NO_MFA=$NO_MFA
EBBA_SSO_NO_GROUP=$NO_GROUP
EBBA_SSO_PASSWORD=$PASSWORD
EBBA_SSO_PEOPLE=$SSO/people.json
export EBBA_SSO_URL EBBA_SSO_ISSUER EBBA_SSO_CA EBBA_SSO_SPKI EBBA_SSO_CASEWORKER EBBA_SSO_SUPERVISOR
export EBBA_SSO_NO_MFA EBBA_SSO_NO_GROUP EBBA_SSO_PASSWORD EBBA_SSO_PEOPLE
ENV
cat <<TXT

Single sign-on (Apache with mod_auth_openidc, the test provider):  $SSO_URL/
  The certificate is the demo's own CA's: $SSO_CA (trust it, or start
  chromium with --ignore-certificate-errors-spki-list=$SSO_SPKI).
  Sign in at the provider's page ($SSO_ISSUER), password $PASSWORD for all:
    $CW   caseworker, two factors (acr loa3)           -> Arbetskö
    $SV   supervisor, two factors                      -> Statistik, Regler, ...
    $NO_MFA    caseworker in the database, password only  -> refused: two factors needed
    $NO_GROUP   no ebba group at the provider              -> refused: no role
  Take someone out of a group at the provider: edit $SSO/people.json;
  it counts from their next sign-in.  $BUILD/ebbactl -c $DIR/ebba.yaml user list
  shows the provider's groups beside the database's.
  (also in $DIR/sso.env)
Stop it all:  make demo-stop
TXT
