#!/bin/bash
# Chinese input through fcitx5, end to end, on this Linux machine (not part of `dev.py test`: it needs
# fcitx5 and a pinyin engine installed, and types with xdotool into a real X server).
#
#   apt-get install fcitx5 fcitx5-chinese-addons xdotool xvfb dbus   (Debian/Ubuntu, as root)
#   tools/check_fcitx_input.sh
#
# In a private D-Bus session on a private Xvfb display it starts fcitx5 with pinyin, then a Qt text field
# as counselroom starts Qt (src/counselroom/input_method.py decides QT_IM_MODULE before the QApplication),
# with the environment of a Deepin/UOS session (QT_IM_MODULE=fcitx), types "nihao" and a space, and reads
# the field. Then the same without counselroom's decision, to show what a counselor would otherwise get.
# Exit status 0 when the field holds 你好 with the decision and "nihao " without.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
for tool in fcitx5 xdotool Xvfb dbus-run-session; do
    command -v "$tool" >/dev/null || { echo "check_fcitx_input.sh: $tool is not installed" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/home/.config/fcitx5"
cat > "$work/home/.config/fcitx5/profile" <<'EOF'
[Groups/0]
Name=Default
Default Layout=us
DefaultIM=pinyin

[Groups/0/Items/0]
Name=keyboard-us
Layout=

[Groups/0/Items/1]
Name=pinyin
Layout=

[GroupOrder]
0=Default
EOF

cat > "$work/field.py" <<'EOF'
import os
import sys

from PySide6.QtCore import QLibraryInfo, QTimer

from counselroom.input_method import use_ibus_for_fcitx

if sys.argv[1] == "decide":
    print("set:", use_ibus_for_fcitx(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)), flush=True)
from PySide6.QtWidgets import QApplication, QLineEdit

app = QApplication([])
field = QLineEdit()
field.setWindowTitle("counselroom-fcitx-check")
field.show()
field.activateWindow()
field.setFocus()
QTimer.singleShot(9000, lambda: (print("TEXT:" + field.text(), flush=True), app.quit()))
app.exec()
EOF

cat > "$work/session.sh" <<'EOF'
#!/bin/bash
# one run inside dbus-run-session: $1 = decide | plain
set -u
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" LANG=zh_CN.UTF-8 DISPLAY=:"$DISPLAY_NO"
export QT_IM_MODULE=fcitx XMODIFIERS=@im=fcitx GTK_IM_MODULE=fcitx
unset QT_QPA_PLATFORM WAYLAND_DISPLAY QT_IM_MODULES IBUS_USE_PORTAL
Xvfb ":$DISPLAY_NO" -screen 0 1024x768x24 >/dev/null 2>&1 & xvfb=$!
sleep 1
fcitx5 -r >"$WORK/fcitx5-$1.log" 2>&1 & fcitx=$!
sleep 3
PYTHONPATH="$SRC" "$PYTHON" "$WORK/field.py" "$1" & field=$!
for _ in $(seq 50); do
    win=$(xdotool search --name counselroom-fcitx-check 2>/dev/null | head -1) && [ -n "$win" ] && break
    sleep 0.1
done
sleep 1
xdotool windowfocus --sync "$win" 2>/dev/null
xdotool key --delay 100 ctrl+space
sleep 0.5
xdotool type --delay 150 nihao
sleep 0.5
xdotool key space
wait "$field"
kill "$fcitx" "$xvfb" 2>/dev/null
wait "$fcitx" "$xvfb" 2>/dev/null
EOF
chmod +x "$work/session.sh"

run() {
    WORK="$work" SRC="$here/src" PYTHON="$python" DISPLAY_NO=$((90 + RANDOM % 400)) \
        timeout 90 dbus-run-session -- "$work/session.sh" "$1" 2>/dev/null | grep -E "^(set|TEXT):"
}
with="$(run decide)"; echo "with counselroom's decision:    $with"
without="$(run plain)"; echo "without (QT_IM_MODULE=fcitx):   $without"
if grep -qx "TEXT:你好" <<<"$with" && grep -qx "TEXT:nihao " <<<"$without"; then
    echo "fcitx5 input works through Qt's ibus plugin"
    exit 0
fi
echo "check_fcitx_input.sh: unexpected result (logs were in $work)" >&2
exit 1
