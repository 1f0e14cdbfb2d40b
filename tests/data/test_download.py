import hashlib
import http.server
import socket
import threading
import zipfile

import pytest

from matchkit.data.download import extract_zip, fetch, file_digests
from matchkit.errors import DataError

PAYLOAD = b"matchkit test payload\n" * 1000
SHA = hashlib.sha256(PAYLOAD).hexdigest()
MD5 = hashlib.md5(PAYLOAD).hexdigest()


@pytest.fixture
def server(tmp_path):
    """A 127.0.0.1 HTTP server over ``tmp_path / 'srv'``; ``server.hits`` counts GET requests."""
    root = tmp_path / "srv"
    root.mkdir()
    (root / "file.bin").write_bytes(PAYLOAD)
    hits = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.hits = hits
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_fetch_over_http_verifies_and_renames(server, tmp_path):
    dest = tmp_path / "data" / "file.bin"
    assert fetch(f"{server.url}/file.bin", dest, SHA, md5=MD5, progress=True) == dest
    assert dest.read_bytes() == PAYLOAD
    assert leftovers(dest.parent) == ["file.bin"]  # no temporary file left
    assert file_digests(dest) == {"sha256": SHA, "md5": MD5}


def test_fetch_file_url_md5_only(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    dest = tmp_path / "out" / "copy.bin"
    fetch(src.as_uri(), dest, None, md5=MD5.upper(), progress=False)
    assert dest.read_bytes() == PAYLOAD


def test_existing_good_file_is_kept(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(PAYLOAD)
    fetch(f"{server.url}/file.bin", dest, SHA, progress=False)
    assert server.hits == []


def test_existing_bad_file_is_replaced(server, tmp_path):
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"truncated")
    fetch(f"{server.url}/file.bin", dest, SHA, progress=False)
    assert dest.read_bytes() == PAYLOAD and len(server.hits) == 1


def test_checksum_mismatch_retries_once_then_fails_clean(server, tmp_path):
    dest = tmp_path / "data" / "file.bin"
    with pytest.raises(DataError, match="corrupt") as err:
        fetch(f"{server.url}/file.bin", dest, "0" * 64, progress=False, manual_dir=tmp_path / "by-hand")
    assert len(server.hits) == 2
    assert leftovers(dest.parent) == []
    message = str(err.value)
    assert f"{server.url}/file.bin" in message and str(tmp_path / "by-hand") in message
    assert "delete" in message


def test_md5_mismatch_without_retry(server, tmp_path):
    with pytest.raises(DataError, match="md5"):
        fetch(f"{server.url}/file.bin", tmp_path / "f", None, md5="0" * 32, retries=0, progress=False)
    assert len(server.hits) == 1 and leftovers(tmp_path) == ["srv"]


def test_http_error_names_url_reason_and_folder(server, tmp_path):
    url = f"{server.url}/missing.zip"
    with pytest.raises(DataError) as err:
        fetch(url, tmp_path / "d" / "missing.zip", SHA, progress=False, manual_dir=tmp_path / "by-hand")
    message = str(err.value)
    assert url in message and "HTTP 404" in message and str(tmp_path / "by-hand") in message
    assert leftovers(tmp_path / "d") == []


def test_connection_refused(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ml-1m.zip"
    with pytest.raises(DataError, match="cannot download") as err:
        fetch(url, tmp_path / "ml-1m.zip", SHA, progress=False, timeout=5)
    assert url in str(err.value) and str(tmp_path) in str(err.value)


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_extract_zip_into_place(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"pkg/a.txt": "A", "pkg/sub/b.txt": "B"})
    dest = extract_zip(archive, tmp_path / "out" / "pkg", member_root="pkg")
    assert (dest / "a.txt").read_text() == "A" and (dest / "sub" / "b.txt").read_text() == "B"
    assert leftovers(tmp_path / "out") == ["pkg"]


def test_extract_zip_fills_a_partial_folder(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"pkg/a.txt": "new A", "pkg/b.txt": "B"})
    dest = tmp_path / "pkg"
    dest.mkdir()
    (dest / "a.txt").write_text("old A")
    extract_zip(archive, dest, member_root="pkg")
    assert (dest / "a.txt").read_text() == "old A" and (dest / "b.txt").read_text() == "B"
    assert leftovers(tmp_path) == ["a.zip", "pkg"]


def test_extract_bad_zip(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a valid zip"):
        extract_zip(bad, tmp_path / "out")
    assert leftovers(tmp_path) == ["bad.zip"]


def test_extract_zip_without_expected_folder(tmp_path):
    archive = make_zip(tmp_path / "a.zip", {"other/a.txt": "A"})
    with pytest.raises(DataError, match="no folder 'pkg/'"):
        extract_zip(archive, tmp_path / "pkg", member_root="pkg")
    assert leftovers(tmp_path) == ["a.zip"]
