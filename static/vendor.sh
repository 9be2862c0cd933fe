#!/usr/bin/env bash
# vendor.sh — refresh the front-end files vendored into the repository.
#
# Installs the exact versions pinned in static/package-lock.json (npm ci) and
# copies only the files the site needs into tracked folders, so that
# `go build` never needs npm:
#
#   static/vendor/bootstrap-italia/   CSS, JS bundle, icon sprite, LICENSE,
#                                     THIRD-PARTY-LICENSES.txt, VERSION
#   static/vendor/fonts/              woff2 files + licences (Titillium Web, Lora, Roboto Mono)
#   internal/browsertest/axe/         axe.min.js, LICENSE, LICENSE-3RD-PARTY.txt,
#                                     VERSION (axe.go is hand-written)
#
# Vendored files are byte-identical copies of the npm packages' files.
#
# Idempotent: vendored folders are recreated from scratch on every run.
# Runnable from any working directory. To upgrade, edit the versions in
# static/package.json, run `npm install` in static/, then run this script.
set -euo pipefail

STATIC_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd -- "${STATIC_DIR}/.." && pwd)"
NM="${STATIC_DIR}/node_modules"
BI="${NM}/bootstrap-italia"
AXE="${NM}/axe-core"

VENDOR="${STATIC_DIR}/vendor"
BI_OUT="${VENDOR}/bootstrap-italia"
FONTS_OUT="${VENDOR}/fonts"
AXE_OUT="${ROOT_DIR}/internal/browsertest/axe"

die() { echo "vendor.sh: $*" >&2; exit 1; }

# copy SRC DST: copy one file, failing loudly if upstream moved it.
copy() {
  [[ -f "$1" ]] || die "missing upstream file: ${1#"${STATIC_DIR}/"}"
  mkdir -p -- "$(dirname -- "$2")"
  cp -- "$1" "$2"
  chmod 0644 -- "$2"
}

command -v npm >/dev/null || die "npm not found (only needed to refresh vendored files)"

echo "vendor.sh: npm ci in ${STATIC_DIR}"
(cd -- "${STATIC_DIR}" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

pkg_version() { node -p "require(process.argv[1]).version" "$1/package.json"; }
BI_VERSION="$(pkg_version "${BI}")"
AXE_VERSION="$(pkg_version "${AXE}")"

# --- Bootstrap Italia -------------------------------------------------------
rm -rf -- "${BI_OUT}" "${FONTS_OUT}"

copy "${BI}/dist/css/bootstrap-italia.min.css"     "${BI_OUT}/css/bootstrap-italia.min.css"
copy "${BI}/dist/js/bootstrap-italia.bundle.min.js" "${BI_OUT}/js/bootstrap-italia.bundle.min.js"
copy "${BI}/dist/svg/sprites.svg"                  "${BI_OUT}/svg/sprites.svg"
copy "${BI}/LICENSE"                               "${BI_OUT}/LICENSE"
printf '%s\n' "${BI_VERSION}" > "${BI_OUT}/VERSION"

# The bundle and CSS include code from Bootstrap Italia's dependencies; keep
# their licence texts alongside (sorted, deterministic).
(cd -- "${STATIC_DIR}" && node - "${BI_OUT}/THIRD-PARTY-LICENSES.txt" <<'NODE'
const fs = require('fs'), path = require('path');
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const skip = new Set(['', 'node_modules/bootstrap-italia', 'node_modules/axe-core']);
let out = 'Licences of the packages bundled into bootstrap-italia.bundle.min.js /\n' +
  'bootstrap-italia.min.css (Bootstrap Italia dependency tree as resolved in\n' +
  'package-lock.json; the prebuilt bundle may embed other patch versions).\n';
for (const key of Object.keys(lock.packages).filter((k) => !skip.has(k)).sort()) {
  const meta = lock.packages[key];
  if (meta.optional && !fs.existsSync(key)) continue; // platform-specific, not installed/bundled
  const name = key.replace(/^.*node_modules\//, '');
  const files = fs.readdirSync(key).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f)).sort();
  out += `\n${'='.repeat(78)}\n${name}@${meta.version} (${meta.license || 'see package'})\n${'='.repeat(78)}\n`;
  for (const f of files) out += '\n' + fs.readFileSync(path.join(key, f), 'utf8').trim() + '\n';
  if (!files.length) out += '\n(no licence file shipped in the package)\n';
}
fs.writeFileSync(process.argv[2], out);
NODE
)

# Our compliance checker reads this CSS custom property.
grep -q -- "--bootstrap-italia-version: *['\"]${BI_VERSION//./\\.}['\"]" "${BI_OUT}/css/bootstrap-italia.min.css" \
  || die "bootstrap-italia.min.css lacks --bootstrap-italia-version '${BI_VERSION}'"

# --- Fonts (woff2 only; faces declared in static/css/fonts.css) -------------
FONTS_SRC="${BI}/dist/fonts"
for f in \
  Titillium_Web/titillium-web-v10-latin-ext_latin-300.woff2 \
  Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2 \
  Titillium_Web/titillium-web-v10-latin-ext_latin-italic.woff2 \
  Titillium_Web/titillium-web-v10-latin-ext_latin-600.woff2 \
  Titillium_Web/titillium-web-v10-latin-ext_latin-700.woff2 \
  Titillium_Web/OFL.txt \
  Lora/lora-v20-latin-ext_latin-regular.woff2 \
  Lora/lora-v20-latin-ext_latin-italic.woff2 \
  Lora/lora-v20-latin-ext_latin-700.woff2 \
  Lora/OFL.txt \
  Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular.woff2 \
  Roboto_Mono/roboto-mono-v13-latin-ext_latin-700.woff2 \
  Roboto_Mono/LICENSE.txt
do
  copy "${FONTS_SRC}/${f}" "${FONTS_OUT}/${f}"
done

# --- axe-core (browser tests only; embedded by internal/browsertest/axe) ----
mkdir -p -- "${AXE_OUT}"
copy "${AXE}/axe.min.js" "${AXE_OUT}/axe.min.js"
copy "${AXE}/LICENSE"    "${AXE_OUT}/LICENSE"
copy "${AXE}/LICENSE-3RD-PARTY.txt" "${AXE_OUT}/LICENSE-3RD-PARTY.txt"
printf '%s\n' "${AXE_VERSION}" > "${AXE_OUT}/VERSION"

echo "vendor.sh: bootstrap-italia ${BI_VERSION}, axe-core ${AXE_VERSION}"
du -sh "${VENDOR}" "${AXE_OUT}"
