# polymcp_npm_install DIR: installs the npm packages pinned in DIR/package.json
# into DIR/node_modules (quietly, no audit), then deletes their source maps
# (*.map): nothing runs them, and the paths they record are the packages' own
# build trees (the SDK's src/shared/...), not files of this repository.
# Sourced by scripts/deps.sh and the benchmark scripts.
polymcp_npm_install() {
  (cd "$1" && npm install --no-audit --no-fund --silent)
  polymcp_npm_strip_maps "$1"
}

# polymcp_npm_strip_maps DIR: deletes the source maps under DIR/node_modules.
polymcp_npm_strip_maps() {
  [ -d "$1/node_modules" ] && find "$1/node_modules" -type f -name '*.map' -delete
  return 0
}
