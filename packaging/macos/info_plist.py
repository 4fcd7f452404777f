"""Info.plist values of counselroom.app (macOS 13 and later), merged by the PyInstaller spec into the
plist PyInstaller writes (which adds CFBundleExecutable, CFBundleIconFile, CFBundlePackageType and the
version, CFBundleShortVersionString, from src/counselroom/__init__.py).

CFBundleLocalizations is what makes macOS give a Qt program its native panels (the print dialog, the
save panel, the standard menu items) in Chinese on a Chinese system: without it the system treats the
program as English-only.
"""

from __future__ import annotations

INFO_PLIST: dict[str, object] = {
    "CFBundleIdentifier": "org.counselroom.counselroom",
    "CFBundleName": "counselroom",
    "CFBundleDisplayName": "counselroom",
    "CFBundleDevelopmentRegion": "zh_CN",
    "CFBundleLocalizations": ["zh_CN", "en"],
    "LSMinimumSystemVersion": "13.0",
    "LSApplicationCategoryType": "public.app-category.medical",
    "NSHighResolutionCapable": True,
    "NSSupportsAutomaticGraphicsSwitching": True,  # the integrated GPU is enough: no need to wake a discrete one
    "NSRequiresAquaSystemAppearance": False,  # follow the system's light or dark appearance
}
