"""The CycloneDX SBOM of a bundle: the Python packages in it, and what they carry statically.

Besides every Python distribution the program runs on (with version, licence and package URL), it names
what a Python dependency list does not show: SQLCipher, SQLite and OpenSSL compiled into sqlcipher3's
extension module (their versions asked of the library itself), Qt inside PySide6 (with the Qt libraries
the bundle holds), the CPython runtime, the shipped font, and each shared library the bundle copied from
the build machine (with its Debian package where dpkg knows it). Made with cyclonedx-python-lib; the same
bundle and SOURCE_DATE_EPOCH give the same file.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL
from packaging.requirements import Requirement

APP = "counselroom"
STATIC = "counselroom:linkage"


def runtime_distributions(root: str = APP) -> list[md.Distribution]:
    """The distribution and everything it requires at run time (extras left out), by name."""
    seen: dict[str, md.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[key] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return [seen[k] for k in sorted(seen) if k != root]


def _licence(dist: md.Distribution) -> list[LicenseExpression | DisjunctiveLicense]:
    expression = dist.metadata.get("License-Expression")
    if expression:
        return [LicenseExpression(expression)]
    text = (dist.metadata.get("License") or "").strip()
    if text and len(text) < 80 and "\n" not in text:
        return [DisjunctiveLicense(name=text)]
    classifiers = [c.split("::")[-1].strip() for c in dist.metadata.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return [DisjunctiveLicense(name=classifiers[0])] if classifiers else []


def _static(name: str, version: str, inside: str, licence: str, purl: PackageURL | None = None) -> Component:
    return Component(type=ComponentType.LIBRARY, name=name, version=version, purl=purl,
                     bom_ref=BomRef(f"static:{name}@{version}"),
                     licenses=[LicenseExpression(licence)],
                     properties=[Property(name=STATIC, value=f"statically linked into {inside}")])


def sqlcipher_versions() -> dict[str, str]:
    import sqlcipher3

    con = sqlcipher3.connect(":memory:")
    try:
        con.execute("PRAGMA key = 'sbom'")  # the provider's version is reported only once a key is set
        cipher = con.execute("PRAGMA cipher_version").fetchone()[0]
        provider = con.execute("PRAGMA cipher_provider_version").fetchone()[0]
        sqlite = con.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        con.close()
    return {"sqlcipher": cipher.split()[0], "openssl": provider.replace("OpenSSL", "").split()[0],
            "sqlite": sqlite}


def _host_libraries(bundle: Path) -> list[Component]:
    """Shared libraries copied from the build machine (not from a wheel), with their Debian package."""
    internal = bundle / "_internal"
    found = []
    for lib in sorted(internal.glob("*.so*")):
        if lib.name.startswith("libpython"):
            continue
        package = version = ""
        r = subprocess.run(["dpkg-query", "-S", f"*/{lib.name}"], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout:
            package = r.stdout.splitlines()[0].split(":")[0].strip()
            v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
            version = v.stdout.strip()
        purl = PackageURL("deb", "debian", package, version, {"arch": "amd64"}) if package else None
        origin = ("shared library copied from the build machine into the bundle" if package
                  else "shared library from a Python wheel, copied into the bundle")
        found.append(Component(type=ComponentType.LIBRARY, name=lib.name, version=version or None, purl=purl,
                               bom_ref=BomRef(f"host:{lib.name}"), properties=[Property(name=STATIC, value=origin)]))
    return found


def make_bom(bundle: Path, epoch: int) -> Bom:
    from counselroom import __version__

    bom = Bom()
    app = Component(type=ComponentType.APPLICATION, name=APP, version=__version__,
                    bom_ref=BomRef(f"{APP}@{__version__}"))
    bom.metadata.component = app
    bom.metadata.timestamp = datetime.fromtimestamp(epoch, UTC)
    children = []
    for dist in runtime_distributions():
        name, version = dist.metadata["Name"], dist.version
        purl = PackageURL("pypi", None, name.lower(), version)
        component = Component(type=ComponentType.LIBRARY, name=name, version=version, purl=purl,
                              bom_ref=BomRef(purl.to_string()), licenses=_licence(dist))
        if name.lower() == "sqlcipher3":
            v = sqlcipher_versions()
            component.components.add(_static("SQLCipher", v["sqlcipher"], "sqlcipher3", "BSD-3-Clause"))
            component.components.add(_static("SQLite", v["sqlite"], "sqlcipher3", "blessing"))
            component.components.add(_static("OpenSSL", v["openssl"], "sqlcipher3", "Apache-2.0"))
        if name.lower() in ("pyside6-essentials", "pyside6_essentials"):
            from PySide6 import QtCore

            qt_libs = sorted(p.name for p in (bundle / "_internal" / "PySide6" / "Qt" / "lib").glob("libQt6*"))
            qt = _static("Qt", QtCore.qVersion(), "PySide6-Essentials (shared libraries in the bundle)",
                         "LGPL-3.0-only")
            qt.properties.add(Property(name="counselroom:qt-libraries", value=" ".join(qt_libs)))
            component.components.add(qt)
        children.append(component)
    python = Component(type=ComponentType.LIBRARY, name="CPython", version=sys.version.split()[0],
                       bom_ref=BomRef(f"cpython@{sys.version.split()[0]}"),
                       licenses=[LicenseExpression("PSF-2.0")],
                       purl=PackageURL("generic", None, "cpython", sys.version.split()[0]))
    font = Component(type=ComponentType.FILE, name="WenQuanYi Micro Hei", version="0.2.0-beta",
                     bom_ref=BomRef("font:wqy-microhei"), licenses=[LicenseExpression("Apache-2.0")],
                     properties=[Property(name=STATIC, value="resources/fonts/wqy-microhei.ttc, embedded "
                                                             "(subset) in every Chinese PDF")])
    for component in [*children, python, font, *_host_libraries(bundle)]:
        bom.components.add(component)
    bom.register_dependency(app, [c for c in bom.components])
    return bom


def write_sbom(bundle: Path, out: Path, epoch: int) -> Path:
    bom = make_bom(bundle, epoch)
    # A serial number that depends only on the content, so the same build gives the same file.
    bom.serial_number = uuid.UUID(int=0)
    draft = JsonV1Dot6(bom).output_as_string(indent=2)
    bom.serial_number = uuid.uuid5(uuid.NAMESPACE_URL, "counselroom-sbom:" + draft)
    out.write_text(JsonV1Dot6(bom).output_as_string(indent=2) + "\n", encoding="utf-8")
    return out
