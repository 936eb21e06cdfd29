"""Evidence uploaded for a review: a call recording or a transcript, checked before anything is written.

At most ``ARREARS_UPLOAD_MAX_BYTES`` each (the disputes' limit); recordings are MP3, WAV, M4A, OGG,
WebM or FLAC and transcripts plain text (UTF-8 or GB18030: .txt, .srt, .vtt), both recognised by
their content — the file's first bytes — with a name whose extension says the same. Files are
stored under a random name in Django's default storage and served only by views that check the
portfolio.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files.base import File
from django.utils.translation import gettext as _

from arrears.casework.disputes import upload_limit
from arrears.core.errors import DomainError
from arrears.quality.models import EvidenceKind

AUDIO_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".webm": "audio/webm",
    ".flac": "audio/flac",
}
TEXT_EXTENSIONS = frozenset({".txt", ".srt", ".vtt"})
# Plain text may hold tabs, line and page breaks; any other control character means a binary file.
_TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}


class InvalidEvidence(DomainError):
    """An upload empty, too large, of a type not accepted, or whose content is not what its name says."""


@dataclass(frozen=True)
class CheckedEvidence:
    """An upload that passed the checks, read into memory (at most the upload limit)."""

    kind: str
    name: str
    content: bytes
    content_type: str
    sha256: str
    text: str = ""


def _audio_extension(content: bytes) -> frozenset[str]:
    """Return the extensions the content's first bytes allow for a recording."""
    if content[:4] == b"RIFF" and content[8:12] == b"WAVE":
        return frozenset({".wav"})
    if content[:3] == b"ID3" or (len(content) > 1 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0):
        return frozenset({".mp3"})
    if content[4:8] == b"ftyp":
        return frozenset({".m4a"})
    if content[:4] == b"OggS":
        return frozenset({".ogg"})
    if content[:4] == b"\x1a\x45\xdf\xa3":
        return frozenset({".webm"})
    if content[:4] == b"fLaC":
        return frozenset({".flac"})
    return frozenset()


def decode_text(content: bytes) -> str | None:
    """Return the text of a UTF-8 or GB18030 file, or None when it is not plain text."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(character) in _TEXT_CONTROLS for character in text):
            return None
        return text
    return None


def check_evidence(upload: File[Any], *, kind: str) -> CheckedEvidence:
    """Read an upload of ``kind`` (recording or transcript) and return it checked.

    :raises InvalidEvidence: when it is empty or too large, its extension is not accepted for the
        kind, or its content is not what its name says.
    """
    if kind not in EvidenceKind.values:
        raise InvalidEvidence(_("Unknown kind of evidence %(kind)s.") % {"kind": kind})
    name = PurePath(upload.name or "").name[:200] or kind
    limit = upload_limit()
    if upload.size is not None and upload.size > limit:
        raise InvalidEvidence(
            _("“%(name)s” is %(size)s bytes; a file may be at most %(limit)s bytes. Nothing was saved.")
            % {"name": name, "size": upload.size, "limit": limit}
        )
    extension = PurePath(name).suffix.lower()
    accepted = AUDIO_TYPES.keys() if kind == EvidenceKind.RECORDING else TEXT_EXTENSIONS
    if extension not in accepted:
        raise InvalidEvidence(_accepted_message(kind, name))
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise InvalidEvidence(
            _("“%(name)s” is larger than %(limit)s bytes, the most a file may be. Nothing was saved.")
            % {"name": name, "limit": limit}
        )
    if not content:
        raise InvalidEvidence(_("“%(name)s” is empty. Nothing was saved.") % {"name": name})
    digest = hashlib.sha256(content).hexdigest()
    if kind == EvidenceKind.RECORDING:
        if extension not in _audio_extension(content):
            raise InvalidEvidence(_unreadable(name, extension))
        return CheckedEvidence(kind, name, content, AUDIO_TYPES[extension], digest)
    text = decode_text(content)
    if text is None:
        raise InvalidEvidence(_unreadable(name, extension))
    return CheckedEvidence(kind, name, content, "text/plain; charset=utf-8", digest, text=text)


def _accepted_message(kind: str, name: str) -> str:
    if kind == EvidenceKind.RECORDING:
        return _("“%(name)s” is not accepted as a recording: send MP3, WAV, M4A, OGG, WebM or FLAC.") % {
            "name": name
        }
    return _("“%(name)s” is not accepted as a transcript: send plain text (.txt, .srt or .vtt).") % {
        "name": name
    }


def _unreadable(name: str, extension: str) -> str:
    return _("The content of “%(name)s” is not what its name says (%(extension)s); nothing was saved.") % {
        "name": name,
        "extension": extension,
    }
