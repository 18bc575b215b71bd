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
# Nine photos: a 3 x 3 grid; names sort, so the order is the folder's.
mapfile -t chosen < <(find "$photos" -maxdepth 1 -iname '*.jpg' | sort | head -9)
cli add --grid readme "${chosen[@]}" >/dev/null
build() { cli build --grid readme --tile-size 160 --format jpeg "$@" >/dev/null; }
build -o "$out/grid.jpg"
build --gap 10 --background f4efe6 -o "$out/spaced.jpg"
ls -l "$out"
