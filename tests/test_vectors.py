"""FAISS contract tests: exact search equals numpy brute force; HNSW keeps recall; tombstones; files."""

import numpy as np
import pytest

from index.vectors import IndexSpec, VectorIndex


def normalised(rng, n, dim):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def clustered(rng, n, dim, clusters):
    """A structured corpus: points scattered around random centres, like embeddings of topics."""
    centres = normalised(rng, clusters, dim)
    labels = rng.integers(0, clusters, n)
    x = centres[labels] + 0.35 * rng.standard_normal((n, dim)).astype(np.float32) / np.sqrt(dim) * 4
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def brute_force(vectors, ids, queries, k):
    sims = queries @ vectors.T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, order, axis=1), ids[order]


def test_exact_search_equals_numpy_brute_force():
    rng = np.random.default_rng(0)
    vectors = normalised(rng, 3000, 48)
    ids = rng.permutation(10_000)[:3000].astype(np.int64)  # arbitrary, non-contiguous ids
    queries = normalised(rng, 50, 48)
    index = VectorIndex.build(48, IndexSpec(threshold=10_000), ids, vectors)
    assert index.kind == "flat (exact)"
    scores, got = index.search(queries, 10)
    want_scores, want = brute_force(vectors, ids, queries, 10)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-5)
    assert (got == want).mean() > 0.999  # equal but for exact score ties
    # and after removing some ids, the same holds against the remaining vectors
    gone = ids[:500]
    index.remove(gone)
    scores, got = index.search(queries, 10)
    want_scores, want = brute_force(vectors[500:], ids[500:], queries, 10)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-5)
    assert not np.isin(got, gone).any()


def test_hnsw_recall_at_10_against_exact_on_a_structured_corpus():
    rng = np.random.default_rng(1)
    n, dim = 20_000, 64
    vectors = clustered(rng, n, dim, clusters=200)
    ids = np.arange(n, dtype=np.int64)
    queries = clustered(rng, 200, dim, clusters=200)
    approx = VectorIndex.build(dim, IndexSpec(threshold=1000, hnsw_m=32, hnsw_ef_search=128), ids, vectors)
    assert approx.approximate and approx.kind.startswith("hnsw")
    _, got = approx.search(queries, 10)
    _, want = brute_force(vectors, ids, queries, 10)
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want)])
    assert recall >= 0.95, recall


def test_hnsw_tombstones_are_never_returned_and_trigger_a_rebuild():
    rng = np.random.default_rng(2)
    vectors = normalised(rng, 2000, 32)
    ids = np.arange(2000, dtype=np.int64)
    index = VectorIndex.build(32, IndexSpec(threshold=100), ids, vectors)
    dead = ids[:300]
    index.remove(dead)
    assert index.live_count == 1700 and not index.needs_rebuild()
    _, got = index.search(vectors[:300], 5)  # queries that would find exactly the removed vectors
    assert not np.isin(got, dead).any() and (got >= 0).all()
    index.remove(ids[300:500])
    assert index.needs_rebuild()  # 500 of 2000 > 20 %


def test_the_kind_follows_the_size():
    rng = np.random.default_rng(3)
    spec = IndexSpec(threshold=100)
    small = VectorIndex.build(8, spec, np.arange(50), normalised(rng, 50, 8))
    assert not small.approximate and not small.needs_rebuild()
    small.add(np.arange(50, 150), normalised(rng, 100, 8))
    assert small.needs_rebuild()  # 150 > threshold: time to switch to HNSW
    big = VectorIndex.build(8, spec, np.arange(150), normalised(rng, 150, 8))
    assert big.approximate
    big.remove(range(110))
    assert big.needs_rebuild()  # well below the threshold again


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    vectors = normalised(rng, 100, 16)
    index = VectorIndex.build(16, IndexSpec(threshold=1000), np.arange(100, 200), vectors)
    path = tmp_path / "v.faiss"
    index.save(path)
    assert not list(tmp_path.glob(".*tmp"))  # the temp file was renamed away
    loaded = VectorIndex.load(path, 16, IndexSpec(threshold=1000))
    assert sorted(loaded.ids().tolist()) == list(range(100, 200))
    np.testing.assert_array_equal(loaded.search(vectors[:5], 3)[1], index.search(vectors[:5], 3)[1])
    with pytest.raises(ValueError, match="expected 32"):
        VectorIndex.load(path, 32, IndexSpec(threshold=1000))


def test_empty_index_returns_no_results():
    index = VectorIndex.build(8, IndexSpec(threshold=10), np.zeros(0, np.int64), np.zeros((0, 8), np.float32))
    scores, ids = index.search(np.ones((2, 8), np.float32), 3)
    assert ids.shape == (2, 3) and (ids == -1).all()
