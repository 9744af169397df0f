"""Random numbers: one seed per run, and every draw named by (purpose, month, agent).

A draw is a counter-based hash (splitmix64) of the run's seed, the purpose's name, the month and the agent's id,
turned into a uniform number in [0, 1). No draw depends on how many others were made, or in what order: a
counterfactual that changes one decision (a regulator blocks one deal, a lab defaults) keeps every unrelated
draw (common random numbers), and each agent of the `agents` engine draws its own number with the same call.

The start state's generated parts (smaller labs, their eligible clouds) are drawn once, before the first month,
from a numpy Generator of its own (`streams.calibration`).
"""

from __future__ import annotations

import zlib

import numpy as np

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
UINT53_SCALE = 2.0 ** -53


def stream_key(name: str) -> int:
    """A stable 32-bit key for a name (crc32, not Python's salted hash)."""
    return zlib.crc32(name.encode("utf-8"))


def splitmix64(x) -> np.ndarray:
    """The splitmix64 output function (Steele, Lea & Flood 2014) of `x` (uint64, wrapping arithmetic)."""
    z = np.asarray(x, dtype=np.uint64) + GOLDEN_GAMMA
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    return z ^ (z >> np.uint64(31))


def as_uint64(values) -> np.ndarray:
    """Integers (possibly negative, e.g. month -1) as uint64 bit patterns."""
    return np.asarray(values, dtype=np.int64).astype(np.uint64)


class RandomStreams:
    """The run's random numbers: `streams.uniform("regulator", month, ids)`, `streams.normal("demand", month, ids)`."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        with np.errstate(over="ignore"):
            self._seed_hash = splitmix64(np.uint64(self.seed % 2**64))
        self.calibration = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key("calibration"),))))

    def uniform(self, purpose: str, month: int, ids) -> np.ndarray:
        """One uniform number in [0, 1) per agent id in `ids` (an integer or an array), for `purpose` in `month`."""
        with np.errstate(over="ignore"):
            base = splitmix64(splitmix64(self._seed_hash ^ np.uint64(stream_key(purpose))) ^ as_uint64(month))
            bits = splitmix64(base ^ as_uint64(ids))
        return (bits >> np.uint64(11)).astype(np.float64) * UINT53_SCALE

    def normal(self, purpose: str, month: int, ids) -> np.ndarray:
        """One standard normal number per agent id (Box-Muller over two named uniforms)."""
        u1 = self.uniform(purpose + ":radius", month, ids)
        u2 = self.uniform(purpose + ":angle", month, ids)
        return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
