# polymcp_npm_install DIR: installs the npm packages pinned in DIR/package.json
# (and, when there is one, exactly those of DIR/package-lock.json, with
# `npm ci`) into a store outside the clone, $POLYMCP_NPM_STORE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/polymcp/npm), one folder per content of those
# files, and links DIR/node_modules to it. Downloaded packages thus never sit
# among the repository's files, and clones on one machine share them.
# Quiet, no audit; source maps (*.map) are deleted: nothing runs them.
# Sourced by scripts/deps.sh and the benchmark scripts.
polymcp_npm_install() {
  local dir="$1" key store
  key="$({
    cat "$dir/package.json"
    if [ -f "$dir/package-lock.json" ]; then cat "$dir/package-lock.json"; fi
  } | sha256sum | cut -c1-16)"
  store="${POLYMCP_NPM_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/polymcp/npm}/$(basename "$dir")-$key"
  mkdir -p "$store"
  cp "$dir/package.json" "$store/package.json"
  if [ -f "$dir/package-lock.json" ]; then
    cp "$dir/package-lock.json" "$store/package-lock.json"
    (cd "$store" && npm ci --no-audit --no-fund --silent)
  else
    (cd "$store" && npm install --no-audit --no-fund --silent)
  fi
  polymcp_npm_strip_maps "$store"
  # An install made inside the clone before the store existed is replaced by the link.
  if [ -e "$dir/node_modules" ] && [ ! -L "$dir/node_modules" ]; then rm -rf "$dir/node_modules"; fi
  ln -sfn "$store/node_modules" "$dir/node_modules"
}

# polymcp_npm_strip_maps DIR: deletes the source maps under DIR/node_modules.
polymcp_npm_strip_maps() {
  [ -d "$1/node_modules" ] && find -L "$1/node_modules" -type f -name '*.map' -delete
  return 0
}
