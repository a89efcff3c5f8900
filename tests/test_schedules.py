"""Update schedules and the batch sampler.

Statistical checks use fixed seeds, so they are deterministic. Each states
its tolerance as a multiple of the standard error expected from its sample
size: a correct schedule passes with a wide margin and a biased one fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from desync_learning.randomness import CHUNK_STEPS, run_seed
from desync_learning.schedules import SCHEDULES, BatchSampler, make_schedule


def seeds(n_runs, base=11):
    return [run_seed(base, "schedule-test", r) for r in range(n_runs)]


def masks(schedule, n_edges, n_runs, steps, base=11):
    schedule.start(n_edges, seeds(n_runs, base))
    return np.stack([schedule.next_mask() for _ in range(steps)])  # (steps, runs, edges)


def test_registry_names():
    assert sorted(SCHEDULES) == ["bernoulli", "clock", "fixed_count", "synchronous"]


def test_synchronous_all_edges():
    drawn = masks(make_schedule("synchronous"), 7, 2, 5)
    assert drawn.shape == (5, 2, 7)
    assert drawn.dtype == bool
    assert drawn.all()


def test_bernoulli_one_is_synchronous():
    # More steps than one chunk of random draws, to cross a refill.
    steps = 3 * CHUNK_STEPS + 5
    bernoulli = masks(make_schedule("bernoulli", update_probability=1.0), 13, 3, steps)
    synchronous = masks(make_schedule("synchronous"), 13, 3, steps)
    np.testing.assert_array_equal(bernoulli, synchronous)


def test_bernoulli_count_moments():
    # Counts per step are Binomial(E, p): mean pE = 12, variance
    # p(1 - p)E = 8.4 for E = 40, p = 0.3. With n = 8 runs x 500 steps =
    # 4000 independent counts, the sample mean has standard error
    # sqrt(8.4 / n) = 0.046. The sample variance has standard error
    # sqrt((μ4 - σ⁴) / n) = 0.19, from the binomial fourth central moment
    # μ4 = σ² (1 + 3 (E - 2) p (1 - p)) = 209.5. Both get 5 standard errors.
    n_edges, p, n_runs, steps = 40, 0.3, 8, 500
    drawn = masks(make_schedule("bernoulli", update_probability=p), n_edges, n_runs, steps)
    counts = drawn.sum(axis=2).ravel()
    n = counts.size
    variance = p * (1 - p) * n_edges
    fourth = variance * (1 + 3 * (n_edges - 2) * p * (1 - p))
    assert abs(counts.mean() - p * n_edges) < 5 * np.sqrt(variance / n)
    assert abs(counts.var(ddof=1) - variance) < 5 * np.sqrt((fourth - variance**2) / n)


def test_bernoulli_edges_uniform():
    # Each edge fires with frequency p over n = 4000 draws, with standard
    # error sqrt(p (1 - p) / n) = 0.0072. Every edge gets 5 standard errors.
    n_edges, p, n_runs, steps = 40, 0.3, 8, 500
    drawn = masks(make_schedule("bernoulli", update_probability=p), n_edges, n_runs, steps)
    frequency = drawn.reshape(-1, n_edges).mean(axis=0)
    assert (np.abs(frequency - p) < 5 * np.sqrt(p * (1 - p) / (n_runs * steps))).all()


def test_bernoulli_runs_independent_of_stack():
    # Run 0 draws the same masks alone as in a stack of four runs.
    alone = masks(make_schedule("bernoulli", update_probability=0.4), 9, 1, 150)
    stacked = masks(make_schedule("bernoulli", update_probability=0.4), 9, 4, 150)
    np.testing.assert_array_equal(alone[:, 0], stacked[:, 0])
    assert not np.array_equal(stacked[:, 0], stacked[:, 1])


@pytest.mark.parametrize("n_edges, p, count", [(16, 0.3, 5), (16, 0.25, 4), (40, 0.3, 12), (7, 1.0, 7)])
def test_fixed_count_exact(n_edges, p, count):
    drawn = masks(make_schedule("fixed_count", update_probability=p), n_edges, 3, 100)
    assert (drawn.sum(axis=2) == count).all()


def test_fixed_count_edges_uniform():
    # Every edge is chosen with frequency 12/40 = 0.3. The tolerance is 5
    # standard errors of a binomial frequency over 4000 steps.
    drawn = masks(make_schedule("fixed_count", update_probability=0.3), 40, 8, 500)
    frequency = drawn.reshape(-1, 40).mean(axis=0)
    assert (np.abs(frequency - 0.3) < 5 * np.sqrt(0.21 / 4000)).all()


def test_fixed_count_zero_rejected():
    schedule = make_schedule("fixed_count", update_probability=0.01)
    with pytest.raises(ValueError, match=r"update_probability=0\.01 selects round\(pE\) = 0 of 16 edges"):
        schedule.start(16, seeds(1))


def test_clock_every_step():
    drawn = masks(make_schedule("clock", update_probability=1.0, jitter=0.0), 11, 3, 200)
    assert drawn.all()


def test_clock_quarter_exact():
    # Period 4 steps, no jitter: over 400 steps each edge fires exactly 100
    # times, exactly 4 steps apart, at a phase that differs between edges.
    drawn = masks(make_schedule("clock", update_probability=0.25, jitter=0.0), 12, 2, 400)
    np.testing.assert_array_equal(drawn.sum(axis=0), 100)
    for run in range(2):
        for edge in range(12):
            fired = np.flatnonzero(drawn[:, run, edge])
            np.testing.assert_array_equal(np.diff(fired), 4)
    assert len(np.unique(np.argmax(drawn[:, 0], axis=0))) > 1


def test_clock_jitter_mean_rate():
    # With jitter 0.2 the tick intervals have mean 4 and standard deviation
    # 0.8 steps. The count over T = 400 steps has variance about
    # T σ² / μ³ = 4 per edge, so the mean over 4 x 40 edges has standard
    # error 0.16. A tolerance of 1 firing is about 6 standard errors.
    drawn = masks(make_schedule("clock", update_probability=0.25, jitter=0.2), 40, 4, 400)
    fires = drawn.sum(axis=0)
    assert abs(fires.mean() - 100) < 1.0
    assert fires.std() > 0  # the jitter really spreads the counts


@pytest.mark.parametrize("name", ["bernoulli", "fixed_count", "clock"])
@pytest.mark.parametrize("p, shown", [(0, r"0\.0"), (1.5, r"1\.5"), (-0.1, r"-0\.1")])
def test_probability_out_of_range(name, p, shown):
    with pytest.raises(ValueError, match=rf"update_probability must lie in \(0\.0, 1\.0\], got {shown}"):
        make_schedule(name, update_probability=p)


@pytest.mark.parametrize("jitter", [-0.5, 0.8])
def test_clock_jitter_out_of_range(jitter):
    with pytest.raises(ValueError, match=rf"jitter must lie in \[0\.0, 0\.5\], got {jitter}"):
        make_schedule("clock", update_probability=0.5, jitter=jitter)


def test_synchronous_accepts_only_one():
    assert make_schedule("synchronous", update_probability=1.0).update_fraction == 1.0
    with pytest.raises(ValueError, match="update_probability must be 1, got 0.5"):
        make_schedule("synchronous", update_probability=0.5)


def test_unknown_schedule_rejected():
    with pytest.raises(ValueError, match=r"unknown schedule 'poisson'; known names are \['bernoulli'"):
        make_schedule("poisson")


def test_schedule_parameter_rejected():
    with pytest.raises(ValueError, match=r"invalid parameters \{'probability': 0\.5\} for schedule"):
        make_schedule("bernoulli", probability=0.5)


# ---------------------------------------------------------------------------
# Batch sampler


def test_batch_full_in_order():
    sampler = BatchSampler(6, 6, seeds(3))
    for _ in range(CHUNK_STEPS + 2):
        np.testing.assert_array_equal(sampler.next_batch(), np.tile(np.arange(6), (3, 1)))


def test_batch_without_replacement():
    sampler = BatchSampler(10, 4, seeds(3))
    drawn = np.stack([sampler.next_batch() for _ in range(500)])
    assert drawn.shape == (500, 3, 4)
    assert (np.diff(drawn, axis=2) > 0).all()  # sorted and no repeats within a batch
    assert drawn.min() >= 0
    assert drawn.max() <= 9
    # Each point is in a batch with probability b/M = 0.4. Over 1500 batches
    # the standard error is sqrt(0.24 / 1500) = 0.013, and 5 are allowed.
    frequency = np.array([(drawn == i).any(axis=2).mean() for i in range(10)])
    assert (np.abs(frequency - 0.4) < 5 * np.sqrt(0.24 / 1500)).all()


def test_batch_stack_independent():
    alone = BatchSampler(10, 3, seeds(1))
    stacked = BatchSampler(10, 3, seeds(4))
    for _ in range(100):
        np.testing.assert_array_equal(alone.next_batch()[0], stacked.next_batch()[0])


@pytest.mark.parametrize("size", [0, 11])
def test_batch_size_rejected(size):
    with pytest.raises(ValueError, match=rf"batch_size must be an integer in \[1, 10\], got {size}"):
        BatchSampler(10, size, seeds(1))
