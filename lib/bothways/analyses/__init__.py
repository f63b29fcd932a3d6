"""Chapter recipes: one thin module per chapter, composing the library's core modules.

``asymmetry`` (chapter 1), ``symmetry`` (2), ``dimensionality_sweep`` (3), ``goodhart``
(4), ``grid_cells`` (5), ``common_units`` (the behaviour chapter). A recipe holds the
steps only its chapter takes and the published numbers it compares with; it has no numerics of its own (regression is
:mod:`bothways.ridge`, scores :mod:`bothways.predictivity` and :mod:`bothways.zoo`,
ceilings :mod:`bothways.reliability`, intervals :mod:`bothways.stats`) and **never
imports another recipe**: what two chapters share belongs in the core
(``tests/test_layout.py`` enforces it). Notebooks stay short and every step a chapter
takes is tested.
"""
