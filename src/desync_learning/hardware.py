"""Emulator of the laboratory twin network of digital potentiometers.

Each edge is a pair of potentiometers, one in the free network and one in
the clamped twin. Both receive the same up/down command, so both sit at the
same integer position, but each has its own fixed fractional resistance
error (twin mismatch). Inputs and clamped target voltages come from DACs,
free outputs are read by ADCs, and each edge's analog comparator, with a
fixed offset and fresh noise per comparison, decides whether the resistance
goes up or down one position.

Every default in :class:`HardwareParameters` is a modelling choice, not a
measured value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .checks import check_in_range, check_integer
from .randomness import Stream, purpose_generator
from .rules import TIE_TOLERANCE, check_positions, check_resistor, position_resistance


@dataclass
class HardwareParameters:
    """Parameters of the emulated laboratory hardware (all modelling choices).

    Attributes
    ----------
    levels : int
        Positions per potentiometer (128 for a 7-bit part).
    r_min, r_max : float
        Resistance at positions 0 and levels-1, ohms; linear in between.
    twin_mismatch : float
        Standard deviation of each potentiometer's fixed fractional
        resistance error.
    comparator_offset : float
        Standard deviation of each edge's fixed comparator offset, volts.
    comparator_noise : float
        Standard deviation of the noise of each comparison, volts.
    dac_bits, adc_bits : int
        Resolution of the voltage sources and of the output readout; 0 means
        ideal (no quantization).
    voltage_range : float
        Full scale of DACs and ADCs, volts; codes span [0, voltage_range].
    dac_noise, adc_noise : float
        Standard deviation of the noise added to each imposed or measured
        voltage, volts.
    """

    levels: int = 128
    r_min: float = 1.0
    r_max: float = 10.0
    twin_mismatch: float = 0.02
    comparator_offset: float = 0.002
    comparator_noise: float = 0.001
    dac_bits: int = 12
    adc_bits: int = 12
    voltage_range: float = 1.0
    dac_noise: float = 0.0005
    adc_noise: float = 0.0005

    def __post_init__(self):
        self.levels, self.r_min, self.r_max = check_resistor(self.levels, self.r_min, self.r_max)
        for name in ("twin_mismatch", "comparator_offset", "comparator_noise", "dac_noise", "adc_noise"):
            setattr(self, name, check_in_range(name, getattr(self, name), 0.0, None))
        if self.twin_mismatch >= 0.2:
            raise ValueError(
                f"twin_mismatch must lie in [0, 0.2), got {self.twin_mismatch!r}; it is the "
                "standard deviation of a fractional resistance error"
            )
        self.dac_bits = check_integer("dac_bits", self.dac_bits, 0, 32)
        self.adc_bits = check_integer("adc_bits", self.adc_bits, 0, 32)
        self.voltage_range = check_in_range("voltage_range", self.voltage_range, 0.0, None, low_open=True)

    @classmethod
    def ideal(cls, levels=128, r_min=1.0, r_max=10.0):
        """Return parameters with every imperfection switched off."""
        return cls(levels=levels, r_min=r_min, r_max=r_max, twin_mismatch=0.0, comparator_offset=0.0,
                   comparator_noise=0.0, dac_bits=0, adc_bits=0, dac_noise=0.0, adc_noise=0.0)

    def as_dict(self) -> dict:
        """Return the parameters as a plain dict."""
        return asdict(self)


def quantize(voltages, bits, voltage_range):
    """Round voltages to the nearest of ``2**bits`` codes on [0, voltage_range]; 0 bits is ideal."""
    if bits == 0:
        return voltages
    step = voltage_range / (2**bits - 1)
    return np.clip(np.round(voltages / step), 0, 2**bits - 1) * step


class HardwareLearner:
    """Sign-rule learner on the emulated twin network.

    Parameters
    ----------
    parameters : HardwareParameters
    nudge : float
        η in (0, 1].
    initial_positions : ndarray of int, shape (R, E)
        Starting positions, 0..levels-1.
    """

    discrete = True

    def __init__(self, parameters: HardwareParameters, nudge, initial_positions):
        self.parameters = parameters
        self.nudge = check_in_range("nudge", nudge, 0.0, 1.0, low_open=True)
        self.positions = check_positions(initial_positions, parameters.levels)
        self.free_factor = self.clamped_factor = self.offset = None

    def keep_edges(self, kept):
        """Drop every edge not listed in ``kept``, int array (R, E'), with its potentiometers."""
        for name in ("positions", "free_factor", "clamped_factor", "offset"):
            setattr(self, name, np.take_along_axis(getattr(self, name), kept, axis=1))

    def start(self, circuit, seeds, batch_size):
        """Draw each run's fixed imperfections (once) and open its noise streams."""
        hw = self.parameters
        e, s, t = circuit.n_edges, circuit.n_sources, circuit.n_targets
        if self.free_factor is None:
            fixed = [purpose_generator(seed, "hardware_fixed") for seed in seeds]
            draws = np.stack([g.standard_normal((3, e)) for g in fixed])
            self.free_factor = np.maximum(0.5, 1.0 + hw.twin_mismatch * draws[:, 0])
            self.clamped_factor = np.maximum(0.5, 1.0 + hw.twin_mismatch * draws[:, 1])
            self.offset = hw.comparator_offset * draws[:, 2]
        self._comparator = Stream(seeds, "comparator_noise", (e,), kind="normal")
        self._input_noise = Stream(seeds, "dac_input_noise", (batch_size, s), kind="normal")
        self._output_noise = Stream(seeds, "adc_noise", (batch_size, t), kind="normal")
        self._clamp_noise = Stream(seeds, "dac_clamp_noise", (batch_size, t), kind="normal")

    def resistances(self):
        """Return the nominal resistance of every edge, ohms, shape (R, E)."""
        hw = self.parameters
        return position_resistance(self.positions, hw.r_min, hw.r_max, hw.levels)

    def conductances(self):
        """Return the free network's conductances, siemens, shape (R, E)."""
        return 1.0 / (self.resistances() * self.free_factor)

    def ideal_conductances(self):
        """Return conductances without mismatch, siemens, shape (R, E)."""
        return 1.0 / self.resistances()

    def extra_inputs(self, inputs):
        """Return the batch inputs as the DACs impose them, volts, shape (R, b, S)."""
        hw = self.parameters
        noisy = inputs + hw.dac_noise * self._input_noise.draw()
        return quantize(noisy, hw.dac_bits, hw.voltage_range)

    def propose(self, circuit, states, batch, desired, extra):
        """Run one clamped measurement and every edge's comparator decision.

        Parameters
        ----------
        states : States
            Free state of the free network; its last b columns are the
            batch under the DAC inputs ``extra``.
        batch : ndarray of int, shape (R, b)
            Indices of the batch in the training set (unused: the DAC
            columns already hold the batch).
        desired : ndarray, shape (R, b, T)
            Desired outputs of the batch, volts.
        extra : ndarray, shape (R, b, S)
            DAC input voltages of the batch.

        Returns
        -------
        ndarray of int16, shape (R, E)
            +1 where the comparator requests a higher resistance, -1 otherwise.
        """
        hw = self.parameters
        free_voltages = states.voltages[:, -extra.shape[1]:]
        outputs = free_voltages[:, :, circuit.target_slice]
        measured = quantize(outputs + hw.adc_noise * self._output_noise.draw(), hw.adc_bits, hw.voltage_range)
        clamp = (1.0 - self.nudge) * measured + self.nudge * desired
        clamp = quantize(clamp + hw.dac_noise * self._clamp_noise.draw(), hw.dac_bits, hw.voltage_range)
        clamped_k = 1.0 / (self.resistances() * self.clamped_factor)
        clamped_voltages = circuit.solve_fixed_targets(clamped_k, extra, clamp)

        free_drops = circuit.voltage_drops(free_voltages)
        clamped_drops = circuit.voltage_drops(clamped_voltages)
        signal = np.sqrt((clamped_drops**2).sum(axis=1)) - np.sqrt((free_drops**2).sum(axis=1))
        signal = signal + self.offset + hw.comparator_noise * self._comparator.draw()
        return np.where(signal > TIE_TOLERANCE, 1, -1).astype(np.int16)

    def apply(self, proposal, mask):
        """Move the masked edges one position; return the moves (-1, 0, +1), shape (R, E)."""
        old = self.positions
        self.positions = np.clip(old + mask * proposal, 0, self.parameters.levels - 1).astype(np.int16)
        return (self.positions - old).astype(np.int8)
