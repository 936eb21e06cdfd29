"""An evidence bundle's manifest: the SHA-256 and size of every file, and checking a ZIP against it. Pure."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle: where it goes in the ZIP, its bytes, and what it is."""

    path: str
    content: bytes
    description: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def manifest_of(files: Sequence[BundleFile], header: dict[str, Any]) -> dict[str, Any]:
    """Return the manifest: ``header`` and, per file, its path, SHA-256, size and description."""
    return {
        **header,
        "files": [
            {
                "path": item.path,
                "sha256": item.sha256,
                "size": len(item.content),
                "description": item.description,
            }
            for item in files
        ],
    }


def write_zip(files: Sequence[BundleFile], manifest: dict[str, Any]) -> bytes:
    """Return the ZIP of ``files`` with ``manifest.json``, entries in a fixed order with a fixed date."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            archive.writestr(zipfile.ZipInfo(item.path, date_time=(2000, 1, 1, 0, 0, 0)), item.content)
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
        archive.writestr(
            zipfile.ZipInfo(MANIFEST_NAME, date_time=(2000, 1, 1, 0, 0, 0)), text.encode("utf-8")
        )
    return buffer.getvalue()


def verify_zip(content: bytes) -> list[str]:
    """Return every way the ZIP disagrees with its manifest (missing, extra, altered files); empty when it agrees."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        if MANIFEST_NAME not in names:
            return [f"{MANIFEST_NAME} is missing"]
        manifest = json.loads(archive.read(MANIFEST_NAME))
        listed = {entry["path"]: entry for entry in manifest.get("files", [])}
        for path, entry in listed.items():
            if path not in names:
                problems.append(f"{path} is missing")
                continue
            data = archive.read(path)
            if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["size"]:
                problems.append(f"{path} does not match its hash")
        problems.extend(
            f"{name} is not in the manifest" for name in sorted(names - set(listed) - {MANIFEST_NAME})
        )
    return problems
