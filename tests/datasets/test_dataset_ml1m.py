import hashlib
import os
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

from matchkit.data.builder import build_samples
from matchkit.datasets import DATASETS
from matchkit.datasets.ml1m import ML1M, ML1M_MD5, data_root
from matchkit.errors import ConfigError, DataError

USERS = ["1::F::1::10::48067", "2::M::56::16::70072", "3::M::25::15::02460", "4::F::45::7::10001"]
MOVIES = ["1::Toy Story (1995)::Animation|Children's|Comedy", "2::Jumanji (1995)::Adventure|Children's|Fantasy",
          "10::Café au lait (1993)::Comedy|Romance", "20::Unrated (1990)::Horror"]
RATINGS = ["1::10::5::978300760", "1::1::3::978302109", "2::2::4::978300000", "1::2::3::978300760",
           "3::1::5::978100000", "2::10::2::978300001", "3::2::1::978100001"]


def write_files(folder, users=USERS, movies=MOVIES, ratings=RATINGS, newline="\n"):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("users.dat", users), ("movies.dat", movies), ("ratings.dat", ratings)):
        if lines is not None:
            (folder / name).write_bytes("".join(line + newline for line in lines).encode("iso-8859-1"))
    return folder


def load(root, **kwargs):
    return ML1M(data_dir=root, download=False, **kwargs).load()


def test_load_encodes_merged_data(tmp_path):
    write_files(tmp_path / "ml-1m")
    table = DATASETS.build("ml1m", data_dir=str(tmp_path), download=False, genres="first").load()
    assert table.n_interactions == 7 and table.n_users == 3 and table.n_items == 3  # user 4, movie 20 unrated
    assert list(table.user_features) == ["user_id", "gender", "age", "occupation", "zip"]
    assert list(table.item_features) == ["movie_id", "genres"]
    assert table.vocab_sizes == {"user_id": 4, "movie_id": 4, "gender": 3, "age": 4, "occupation": 4,
                                 "zip": 4, "genres": 4}
    assert table.vocabularies["movie_id"].tolist() == [None, 1, 2, 10]
    assert table.vocabularies["zip"].tolist() == [None, "02460", "48067", "70072"]
    assert table.vocabularies["genres"].tolist() == [None, "Adventure", "Animation", "Comedy"]
    np.testing.assert_array_equal(table.user_features["gender"], [0, 1, 2, 2])   # F, M, M
    np.testing.assert_array_equal(table.user_features["age"], [0, 1, 3, 2])      # 1, 56, 25
    np.testing.assert_array_equal(table.user_features["zip"], [0, 2, 3, 1])
    np.testing.assert_array_equal(table.item_features["genres"], [0, 2, 1, 3])   # first genres
    np.testing.assert_array_equal(table.users, [1, 1, 2, 1, 3, 2, 3])
    np.testing.assert_array_equal(table.items, [3, 1, 2, 2, 1, 3, 2])
    np.testing.assert_array_equal(table.ratings, [5, 3, 4, 3, 5, 2, 1])
    assert table.timestamps.dtype == np.int64 and table.timestamps[0] == 978300760
    assert table.item_titles.tolist() == [None, "Toy Story (1995)", "Jumanji (1995)", "Café au lait (1993)"]
    assert str(tmp_path) in table.source


def test_samples_follow_time_with_ties_in_file_order(tmp_path):
    write_files(tmp_path / "ml-1m")
    samples = build_samples(load(tmp_path), seq_len=5)
    # user 1: MovieIDs 10 (t=760, line 1), 2 (t=760, line 4), 1 (t=2109) -> codes 3, 2, 1
    np.testing.assert_array_equal(samples.test["movie_id"], [1, 3, 2])
    np.testing.assert_array_equal(samples.test["hist_movie_id"][0], [2, 3, 0, 0, 0])
    np.testing.assert_array_equal(samples.train["movie_id"], [2])


def test_all_genres(tmp_path):
    write_files(tmp_path / "ml-1m")
    table = load(tmp_path, genres="all")
    assert table.vocabularies["genres"].tolist() == [
        None, "Adventure", "Animation", "Children's", "Comedy", "Fantasy", "Romance"]
    np.testing.assert_array_equal(table.item_features["genres"], [[0, 0, 0], [2, 3, 4], [1, 3, 5], [4, 6, 0]])
    samples = build_samples(table, seq_len=4)
    assert samples.test["hist_genres"].shape == (3, 4, 3) and samples.test["genres"].shape == (3, 3)


def test_crlf_and_blank_lines(tmp_path):
    write_files(tmp_path / "ml-1m", ratings=RATINGS[:3] + [""] + RATINGS[3:], newline="\r\n")
    assert load(tmp_path).n_interactions == 7


def test_min_user_interactions(tmp_path):
    write_files(tmp_path / "ml-1m")
    table = load(tmp_path, min_user_interactions=3)
    assert table.n_users == 1 and table.vocabularies["user_id"].tolist() == [None, 1]
    assert table.n_interactions == 3 and table.timestamps.shape == table.ratings.shape == (3,)
    with pytest.raises(DataError, match="at least 4"):
        load(tmp_path, min_user_interactions=4)


@pytest.mark.parametrize("kwargs,text", [({"genres": "some"}, "genres='some'"),
                                         ({"min_user_interactions": -1}, "min_user_interactions=-1")])
def test_bad_arguments(tmp_path, kwargs, text):
    with pytest.raises(ConfigError, match=text):
        ML1M(data_dir=tmp_path, **kwargs)


def replaced(lines, lineno, text):
    lines = list(lines)
    lines[lineno - 1] = text
    return lines


@pytest.mark.parametrize("file,lines,lineno,text", [
    ("ratings.dat", replaced(RATINGS, 3, "2::2::4"), 3, "expected 4 '::'-separated fields"),
    ("ratings.dat", replaced(RATINGS, 2, "1::1::x::978302109"), 2, "Rating must be an integer"),
    ("ratings.dat", replaced(RATINGS, 5, "3::1::5::978100000::9"), 5, "found 5"),
    ("ratings.dat", replaced(RATINGS, 4, "1:2::3::978300760"), 4, "fields"),
    ("ratings.dat", replaced(RATINGS, 7, "3::2::1::97810.5"), 7, "Timestamp must be an integer"),
    ("ratings.dat", ["", "", "oops"] + RATINGS, 3, "fields"),
    ("users.dat", replaced(USERS, 2, "2::M::56::16"), 2, "expected 5"),
    ("users.dat", replaced(USERS, 3, "3::M::x::15::02460"), 3, "Age must be an integer"),
    ("movies.dat", replaced(MOVIES, 1, "x::Toy Story (1995)::Animation"), 1, "MovieID must be an integer"),
])
def test_malformed_line_is_named(tmp_path, file, lines, lineno, text):
    stem = file.split(".")[0]
    write_files(tmp_path / "ml-1m", **{stem: lines})
    with pytest.raises(DataError, match=text) as err:
        load(tmp_path)
    message = str(err.value)
    assert f"{tmp_path / 'ml-1m' / file} line {lineno}:" in message
    assert "Fix or remove that line" in message


@pytest.mark.parametrize("line,file,example", [("9::1::5::978300760", "users.dat", "9"),
                                               ("1::99::5::978300760", "movies.dat", "99")])
def test_ratings_of_unlisted_users_or_movies(tmp_path, line, file, example):
    write_files(tmp_path / "ml-1m", ratings=RATINGS + [line])
    with pytest.raises(DataError, match=f"absent from {file}.*e.g. {example}"):
        load(tmp_path)


def test_duplicate_user(tmp_path):
    write_files(tmp_path / "ml-1m", users=USERS + ["2::F::1::1::11111"])
    with pytest.raises(DataError, match="user_id 2 more than once"):
        load(tmp_path)


@pytest.mark.parametrize("stem", ["ratings", "users", "movies"])
def test_empty_file(tmp_path, stem):
    write_files(tmp_path / "ml-1m", **{stem: []})
    with pytest.raises(DataError, match=f"{stem}.dat has no data lines"):
        load(tmp_path)


def test_data_root_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHKIT_DATA", str(tmp_path / "env"))
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert data_root() == tmp_path / "env"
    assert ML1M().folder == tmp_path / "env" / "ml-1m"
    monkeypatch.delenv("MATCHKIT_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".cache" / "matchkit"


def test_missing_files_without_download(tmp_path):
    with pytest.raises(DataError) as err:
        load(tmp_path)
    message = str(err.value)
    for part in (str(tmp_path / "ml-1m"), "users.dat", "ratings.dat", "movies.dat", "MATCHKIT_DATA",
                 "dataset.data_dir", "dataset.download=true"):
        assert part in message
    write_files(tmp_path / "ml-1m", ratings=None)
    with pytest.raises(DataError, match="missing from .*: ratings.dat \\("):
        load(tmp_path)


def test_published_md5_is_checked_by_default():
    assert ML1M_MD5 == "c4d9eecfca2ab87c1945afe126590906"
    assert ML1M().md5 == ML1M_MD5


@pytest.fixture
def archive(tmp_path):
    """A GroupLens-shaped ml-1m.zip built from the fixture files; returns (path, md5, sha256)."""
    src = write_files(tmp_path / "src" / "ml-1m")
    path = tmp_path / "srv" / "ml-1m.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("users.dat", "movies.dat", "ratings.dat"):
            zf.write(src / name, f"ml-1m/{name}")
        zf.writestr("ml-1m/README", "fixture")
    data = path.read_bytes()
    return path, hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()


@pytest.fixture
def attempts(monkeypatch):
    urls = []
    real = urllib.request.urlopen

    def counting(url, *args, **kwargs):
        urls.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", counting)
    return urls


def test_download_and_extract(tmp_path, archive, attempts):
    path, md5, sha = archive
    root = tmp_path / "root"
    data = ML1M(data_dir=root, url=path.as_uri(), md5=md5, sha256=sha)
    table = data.load()
    assert table.n_interactions == 7 and len(attempts) == 1
    assert sorted(os.listdir(root)) == ["ml-1m", "ml-1m.zip"]
    assert sorted(os.listdir(root / "ml-1m")) == ["README", "movies.dat", "ratings.dat", "users.dat"]
    data.load()
    assert len(attempts) == 1  # files in place: no second download


def test_download_fills_partial_folder(tmp_path, archive):
    path, md5, _ = archive
    folder = write_files(tmp_path / "root" / "ml-1m", users=USERS + ["5::F::1::1::11111"], movies=None,
                         ratings=None)
    table = ML1M(data_dir=tmp_path / "root", url=path.as_uri(), md5=md5, sha256=None).load()
    assert table.n_users == 3 and "5::F" in (folder / "users.dat").read_text()  # kept the local file


def test_checksum_mismatch_retries_once_and_leaves_nothing(tmp_path, archive, attempts):
    path, _, _ = archive
    root = tmp_path / "root"
    with pytest.raises(DataError, match="corrupt") as err:
        ML1M(data_dir=root, url=path.as_uri(), md5="0" * 32, sha256=None).load()
    assert len(attempts) == 2
    assert os.listdir(root) == []
    assert str(root / "ml-1m") in str(err.value) and path.as_uri() in str(err.value)


def test_zip_without_the_files(tmp_path):
    path = tmp_path / "srv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ml-1m/users.dat", "\n".join(USERS))
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    with pytest.raises(DataError, match="does not contain ml-1m/ratings.dat"):
        ML1M(data_dir=tmp_path / "root", url=path.as_uri(), md5=md5).load()


REAL = Path(os.environ.get("MATCHKIT_DATA", "/nonexistent")) / "ml-1m"


@pytest.mark.slow
@pytest.mark.skipif(not all((REAL / f).is_file() for f in ("users.dat", "ratings.dat", "movies.dat")),
                    reason="real ML-1M not found under $MATCHKIT_DATA/ml-1m")
def test_real_ml1m():
    table = ML1M(download=False).load()
    samples = build_samples(table)
    assert table.n_interactions == 1_000_144
    assert len(samples.train) == 988_064 and len(samples.test) == 6_040
    assert table.n_items == 3_657 and len(np.unique(table.items)) == 3_657
    assert table.vocab_sizes == {"user_id": 6_041, "movie_id": 3_658, "gender": 3, "age": 8, "occupation": 22,
                                 "zip": 3_440, "genres": 19}
    assert samples.seen.shape == (1_000_144 - 6_040, 2)

    # Spot-check raw user 10 against the file itself: stable sort by timestamp, test row = last item.
    lines = [line.split("::") for line in (REAL / "ratings.dat").read_text("iso-8859-1").splitlines()]
    mine = sorted(((int(t), int(m)) for u, m, _, t in lines if u == "10"), key=lambda p: p[0])
    movies = [m for _, m in mine]
    code = table.vocabularies["user_id"].tolist().index(10)
    row = int(np.flatnonzero(samples.test["user_id"] == code)[0])
    raw = table.vocabularies["movie_id"]
    assert raw[samples.test["movie_id"][row]] == movies[-1]
    hist = samples.test["hist_movie_id"][row]
    assert [raw[c] for c in hist] == movies[-2::-1][:50]
    assert samples.test["hist_len"][row] == 50
    first_genre = {int(m): g.split("|")[0] for m, _, g in
                   (line.split("::") for line in (REAL / "movies.dat").read_text("iso-8859-1").splitlines())}
    genres = table.vocabularies["genres"]
    assert [genres[c] for c in samples.test["hist_genres"][row]] == [first_genre[m] for m in movies[-2::-1][:50]]
    assert (samples.train["user_id"] == code).sum() == len(movies) - 2
