"""Group demands (or suggestions) that report the same problem in the same place, in other words.

TF-IDF over content words (demands.text.terms, stop words and synonyms already handled), cosine similarity,
then agglomerative clustering with average linkage cut at a distance of 1 - threshold: a group forms only
where members are, on average, at least `threshold` alike, so one shared word ("路灯") cannot chain
unrelated demands together. Two refinements, both measured on tests/test_grouping.py's fixture:
- IDF is fitted on the batch plus a background of typical demands (demands.demo_content), so everyday
  complaint words weigh little even when the batch is small;
- two texts naming different Bazhou places and none in common (曾口 vs 鼎山, demands.text.places) are not
  alike at all: the same problem elsewhere is a pattern for the dashboards, not a duplicate;
- two texts must also share what they are about: compared without their place words they must still be
  TOPIC_FLOOR alike, or living in the same village would make a leaking roof and a lost pension alike.
A doc may carry a third element, its address, used only to tell places apart.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from demands.text import place_stems, places, terms

DEFAULT_THRESHOLD = 0.25
GROUP_TERMS = 5
OTHER_PLACE_FACTOR = 0.0  # measured: 0.5 let the same complaint in two villages group together
TOPIC_FLOOR = 0.12


@dataclass(frozen=True)
class SimilarGroup:
    keys: list  # most central member first
    terms: list[str]  # the words that carry the group, heaviest first
    cohesion: float  # mean pairwise similarity of the members


def _as_is(tokens: list[str]) -> list[str]:
    return tokens


@lru_cache(maxsize=1)
def _background() -> tuple[tuple[str, ...], ...]:
    from demands.demo_content import DEMAND_TEXTS

    texts = [text.format(community="", landmark="") for examples in DEMAND_TEXTS.values() for _t, text in examples]
    return tuple(tuple(terms(text)) for text in texts)


def _vectorize(tokens: list[list[str]]):
    # Same as TfidfVectorizer(tokenizer=terms, token_pattern=None), but each text is segmented once and the
    # background's tokens are cached for the life of the process.
    vectorizer = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True)
    vectorizer.fit([*tokens, *map(list, _background())])
    return vectorizer.transform(tokens).tocsr(), vectorizer.get_feature_names_out()


def _other_place(texts: list[str]) -> np.ndarray:
    """n x n: both texts name places and share none."""
    named = [places(text) for text in texts]
    vocabulary = {place: i for i, place in enumerate(sorted(set().union(*named)))}
    if not vocabulary:
        return np.zeros((len(texts), len(texts)), dtype=bool)
    rows = [i for i, found in enumerate(named) for _ in found]
    cols = [vocabulary[place] for found in named for place in sorted(found)]
    incidence = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocabulary)))
    has_place = incidence.getnnz(axis=1) > 0
    shared = (incidence @ incidence.T.toarray()) > 0  # sparse x dense: cheap even when all share
    return np.outer(has_place, has_place) & ~shared


def similarity_matrix(texts: list[str], wheres: list[str] | None = None) -> tuple[np.ndarray, csr_matrix, np.ndarray]:
    """(similarity n x n, TF-IDF rows, vocabulary) of the texts; `wheres` (addresses) only separate places."""
    tokens = [terms(text) for text in texts]
    matrix, vocabulary = _vectorize(tokens)
    similarity = np.asarray(matrix @ matrix.T.toarray())  # sparse x dense beats a dense-filled sparse product
    where = place_stems()
    topics, _vocabulary = _vectorize([[t for t in ts if t not in where] for ts in tokens])
    similarity[np.asarray(topics @ topics.T.toarray()) < TOPIC_FLOOR] = 0.0
    located = texts if wheres is None else [f"{w} {text}" for text, w in zip(texts, wheres)]
    similarity[_other_place(located)] *= OTHER_PLACE_FACTOR
    np.fill_diagonal(similarity, 1.0)
    empty = matrix.getnnz(axis=1) == 0
    similarity[empty, :] = 0.0  # a text without content words resembles nothing
    similarity[:, empty] = 0.0
    return similarity, matrix, vocabulary


def _clusters(similarity: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Index arrays of the clusters of two or more documents."""
    # Average linkage only merges clusters holding at least one pair at or above the threshold, so each
    # connected component of that graph is clustered on its own; most documents are alone and cost nothing.
    linked = csr_matrix(similarity >= threshold)
    _count, component = connected_components(linked, directed=False)
    by_component = np.argsort(component, kind="stable")
    clusters = []
    for members in np.split(by_component, np.cumsum(np.bincount(component))[:-1]):
        if len(members) < 2:
            continue
        distance = np.clip(1.0 - similarity[np.ix_(members, members)], 0.0, 1.0)
        np.fill_diagonal(distance, 0.0)
        if len(members) == 2:
            clusters.append(members)  # linked, so alike enough
            continue
        model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                        distance_threshold=1.0 - threshold + 1e-9)
        labels = model.fit_predict(distance)
        clusters.extend(members[labels == k] for k in np.unique(labels) if np.count_nonzero(labels == k) > 1)
    return clusters


def similar_groups(docs: Sequence[tuple[Hashable, str]], *, threshold: float = DEFAULT_THRESHOLD,
                   min_size: int = 2) -> list[SimilarGroup]:
    """Groups of at least min_size alike docs, (key, text) or (key, text, address): largest first, then most
    cohesive."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    docs = list(docs)
    min_size = max(2, int(min_size))  # a group of one is not a group
    if len(docs) < min_size:
        return []
    texts = [doc[1] or "" for doc in docs]
    wheres = [(doc[2] if len(doc) > 2 else "") or "" for doc in docs]
    similarity, matrix, vocabulary = similarity_matrix(texts, wheres)
    described = [_describe(members, similarity, matrix, vocabulary)
                 for members in _clusters(similarity, threshold) if len(members) >= min_size]
    described.sort(key=lambda item: (-len(item[0]), -item[1], min(item[0])))
    return [SimilarGroup(keys=[docs[i][0] for i in order], terms=words, cohesion=cohesion)
            for order, cohesion, words in described]


def _describe(members: np.ndarray, similarity: np.ndarray, matrix: csr_matrix, vocabulary: np.ndarray):
    size = len(members)
    block = similarity[np.ix_(members, members)]
    centrality = (block.sum(axis=1) - block.diagonal()) / (size - 1)
    ranked = sorted(range(size), key=lambda i: (-round(float(centrality[i]), 9), members[i]))
    cohesion = round(float(block[np.triu_indices(size, k=1)].mean()), 4)
    weights = np.asarray(matrix[members].sum(axis=0)).ravel()
    heaviest = sorted(np.flatnonzero(weights), key=lambda j: (-round(float(weights[j]), 9), vocabulary[j]))
    return [int(members[i]) for i in ranked], cohesion, [str(vocabulary[j]) for j in heaviest[:GROUP_TERMS]]
