# Single sign-on with real parts, on loopback (sourced by
# tests/integration/90_sso.sh and contrib/demo/sso.sh):
#   - a throwaway CA (openssl) and a certificate for 127.0.0.1 and 127.0.0.2;
#   - the test OpenID Provider (tests/sso/provider.mjs, oidc-provider) on
#     https://127.0.0.2:PORT with the people of a JSON file;
#   - Apache 2 with mod_auth_openidc on https://127.0.0.1:PORT, its own
#     ServerRoot and configuration in a directory of the caller's (no
#     system service), running contrib/apache/ebba-web-openidc.conf with
#     this stack's values Defined before it, in front of ebba-web's Unix
#     socket.
# Run as root (as CI is), Apache's workers are www-data and the socket's
# folder is group www-data, so ebba-web can believe only www-data
# (proxy_peers: unix:www-data); otherwise everything runs as the caller.
#
# sso_stack_start DIR SOCKET PEOPLE_JSON: sets SSO_URL, SSO_ISSUER,
#   SSO_CA (the CA's PEM), SSO_SPKI (the server key's SPKI hash, for
#   Chromium's --ignore-certificate-errors-spki-list), SSO_LOGOUT_URL
#   (ebba-web's proxy_logout_url), SSO_PEER (its proxy_peers),
#   SSO_PROVIDER_PID and SSO_APACHE_PID; 1 with a message on stderr if a
#   part did not start.  sso_socket_dir DIR: the folder for ebba-web's
#   socket, made so that Apache's workers may open it.
# sso_stack_stop DIR: stops what sso_stack_start started.

SSO_ROOT=${SSO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SSO_CLIENT_SECRET=ebba-test-client-secret

sso_free_port() {  # a free TCP port on ADDRESS
	python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

sso_certs() {  # sso_certs DIR
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ebba test CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" \
		-out "$d/server.csr" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null || return 1
	chmod 0644 "$d/ca.pem" "$d/server.pem"
	chmod 0600 "$d/server.key" "$d/ca.key"
	SSO_CA=$d/ca.pem
	SSO_SPKI=$(openssl x509 -in "$d/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)
}

sso_socket_dir() {  # sso_socket_dir DIR: prints it
	mkdir -p "$1"
	if [ "$(id -u)" = 0 ]; then
		chgrp www-data "$1" && chmod 2750 "$1"    # the socket gets the folder's group
	fi
	echo "$1"
}

sso_stack_start() {
	local dir=$1 socket=$2 people=$3 i
	mkdir -p "$dir/apache/logs" "$dir/apache/run"
	[ "$(id -u)" = 0 ] && chmod 0755 "$dir" "$dir/apache"
	sso_certs "$dir/tls" || { echo "sso: openssl could not make the test CA" >&2; return 1; }
	local ebba_port; ebba_port=$(sso_free_port 127.0.0.1)
	SSO_URL=https://127.0.0.1:$ebba_port
	SSO_LOGOUT_URL="/oidc/callback?logout=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SSO_URL/utloggad")"
	# The provider chooses its port and writes it.
	rm -f "$dir/provider.port"
	node "$SSO_ROOT/tests/sso/provider.mjs" --host 127.0.0.2 --port 0 \
		--cert "$dir/tls/server.pem" --key "$dir/tls/server.key" --people "$people" \
		--client-id ebba --client-secret "$SSO_CLIENT_SECRET" \
		--redirect-uri "$SSO_URL/oidc/callback" --logout-uri "$SSO_URL/utloggad" \
		--port-file "$dir/provider.port" >"$dir/provider.log" 2>&1 &
	SSO_PROVIDER_PID=$!
	echo "$SSO_PROVIDER_PID" >"$dir/provider.pid"
	for i in $(seq 200); do [ -s "$dir/provider.port" ] && break; sleep 0.05; done
	[ -s "$dir/provider.port" ] || { echo "sso: the provider did not start:" >&2; cat "$dir/provider.log" >&2; return 1; }
	SSO_ISSUER=https://127.0.0.2:$(cat "$dir/provider.port")

	local user_lines='' modules=/usr/lib/apache2/modules
	SSO_PEER=unix
	if [ "$(id -u)" = 0 ]; then
		user_lines=$'User www-data\nGroup www-data'
		SSO_PEER=unix:www-data
	fi
	cat >"$dir/apache/httpd.conf" <<CONF
# Written by tests/sso/stack.sh: an Apache of its own, on loopback.
ServerRoot $dir/apache
ServerName 127.0.0.1
PidFile $dir/apache/run/httpd.pid
DefaultRuntimeDir $dir/apache/run
ErrorLog $dir/apache/logs/error.log
LogLevel warn auth_openidc:info
LogFormat "%h %u \"%r\" %>s" brief
CustomLog $dir/apache/logs/access.log brief
Listen 127.0.0.1:$ebba_port https
$user_lines
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule socache_shmcb_module $modules/mod_socache_shmcb.so
LoadModule ssl_module $modules/mod_ssl.so
LoadModule headers_module $modules/mod_headers.so
LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_http_module $modules/mod_proxy_http.so
LoadModule auth_openidc_module $modules/mod_auth_openidc.so
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
Timeout 30
SSLRandomSeed startup builtin
SSLSessionCache none

Define EBBA_SITE $SSO_URL
Define EBBA_VHOST 127.0.0.1:$ebba_port
Define EBBA_TLS_CERT $dir/tls/server.pem
Define EBBA_TLS_KEY $dir/tls/server.key
Define EBBA_SOCKET $socket
Define EBBA_OIDC_ISSUER $SSO_ISSUER
Define EBBA_OIDC_CLIENT_ID ebba
Define EBBA_OIDC_CLIENT_SECRET $SSO_CLIENT_SECRET
Define EBBA_OIDC_PASSPHRASE $(openssl rand -hex 24)
Define EBBA_OIDC_CA $dir/tls/ca.pem
Include $SSO_ROOT/contrib/apache/ebba-web-openidc.conf
CONF
	/usr/sbin/apache2 -f "$dir/apache/httpd.conf" -t >"$dir/apache/configtest.log" 2>&1 ||
		{ echo "sso: Apache's configuration does not load:" >&2; cat "$dir/apache/configtest.log" >&2; return 1; }
	/usr/sbin/apache2 -f "$dir/apache/httpd.conf" -DFOREGROUND >"$dir/apache/stdout.log" 2>&1 &
	SSO_APACHE_PID=$!
	echo "$SSO_APACHE_PID" >"$dir/apache.pid"
	for i in $(seq 200); do
		curl -s -o /dev/null --cacert "$SSO_CA" "$SSO_URL/static/ebba.css" 2>/dev/null && return 0
		kill -0 "$SSO_APACHE_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "sso: Apache did not start:" >&2
	cat "$dir/apache/stdout.log" "$dir/apache/logs/error.log" >&2 2>/dev/null
	return 1
}

sso_stack_stop() {
	local dir=$1 f pid
	for f in apache provider; do
		[ -s "$dir/$f.pid" ] || continue
		pid=$(cat "$dir/$f.pid")
		kill "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$pid" 2>/dev/null
		rm -f "$dir/$f.pid"
	done
	return 0
}
