#!/usr/bin/env bash
# Fetches a free country database for geofencing from the npm registry (no licence key):
# ip-location-db's geo-whois-asn-country, an .mmdb with `country_code` per network.
#   geo-db.sh [DIR]   -> prints the path of the .mmdb in DIR (default /var/cache/res_secast/geo)
# Cached: a second run prints the path at once. Replaces the file by rename, so a running
# res_secast that maps it never sees a half-written file.
set -euo pipefail
dir=${1:-/var/cache/res_secast/geo}
pkg=@ip-location-db/geo-whois-asn-country-mmdb
db="$dir/geo-whois-asn-country.mmdb"
if [ -s "$db" ]; then
	echo "$db"
	exit 0
fi
if ! command -v npm >/dev/null; then
	echo "geo-db: npm missing; installing Debian's npm" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$pkg" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
found=$(find "$work/package" -name 'geo-whois-asn-country.mmdb' -o -name '*country*.mmdb' | head -n1)
[ -n "$found" ] || { echo "geo-db: no .mmdb in $pkg" >&2; exit 1; }
install -m 0644 "$found" "$db.tmp"
mv "$db.tmp" "$db"
echo "$db"
