#!/bin/sh
# Installs the Debian packages the test suite needs, when they are missing.
# Called from the Makefile (`make deps`); safe to run repeatedly.
set -eu

need=""
command -v prometheus >/dev/null 2>&1 || need="$need prometheus"
# ClickHouse backend tests start a private server on loopback.
command -v clickhouse-server >/dev/null 2>&1 || need="$need clickhouse-server clickhouse-client"
# Browser tests of the web UI drive headless Chromium.
command -v chromium >/dev/null 2>&1 || need="$need chromium"

if [ -n "$need" ]; then
	echo "deploy/dev: installing Debian packages:$need"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	# policy-rc.d keeps the package scripts from starting system services:
	# the tests start their own private instances on loopback.
	if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod +x /usr/sbin/policy-rc.d
		trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	$SUDO apt-get update -qq || true
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $need
fi
