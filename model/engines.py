"""The step engines a model can run on (declared once; `model.plan` builds their step plans)."""

ENGINES = ("vectorized", "agents")
