"""Downloading and unpacking dataset archives, safely.

:func:`fetch` streams a URL into a temporary file next to the destination, verifies its checksum(s) and
only then renames it into place, so an interrupted or corrupt download never looks like a good file.
:func:`extract_zip` unpacks into a temporary folder in the same parent and renames the result into place.
Every failure is a :class:`~matchkit.errors.DataError` saying where to put the files by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tqdm import tqdm

from matchkit.errors import DataError

CHUNK = 1 << 20


def file_digests(path: str | os.PathLike) -> dict[str, str]:
    """Hex ``sha256`` and ``md5`` of a file."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            sha.update(chunk)
            md5.update(chunk)
    return {"sha256": sha.hexdigest(), "md5": md5.hexdigest()}


def _mismatch(digests: dict[str, str], expected: dict[str, str | None]) -> str | None:
    for algo, want in expected.items():
        if want and digests[algo] != want.lower():
            return f"{algo} {digests[algo]} != expected {want.lower()}"
    return None


def fetch(url: str, dest: str | os.PathLike, sha256: str | None, *, md5: str | None = None,
          retries: int = 1, timeout: float = 60.0, progress: bool = True,
          manual_dir: str | os.PathLike | None = None) -> Path:
    """Download ``url`` to ``dest`` and return ``dest``.

    Each given checksum (``sha256`` and/or ``md5``, hex) is verified before the file is renamed into
    place; with neither, the download is not verified. An existing ``dest`` that verifies is kept
    without downloading. A mismatch deletes the partial file and tries again up to ``retries`` more
    times, then raises DataError. Network errors raise DataError at once. ``manual_dir`` is where
    messages tell the user to place the (extracted) files by hand; default ``dest``'s folder.
    """
    dest = Path(dest)
    manual = Path(manual_dir) if manual_dir is not None else dest.parent
    expected = {"sha256": sha256, "md5": md5}
    if dest.is_file() and _mismatch(file_digests(dest), expected) is None:
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {dest.parent} to download {url} into: {exc}. Set a writable data "
                        "folder (MATCHKIT_DATA or dataset.data_dir)") from exc
    problem = None
    for _ in range(retries + 1):
        tmp = _download_to_temp(url, dest, timeout, progress, manual)
        problem = _mismatch(file_digests(tmp), expected)
        if problem is None:
            os.replace(tmp, dest)
            return dest
        tmp.unlink(missing_ok=True)
    raise DataError(
        f"the download of {url} is corrupt ({problem}), {retries + 1} attempt(s). Try again later, or "
        f"download it yourself, delete any partial copy at {dest}, and place the extracted files by hand "
        f"in {manual}")


def _download_to_temp(url: str, dest: Path, timeout: float, progress: bool, manual: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=dest.name,
                      disable=not progress, leave=False) as bar:
                for chunk in iter(lambda: resp.read(CHUNK), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        else:
            reason = getattr(exc, "reason", None) or exc
        raise DataError(f"cannot download {url}: {reason}. Check the network connection (and proxy "
                        f"settings), or download it by hand and place the extracted files in {manual}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def extract_zip(archive: str | os.PathLike, dest: str | os.PathLike, member_root: str | None = None) -> Path:
    """Unpack ``archive`` so that its folder ``member_root`` (or its whole content) becomes ``dest``.

    Extraction happens in a temporary folder beside ``dest``; the result is renamed into place. If
    ``dest`` already exists, only the files it lacks are moved in. Returns ``dest``.
    """
    archive, dest = Path(archive), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".extract", dir=dest.parent))
    try:
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        except (zipfile.BadZipFile, EOFError) as exc:
            raise DataError(f"{archive} is not a valid zip archive ({exc}); delete it and run again to "
                            f"download it afresh, or place the extracted files by hand in {dest}") from exc
        src = tmp / member_root if member_root else tmp
        if not src.is_dir():
            raise DataError(f"{archive} has no folder '{member_root}/'; delete it and run again, or place "
                            f"the extracted files by hand in {dest}")
        try:
            os.rename(src, dest)
        except OSError:  # dest exists (partial copy, or another process got there first)
            dest.mkdir(parents=True, exist_ok=True)
            for item in src.iterdir():
                if not (dest / item.name).exists():
                    os.replace(item, dest / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def ensure_release(folder: str | os.PathLike, files: list[str], *, url: str, archive: str | os.PathLike,
                   release: str, download: bool, sha256: str | None = None, md5: str | None = None,
                   how_to_point: str = "") -> Path:
    """``folder`` holding every name in ``files``, downloading and unpacking ``url`` first if needed.

    ``release`` is the archive's top folder (e.g. ``ml-1m``) and the name used in messages. Missing files
    with ``download=False``, a failed or corrupt download, or an archive lacking a file raise
    :class:`DataError` naming the folder, the files, and ``how_to_point`` (how to set another data root).
    """
    folder = Path(folder)
    listed = ", ".join(files)
    missing = [f for f in files if not (folder / f).is_file()]
    if not missing:
        return folder
    if not download:
        raise DataError(f"MovieLens {release} files missing from {folder}: {', '.join(missing)} (it needs "
                        f"{listed}). Place them there, {how_to_point}, or set dataset.download=true to "
                        "fetch them from GroupLens")
    fetched = fetch(url, archive, sha256, md5=md5, manual_dir=folder)
    extract_zip(fetched, folder, member_root=release)
    still = [f for f in files if not (folder / f).is_file()]
    if still:
        raise DataError(f"{fetched} does not contain {release}/{still[0]}; delete {fetched} and run again, "
                        f"or place {listed} by hand in {folder}")
    return folder
