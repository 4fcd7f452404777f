#!/bin/bash
# Make the macOS disk image from the PyInstaller .app (macOS only: hdiutil).
#
#   packaging/macos/make_dmg.sh [dist/counselroom.app] [dist/counselroom-<version>.dmg]
#
# The image (UDZO: compressed, read-only) holds counselroom.app and a link to /Applications, so the
# counselor drags one onto the other. The .app is not signed with a Developer ID nor notarized (only
# PyInstaller's ad-hoc signature): see packaging/README.md for what a counselor then has to click.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app="${1:-$root/dist/counselroom.app}"
if [[ ! -d "$app" ]]; then
    echo "make_dmg.sh: no app bundle at $app; run pyinstaller with packaging/counselroom.spec first" >&2
    exit 1
fi
version="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$app/Contents/Info.plist" 2>/dev/null \
           || plutil -extract CFBundleShortVersionString raw -o - "$app/Contents/Info.plist")"
dmg="${2:-$root/dist/counselroom-$version.dmg}"

stage="$(mktemp -d "${TMPDIR:-/tmp}/counselroom-dmg.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
# ditto keeps the bundle's symlinks, extended attributes and code signatures as they are
ditto "$app" "$stage/counselroom.app"
ln -s /Applications "$stage/Applications"

rm -f "$dmg"
hdiutil create -volname "counselroom $version" -srcfolder "$stage" -fs HFS+ -format UDZO -imagekey zlib-level=9 \
    -ov "$dmg"
hdiutil verify "$dmg"
echo "$dmg"
