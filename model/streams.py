"""Named random streams: one seed per run, one independent numpy Generator per stochastic process.

Each stream is seeded from the run's seed and a stable hash of its name, so adding a stream or drawing
more from one leaves every other stream unchanged (common random numbers across scenarios).
"""

from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES = ("calibration", "demand", "discovery", "regulator")


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32, not Python's salted hash)."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """The run's named generators: `streams.demand.standard_normal(n)`."""

    def __init__(self, seed: int, names: tuple[str, ...] = STREAM_NAMES):
        self.seed = int(seed)
        self._generators = {
            name: np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),)))
            )
            for name in names
        }

    def __getattr__(self, name: str) -> np.random.Generator:
        try:
            return self.__dict__["_generators"][name]
        except KeyError:
            raise AttributeError(f"no random stream named {name!r}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._generators)
