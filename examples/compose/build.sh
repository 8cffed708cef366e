#!/bin/sh
# Builds the compose example's three images and loads them into docker (or podman: ./build.sh podman):
# tessera-compose/kv:1 (examples/kv), tessera-compose/notes:1 and tessera-compose/web:1. Each is a native image
# for tessera-spt (`tessera build --target spt`) packaged FROM scratch with the static tender (`tessera package`).
# Run it from anywhere; the images are built in build/compose at the repository's root (OUT=DIR for another).
set -eu
engine=${1:-docker}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-"$root/build/compose"}
tessera() { node "$root/packages/cli/bin/tessera.cjs" "$@"; }
for app in examples/kv examples/compose/notes examples/compose/web; do
  name=$(basename "$app")
  tessera build "$root/$app" --target spt -o "$out"
  tessera package "$out/$name.spt" -t "tessera-compose/$name:1" --app "$root/$app" --load "$engine"
done
