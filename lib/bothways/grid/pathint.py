"""A supervised recurrent path integrator (Sorscher et al. 2019/2023; Banino et al. 2018).

Velocity in, place cells out: a ReLU RNN receives the animal's velocity (m/s) at every
step, starts from a linear encoding of the true place-cell code at the first position,
and is trained so that a linear readout followed by a softmax matches
difference-of-Gaussians (DoG) place-cell targets (cross-entropy), with weight decay on
the recurrent weights. With enough units and steps, and the DoG targets at σ ≈ 12 cm,
some units develop hexagonal tuning — a single module (Sorscher et al. 2023;
Schaeffer et al. 2022). CPU-sized defaults here train in about a minute.

Training walks follow Sorscher et al.'s generator rescaled to the box
(:func:`bothways.grid.simulate.sorscher_walk_params`: a 20-step sequence travels about a
fifth of the box). With slower walks a network can score well by barely integrating —
a decoder that always answers "where the sequence started" is then hard to beat — so
:meth:`PathIntegrator.evaluate` always reports that *hold-start* baseline and the
network's own error with its velocity input zeroed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .simulate import Trajectory, random_walks, sorscher_walk_params


@dataclass(frozen=True)
class PlaceCells:
    """Difference-of-Gaussians place cells with softmax normalisation (Sorscher et al. 2019).

    centers: (n_place, 2) metres; sigma: centre width (m); surround: ratio of surround to
    centre *variance* (Sorscher's ``surround_scale`` = 2); ``dog=False`` gives plain
    softmax-Gaussian targets. ``targets(pos)`` maps (..., 2) to (..., n_place)
    non-negative codes summing to 1.
    """

    centers: np.ndarray
    sigma: float = 0.12
    surround: float = 2.0
    dog: bool = True

    def targets(self, pos):
        """Place-cell code of positions (torch or numpy, (..., 2)); returns the same type."""
        import torch

        is_np = not torch.is_tensor(pos)
        p = torch.as_tensor(pos, dtype=torch.float32)
        c = torch.as_tensor(self.centers, dtype=p.dtype, device=p.device)
        d2 = ((p[..., None, :] - c) ** 2).sum(-1)
        out = torch.softmax(-d2 / (2 * self.sigma**2), -1)
        if self.dog:
            out = out - torch.softmax(-d2 / (2 * self.surround * self.sigma**2), -1)
            out = out - out.min(-1, keepdim=True).values
            out = out / out.sum(-1, keepdim=True)
        return out.numpy() if is_np else out


def _module(n_units, n_place, vel_scale):
    from torch import nn

    class PathIntegratorRNN(nn.Module):
        """Encoder (place code → initial state), ReLU RNN on velocity, decoder (→ place logits)."""

        def __init__(self):
            super().__init__()
            self.encoder = nn.Linear(n_place, n_units, bias=False)
            self.rnn = nn.RNN(2, n_units, nonlinearity="relu", bias=False, batch_first=True)
            self.decoder = nn.Linear(n_units, n_place, bias=False)

        def hidden(self, vel, p0):
            """vel (B, T, 2) m/s, p0 (B, n_place) -> hidden states (B, T, n_units).

            Inputs are rescaled to order one (velocity in units of the walks' speed
            scale, place code × n_place): the same function class, but Adam gets there in
            far fewer steps.
            """
            h, _ = self.rnn(vel * vel_scale, self.encoder(p0 * n_place)[None])
            return h

        def forward(self, vel, p0):
            return self.decoder(self.hidden(vel, p0))

    return PathIntegratorRNN()


@dataclass(frozen=True, eq=False)
class PathIntegrator:
    """A trained (or untrained) path integrator (:func:`train_path_integrator`).

    model: the torch module (on CPU after training); place_cells: :class:`PlaceCells`;
    curve: DataFrame with columns ``step``, ``loss`` (cross-entropy + weight decay),
    ``error_cm`` (mean decoding error, top-3 place cells, on the training batch),
    ``hold_cm`` (error of answering the start position) and ``ablated_cm`` (the network
    with its velocity input zeroed), both on the same batch;
    config: the arguments used; train_seconds: wall time of training; box (m), dt (s).
    """

    model: object = field(repr=False)
    place_cells: PlaceCells = field(repr=False)
    curve: pd.DataFrame
    config: dict
    train_seconds: float
    box: float
    dt: float

    @property
    def n_units(self) -> int:
        return int(self.config["n_units"])

    def walks(self, n_walks: int, seed=0):
        """Fresh walks (pos, vel) from the training distribution (see :func:`train_path_integrator`)."""
        c = self.config
        return random_walks(n_walks, c["seq_len"], c["dt"], c["box"], speed_scale=c["speed_scale"],
                            turn_sd=c["turn_sd"], seed=seed)

    def evaluate(self, n_walks: int = 500, seed=12345, traj: Trajectory | None = None) -> pd.DataFrame:
        """Position-decoding error (cm) of the network against its two baselines.

        Rows: ``test walks`` (``n_walks`` fresh walks of the training distribution,
        error averaged over every step), and, if ``traj`` is given, ``trajectory`` (the
        trajectory cut into training-length chunks, as in :meth:`bothways.grid.PathIntegrator.activity`). Columns:
        ``network``; ``hold_start`` (answer the chunk's start position — the error of
        not integrating at all); ``velocity_ablated`` (the same network, velocity input
        zeroed); ``travel_cm`` (mean distance from the start, = ``hold_start``).
        """
        import torch

        pos, vel = self.walks(n_walks, seed)
        pos_t = torch.as_tensor(pos, dtype=torch.float32)
        c0 = self.place_cells.targets(pos_t[:, 0])
        out = {}
        with torch.no_grad(), _threads(self.config.get("threads", 1)):
            v = torch.as_tensor(vel, dtype=torch.float32)
            errs = [_decode(self.model(vv, c0), self.place_cells.centers) for vv in (v, torch.zeros_like(v))]
        true = pos_t[:, 1:]
        hold = (true - pos_t[:, :1]).norm(dim=-1).mean()
        out["test walks"] = dict(network=float((errs[0] - true).norm(dim=-1).mean()),
                                 hold_start=float(hold),
                                 velocity_ablated=float((errs[1] - true).norm(dim=-1).mean()))
        if traj is not None:
            starts = _chunk_starts(traj.pos, self.config["seq_len"])
            out["trajectory"] = dict(
                network=float(np.linalg.norm(self.decode(traj) - traj.pos, axis=1).mean()),
                hold_start=float(np.linalg.norm(traj.pos - starts, axis=1).mean()),
                velocity_ablated=float(np.linalg.norm(self.decode(traj, ablate=True) - traj.pos, axis=1).mean()))
        df = 100 * pd.DataFrame(out).T
        return df.assign(travel_cm=df.hold_start)

    def activity(self, traj: Trajectory, chunk: int | None = None, ablate: bool = False) -> np.ndarray:
        """Hidden-unit activity (T, n_units) along ``traj``.

        The trajectory is cut into chunks of ``chunk`` steps (default: the training
        sequence length); each chunk starts from the place code of its true first
        position and integrates the measured velocity, as in Sorscher et al.'s rate maps.
        Row 0 of each chunk is the state after its first velocity step, aligned with the
        position reached; position 0 itself gets the first chunk's first state.
        ``ablate=True`` zeroes the velocity input (the baseline of :meth:`evaluate`).
        """
        import torch

        chunk = int(chunk or self.config["seq_len"])
        pos = traj.pos
        vel = np.diff(pos, axis=0) / traj.dt  # vel[i] moves pos[i] -> pos[i+1]
        n = len(vel)
        n_chunks = int(np.ceil(n / chunk))
        pad = n_chunks * chunk - n
        v = np.concatenate([vel, np.zeros((pad, 2))]).reshape(n_chunks, chunk, 2)
        if ablate:
            v = np.zeros_like(v)
        starts = pos[np.arange(n_chunks) * chunk]
        with torch.no_grad(), _threads(self.config.get("threads", 1)):
            p0 = self.place_cells.targets(torch.as_tensor(starts, dtype=torch.float32))
            h = self.model.hidden(torch.as_tensor(v, dtype=torch.float32), p0)
        h = h.reshape(-1, h.shape[-1])[:n].numpy().astype(float)
        return np.vstack([h[:1], h])

    def decode(self, traj: Trajectory, chunk: int | None = None, ablate: bool = False) -> np.ndarray:
        """Decoded positions (T, 2): mean centre of the 3 most active predicted place cells."""
        import torch

        h = torch.as_tensor(self.activity(traj, chunk, ablate), dtype=torch.float32)
        with torch.no_grad():
            logits = self.model.decoder(h)
        return _decode(logits, self.place_cells.centers).numpy()


def _chunk_starts(pos, chunk):
    """(T, 2): for every sample, the true position at the start of its chunk (see activity)."""
    n = len(pos) - 1
    idx = np.r_[0, (np.arange(n) // chunk) * chunk]
    return pos[idx]


class _threads:
    """Temporarily set torch's intra-op threads (None: leave as is).

    Small recurrent nets on CPU are fastest single-threaded: on a loaded 2-core machine a
    64-unit step took 0.02 s with 1 thread and 2.4 s with 2.
    """

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        import torch

        self.old = torch.get_num_threads()
        if self.n is not None:
            torch.set_num_threads(int(self.n))

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.old)


def _decode(logits, centers, k=3):
    import torch

    idx = torch.topk(logits, k, dim=-1).indices
    return torch.as_tensor(centers, dtype=logits.dtype, device=logits.device)[idx].mean(-2)


def train_path_integrator(n_units: int = 256, n_place: int = 256, n_steps: int = 1000,
                          batch_size: int = 100, seq_len: int = 20, sigma: float = 0.12,
                          surround: float = 2.0, dog: bool = True, box: float = 1.0,
                          dt: float = 0.02, speed_scale: float | None = None, turn_sd: float | None = None,
                          lr: float = 1e-3, weight_decay: float = 1e-4,
                          log_every: int = 10, seed=0, device=None, progress=None,
                          threads: int | None = 1) -> PathIntegrator:
    """Train a Sorscher-style path integrator on random walks in a square box.

    Each step draws a fresh batch of ``batch_size`` random walks of ``seq_len`` steps
    (:func:`bothways.grid.simulate.random_walks`, ``dt`` s per step, in a ``box``-metre
    box, Rayleigh ``speed_scale`` m/s and turn s.d. ``turn_sd`` rad/s — by default
    Sorscher et al.'s statistics rescaled to the box,
    :func:`~bothways.grid.simulate.sorscher_walk_params`), feeds the velocities to a ReLU RNN of ``n_units`` units whose initial state is
    a linear encoding of the place code at the start, and minimises the cross-entropy
    between softmax(decoder(h)) and the DoG place-cell targets (:class:`PlaceCells`,
    ``n_place`` centres uniform in the box) plus ``weight_decay`` × ‖W_rec‖², with
    Adam (``lr``). ``n_steps=0`` returns the untrained network (the control).

    Sorscher et al. (2023) use 4096 units, 512 place cells, σ = 12 cm, surround variance
    × 2, sequences of 20, batch 200, Adam 1e-4, 10⁵ steps in a 2.2 m box; the defaults
    here are CPU-sized (≈ 0.1 s per step on one core) and a higher learning rate.

    ``threads``: torch CPU threads during training (default 1, see ``_threads``; None
    leaves torch's setting).

    Returns
    -------
    :class:`PathIntegrator` with the model (moved to CPU) and the training curve.
    """
    import torch
    from tqdm import tqdm

    from bothways.config import get_device

    for name, val in dict(n_units=n_units, n_place=n_place, batch_size=batch_size,
                          seq_len=seq_len).items():
        if int(val) < 1:
            raise ValueError(f"{name} must be a positive integer, got {val}")
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}")
    walk = sorscher_walk_params(box)
    speed_scale = walk["speed_scale"] if speed_scale is None else float(speed_scale)
    turn_sd = walk["turn_sd"] if turn_sd is None else float(turn_sd)
    if not np.isfinite(speed_scale) or speed_scale <= 0:
        raise ValueError(f"speed_scale must be a positive number of m/s, got {speed_scale}")
    dev = get_device(device)
    rng = np.random.default_rng(seed)
    torch.manual_seed(int(rng.integers(2**31)))
    pc = PlaceCells(rng.uniform(0, box, (n_place, 2)), sigma, surround, dog)
    model = _module(n_units, n_place, 1.0 / speed_scale).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    centers = torch.as_tensor(pc.centers, dtype=torch.float32, device=dev)
    rows = []
    t0 = time.perf_counter()
    it = tqdm(range(n_steps), disable=not (progress if progress is not None else n_steps > 2000),
              desc="path integrator")
    with _threads(threads if dev.type == "cpu" else None):
        for step in it:
            _train_step(model, opt, pc, centers, rows, step, n_steps, rng, batch_size, seq_len,
                        dt, box, speed_scale, turn_sd, weight_decay, log_every, dev)
    secs = time.perf_counter() - t0
    model = model.cpu().eval()
    cfg = dict(n_units=n_units, n_place=n_place, n_steps=n_steps, batch_size=batch_size,
               seq_len=seq_len, sigma=sigma, surround=surround, dog=dog, box=box, dt=dt,
               speed_scale=speed_scale, turn_sd=turn_sd, lr=lr, weight_decay=weight_decay, seed=seed,
               threads=threads)
    return PathIntegrator(model, pc, pd.DataFrame(rows, columns=["step", "loss", "error_cm", "hold_cm",
                                                                 "ablated_cm"]),
                          cfg, secs, box, dt)


def _train_step(model, opt, pc, centers, rows, step, n_steps, rng, batch_size, seq_len, dt, box,
                speed_scale, turn_sd, weight_decay, log_every, dev):
    """One Adam step on a fresh batch of random walks; logs loss, decoding error and baselines."""
    import torch

    pos, vel = random_walks(batch_size, seq_len, dt, box, speed_scale=speed_scale, turn_sd=turn_sd, seed=rng)
    pos_t = torch.as_tensor(pos, dtype=torch.float32, device=dev)
    y = pc.targets(pos_t[:, 1:])
    vel_t = torch.as_tensor(vel, dtype=torch.float32, device=dev)
    c0 = pc.targets(pos_t[:, 0])
    logits = model(vel_t, c0)
    ce = -(y * torch.log_softmax(logits, -1)).sum(-1).mean()
    loss = ce + weight_decay * (model.rnn.weight_hh_l0 ** 2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % log_every == 0 or step == n_steps - 1:
        with torch.no_grad():
            true = pos_t[:, 1:]
            err = (_decode(logits, centers) - true).norm(dim=-1).mean()
            hold = (true - pos_t[:, :1]).norm(dim=-1).mean()
            abl = (_decode(model(torch.zeros_like(vel_t), c0), centers) - true).norm(dim=-1).mean()
        rows.append((step, float(loss.detach()), 100 * float(err), 100 * float(hold), 100 * float(abl)))
