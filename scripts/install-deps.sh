#!/usr/bin/env bash
# Install the Debian 12 packages that Furl builds, tests and demos with.
#
# Idempotent: when every package is installed already it calls no apt at all,
# so reruns (CI, a developer's second run) take well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  librdkafka-dev liblz4-dev libzstd-dev libabsl-dev libre2-dev
  libthrift-dev thrift-compiler libevent-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsimdjson-dev
  libssl-dev libcurl4-openssl-dev libxxhash-dev libspdlog-dev libfmt-dev libedit-dev
  kcat awscli python3 python3-thrift python3-numpy curl
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != installed ]]; then
    missing+=("$package")
  fi
done

# Debian's nodejs conflicts with a nodejs from NodeSource, which already
# brings npm, so Debian's packages are installed only when a command is absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} Debian packages and node/npm are present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y "${missing[@]}"
