"""Stage 5, scenario: a scenario file, its changes to the layers, the run of every stage, its results and sweep.

:func:`tillvaxt_geo.scenario.run.run_scenario` is the pipeline, step by step.
"""
