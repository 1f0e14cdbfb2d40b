"""ML-1M-shaped interactions generated in code, with structure a model can learn (offline demos and tests)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from matchkit.data.encode import make_table
from matchkit.data.table import InteractionTable
from matchkit.datasets import DATASETS
from matchkit.errors import ConfigError

AGES = np.array([1, 18, 25, 35, 45, 50, 56])  # ML-1M's age buckets
N_OCCUPATIONS = 21
N_PERSONAS = 8
START, END = 956_703_932, 1_046_454_590  # ML-1M's timestamp range


@DATASETS.register("synthetic")
class Synthetic:
    """Synthetic MovieLens-like data, deterministic per ``seed``.

    Items have a genre and a Zipf-like popularity (weight ``rank ** -popularity_skew``). Users belong to
    one of a few hidden personas, which shape both their attributes (gender, age, occupation, zip region)
    and their ``n_favourites`` favourite genres. Each step a user stays on the current favourite genre,
    switching to another with probability ``drift`` (so recent history predicts the next item); with
    probability ``taste_strength`` the item is drawn from that genre by popularity, otherwise from all
    items by popularity. Repeats are dropped, so a user has at most ``interactions_per_user[1]`` distinct
    items (a target drawn uniformly from that range; rarely fewer). Timestamps rise strictly per user.

    ``load()`` returns an InteractionTable with ML-1M's feature names: user ``user_id, gender, age,
    occupation, zip``; item ``movie_id, genres``; coded over the users/items that occur (items nobody
    picked are not in the vocabulary, as unrated movies are not in ML-1M's). Rows are grouped by user in
    time order.
    """

    def __init__(self, n_users: int = 1000, n_items: int = 500, n_genres: int = 12,
                 interactions_per_user: Sequence[int] = (20, 60), popularity_skew: float = 1.0,
                 taste_strength: float = 0.8, drift: float = 0.15, n_favourites: int = 3, seed: int = 0) -> None:
        for name, value in (("n_users", n_users), ("n_items", n_items), ("n_genres", n_genres),
                            ("n_favourites", n_favourites)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, received {name}={value!r}")
        if n_genres > n_items:
            raise ConfigError(f"n_genres must not exceed n_items, received n_genres={n_genres}, n_items={n_items}")
        try:
            lo, hi = (int(v) for v in interactions_per_user)
        except (TypeError, ValueError):
            lo, hi = 0, -1
        if not 1 <= lo <= hi:
            raise ConfigError("interactions_per_user must be [min, max] with 1 <= min <= max, received "
                              f"interactions_per_user={interactions_per_user!r}")
        for name, value in (("taste_strength", taste_strength), ("drift", drift)):
            if not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"{name} must be within [0, 1], received {name}={value!r}")
        if float(popularity_skew) < 0:
            raise ConfigError(f"popularity_skew must be >= 0, received popularity_skew={popularity_skew!r}")
        self.n_users, self.n_items, self.n_genres = int(n_users), int(n_items), int(n_genres)
        self.interactions_per_user = (lo, hi)
        self.popularity_skew, self.taste_strength = float(popularity_skew), float(taste_strength)
        self.drift = float(drift)
        self.n_favourites, self.seed = min(int(n_favourites), self.n_genres), int(seed)

    def load(self) -> InteractionTable:
        rng = np.random.default_rng(self.seed)
        n_u, n_i, n_g, k = self.n_users, self.n_items, self.n_genres, self.n_favourites
        item_genre = np.concatenate([np.arange(n_g), rng.choice(n_g, n_i - n_g, p=rng.dirichlet(np.full(n_g, 2.0)))])
        item_genre = rng.permutation(item_genre)
        weight = (rng.permutation(n_i) + 1.0) ** -self.popularity_skew
        pick_in_genre, pick_any = _popularity_samplers(item_genre, weight, n_g)

        # Personas tie user attributes to tastes.
        persona = rng.integers(0, N_PERSONAS, n_u)
        genre_pref = rng.dirichlet(np.full(n_g, 0.3), N_PERSONAS)[persona]
        favourites = np.argsort(np.log(genre_pref + 1e-12) + rng.gumbel(size=(n_u, n_g)), axis=1)[:, -k:]
        gender = np.where(rng.random(n_u) < rng.uniform(0.15, 0.85, N_PERSONAS)[persona], "M", "F")
        age = AGES[_categorical(rng, rng.dirichlet(np.full(len(AGES), 0.7), N_PERSONAS)[persona])]
        occupation = _categorical(rng, rng.dirichlet(np.full(N_OCCUPATIONS, 0.3), N_PERSONAS)[persona])
        region = np.where(rng.random(n_u) < 0.8, rng.integers(0, 10, N_PERSONAS)[persona], rng.integers(0, 10, n_u))
        zips = np.char.add(region.astype(str), np.char.zfill(rng.integers(0, 50, n_u).astype(str), 4))

        # Sequences: a favourite-genre chain per user, oversampled, then deduplicated and cut.
        lo, hi = self.interactions_per_user
        steps = 2 * hi + 10
        jump = np.where(rng.random((n_u, steps)) < self.drift, rng.integers(1, max(k, 2), (n_u, steps)), 0)
        slot = (rng.integers(0, k, (n_u, 1)) + np.cumsum(jump, axis=1)) % k
        genre_seq = np.take_along_axis(favourites, slot, axis=1)
        on_taste = rng.random((n_u, steps)) < self.taste_strength
        picks = np.where(on_taste, pick_in_genre(genre_seq, rng), pick_any((n_u, steps), rng))
        keep = np.zeros(n_u * steps, dtype=bool)
        keep[np.unique(np.arange(n_u)[:, None] * n_i + picks, return_index=True)[1]] = True
        keep = keep.reshape(n_u, steps)
        keep &= np.cumsum(keep, axis=1) <= rng.integers(lo, hi + 1, n_u)[:, None]
        gaps = rng.geometric(1 / 3600, (n_u, steps)) * keep
        ts = rng.integers(START, (START + END) // 2, n_u)[:, None] + np.cumsum(gaps, axis=1)
        rating = np.where(on_taste, rng.integers(4, 6, (n_u, steps)), rng.integers(1, 6, (n_u, steps)))
        user_of, step_of = np.nonzero(keep)

        genre_names = np.array([f"genre{g:02d}" for g in range(n_g)], dtype=object)
        return make_table(
            user_col="user_id", item_col="movie_id",
            users=user_of + 1, items=picks[user_of, step_of] + 1, timestamps=ts[user_of, step_of],
            ratings=rating[user_of, step_of],
            user_ids=np.arange(1, n_u + 1),
            user_attrs={"gender": gender, "age": age, "occupation": occupation, "zip": zips},
            item_ids=np.arange(1, n_i + 1), item_attrs={"genres": genre_names[item_genre]},
            item_titles=[f"Item {i + 1} ({genre_names[g]})" for i, g in enumerate(item_genre)],
            source=f"synthetic(n_users={n_u}, n_items={n_i}, n_genres={n_g}, seed={self.seed})")


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` ``[n, c]`` -> int ``[n]``."""
    cdf = np.cumsum(probs, axis=1)
    return np.minimum((rng.random((len(probs), 1)) * cdf[:, -1:] > cdf).sum(axis=1), probs.shape[1] - 1)


def _popularity_samplers(item_genre: np.ndarray, weight: np.ndarray, n_genres: int):
    """Vectorised inverse-CDF samplers: (item of given genres by popularity, item by popularity)."""
    order = np.lexsort((np.arange(len(item_genre)), item_genre))
    g_sorted, w_sorted = item_genre[order], weight[order]
    total = np.bincount(item_genre, weights=weight, minlength=n_genres)
    before = np.concatenate([[0.0], np.cumsum(total)[:-1]])
    cdf = g_sorted + (np.cumsum(w_sorted) - before[g_sorted]) / total[g_sorted]
    last = np.cumsum(np.bincount(item_genre, minlength=n_genres)) - 1
    cdf[last] = np.arange(n_genres) + 1.0
    global_cdf = np.cumsum(weight) / weight.sum()
    global_cdf[-1] = 1.0

    def pick_in_genre(genres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        at = np.searchsorted(cdf, genres + rng.random(genres.shape), side="right")
        return order[np.minimum(at, last[genres])]

    def pick_any(shape, rng: np.random.Generator) -> np.ndarray:
        return np.minimum(np.searchsorted(global_cdf, rng.random(shape), side="right"), len(weight) - 1)

    return pick_in_genre, pick_any
