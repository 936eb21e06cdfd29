"""An evidence bundle's ZIP checked against its manifest."""

from __future__ import annotations

import io
import zipfile

from arrears.recovery.manifests import BundleFile, manifest_of, verify_zip, write_zip

FILES = [BundleFile("a.txt", b"alpha", "first"), BundleFile("b/c.csv", b"x,y\n1,2\n", "second")]


def _rewrite(content: bytes, path: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            target.writestr(name, data if name == path else source.read(name))
    return buffer.getvalue()


class TestManifest:
    def test_lists_each_file_with_its_sha256_and_size(self):
        manifest = manifest_of(FILES, {"referral": 7})

        assert manifest["referral"] == 7
        assert manifest["files"][0] == {
            "path": "a.txt", "size": 5, "description": "first",
            "sha256": "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8",
        }  # fmt: skip

    def test_a_zip_written_from_its_manifest_agrees_with_it(self):
        assert verify_zip(write_zip(FILES, manifest_of(FILES, {}))) == []

    def test_an_altered_file_is_named(self):
        content = write_zip(FILES, manifest_of(FILES, {}))

        assert verify_zip(_rewrite(content, "a.txt", b"alphA")) == ["a.txt does not match its hash"]
