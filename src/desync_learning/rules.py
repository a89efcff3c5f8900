"""Coupled-learning update rules, the error, and its exact gradient.

All functions work on stacks of R runs: voltage drops have shape (R, B, E)
for B data points, conductances and updates (R, E).
"""

from __future__ import annotations

import numpy as np

from .checks import check_in_range, check_integer

#: Voltage difference (volts) below which the discrete rule treats
#: |ΔV^C| and |ΔV^F| as equal; it only absorbs rounding errors.
TIE_TOLERANCE = 1e-12


def check_nudge(nudge):
    """Check η in (0, 1] and return it as float."""
    return check_in_range("nudge", nudge, 0.0, 1.0, low_open=True)


def clamp_targets(free_outputs, desired, nudge):
    """Return the clamped target voltages ``(1 - η) V_F^O + η V^D`` in volts."""
    return (1.0 - nudge) * free_outputs + nudge * desired


def mean_error(outputs, desired):
    """Return the error ``C = 1/2 Σ_targets (V^O - V^D)²`` averaged over data points.

    Parameters
    ----------
    outputs, desired : ndarray, shape (R, M, T)
        Free-state and desired target voltages in volts.

    Returns
    -------
    ndarray, shape (R,)
        Mean error in volts squared.
    """
    return 0.5 * ((outputs - desired) ** 2).sum(axis=2).mean(axis=1)


def continuous_update(free_drops, clamped_drops, nudge, learning_rate):
    """Return the continuous coupled-learning update of every edge.

    ``Δk_e = (α/η) <(ΔV_e^F)² - (ΔV_e^C)²>``, averaged over the batch.

    Parameters
    ----------
    free_drops, clamped_drops : ndarray, shape (R, B, E)
        Voltage drops in the free and clamped states, volts.
    nudge : float
        η in (0, 1].
    learning_rate : float
        α in siemens per volt squared.

    Returns
    -------
    ndarray, shape (R, E)
        Conductance change in siemens, before masking and clipping.

    Notes
    -----
    For small η the update approaches ``-2α ∂/∂k [½ rᵀ G⁻¹ r]`` evaluated
    with G held fixed, where r is the output residual and G is the block of
    ``L_FF⁻¹`` on the targets. With one target, G is a positive scalar and
    the update is parallel to minus the exact gradient of C. With several
    targets it descends an error reweighted by G⁻¹, not C itself.
    """
    return (learning_rate / nudge) * (free_drops**2 - clamped_drops**2).mean(axis=1)


def apply_continuous(conductances, update, mask, k_min, k_max):
    """Add the update on the masked edges and clip to ``[k_min, k_max]`` siemens."""
    return np.clip(np.where(mask, conductances + update, conductances), k_min, k_max)


def discrete_direction(free_drops, clamped_drops, tolerance=TIE_TOLERANCE):
    """Return the sign rule's resistance step for every edge: +1 or -1.

    The resistance goes up one step when the clamped drop exceeds the free
    drop, ``|ΔV^C| > |ΔV^F|``, and down otherwise. For a batch the edge
    compares root sums of squares over the batch, which for one data point
    is the same comparison.

    Returns
    -------
    ndarray of int8, shape (R, E)
    """
    difference = np.sqrt((clamped_drops**2).sum(axis=1)) - np.sqrt((free_drops**2).sum(axis=1))
    return np.where(difference > tolerance, 1, -1).astype(np.int8)


def apply_discrete(positions, direction, mask, levels):
    """Move masked edges one position in ``direction``, saturating at 0 and levels-1."""
    return np.clip(positions + mask * direction, 0, levels - 1).astype(positions.dtype)


def position_resistance(positions, r_min, r_max, levels):
    """Map integer positions 0..levels-1 linearly to resistance in ohms."""
    return r_min + positions * ((r_max - r_min) / (levels - 1))


def check_resistor(levels, r_min, r_max):
    """Check a discrete resistor's parameters and return them.

    Raises
    ------
    ValueError
        If ``levels < 2``, ``r_min <= 0`` or ``r_min >= r_max`` (ohms).
    """
    levels = check_integer("levels", levels, 2)
    r_min = check_in_range("r_min", r_min, 0.0, None, low_open=True)
    r_max = check_in_range("r_max", r_max, 0.0, None, low_open=True)
    if r_min >= r_max:
        raise ValueError(
            f"resistance bounds are in the wrong order: r_min={r_min!r} must be smaller "
            f"than r_max={r_max!r} (ohms)"
        )
    return levels, r_min, r_max


def check_positions(positions, levels):
    """Check integer resistor positions lie in 0..levels-1 and return them as int16.

    Raises
    ------
    ValueError
        If a position is outside the range.
    """
    positions = np.asarray(positions)
    if positions.min() < 0 or positions.max() >= levels:
        raise ValueError(
            f"initial positions span {positions.min()}..{positions.max()}, outside 0..{levels - 1}"
        )
    return positions.astype(np.int16)


def error_gradient(circuit, conductances, inputs, desired):
    """Return the exact gradient dC/dk of the mean error by the adjoint method.

    With ``r = V_T - V^D`` the adjoint voltages are ``λ = Z r``, where
    ``Z = L_FF⁻¹ P_Tᵀ``, and ``dC/dk_e = -<ΔV_e ΔΛ_e>`` averaged over the data.

    Parameters
    ----------
    circuit : Circuit
    conductances : ndarray, shape (R, E)
        Siemens.
    inputs : ndarray, shape (M, S) or (R, M, S)
        Volts.
    desired : ndarray, shape (R, M, T) or (M, T)
        Volts.

    Returns
    -------
    ndarray, shape (R, E)
        Volts squared per siemens.
    """
    states = circuit.solve(conductances, inputs)
    desired = np.broadcast_to(desired, states.outputs(circuit).shape)
    residual = states.outputs(circuit) - desired
    adjoint = np.einsum("rnt,rmt->rmn", states.green, residual)
    drops = circuit.voltage_drops(states.voltages)
    adjoint_drops = circuit.voltage_drops(adjoint)
    return -(drops * adjoint_drops).mean(axis=1)
