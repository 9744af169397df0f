"""Mesa agent classes of compute-market: views onto rows of the model's arrays, each with its reference rules."""

from .lab import AILab
from .provider import CloudProvider
from .regulator import Regulator
from .vendor import HardwareVendor

__all__ = ["AILab", "CloudProvider", "HardwareVendor", "Regulator"]
