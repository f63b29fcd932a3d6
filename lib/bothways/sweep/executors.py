"""Running a sweep: ``"local"`` (sequential, tqdm) and ``"dask"`` (``distributed``).

Both executors run the same function on the same groups of cells
(:func:`bothways.sweep.compute.run_group`) and the process that declared the sweep
writes every result to the store as soon as it arrives, so the two give identical
tables and the store needs no shared file system. The Dask executor uses an existing
engine, not a scheduler of its own: a ``distributed.LocalCluster`` by default (one
worker per GPU where GPUs exist, else one per core, one thread each), any scheduler
address (``"tcp://host:8786"``), or a ``distributed.Client`` you made yourself (for
example on a ``dask_jobqueue.SLURMCluster``; see the book's page "Running sweeps").
"""
from __future__ import annotations

import logging
import os
import time
import warnings
from dataclasses import dataclass, field, replace

from .compute import Group, code_fingerprint, run_group

__all__ = ["run", "RunReport", "SchedulerError", "SweepTimeout", "EXECUTORS"]

EXECUTORS = ("local", "dask")


class SchedulerError(ConnectionError):
    """The Dask scheduler cannot be reached (or Dask is not installed)."""


class SweepTimeout(TimeoutError):
    """A sweep ran out of its time budget; the cells that finished are stored."""


@dataclass(frozen=True)
class RunReport:
    """What :func:`run` did: counts of unique cells (``n_cells``), ``computed`` now,
    ``from_store`` (finished before, or failed before and not retried), ``failed``
    (now), ``recomputed_corrupt`` (a cell file failed verification and was recomputed),
    ``wall_s``, ``executor``; the keys of each kind."""

    n_cells: int
    computed: int
    from_store: int
    failed: int
    recomputed_corrupt: int
    wall_s: float
    executor: str
    computed_keys: tuple = field(default=(), repr=False)
    failed_keys: tuple = field(default=(), repr=False)
    corrupt_keys: tuple = field(default=(), repr=False)

    def __str__(self) -> str:
        extra = f", {self.recomputed_corrupt} corrupted file(s) recomputed" if self.recomputed_corrupt else ""
        return (f"{self.n_cells} cells: {self.computed} computed, {self.from_store} from the store, "
                f"{self.failed} failed{extra} ({self.executor}, {self.wall_s:.1f} s)")


def _todo(sweep, retry_failed: bool):
    """Unique cells to compute, and the keys found done / corrupt."""
    todo, done, corrupt, seen = [], [], [], set()
    for cell in sweep.cells:
        if cell.key in seen:
            continue
        seen.add(cell.key)
        status = sweep.store.status(cell.key)
        if status == "done" or (status == "failed" and not retry_failed):
            done.append(cell.key)
            continue
        if status == "corrupt":
            where = sweep.store.quarantine_cell(cell.key)
            warnings.warn(f"cell {cell.key} ({cell.model}, {cell.layer}, {cell.direction}) failed verification; "
                          f"moved to {where} and recomputed", UserWarning, stacklevel=3)
            corrupt.append(cell.key)
        todo.append(cell)
    return todo, done, corrupt


def _groups(sweep, cells, portable: bool) -> list[Group]:
    """Cells grouped by (model, layer, data): one feature extraction each."""
    by = {}
    for c in cells:
        by.setdefault((c.model, c.layer, c.data), []).append(c)
    code = code_fingerprint()
    out = []
    for (m, layer, d), members in by.items():
        src = sweep.models[m]
        model = src.spec if (portable and src.spec) else src
        out.append(Group(model, src.weights, layer, sweep.pool, sweep.data[d], tuple(members), code))
    return out


def _record(sweep, cell, outcome) -> bool:
    src, data = sweep.models[cell.model], sweep.data[cell.data]
    meta = dict(cell.labels, model_spec=src.spec, data_spec=data.spec, pool=sweep.pool)
    if outcome["status"] == "done":
        sweep.store.write(cell.key, cell.identity, meta, outcome["targets"], outcome["summary"],
                          outcome["provenance"])
        return True
    sweep.store.record_failure(cell.key, cell.identity, meta, outcome["error"], outcome["provenance"])
    return False


def _run_local(sweep, groups, device, progress, timeout):
    from tqdm.auto import tqdm

    n = sum(len(g.cells) for g in groups)
    results = []
    start = time.perf_counter()
    with tqdm(total=n, desc="sweep (local)", unit="cell", disable=not progress) as bar:
        for g in groups:
            if timeout is not None and time.perf_counter() - start > timeout:
                raise SweepTimeout(f"sweep stopped after {timeout} s with {n - bar.n} cell(s) left; the finished "
                                   f"cells are in {sweep.store.root}: run again to resume")
            bar.set_postfix_str(f"{g.cells[0].model}:{g.layer}", refresh=False)
            for cell, outcome in zip(g.cells, run_group(g, device, None if progress else False)):
                results.append((cell.key, _record(sweep, cell, outcome)))
                bar.update(1)
    return results


def _client(scheduler, n_workers, processes, n_tasks, connect_timeout, device):
    """-> (client, owned): a Client and whether this call created it (and must close it)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise SchedulerError("the dask executor needs dask and distributed: pip install 'bothways[sweep]'") from err
    if scheduler is not None and not isinstance(scheduler, str):
        if not isinstance(scheduler, Client):
            raise TypeError(f"scheduler must be an address string or a distributed.Client, got "
                            f"{type(scheduler).__name__}")
        return scheduler, False
    if scheduler:
        try:
            return Client(scheduler, timeout=connect_timeout), True
        except (OSError, TimeoutError) as err:
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler!r} within {connect_timeout} s "
                                 f"({type(err).__name__}: {err}); is it running, and is the address right?") from None
    import torch

    gpus = torch.cuda.device_count() if (torch.cuda.is_available() and str(device) != "cpu") else 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = int(n_workers) if n_workers else (gpus or max(1, min(cpus, n_tasks)))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), True


def _run_dask(sweep, groups, device, progress, timeout, scheduler, n_workers, processes, connect_timeout):
    from distributed import as_completed
    from tqdm.auto import tqdm

    client, owned = _client(scheduler, n_workers, processes, len(groups), connect_timeout, device)
    results = []
    try:
        data = {label: client.scatter(ds, broadcast=True, hash=False) for label, ds in sweep.data.items()}
        models = {}
        futures = {}
        for g in groups:
            label = g.cells[0].model
            if not isinstance(g.model, str) and label not in models:
                models[label] = client.scatter(g.model, broadcast=True, hash=False)
            model = g.model if isinstance(g.model, str) else models[label]
            bare = replace(g, model=None, data=None)  # futures are resolved only as direct arguments
            futures[client.submit(_remote, bare, model, data[g.cells[0].data], device, pure=False)] = g
        n = sum(len(g.cells) for g in groups)
        with tqdm(total=n, desc="sweep (dask)", unit="cell", disable=not progress) as bar:
            try:
                for fut in as_completed(list(futures), timeout=timeout):
                    g = futures[fut]
                    try:
                        outcomes = fut.result()
                    except Exception as err:  # a worker died or the task could not run
                        from .compute import _error

                        prov = dict(worker="?", host="?", versions={})
                        outcomes = [dict(key=c.key, status="failed", error=_error(err), provenance=prov)
                                    for c in g.cells]
                    for cell, outcome in zip(g.cells, outcomes):
                        results.append((cell.key, _record(sweep, cell, outcome)))
                        bar.update(1)
            except TimeoutError:
                for fut in futures:
                    fut.cancel()
                raise SweepTimeout(f"sweep stopped after {timeout} s with {n - bar.n} cell(s) left; the finished "
                                   f"cells are in {sweep.store.root}: run again to resume") from None
    finally:
        if owned:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return results


def _remote(group: Group, model, data, device):
    """The task a Dask worker runs: the group with its (scattered) model and data."""
    return run_group(replace(group, model=model, data=data), device)


def run(sweep, executor: str = "local", *, scheduler=None, n_workers: int | None = None, processes: bool = True,
        device=None, progress: bool = True, retry_failed: bool = True, timeout: float | None = None,
        connect_timeout: float = 10.0) -> RunReport:
    """Compute every cell of ``sweep`` that the store does not hold yet.

    Finished cells (a verified file under their key) are skipped, so an interrupted
    sweep resumes where it stopped; a corrupted or partial file is moved to the
    store's ``quarantine/`` and its cell recomputed; a cell that raises is recorded in
    ``failed/`` with its error and the others go on (``retry_failed``: run recorded
    failures again, the default).

    Parameters
    ----------
    executor : ``"local"`` (one process, in grid order, tqdm bar) or ``"dask"``.
    scheduler : ``"dask"`` only: ``None`` (start a ``LocalCluster`` with ``n_workers``
        workers of one thread; default one per GPU, else one per core, at most one per
        group of cells; ``processes=False`` runs them as threads of this process), a
        scheduler address, or a ``distributed.Client``.
    device : for feature extraction and ridge (None: CUDA if available; each Dask
        worker of a multi-GPU machine takes its own GPU).
    timeout : seconds for the whole run; past it, :class:`SweepTimeout` (finished cells
        stay stored). ``connect_timeout``: seconds to reach a scheduler
        (:class:`SchedulerError` otherwise).

    Returns
    -------
    :class:`RunReport`.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    if executor == "local" and (scheduler is not None or n_workers is not None):
        raise ValueError("scheduler and n_workers apply to executor='dask' only")
    t0 = time.perf_counter()
    todo, done, corrupt = _todo(sweep, retry_failed)
    groups = _groups(sweep, todo, portable=executor == "dask")
    if not groups:
        results = []
    elif executor == "local":
        results = _run_local(sweep, groups, device, progress, timeout)
    else:
        results = _run_dask(sweep, groups, device, progress, timeout, scheduler, n_workers, processes,
                            connect_timeout)
    ok = tuple(k for k, good in results if good)
    bad = tuple(k for k, good in results if not good)
    return RunReport(len(todo) + len(done), len(ok), len(done), len(bad), len(corrupt), time.perf_counter() - t0,
                     executor, ok, bad, tuple(corrupt))
