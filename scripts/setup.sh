#!/usr/bin/env bash
# Set up vmsim on Debian 12: install the Debian packages that are missing
# (only those; run as root, or with sudo available), then configure and build
# into ./build. Idempotent: a second run installs nothing and rebuilds only
# what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config   # toolchain
  libzydis-dev                                   # x86 decoder (Zydis 4)
  libunicorn-dev                                 # differential-testing oracle (Unicorn 2)
  libgtest-dev                                   # tests
  nlohmann-json3-dev libcli11-dev                # result JSON, command line
  gnuplot-nox                                    # report charts (vmsim compare)
  parallel                                       # GNU parallel: the distributed suite and its test
  python3-jsonschema                             # result schema test
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVMSIM_WERROR=ON >/dev/null
cmake --build build
