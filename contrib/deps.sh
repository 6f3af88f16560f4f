#!/usr/bin/env bash
# Installs the Debian 12 packages ebba needs to build, test and demo, if any
# are missing.  Idempotent; needs root (or sudo) only when something is
# missing.
set -euo pipefail
PKGS=(
	build-essential clang pkg-config make
	libpq-dev libcurl4-openssl-dev libxml2-dev libyaml-dev libsystemd-dev
	libjansson-dev libssl-dev libcmocka-dev libmicrohttpd-dev libxmlsec1-dev xmlsec1 libgnutls28-dev
	libcairo2-dev libpango1.0-dev libqpdf-dev fonts-liberation2 fonts-dejavu-core
	poppler-utils qpdf libarchive-dev
	postgresql postgresql-contrib
	time curl valgrind openssl
	systemd groff-base debhelper lintian
	chromium nodejs
	python3-jsonschema python3-yaml
	prometheus tidy python3-markdown
	apache2 libapache2-mod-auth-openidc
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	# npm comes with nodejs (NodeSource) or as its own Debian package.
	command -v npm >/dev/null || missing+=(npm)
	echo "deps: installing ${missing[*]}"
	SUDO=
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser tests' npm packages (puppeteer-core, axe-core) and the test
# OpenID Provider's (oidc-provider), at the versions package-lock.json pins;
# again only when they are missing or node_modules is older than the
# lockfile.
cd "$(dirname "$0")/.."
if [ ! -d node_modules/puppeteer-core ] || [ ! -d node_modules/axe-core ] || [ ! -d node_modules/oidc-provider ] ||
   [ package-lock.json -nt node_modules ]; then
	echo "deps: npm ci (browser tests)"
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
	touch node_modules
fi
