"""Argument checks shared by the public entry points.

Every check raises ``ValueError`` whose message names the argument, shows the
value that arrived and states the allowed range, so that a bad config is
rejected before any solve starts.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np


def check_in_range(name, value, low, high, *, low_open=False, high_open=False):
    """Check that a real number lies in an interval and return it as float.

    Parameters
    ----------
    name : str
        Name of the argument, used in the message.
    value : float
        Value to check.
    low, high : float
        Interval ends; ``None`` means unbounded on that side.
    low_open, high_open : bool
        Whether the corresponding end is excluded.

    Raises
    ------
    ValueError
        If ``value`` is not a finite real number or lies outside the interval.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")
    return value


def check_integer(name, value, low=None, high=None):
    """Check that a value is an integer in ``[low, high]`` and return it as int.

    Raises
    ------
    ValueError
        If ``value`` is not an integer or lies outside the range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(
            f"{name} must be an integer in [{'-inf' if low is None else low}, "
            f"{'inf' if high is None else high}], got {value!r}"
        )
    return value


def check_choice(name, value, choices: Iterable[str]):
    """Check that ``value`` is one of the known names and return it.

    Raises
    ------
    ValueError
        If ``value`` is not in ``choices``; the message lists the known names.
    """
    choices = sorted(choices)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; known names are {choices}")
    return value


def check_finite_array(name, array, *, ndim=None):
    """Convert to a float array and check it holds only finite numbers.

    Raises
    ------
    ValueError
        If the array has the wrong number of dimensions or contains NaN or
        infinity; the message gives the index of the first bad entry.
    """
    try:
        array = np.asarray(array, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric, got {array!r}") from err
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {float(array[index])!r} at index {index}; "
            "remove or replace non-finite values"
        )
    return array


def check_conductance_bounds(k_min, k_max):
    """Check that ``0 < k_min < k_max`` (siemens) and return both as floats.

    Raises
    ------
    ValueError
        If a bound is not positive and finite, or if ``k_min >= k_max``.
    """
    k_min = check_in_range("k_min", k_min, 0.0, None, low_open=True)
    k_max = check_in_range("k_max", k_max, 0.0, None, low_open=True)
    if k_min >= k_max:
        raise ValueError(
            f"conductance bounds are in the wrong order: k_min={k_min!r} must be "
            f"smaller than k_max={k_max!r}"
        )
    return k_min, k_max
