"""Small files in the format of the MovieLens CSV releases, for tests and offline demos.

    python -m matchkit_movielens.sample DATA_ROOT [RELEASE]     # writes DATA_ROOT/ml-latest-small/*.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

GENRES = ("Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")


def write_sample_release(root: str | Path, release: str = "ml-latest-small", n_users: int = 60,
                         n_movies: int = 150, ratings_per_user: tuple[int, int] = (8, 30), seed: int = 0) -> Path:
    """Write ``<root>/<release>/ratings.csv`` and ``movies.csv`` as GroupLens does; returns the folder.

    Like the real files: a header row, movie ids with gaps, titles with commas (quoted), ``|``-separated
    genres (one movie with ``(no genres listed)``), half-star ratings, Unix timestamps, some movies never
    rated. Users prefer a few genres, so a model has something to learn.
    """
    rng = np.random.default_rng(seed)
    folder = Path(root) / release
    folder.mkdir(parents=True, exist_ok=True)
    movie_ids = np.sort(rng.choice(np.arange(1, 10 * n_movies), n_movies, replace=False))
    movie_genres = [sorted(rng.choice(len(GENRES), rng.integers(1, 5), replace=False)) for _ in movie_ids]
    movie_genres[0] = []
    with open(folder / "movies.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["movieId", "title", "genres"])
        for i, (mid, genres) in enumerate(zip(movie_ids, movie_genres)):
            title = f"Movie {mid}, The ({1950 + i % 70})" if i % 3 == 0 else f"Movie {mid} ({1950 + i % 70})"
            w.writerow([mid, title, "|".join(GENRES[g] for g in genres) or "(no genres listed)"])
    rated = movie_ids[: int(n_movies * 0.9)]  # the rest are never rated
    with open(folder / "ratings.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["userId", "movieId", "rating", "timestamp"])
        for user in range(1, n_users + 1):
            liked = set(rng.choice(len(GENRES), 3, replace=False))
            weight = np.array([1.0 + 4.0 * bool(liked & set(movie_genres[i])) for i in range(len(rated))])
            n = int(rng.integers(ratings_per_user[0], ratings_per_user[1] + 1))
            picks = rng.choice(rated, min(n, len(rated)), replace=False, p=weight / weight.sum())
            t = int(rng.integers(1_000_000_000, 1_500_000_000))
            for mid in picks:
                t += int(rng.integers(1, 100_000))
                w.writerow([user, mid, rng.integers(1, 11) / 2, t])
    return folder


if __name__ == "__main__":
    print(write_sample_release(sys.argv[1], *sys.argv[2:3]))
