"""bench/experiments/checker_variants.py: the pooling helpers and the composed window it measures."""

import numpy as np

from bench.experiments import checker_variants as cv

EVIDENCE = ("The mill opened in 1850. It made cloth for the navy. Workers came from three villages. "
            "A fire closed it in 1921. The building is now a museum.")


def test_pools_read_each_claims_own_windows():
    x = np.array([1.0, 3.0, -2.0, 0.5, 0.5])
    owner = np.array([0, 0, 1, 2, 2])
    assert cv.pool_max(x, owner, 3).tolist() == [3.0, -2.0, 0.5]
    assert cv.pool_top(x, owner, 3, 2).tolist() == [2.0, -2.0, 0.5]
    lse = cv.pool_lse(x, owner, 3, 1.0)
    assert np.isclose(lse[0], np.log(np.exp(1.0) + np.exp(3.0))) and np.isclose(lse[2], 0.5 + np.log(2))


def test_composed_window_joins_the_sentences_sharing_most_words_in_document_order():
    window = cv.composed_window(EVIDENCE, "A fire closed the mill, which opened in 1850.", 2)
    assert window == "The mill opened in 1850. A fire closed it in 1921."
    # ties go to the earlier sentence; the order is the document's, not the ranking's
    assert cv.composed_window(EVIDENCE, "The museum building made cloth.", 2) == \
        "It made cloth for the navy. The building is now a museum."


def test_no_composed_window_when_the_evidence_is_that_short():
    assert cv.composed_window("One sentence. Two sentences.", "One.", 2) is None
    assert cv.composed_window("One sentence. Two sentences. Three.", "One.", 2) is not None
