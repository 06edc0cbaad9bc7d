#!/usr/bin/env bash
# Rebuilds vendor/hdrify-1.2.1.tgz from the registry's hdrify 1.2.1 and checks
# that the committed file is byte for byte the same (npm pack is reproducible:
# fixed file times and order). The only change is package.json's engines.node,
# ">=26.0.0" -> ">=20.0.0"; see vendor/README.md for why.
#   bash vendor/repack-hdrify.sh          # check the committed tarball
#   bash vendor/repack-hdrify.sh --write  # replace it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack hdrify@1.2.1 --silent > /dev/null
# The registry's tarball, as package-lock.json recorded it before it was vendored.
want='sha512-e569G3JiVLZ4PY2Is9KznFBBrr1s6bOYmw/JgY8szjSf9EUV9Dw+9HnyWvxMZte6rvVD+M7YSGH+BZNv6Y397g=='
got="sha512-$(openssl dgst -sha512 -binary hdrify-1.2.1.tgz | base64 -w0)"
[ "$got" = "$want" ] || { echo "registry tarball differs from the one reviewed ($got)"; exit 1; }
tar xzf hdrify-1.2.1.tgz
grep -q '"node": ">=26.0.0"' package/package.json || { echo 'engines.node is no longer ">=26.0.0": review by hand'; exit 1; }
sed -i 's/"node": ">=26.0.0"/"node": ">=20.0.0"/' package/package.json
mkdir out
(cd package && npm pack --ignore-scripts --pack-destination ../out --silent > /dev/null)
if [ "${1:-}" = "--write" ]; then
  cp out/hdrify-1.2.1.tgz "$root/vendor/hdrify-1.2.1.tgz"
  echo "wrote vendor/hdrify-1.2.1.tgz"
elif cmp -s out/hdrify-1.2.1.tgz "$root/vendor/hdrify-1.2.1.tgz"; then
  echo "vendor/hdrify-1.2.1.tgz is the registry's hdrify 1.2.1 with engines.node >=20.0.0"
else
  echo "vendor/hdrify-1.2.1.tgz differs from a fresh repack"; exit 1
fi
