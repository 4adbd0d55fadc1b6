"""Stage 4, model: the equations on arrays: commute acceptance, calibration, residence allocation, employment.

Pure computation on numbers and tables: no layers, networks or files.
"""
