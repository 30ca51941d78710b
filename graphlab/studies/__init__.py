"""graphlab.studies: analyses that are not train/eval loops — expressiveness on EXP, SR25
and BREC (:mod:`~graphlab.studies.expressiveness`, run by ``graphlab expressiveness``), the
WL and SWL bounding tests (:mod:`~graphlab.studies.wl`) and layer sensitivity
(:mod:`~graphlab.studies.sensitivity`)."""
