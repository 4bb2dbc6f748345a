#!/usr/bin/env bash
# Renders the PNG app icons from their SVG sources with headless Chromium.
# Run after editing public/icons/*.svg; the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")/../public/icons"
render() { # src size out
  local page; page=$(mktemp --suffix=.html)
  printf '<html><body style="margin:0"><img src="file://%s" width=%s height=%s style="display:block"></body></html>' "$PWD/$1" "$2" "$2" > "$page"
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" --default-background-color=00000000 \
    --hide-scrollbars --window-size="$2,$2" --screenshot="$PWD/$3" "file://$page" >/dev/null 2>&1
}
render icon.svg 192 icon-192.png
render icon.svg 512 icon-512.png
render maskable.svg 512 maskable-512.png
