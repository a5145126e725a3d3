#!/bin/sh
# Rebuilds vendor/aws-local-stepfunctions-3.0.0-node20.tgz from the registry's 3.0.0, changing only:
#   - engines.node ">=22.0.0" -> ">=20.0.0": on Node 20 the one thing it needs from Node 22,
#     Promise.withResolvers, is provided by lab/polyfills.ts (loaded by the lab and test/setup.ts),
#     and the whole test suite runs it on Node 20; without this `npm ci` warns EBADENGINE.
#   - the browser build (1.4 MB, never used here) is left out.
# Run from the repository root: sh vendor/repack-aws-local-stepfunctions.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack aws-local-stepfunctions@3.0.0 >/dev/null && tar xzf aws-local-stepfunctions-3.0.0.tgz)
node -e '
const fs = require("fs");
const file = process.argv[1] + "/package/package.json";
const p = JSON.parse(fs.readFileSync(file, "utf8"));
p.engines = { node: ">=20.0.0" };
delete p.browser;
p.exports = { types: "./build/main.d.ts", import: "./build/main.node.esm.js", require: "./build/main.node.cjs", default: "./build/main.node.esm.js" };
fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n");
' "$work"
rm "$work/package/build/main.browser.esm.js"
tar czf vendor/aws-local-stepfunctions-3.0.0-node20.tgz -C "$work" package
echo "wrote vendor/aws-local-stepfunctions-3.0.0-node20.tgz"
