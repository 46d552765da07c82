#!/usr/bin/env bash
# Developer build without pip: compiles into build/<name> and lays out an importable package
# at build/<name>/py/sentvec (symlinks to python/sentvec/*.py plus the fresh _core module).
# Use:  tools/devbuild.sh dev && PYTHONPATH=build/dev/py python -m pytest -x -q
set -euo pipefail
name=${1:-dev}
top=$(cd "$(dirname "$0")/.." && pwd)
bdir="$top/build/$name"
if [ ! -f "$bdir/build.ninja" ]; then
  cmake -S "$top" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -Dpybind11_DIR="$(python3 -m pybind11 --cmakedir)" ${CMAKE_EXTRA:-} >/dev/null
fi
ninja -C "$bdir" _core
pkg="$bdir/py/sentvec"
rm -rf "$pkg"
mkdir -p "$pkg"
for f in "$top"/python/sentvec/*; do
  case "$f" in *.so) continue ;; esac
  ln -s "$f" "$pkg/$(basename "$f")"
done
cp "$bdir"/_core*.so "$pkg/"
echo "PYTHONPATH=$bdir/py"
