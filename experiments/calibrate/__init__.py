"""`compute-market calibrate CONFIG.toml`: the model's free parameters fitted to 2025's figures by ABC-SMC (pyabc),
with a SQLite history that a calibration resumes from, the posterior, the fit with its bands, convergence
diagnostics and a fitted parameter set that scenarios use by name (`parameters = "fitted-2025"`).

    config.py    the calibration file: priors (with reasons), targets (with weights), seeds, budget
    targets.py   the targets' real values and how far the model is from them (the distance)
    simulate.py  one evaluation: the scenario run for each seed at a parameter set, its target figures
    smc.py       the ABC-SMC run on an executor, generation by generation, with progress and resume
    report.py    posterior, fit table, diagnostics, pair plot and the fitted parameter file
"""
