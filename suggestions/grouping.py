"""Group demands (or suggestions) that say the same thing: same problem, same place, in other words.

TF-IDF over content words (demands.text.terms), cosine similarity, then agglomerative clustering with
average linkage cut at a distance of 1 - threshold: a group forms only where the members are, on average,
at least `threshold` alike, so one shared word ("路灯") cannot chain unrelated demands together.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from demands.text import terms as text_terms

GROUP_TERMS = 5


@dataclass(frozen=True)
class SimilarGroup:
    keys: list  # most central member first
    terms: list[str]  # the words that carry the group, heaviest first
    cohesion: float  # mean pairwise cosine similarity of the members


def _vectorize(texts: list[str]):
    vectorizer = TfidfVectorizer(tokenizer=text_terms, token_pattern=None, lowercase=False, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no text has a single content word
        return None, []
    return matrix.tocsr(), vectorizer.get_feature_names_out()


def _word_similarity(matrix):
    return (matrix @ matrix.T).toarray()


_similarity = _word_similarity


def _clusters(similarity: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Index arrays of the clusters (any size) among the documents of one similarity matrix."""
    n = similarity.shape[0]
    # Average linkage only merges clusters holding at least one pair at or above the threshold, so each
    # connected component of that graph is clustered alone; most documents are alone and cost nothing.
    linked = similarity >= threshold
    _count, component = connected_components(linked, directed=False)
    clusters = []
    for label in np.unique(component):
        members = np.flatnonzero(component == label)
        if len(members) == 1:
            clusters.append(members)
            continue
        distance = 1.0 - similarity[np.ix_(members, members)]
        np.fill_diagonal(distance, 0.0)
        np.clip(distance, 0.0, 2.0, out=distance)
        model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                        distance_threshold=1.0 - threshold + 1e-9)
        sub = model.fit_predict(distance) if len(members) > 1 else np.zeros(1, dtype=int)
        clusters.extend(members[sub == k] for k in np.unique(sub))
    assert sum(len(c) for c in clusters) == n
    return clusters


def similar_groups(docs: Sequence[tuple[Hashable, str]], *, threshold: float = 0.35,
                   min_size: int = 2) -> list[SimilarGroup]:
    """Groups of at least min_size similar docs ((key, text) pairs); largest first, then most cohesive."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    docs = list(docs)
    min_size = max(1, int(min_size))
    if len(docs) < min_size or not docs:
        return []
    texts = [text or "" for _key, text in docs]
    matrix, vocabulary = _vectorize(texts)
    if matrix is None:
        return []
    similarity, _ = _similarity(texts) if _similarity is not _word_similarity else (_word_similarity(matrix), None)
    empty = matrix.getnnz(axis=1) == 0
    similarity[empty, :] = 0.0  # a text without content words resembles nothing
    similarity[:, empty] = 0.0

    groups = []
    for members in _clusters(similarity, threshold):
        if len(members) < min_size or (len(members) == 1 and empty[members[0]]):
            continue
        groups.append(_describe(members, similarity, matrix, vocabulary))
    groups.sort(key=lambda item: (-len(item[0]), -item[1], item[0][0]))
    return [SimilarGroup(keys=[docs[i][0] for i in order], terms=words, cohesion=cohesion)
            for order, cohesion, words in groups]


def _describe(members: np.ndarray, similarity: np.ndarray, matrix, vocabulary):
    size = len(members)
    block = similarity[np.ix_(members, members)]
    if size == 1:
        order, cohesion = [int(members[0])], 1.0
    else:
        centrality = (block.sum(axis=1) - block.diagonal()) / (size - 1)
        ranked = sorted(range(size), key=lambda i: (-round(float(centrality[i]), 9), members[i]))
        order = [int(members[i]) for i in ranked]
        cohesion = float(block[np.triu_indices(size, k=1)].mean())
    weights = np.asarray(matrix[members].sum(axis=0)).ravel()
    top = sorted(np.flatnonzero(weights), key=lambda j: (-round(float(weights[j]), 9), vocabulary[j]))
    return order, round(cohesion, 4), [str(vocabulary[j]) for j in top[:GROUP_TERMS]]
