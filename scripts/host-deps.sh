#!/usr/bin/env bash
# Installs the Debian packages the build, the sandbox and the tests need on the host, and only
# those missing (a warm machine pays one dpkg query).
set -euo pipefail
packages=(
	debootstrap   # builds the sid chroot the sandbox Asterisk runs in
	sip-tester    # sipp, the attacker
	nftables      # the firewall the module drives (issue 3) and tests inspect
	iproute2      # network namespaces
	clang libclang-dev # bindgen, for the Asterisk declarations
	gcc make      # the ABI probe and this Makefile
	procps        # ps, for diagnostics in the sandbox scripts
	python3       # AMI client in the sandbox scripts
	redis-server  # the cluster tests' Redis (with redis-cli), started by the tests themselves
	openssl       # certificates for the cluster tests' TLS
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "host-deps: missing packages ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "host-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The tests start their own redis-server; the one Debian starts as a service is not needed.
if [[ " ${missing[*]} " == *" redis-server "* ]]; then
	systemctl disable --now redis-server >/dev/null 2>&1 || service redis-server stop >/dev/null 2>&1 || true
fi
