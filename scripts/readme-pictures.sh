#!/usr/bin/env bash
# Makes the README's pictures (docs/pictures/*.jpg): one grid of each look, from a folder
# of photos, built the way a user builds them: the CLI against a fresh local server.
#   bash scripts/readme-pictures.sh [PHOTOS_DIR]   (default ../shared/photos; npm install first)
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-../shared/photos}
out=docs/pictures
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export GRIDBUILDER_URL="http://127.0.0.1:$port"
cli() { node dist/cli/launch.cjs "$@"; }

cli serve --port "$port" --data-dir "$data" >"$data.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
for _ in $(seq 50); do curl -sf "$GRIDBUILDER_URL/health" >/dev/null && break; sleep 0.2; done

mkdir -p "$out"
# Nine photos, three of them portrait (for the justified rows), from the sample folder;
# from another folder, its first nine in name order.
chosen=()
for name in 01-autumn 04-colorfulcups 14-flow 06-eveningglow 09-kite 15-honeywave 07-fallenleaf \
  16-safelanding 12-path; do
  [[ -f "$photos/photo$name.jpg" ]] && chosen+=("$photos/photo$name.jpg")
done
if ((${#chosen[@]} < 9)); then
  mapfile -t chosen < <(find "$photos" -maxdepth 1 -iname '*.jpg' | sort | head -9)
fi
cli add --grid readme "${chosen[@]}" >/dev/null
build() { cli build --grid readme --tile-size 160 --format jpeg "$@" >/dev/null; }
build -o "$out/grid.jpg"
build --gap 10 --background f4efe6 -o "$out/spaced.jpg"
build --layout justified --gap 6 --background ffffff -o "$out/justified.jpg"
build --labels name --gap 6 --background ffffff -o "$out/labels.jpg"
ls -l "$out"
