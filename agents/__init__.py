"""The `agents` engine: Mesa agent classes whose every rule is their own per-agent code (the readable reference for
the vectorized phases), and the engine's phases (`agents.engine`). It builds on `model`; `model` never imports it."""

from .lab import AILab
from .provider import CloudProvider
from .regulator import Regulator
from .vendor import HardwareVendor

AGENT_CLASSES = {"vendor": HardwareVendor, "provider": CloudProvider, "lab": AILab, "regulator": Regulator}

__all__ = ["AGENT_CLASSES", "AILab", "CloudProvider", "HardwareVendor", "Regulator"]
