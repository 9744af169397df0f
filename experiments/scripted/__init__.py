"""Scripted experiments: each a function `NAME(out, seeds=..., steps=..., executor=..., quick=...,
overwrite=...) -> report path` that runs its design, then writes PNG figures, a markdown report (parameters,
seeds, the commands that reproduce it) and manifest.json into `out` at once. Also `compute-market experiment NAME --out DIR`."""

from .aws_openai_deal import aws_openai_deal
from .concentration_risk import concentration_risk
from .overcapacity import overcapacity
from .regulator_policy import regulator_policy

EXPERIMENTS = {"aws_openai_deal": aws_openai_deal, "concentration_risk": concentration_risk,
               "overcapacity": overcapacity, "regulator_policy": regulator_policy}

__all__ = ["EXPERIMENTS", "aws_openai_deal", "concentration_risk", "overcapacity", "regulator_policy"]
