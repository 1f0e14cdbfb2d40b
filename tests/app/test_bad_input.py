"""One test per row of the README table "Bad input and what you get": each runs the CLI in a subprocess
and expects a non-zero exit, one short message naming the problem and the fix, no traceback, and no
output files (Hydra's own ``.hydra/`` record and log aside)."""

import http.server
import socket
import sys
import threading
from pathlib import Path

import pytest
from cli_helpers import SMALL, error_line, outputs, run_matchkit

USERS = ["1::F::1::10::48067", "2::M::56::16::70072", "3::M::25::15::02460"]
MOVIES = ["1::Toy Story (1995)::Animation|Children's|Comedy", "2::Jumanji (1995)::Adventure|Fantasy",
          "3::Heat (1995)::Action|Crime"]
RATINGS = [f"{u}::{m}::4::9783000{u}{m}" for u in (1, 2, 3) for m in (1, 2, 3)]


def ml1m_root(tmp_path: Path, users=USERS, movies=MOVIES, ratings=RATINGS) -> Path:
    folder = tmp_path / "data" / "ml-1m"
    folder.mkdir(parents=True)
    for name, lines in (("users.dat", users), ("movies.dat", movies), ("ratings.dat", ratings)):
        (folder / name).write_text("".join(line + "\n" for line in lines), encoding="iso-8859-1")
    return folder.parent


def ml1m(root: Path, *more: str) -> list[str]:
    return ["dataset=ml1m", f"dataset.data_dir={root}", "dataset.download=false", *more]


def fails_cleanly(tmp_path: Path, *overrides: str, **env: str) -> str:
    """Run, check the failure is clean, and return the error message."""
    run_dir = tmp_path / "run"
    proc = run_matchkit(run_dir, *overrides, **env)
    message = error_line(proc)
    assert len(message) < 700, message
    assert proc.returncode == 2
    assert outputs(run_dir) == []
    return message


def test_missing_data_files_with_download_off(tmp_path):
    message = fails_cleanly(tmp_path, *ml1m(tmp_path / "nothing-here"))
    assert "files missing" in message and "ratings.dat" in message
    assert "dataset.download=true" in message and "MATCHKIT_DATA" in message


def test_download_failure_gives_the_reason(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = tmp_path / "cache"
    message = fails_cleanly(tmp_path, "dataset=ml1m", f"dataset.data_dir={root}",
                            f"dataset.url=http://127.0.0.1:{port}/ml-1m.zip")
    assert "cannot download" in message and "refused" in message.lower()
    assert "download it by hand and place the extracted files in" in message
    assert not list(root.rglob("*.zip*"))


@pytest.fixture
def bad_archive_server(tmp_path):
    """Serves a 'ml-1m.zip' whose checksum is wrong; ``.hits`` counts the downloads."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b"PK\x03\x04 truncated archive"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/ml-1m.zip"
    httpd.hits = hits
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_corrupt_download_is_removed_and_retried_once(tmp_path, bad_archive_server):
    root = tmp_path / "cache"
    message = fails_cleanly(tmp_path, "dataset=ml1m", f"dataset.data_dir={root}",
                            f"dataset.url={bad_archive_server.url}")
    assert len(bad_archive_server.hits) == 2  # first try + one retry
    assert "corrupt" in message and "2 attempt(s)" in message
    assert [p.name for p in root.rglob("*")] == []  # the bad download is removed


def test_malformed_ratings_line_names_file_and_line(tmp_path):
    root = ml1m_root(tmp_path, ratings=[RATINGS[0], "1::2::four::978300760", *RATINGS[2:]])
    message = fails_cleanly(tmp_path, *ml1m(root))
    assert "ratings.dat line 2" in message and "Rating must be an integer" in message


@pytest.mark.parametrize("bad, table", [("9::1::5::978300760", "users.dat"), ("1::99::5::978300760", "movies.dat")])
def test_ratings_naming_absent_users_or_movies(tmp_path, bad, table):
    message = fails_cleanly(tmp_path, *ml1m(ml1m_root(tmp_path, ratings=RATINGS + [bad])))
    assert f"absent from {table}" in message
    assert f"e.g. {9 if table == 'users.dat' else 99}" in message and "Fix the files" in message


def test_filters_that_leave_the_dataset_empty(tmp_path):
    message = fails_cleanly(tmp_path, *ml1m(ml1m_root(tmp_path), "dataset.min_user_interactions=50"))
    assert "at least 50 interactions" in message and "lower dataset.min_user_interactions" in message


@pytest.mark.parametrize("override, expected", [
    ("dataset.name=synthetc", "unknown dataset 'synthetc'; did you mean 'synthetic'?"),
    ("model.name=dsm", "unknown model 'dsm'; did you mean 'dssm'?"),
])
def test_unknown_registry_name(tmp_path, override, expected):
    message = fails_cleanly(tmp_path, *SMALL, override)
    assert expected in message and "available:" in message


def hydra_refuses(tmp_path, *overrides) -> str:
    """Hydra rejects the overrides while composing: exit 1, its message, no traceback, no run dir."""
    run_dir = tmp_path / "run"
    proc = run_matchkit(run_dir, *overrides)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "HYDRA_FULL_ERROR=1" in proc.stderr
    assert not run_dir.exists()
    return proc.stderr


def test_unknown_config_group_option(tmp_path):
    err = hydra_refuses(tmp_path, "sampler=inbach")
    assert "Could not find 'sampler/inbach'" in err and "inbatch" in err


def test_wrong_type(tmp_path):
    err = hydra_refuses(tmp_path, "trainer.batch_size=abc")
    assert "could not be converted to Integer" in err and "trainer.batch_size" in err


@pytest.mark.parametrize("override, key", [
    ("trainer.batch_size=0", "trainer.batch_size"),
    ("model.temperature=-0.05", "model.temperature"),
    ("samples.seq_len=0", "samples.seq_len"),
    ("eval.ks=[10,50,500]", "eval.ks"),
])
def test_out_of_range_value(tmp_path, override, key):
    message = fails_cleanly(tmp_path, *SMALL, override)
    assert key in message
    if key == "eval.ks":
        assert "K=500, larger than the number of items (100)" in message and "lower eval.ks" in message
    else:
        assert f"received {override}" in message


def test_feature_column_naming_an_absent_field(tmp_path):
    message = fails_cleanly(tmp_path, *SMALL, "features.item=[{type:sparse,name:movie_id,embedding_dim:8},"
                                              "{type:sparse,name:year,embedding_dim:8}]")
    assert "features.item names the field 'year'" in message and "available fields:" in message


@pytest.mark.parametrize("where", ["under_a_file", "proc"])
def test_unwritable_output_directory(tmp_path, where):
    if where == "proc" and not sys.platform.startswith("linux"):
        pytest.skip("needs /proc")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run_dir = blocker / "run" if where == "under_a_file" else Path("/proc/matchkit-test-run")
    proc = run_matchkit(run_dir, *SMALL, cwd=tmp_path)
    message = error_line(proc)
    assert proc.returncode == 2
    assert f"cannot write to the output directory {run_dir}" in message and "hydra.run.dir" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_traceback_only_when_asked(tmp_path):
    proc = run_matchkit(tmp_path / "run", *SMALL, "trainer.batch_size=0", HYDRA_FULL_ERROR="1")
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "ConfigError" in proc.stderr
