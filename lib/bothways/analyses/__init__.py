"""Chapter-level recipes that compose the library's modules.

One module per chapter (``asymmetry``, ``symmetry``, ``dimensionality_sweep``,
``goodhart``): selecting a layer, scoring a model zoo in both directions, sweeping a
spectrum. They hold no numerics of their own (regression is :mod:`bothways.ridge`,
scores are :mod:`bothways.predictivity`), so that notebooks stay short and every step
a chapter takes is tested.
"""
