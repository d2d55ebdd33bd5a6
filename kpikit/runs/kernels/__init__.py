"""Processes that run one notebook each, without a Jupyter kernel.

- :mod:`.wire`: the JSON-lines socket between a batch and a run, and process life and death;
- :mod:`.shell`: the IPython shell inside a run process, whose outputs go into the notebook;
- :mod:`.child`: a run process serving one notebook;
- :mod:`.driver`: the batch's side, starting a run process and following it to its end;
- :mod:`.warm_parent`: a process that imports everything once and forks run processes.

This package knows nothing of batches: what a run does after its notebook (its report) and
how a process is started (the module to run) are handed in by the caller as callables
and command lines, so the dependency goes one way, from the batch to its kernels.
"""
