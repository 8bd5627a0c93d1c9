#!/usr/bin/env bash
# Installs what building and testing weir needs on Debian, only when something is missing.
# Runs as root, or through sudo when that is available.
set -euo pipefail

# The interop tests (tests/interop) run real Linux peers: socat, ping, curl, nginx, iproute2.
packages=(cmake make gcc clang libcmocka-dev libpcap-dev tshark python3 libclang-rt-14-dev
          iproute2 socat iputils-ping curl nginx ethtool valgrind)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
