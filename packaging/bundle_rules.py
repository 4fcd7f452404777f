"""What the bundle leaves out, shared by the PyInstaller spec and the test that checks the built bundle.

counselroom has no network code and uses only Qt's widgets, GUI, core and print support. Qt's network
library, QML/Quick, WebEngine and multimedia are never loaded; leaving them out keeps the bundle small and
makes "no network code" visible in the package itself.
"""

from __future__ import annotations

import re

EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "unittest", "pydoc", "pytest", "_pytest", "pytestqt", "mypy", "ruff", "PyInstaller",
    "hatchling", "cyclonedx", "setuptools", "pip", "IPython", "numpy",
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebChannel", "PySide6.QtWebSockets",
    "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets", "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtDesigner",
    "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtXml",
    "PySide6.QtConcurrent", "PySide6.QtDBus",
]

# Files whose name says they are one of the libraries or plugins left out.
FORBIDDEN = re.compile(
    r"Qt6?(Network|Qml|Quick|WebEngine|WebChannel|WebSockets|WebView|Multimedia|SpatialAudio|Positioning|Bluetooth"
    r"|Nfc|RemoteObjects|Sensors|SerialPort|Sql|Test|Designer|Help|UiTools|Lottie|Labs|3D)"
    r"|/(networkinformation|tls|qmltooling|multimedia|sqldrivers|position|sensors)/"
    r"|/qml/|QtWebEngineProcess"
    # The GTK3 theme plugin would load the desktop's GTK with the build machine's cairo and friends
    # copied beside it; Qt's own Fusion style with the xdg portal theme needs none of them.
    r"|/platformthemes/libqgtk3",
)


def keep_file(dest: str) -> bool:
    return FORBIDDEN.search("/" + dest.replace("\\", "/")) is None
