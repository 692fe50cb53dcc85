#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian 12 packages fastio-c needs to build and test, and nothing when all are present.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git ca-certificates
      libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libssl-dev libjansson-dev libcmocka-dev
      libpoppler-glib-dev libzip-dev
      jq sqlite3 procps curl openssl cppcheck tmux clang libclang-rt-14-dev
      zsh fish groff-base man-db mandoc)
missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# npm installs the test-only Node tools of tests/mcp/run.sh (Node 22, the MCP SDK, the MCP
# conformance suite); a machine whose nodejs already ships npm keeps it.
if ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
