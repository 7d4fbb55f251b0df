#!/bin/sh
# Quick start, part 1: install what is needed, build, and run the main job:
# `cxlemu show` on the built-in default topology.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
exec ./build/frontends/cli/cxlemu show
