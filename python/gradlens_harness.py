#!/usr/bin/env python3
"""GradLens harness: checks hand-written backward passes against finite differences.

Runs inside the user's own interpreter, so it depends on the standard library and
numpy only (torch is imported only for `function` units).  One file, so that the
extension can ship it as is and start it with `python3 gradlens_harness.py serve`.

    serve                                   persistent worker, JSON lines (see PROTOCOL.md)
    check FILE --plan PLAN.json [--seed N] [--mode full|fast|sample]
                                            one-shot: prints {"units": [...]}
    info                                    prints the hello line and exits

The rules of a check are contract section 3; python/PROTOCOL.md records the messages
and every choice this file makes where the contract is silent.
"""
import copy
import faulthandler
import hashlib
import importlib.util
import itertools
import json
import linecache
import math
import os
import platform
import random
import signal
import site
import sys
import sysconfig
import time
import traceback

PROTOCOL = 1
DEFAULT_EPS = 1e-6
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-3
FULL_LIMIT = 10_000   # elements per input checked one by one by default
SAMPLE_K = 32         # elements per input in sample mode
TINY = 1e-8           # floor of the relative error's denominator (contract section 3)
ULP = 2.220446049250313e-16

# Imported by _load_numpy, so that a missing numpy can be reported in the hello line
# instead of killing the worker before it says anything.
np = None


def _load_numpy():
    global np
    import numpy
    np = numpy


def _torch_version():
    if "torch" in sys.modules:
        return str(getattr(sys.modules["torch"], "__version__", "unknown"))
    # Importing torch takes seconds; its metadata says the same thing at no cost.
    try:
        from importlib import metadata
        return metadata.version("torch")
    except Exception:
        pass
    try:
        return "unknown" if importlib.util.find_spec("torch") is not None else None
    except Exception:
        return None


def hello():
    msg = {"type": "hello", "protocol": PROTOCOL, "python": platform.python_version(),
           "executable": sys.executable, "pid": os.getpid(), "numpy": None, "torch": None}
    try:
        _load_numpy()
        msg["numpy"] = np.__version__
    except ImportError:
        msg["error"] = f"numpy is not installed for {sys.executable}"
    except Exception as e:  # a broken numpy install fails with other errors too
        msg["error"] = f"numpy cannot be imported by {sys.executable}: {type(e).__name__}: {e}"
    msg["torch"] = _torch_version()
    return msg


# ---------------------------------------------------------------------------
# Loading the user's file

class ImportFailure:
    def __init__(self, message, line=None, tb=None):
        self.message, self.line, self.tb = message, line, tb


def _real(path):
    return os.path.normcase(os.path.realpath(path))


def _library_dirs():
    dirs = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            dirs.add(_real(p))
    try:
        dirs.update(_real(p) for p in site.getsitepackages())
    except Exception:
        pass
    try:
        dirs.add(_real(site.getusersitepackages()))
    except Exception:
        pass
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


class Loader:
    """Imports each user file as a fresh module whenever it (or a helper module of the
    user's it imported) changes, and reuses the module otherwise: a warm re-check must
    not pay for the import, an edited file must never be checked stale."""

    def __init__(self):
        self.entries = {}   # real path -> (digest, module)
        self.local = {}     # module name -> (file, digest): the user's own helper modules
        self.counter = itertools.count(1)
        self.library = _library_dirs()
        self.me = _real(__file__)

    @staticmethod
    def _digest(path):
        with open(path, "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()

    def _is_local(self, file):
        real = _real(file)
        if real == self.me or real.startswith(self.library):
            return False
        parts = real.split(os.sep)
        return "site-packages" not in parts and "dist-packages" not in parts

    def _purge_if_helpers_changed(self):
        changed = False
        for name, (file, digest) in self.local.items():
            try:
                changed = self._digest(file) != digest
            except OSError:
                changed = True
            if changed:
                break
        if not changed:
            return
        # A helper shared by several user files may be bound in any of them, so every
        # user module and every helper goes: the next import of each is fresh.
        for name in self.local:
            sys.modules.pop(name, None)
        for _, module in self.entries.values():
            sys.modules.pop(module.__name__, None)
        self.local.clear()
        self.entries.clear()
        importlib.invalidate_caches()

    def load(self, path):
        path = os.path.abspath(path)
        real = _real(path)
        self._purge_if_helpers_changed()
        linecache.checkcache()
        entry = self.entries.get(real)
        # The content decides, not the time stamp: two saves within a file system's
        # time resolution (or a restored mtime) must still reload.  Hashing a source
        # file costs microseconds.
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            return ImportFailure(f"cannot read {path}: {e.strerror or e}")
        digest = hashlib.sha1(source).hexdigest()
        if entry and entry[0] == digest:
            return entry[1]
        if entry:
            sys.modules.pop(entry[1].__name__, None)
            del self.entries[real]
        module = self._import(path, source)
        if isinstance(module, ImportFailure):
            return module
        self.entries[real] = (digest, module)
        return module

    def _import(self, path, source):
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        # A name no user module can have, so that two files called layers.py (or a
        # file called numpy.py) never meet in sys.modules.
        tag = hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = f"_gradlens_user_{tag}_{next(self.counter)}"
        spec = importlib.util.spec_from_loader(name, loader=None, origin=path)
        module = importlib.util.module_from_spec(spec)
        module.__file__ = path
        # Registered so that dataclasses, pickle and typing can find the module.
        sys.modules[name] = module
        before = set(sys.modules)
        try:
            # Compiled here rather than through the import system: no __pycache__ in the
            # user's folder, and no stale bytecode after an edit within the same second.
            code = compile(source, path, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except KeyboardInterrupt:
            sys.modules.pop(name, None)
            raise
        except BaseException as e:  # SystemExit too: importing must not end the worker
            sys.modules.pop(name, None)
            line, where = _user_line(e, path)
            if isinstance(e, SystemExit):
                what = f"called sys.exit({e.code!r})"
            else:
                what = f"raised {_exc_text(e)}"
            at = f" (line {line})" if line else ""
            return ImportFailure(f"importing the file {what}{at}", line, _format_tb(e))
        for new in set(sys.modules) - before:
            mod = sys.modules.get(new)
            file = getattr(mod, "__file__", None)
            if isinstance(file, str) and os.path.isfile(file) and self._is_local(file):
                try:
                    self.local[new] = (file, self._digest(file))
                except OSError:
                    pass
        return module


def _exc_text(e):
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _format_tb(e):
    return "".join(traceback.format_exception(type(e), e, e.__traceback__))


def _user_line(e, path):
    """The line of the user's file where an exception was raised (its last frame there)."""
    want = _real(path)
    if isinstance(e, SyntaxError) and e.filename and _real(e.filename) == want:
        return e.lineno, None
    found = (None, None)
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename and _real(frame.filename) == want:
            found = (frame.lineno, frame.name)
    return found


# ---------------------------------------------------------------------------
# Values

def _is_float_array(v):
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _fresh(v):
    """A copy that user code may mutate freely: every evaluation gets its own."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, (dict, list, set)):
        try:
            return copy.deepcopy(v)
        except Exception:
            return v
    return v


def _looks_float32(a):
    """True when a float64 array holds only float32-rounded values: code that computes
    in float32 and casts back (integers and zeros say nothing, so they are left out)."""
    if not isinstance(a, np.ndarray) or a.dtype != np.float64:
        return False
    v = a.reshape(-1)
    v = v[np.isfinite(v) & (v != np.round(v))]
    if v.size < 3:
        return False
    return bool(np.all(v.astype(np.float32).astype(np.float64) == v))


def _low_precision(a):
    if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype.itemsize < 8:
        return str(a.dtype)
    return None


def _index(flat, shape):
    return [int(i) for i in np.unravel_index(int(flat), shape)] if shape else []


def _g(x):
    """A number in a sentence."""
    if x is None:
        return "?"
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.3g}"


def _two(n, a):
    """Finite differences and your backward side by side, with digits enough to differ."""
    for digits in range(3, 12):
        nt, at = f"{float(n):.{digits}g}", f"{float(a):.{digits}g}"
        if nt != at:
            return nt, at
    return nt, at


def _shape_text(shape):
    shape = tuple(shape)
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class Missing:
    def __init__(self, why):
        self.why = why


class NotChecked:
    def __init__(self, why):
        self.why = why


# A loss covers only the first k array arguments; the others are not listed at all.
ABSENT = object()


class Target:
    """One array the check differentiates: an input of the unit or a gate parameter."""

    def __init__(self, name, role, pos, base):
        self.name, self.role, self.pos = name, role, pos
        self.base = base
        self.shape = tuple(base.shape)
        self.size = int(base.size)
        self.low_precision = False   # its gradient came back in float16/32

    @property
    def grad_name(self):
        return "d" + self.name


class PlanError(Exception):
    """The plan cannot be carried out: the unit is `needs-inputs` or `error`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class UserError(Exception):
    """The user's code raised (or called sys.exit) during `phase`."""

    def __init__(self, phase, exc):
        super().__init__(phase)
        self.phase, self.exc = phase, exc


# ---------------------------------------------------------------------------
# Runners: one per unit kind.  `call` runs the forward on fresh copies (with some
# targets replaced), `backward` turns upstream gradients into one result per target.

def _map_grads(ret, runner):
    """Gradients returned for the array arguments, in order, matched to the targets."""
    targets = [t for t in runner.targets if t.role == "input"]
    out = {}
    if ret is None:
        for t in targets:
            out[t.pos] = Missing("it returned None")
        return out
    if isinstance(ret, dict):
        for t in targets:
            for key in (t.name, "d" + t.name, "grad_" + t.name):
                if key in ret:
                    out[t.pos] = ret[key] if ret[key] is not None else Missing(
                        f"its {key!r} is None")
                    break
            else:
                out[t.pos] = Missing(f"it returned a dict without {t.grad_name!r}")
        return out
    values = list(ret) if isinstance(ret, (tuple, list)) else [ret]
    n_float = len(targets)
    arrays = [i for i, a in enumerate(runner.args) if isinstance(a, np.ndarray)]
    if len(values) == n_float:
        by_pos = {t.pos: values[k] for k, t in enumerate(targets)}
    elif len(values) == len(arrays):
        # Gradients for integer arrays too (None or zeros): match by array position.
        by_pos = {pos: values[k] for k, pos in enumerate(arrays)}
    elif len(values) == len(runner.args):
        by_pos = dict(enumerate(values))
    else:
        by_pos = {t.pos: values[k] for k, t in enumerate(targets) if k < len(values)}
    for t in targets:
        if t.pos not in by_pos:
            out[t.pos] = Missing(f"it returned {len(values)} gradient"
                                 f"{'' if len(values) == 1 else 's'} for {n_float} float array "
                                 f"input{'' if n_float == 1 else 's'}")
        elif by_pos[t.pos] is None:
            out[t.pos] = Missing("it returned None in its place")
        else:
            out[t.pos] = by_pos[t.pos]
    return out


def _split_outputs(res):
    return list(res) if isinstance(res, tuple) else [res]


class Runner:
    kind = ""

    def __init__(self, args, names):
        self.args = args
        self.names = names
        self.targets = [Target(names[i], "input", i, a) for i, a in enumerate(args)
                        if _is_float_array(a)]
        self.phase = ""
        self.forward_calls = 0
        self.backward_calls = 0

    def _args(self, overrides, given=None):
        replaced = {self.targets[ti].pos: v for ti, v in overrides.items()
                    if self.targets[ti].role == "input"}
        if given is not None:
            args = list(given)
        else:
            args = [None if i in replaced else _fresh(a) for i, a in enumerate(self.args)]
        for pos, v in replaced.items():
            args[pos] = v
        return args

    def prepare(self):
        pass

    def call(self, overrides, keep=False, given=None):
        """The outputs of one forward on fresh copies of the arguments (or on `given`),
        with the targets in `overrides` (target index -> array) replaced."""
        raise NotImplementedError

    def backward(self, upstream):
        """{target pos (inputs) or name (parameters): array | Missing | NotChecked | ABSENT}"""
        raise NotImplementedError


class PairRunner(Runner):
    kind = "pair"

    def __init__(self, fwd, bwd, args, names):
        super().__init__(args, names)
        self.fwd, self.bwd = fwd, bwd
        self.kept = None

    def call(self, overrides, keep=False, given=None):
        args = self._args(overrides, given)
        self.phase = f"{self.fwd.__name__}"
        self.forward_calls += 1
        res = self.fwd(*args)
        if not isinstance(res, (tuple, list)) or len(res) < 2:
            raise PlanError("error", f"{self.fwd.__name__} must return (out, cache); it returned "
                            f"{type(res).__name__}")
        if keep:
            self.kept = res[-1]
        return list(res[:-1])

    def backward(self, upstream):
        self.phase = f"{self.bwd.__name__}"
        self.backward_calls += 1
        ret = self.bwd(*[_fresh(r) for r in upstream], self.kept)
        return _map_grads(ret, self)


class LossRunner(Runner):
    kind = "loss"

    def __init__(self, fn, args, names):
        super().__init__(args, names)
        self.fn = fn
        self.kept = None

    def call(self, overrides, keep=False, given=None):
        args = self._args(overrides, given)
        self.phase = self.fn.__name__
        self.forward_calls += 1
        res = self.fn(*args)
        if not isinstance(res, (tuple, list)) or len(res) < 2:
            raise PlanError("error", f"{self.fn.__name__} must return (loss, grad); it returned "
                            f"{type(res).__name__}")
        loss = res[0]
        if hasattr(loss, "detach"):
            loss = loss.detach().cpu().numpy()
        if np.ndim(loss) != 0:
            raise PlanError("error", f"{self.fn.__name__} returns a loss of shape "
                            f"{_shape_text(np.shape(loss))}, not a scalar")
        if keep:
            self.kept = res[1] if len(res) == 2 else tuple(res[1:])
        return [np.asarray(loss)[()]]

    def backward(self, upstream):
        # The gradient came with the loss: nothing to call.
        ret = self.kept
        targets = [t for t in self.targets if t.role == "input"]
        if isinstance(ret, dict):
            # A dict names the arrays it covers; the others are data, not forgotten.
            named = _map_grads(ret, self)
            return {t.pos: (named[t.pos] if not isinstance(named[t.pos], Missing) or any(
                k in ret for k in (t.name, "d" + t.name, "grad_" + t.name)) else ABSENT)
                for t in targets}
        values = list(ret) if isinstance(ret, (tuple, list)) else [ret]
        out = {}
        for k, t in enumerate(targets):
            if k < len(values):
                out[t.pos] = values[k] if values[k] is not None else Missing(
                    "it returned None in its place")
            else:
                out[t.pos] = ABSENT
        return out


class GateRunner(Runner):
    kind = "gate"

    def __init__(self, cls, init_args, init_kwargs, init_text, args, names):
        super().__init__(args, names)
        self.cls = cls
        self.init_args, self.init_kwargs, self.init_text = init_args, init_kwargs, init_text
        self.obj = None
        self.params = {}

    def prepare(self):
        self.phase = f"constructing {self.cls.__name__}({self.init_text or ''})"
        self.obj = self.cls(*self.init_args, **self.init_kwargs)
        attrs = dict(vars(self.obj)) if hasattr(self.obj, "__dict__") else {}
        floats = [k for k, v in attrs.items() if _is_float_array(v)]
        slots = set()
        for p in floats:
            slots.update((f"d{p}", f"grad_{p}", f"{p}_grad"))
        for p in floats:
            if p in slots:
                continue  # a gradient buffer set up in __init__, not a parameter
            base = attrs[p].astype(np.float64, copy=True)
            self.params[p] = (base, str(attrs[p].dtype))
            self.targets.append(Target(p, "param", None, base))

    def call(self, overrides, keep=False, given=None):
        args = self._args(overrides, given)
        for p, (base, _) in self.params.items():
            setattr(self.obj, p, base.copy())
        for ti, v in overrides.items():
            t = self.targets[ti]
            if t.role == "param":
                setattr(self.obj, t.name, v)
        self.phase = f"{self.cls.__name__}.forward"
        self.forward_calls += 1
        return _split_outputs(self.obj.forward(*args))

    def backward(self, upstream):
        self.phase = f"{self.cls.__name__}.backward"
        self.backward_calls += 1
        douts = [_fresh(r) for r in upstream]
        ret = self.obj.backward(*douts)
        out = _map_grads(ret, self)
        for t in self.targets:
            if t.role == "param":
                out[t.name] = self._param_grad(t.name)
        return out

    def _param_grad(self, p):
        missing = object()
        for attr in (f"d{p}", f"grad_{p}", f"{p}_grad"):
            try:
                v = getattr(self.obj, attr, missing)
            except Exception:
                v = missing
            if v is not missing:
                if v is None:
                    return Missing(f"it left self.{attr} as None")
                return np.array(v, copy=True)
        grads = getattr(self.obj, "grads", None)
        if isinstance(grads, dict) and p in grads:
            v = grads[p]
            if v is None:
                return Missing(f"it left self.grads[{p!r}] as None")
            return np.array(v, copy=True)
        return NotChecked(f"no gradient for parameter {p}: looked for self.d{p}, self.grad_{p}, "
                          f"self.{p}_grad and self.grads[{p!r}]")


class FunctionRunner(Runner):
    """A torch.autograd.Function, checked through `apply` with float64 tensors."""
    kind = "function"

    def __init__(self, cls, args, names):
        args = [_to_numpy(a) for a in args]
        super().__init__(args, names)
        import torch
        self.torch = torch
        self.cls = cls
        self.kept = None

    def _tensors(self, args, grad):
        torch = self.torch
        pos = {t.pos for t in self.targets}
        out = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray):
                t = torch.from_numpy(np.ascontiguousarray(a))
                if grad and i in pos:
                    t.requires_grad_(True)
                out.append(t)
            else:
                out.append(a)
        return out

    def call(self, overrides, keep=False, given=None):
        torch = self.torch
        args = self._args(overrides, given)
        self.phase = f"{self.cls.__name__}.forward"
        self.forward_calls += 1
        if keep:
            tensors = self._tensors(args, True)
            self.kept_inputs = tensors
            res = self.cls.apply(*tensors)
            self.kept = _split_outputs(res)
        else:
            with torch.no_grad():
                res = self.cls.apply(*self._tensors(args, False))
        return [_to_numpy(o) for o in _split_outputs(res)]

    def backward(self, upstream):
        torch = self.torch
        outs = self.kept
        node = next((o.grad_fn for o in outs if torch.is_tensor(o) and o.grad_fn is not None), None)
        if node is None:
            raise PlanError("error", f"{self.cls.__name__}.apply returned no output that depends on "
                            "its inputs (no grad_fn): nothing to differentiate")
        grads = []
        for o, r in zip(outs, upstream):
            if not torch.is_tensor(o):
                continue
            if r is None:
                grads.append(torch.zeros_like(o))
            else:
                grads.append(torch.as_tensor(np.asarray(r)).to(o.dtype))
        self.phase = f"{self.cls.__name__}.backward"
        self.backward_calls += 1
        # The node's apply calls the user's backward and hands back what it returned,
        # before autograd validates shapes: a wrong shape becomes a diagnosis instead of
        # torch's own error.  autograd.grad is the fallback for a torch without it.
        if hasattr(node, "apply"):
            with torch.no_grad():
                ret = node.apply(*grads)
        else:
            inputs = [a for a in self.kept_inputs if torch.is_tensor(a) and a.requires_grad]
            pairs = [(o, g) for o, g in zip([o for o in outs if torch.is_tensor(o)], grads)
                     if o.requires_grad]
            got = iter(torch.autograd.grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                                           allow_unused=True))
            ret = [next(got) if torch.is_tensor(a) and a.requires_grad else None
                   for a in self.kept_inputs]
        ret = list(ret) if isinstance(ret, (tuple, list)) else [ret]
        ret = [None if r is None else _to_numpy(r) for r in ret]
        return _map_grads(ret, self)


def _to_numpy(v):
    if hasattr(v, "detach") and hasattr(v, "numpy"):
        return v.detach().cpu().numpy()
    return v


# ---------------------------------------------------------------------------
# What finite differences say about one target

class Projection:
    __slots__ = ("lo", "hi", "num", "kink", "tol")

    def __init__(self, lo, hi, num, kink, tol):
        self.lo, self.hi, self.num, self.kink, self.tol = lo, hi, num, kink, tol


class Evidence:
    """Numeric measurements of one target's gradient: single elements (full and sample
    modes, and the element fast mode isolates) and projections on a random ±1
    direction (fast mode).  Any candidate gradient can be tested against all of it,
    which is how the diagnoses work in every mode."""

    def __init__(self, target, atol, rtol):
        self.target = target
        self.atol, self.rtol = atol, rtol
        self.idx, self.num, self.kink = [], [], []
        self.proj = []
        self.d = None
        self.evaluations = 0
        self.mode = None

    def arrays(self):
        return (np.asarray(self.idx, dtype=np.int64), np.asarray(self.num, dtype=np.float64),
                np.asarray(self.kink, dtype=bool))

    def element_ok(self, cand_flat):
        idx, num, kink = self.arrays()
        a = cand_flat[idx] if idx.size else np.zeros(0)
        ok = np.abs(a - num) <= self.atol + self.rtol * np.abs(num)
        return ok, kink, a, num, idx

    def proj_value(self, cand_flat, p):
        return float(np.dot(cand_flat[p.lo:p.hi], self.d[p.lo:p.hi]))

    def agrees(self, cand):
        cand = np.asarray(cand, dtype=np.float64)
        if cand.shape != self.target.shape:
            return False
        flat = cand.reshape(-1)
        ok, kink, _, _, _ = self.element_ok(flat)
        if not np.all(ok | kink):
            return False
        for p in self.proj:
            if not p.kink and not abs(self.proj_value(flat, p) - p.num) <= p.tol:
                return False
        return True

    def checked(self):
        return sum(1 for k in self.kink if not k) + sum(1 for p in self.proj if not p.kink)

    def numeric_nonzero(self):
        _, num, kink = self.arrays()
        if np.any((np.abs(num) > self.atol) & ~kink):
            return True
        return any(not p.kink and abs(p.num) > p.tol for p in self.proj)

    def pairs(self, cand_flat):
        """(analytic, numeric) pairs of every non-kink measurement, for fitting a scale."""
        ok, kink, a, num, _ = self.element_ok(cand_flat)
        av, nv = list(a[~kink]), list(num[~kink])
        for p in self.proj:
            if not p.kink:
                av.append(self.proj_value(cand_flat, p))
                nv.append(p.num)
        return np.asarray(av, dtype=np.float64), np.asarray(nv, dtype=np.float64)


# ---------------------------------------------------------------------------
# One unit

class UnitCheck:
    def __init__(self, module, file, plan, seed, mode, values=0):
        self.module, self.file, self.plan = module, file, plan
        self.values_limit = int(values or 0)
        # numpy generators take seeds in [0, 2**32) for the global one: map any integer there
        self.seed = int(seed or 0) % (2 ** 32)
        self.req_mode = mode
        self.name = str(plan.get("name") or "?")
        self.kind = str(plan.get("kind") or "?")
        self.eps = float(plan.get("eps") or DEFAULT_EPS)
        self.atol = float(plan.get("atol") or DEFAULT_ATOL)
        self.rtol = float(plan.get("rtol") or DEFAULT_RTOL)
        self.notes = []
        self.float32 = []       # why the unit computes in float32, as sentences
        self.float32_all = False
        self.evaluations = 0
        self.runner = None

    def result(self):
        return {"name": self.name, "kind": self.kind, "file": self.file,
                "line": self.plan.get("line"), "status": "error", "message": "",
                "checks": [], "tolerance": {"atol": self.atol, "rtol": self.rtol, "eps": self.eps},
                "seconds": 0.0, "evaluations": 0, "forwardCalls": 0, "backwardCalls": 0,
                "seed": self.seed, "notes": []}

    # -- entry point
    def run(self):
        t0 = time.perf_counter()
        res = self.result()
        try:
            if self.plan.get("skip"):
                res["status"] = "skipped"
                res["message"] = "skipped by its # gradcheck directive"
            elif isinstance(self.module, ImportFailure):
                res["message"] = self.module.message
                if self.module.line:
                    res["errorLine"] = self.module.line
                if self.module.tb:
                    res["traceback"] = self.module.tb
            else:
                self._run(res)
        except PlanError as e:
            res["status"] = e.status
            res["message"] = str(e)
            res["checks"] = []
        except UserError as e:
            res["status"] = "error"
            res["checks"] = []
            self._describe_user_error(res, e.phase, e.exc)
        if self.runner is not None:
            res["forwardCalls"] = self.runner.forward_calls
            res["backwardCalls"] = self.runner.backward_calls
        res["evaluations"] = self.evaluations
        res["seconds"] = round(time.perf_counter() - t0, 6)
        return res

    def _describe_user_error(self, res, phase, exc):
        line, _ = _user_line(exc, self.file)
        at = f" (line {line})" if line else ""
        if isinstance(exc, SystemExit):
            res["message"] = f"{phase} called sys.exit({exc.code!r}){at}"
        else:
            res["message"] = f"{phase} raised {_exc_text(exc)}{at}"
            if isinstance(exc, TypeError) and phase.startswith("constructing") \
                    and not self.plan.get("init"):
                res["message"] += "; give the constructor's arguments with init(...) in the " \
                                  "# gradcheck directive"
        if line:
            res["errorLine"] = line
        res["traceback"] = _format_tb(exc)

    def _guard(self, fn, *args, **kwargs):
        """Runs user code; its exceptions (and sys.exit) become a UserError."""
        try:
            return fn(*args, **kwargs)
        except (PlanError, KeyboardInterrupt):
            raise
        except Exception as e:
            raise UserError(self.runner.phase if self.runner else "your code", e) from None
        except SystemExit as e:
            raise UserError(self.runner.phase if self.runner else "your code", e) from None

    # -- the check itself
    def _run(self, res):
        self._seed_globals()
        self.rng = np.random.default_rng(self.seed)
        init_args, init_kwargs = self._eval_init()
        args, names = self._inputs()
        self.runner = runner = self._runner(args, names, init_args, init_kwargs)
        self._guard(runner.prepare)

        # Determinism first: two forwards on equal copies.  The first also gives the
        # base value L(x) that the kink test needs; the second feeds the one backward.
        passed = [_fresh(a) for a in runner.args]
        outs1 = self._guard(runner.call, {}, False, passed)
        self._note_mutation(passed)
        outs1 = [np.array(o, copy=True) if isinstance(o, np.ndarray) else o for o in outs1]
        outs2 = self._guard(runner.call, {}, True)
        self._compare_runs(outs1, outs2)

        self.upstream = self._upstream(outs1)
        self.L0 = self._loss(outs1)
        self.evaluations = 1
        if not math.isfinite(self.L0):
            raise PlanError("error", "forward returns NaN or inf on the check's inputs, so finite "
                            "differences cannot be taken")
        self._note_float32_outputs(outs1)

        analytic = self._guard(runner.backward, self.upstream)
        checks = self._select_targets()
        self.check_rng = np.random.default_rng([self.seed, 1])
        grads = {}
        evidence = {}
        for ti, t in checks:
            g = analytic.get(t.pos if t.role == "input" else t.name)
            if g is ABSENT:
                continue
            g = self._as_array(t, g)
            grads[ti] = g
            if isinstance(g, NotChecked):
                continue
            if t.size == 0:
                grads[ti] = NotChecked("empty array")
                continue
            evidence[ti] = self._measure(ti, t, g)
        res["checks"] = [self._judge(ti, t, grads[ti], evidence)
                         for ti, t in checks if ti in grads]
        self._summarise(res)

    def _seed_globals(self):
        # Constructors and directive expressions that use the global generators get the
        # same values on every run.
        np.random.seed(self.seed)
        random.seed(self.seed)
        if "torch" in sys.modules:
            try:
                sys.modules["torch"].manual_seed(self.seed)
            except Exception:
                pass

    def _scope(self):
        rng_holder = self

        def _shape(dims):
            if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
                dims = tuple(dims[0])
            return tuple(int(d) for d in dims)

        def randn(*shape):
            return np.asarray(rng_holder.rng.standard_normal(_shape(shape)), dtype=np.float64)

        def rand(*shape):
            return np.asarray(rng_holder.rng.random(_shape(shape)), dtype=np.float64)

        def randint(low, high=None, shape=None, size=None):
            shape = size if shape is None else shape
            if isinstance(shape, list):
                shape = tuple(shape)
            return rng_holder.rng.integers(low, high, size=shape)

        scope = dict(vars(self.module))
        scope.update({"np": np, "numpy": np, "randn": randn, "rand": rand, "randint": randint})
        return scope

    def _eval_init(self):
        text = self.plan.get("init")
        if self.kind != "gate" or not text or not str(text).strip():
            return (), {}
        scope = self._scope()
        scope["__gradlens_args__"] = lambda *a, **k: (a, k)
        try:
            return eval(f"__gradlens_args__({text})", scope)
        except Exception as e:
            raise PlanError("error", f"cannot evaluate init({text}) from the # gradcheck "
                            f"directive: {_exc_text(e)}") from None

    def _inputs(self):
        specs = self.plan.get("inputs")
        if specs is None:
            raise PlanError("needs-inputs", f"the inputs of {self.name} are unknown: add a "
                            "directive above it, e.g. # gradcheck: x=randn(4, 3)")
        scope = self._scope()
        args, names = [], []
        for spec in specs:
            name = str(spec.get("name") or f"arg{len(args)}")
            if spec.get("expr") is not None:
                expr = str(spec["expr"])
                try:
                    value = eval(expr, scope)
                except Exception as e:
                    raise PlanError("error", f"cannot evaluate {name}={expr} from the # gradcheck "
                                    f"directive: {_exc_text(e)}") from None
            elif spec.get("shape") is not None:
                value = self._make(name, spec["shape"], str(spec.get("dtype") or "float"))
            else:
                raise PlanError("needs-inputs", f"the shape of {name} is unknown: add a directive "
                                f"above {self.name}, e.g. # gradcheck: {name}=randn(4, 3)")
            value = _to_numpy(value) if self.kind == "function" else value
            if isinstance(value, np.ndarray) and value.dtype.kind == "f" \
                    and value.dtype != np.float64:
                value = value.astype(np.float64)  # the check runs in float64 (contract §3)
            scope[name] = value
            args.append(value)
            names.append(name)
        return args, names

    def _make(self, name, shape, dtype):
        dims = []
        for d in shape:
            if isinstance(d, bool) or not isinstance(d, int) or d < 0:
                raise PlanError("needs-inputs", f"the shape of {name} has an unknown dim {d!r}: "
                                f"add a directive above {self.name}, e.g. # gradcheck: "
                                f"{name}=randn(4, 3)")
            dims.append(d)
        if dtype.startswith("int"):
            return self.rng.integers(0, 3, size=tuple(dims))
        if dtype.startswith("bool"):
            return self.rng.integers(0, 2, size=tuple(dims)).astype(bool)
        return np.asarray(self.rng.standard_normal(tuple(dims)), dtype=np.float64)

    def _lookup(self, dotted, what):
        obj = self.module
        for part in str(dotted).split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                raise PlanError("error", f"no {what} {dotted} in {os.path.basename(self.file)}")
        return obj

    def _runner(self, args, names, init_args, init_kwargs):
        p = self.plan
        if self.kind == "pair":
            fwd = self._lookup(p.get("forward") or f"{self.name}_forward", "function")
            bwd = self._lookup(p.get("backward") or f"{self.name}_backward", "function")
            return PairRunner(fwd, bwd, args, names)
        if self.kind == "loss":
            return LossRunner(self._lookup(p.get("function") or self.name, "function"), args, names)
        if self.kind == "gate":
            cls = self._lookup(p.get("className") or self.name, "class")
            return GateRunner(cls, init_args, init_kwargs, p.get("init"), args, names)
        if self.kind == "function":
            try:
                import torch  # noqa: F401
            except ImportError:
                raise PlanError("error", f"torch is not installed for {sys.executable}") from None
            cls = self._lookup(p.get("className") or self.name, "class")
            return FunctionRunner(cls, args, names)
        raise PlanError("error", f"unknown unit kind {self.kind!r}")

    # -- pieces of the run
    def _note_mutation(self, passed):
        for t in self.runner.targets:
            if t.role == "input" and not np.array_equal(passed[t.pos], t.base, equal_nan=True):
                self.notes.append(f"forward changes its input {t.name} in place (the check passes "
                                  "copies, but your callers will see it change)")

    def _compare_runs(self, a, b):
        if len(a) != len(b):
            raise PlanError("error", "forward is not deterministic: randomness inside, or state "
                            "carried between calls (two calls returned different numbers of outputs)")
        for k, (x, y) in enumerate(zip(a, b)):
            try:
                x = np.asarray(x, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
            except (TypeError, ValueError):
                continue
            if x.shape != y.shape:
                raise PlanError("error", "forward is not deterministic: randomness inside, or "
                                f"state carried between calls (output shapes {_shape_text(x.shape)} "
                                f"then {_shape_text(y.shape)})")
            diff = np.abs(x - y)
            # Bitwise equality is the rule; the slack only absorbs threaded BLAS
            # reductions, far below what finite differences can see.
            bad = ~(diff <= 1e-13 * (1 + np.abs(x))) & ~(np.isnan(x) & np.isnan(y))
            if np.any(bad):
                first = int(np.flatnonzero(bad.reshape(-1))[0])
                where = f" at index {_index(first, x.shape)}" if x.ndim else ""
                raise PlanError("error", "forward is not deterministic: randomness inside, or state "
                                "carried between calls (two calls on the same inputs differ by up "
                                f"to {_g(np.nanmax(diff))}{where})")

    def _upstream(self, outs):
        ups = []
        for o in outs:
            if self.kind == "loss":
                ups.append(np.float64(1.0))
            elif _is_float_array(o) or isinstance(o, (float, np.floating)):
                shape = np.shape(o)
                r = self.rng.standard_normal(shape)
                ups.append(np.asarray(r, dtype=np.float64) if shape else np.float64(r))
            else:
                ups.append(None)
        if all(u is None for u in ups):
            raise PlanError("error", "forward returns no float array, so there is nothing to "
                            "differentiate")
        return ups

    def _loss(self, outs):
        total = 0.0
        for o, r in zip(outs, self.upstream):
            if r is None:
                continue
            o = np.asarray(o, dtype=np.float64)
            if o.shape == np.shape(r) and o.ndim:
                # A dot product, not sum(o * r): no temporary array on the hot path.
                total += float(np.dot(o.reshape(-1), r.reshape(-1)))
            else:
                total += float(np.sum(o * r))
        return total

    def L(self, ti, value):
        self.evaluations += 1
        outs = self._guard(self.runner.call, {ti: value})
        return self._loss(outs)

    def _note_float32_outputs(self, outs):
        # Inputs like 0.5 or 0.25 are float32 numbers themselves, and so can be what a
        # float64 forward makes of them: the rounding test needs truly float64 inputs.
        telling = all(np.any(t.base.astype(np.float32).astype(np.float64) != t.base)
                      for t in self.runner.targets)
        for k, o in enumerate(outs):
            what = "its output" if len(outs) == 1 else f"output {k}"
            low = _low_precision(o)
            if low:
                self.float32.append(f"forward returns {what} in {low}")
                self.float32_all = True
            elif telling and _looks_float32(o):
                self.float32.append(f"forward rounds {what} to float32")
                self.float32_all = True
        for t in self.runner.targets:
            if t.role == "param" and self.runner.params[t.name][1] != "float64":
                self.notes.append(f"parameter {t.name} is {self.runner.params[t.name][1]}; "
                                  "it is checked in float64")

    def _select_targets(self):
        wrt = self.plan.get("wrt")
        pairs = list(enumerate(self.runner.targets))
        if not wrt:
            return pairs
        names = {t.name for t in self.runner.targets}
        unknown = [w for w in wrt if w not in names]
        if unknown:
            self.notes.append(f"wrt names {', '.join(unknown)}, which "
                              f"{'is' if len(unknown) == 1 else 'are'} not a float array input "
                              "or parameter")
        return [(ti, t) for ti, t in pairs if t.name in wrt]

    def _as_array(self, t, g):
        if isinstance(g, (Missing, NotChecked)):
            return g
        if g is None:
            return Missing("it returned None in its place")
        g = _to_numpy(g)
        low = _low_precision(g) if isinstance(g, np.ndarray) else None
        if low:
            self.float32.append(f"your backward returns {t.grad_name} in {low}")
            t.low_precision = True
        try:
            arr = np.asarray(g, dtype=np.float64)
        except (TypeError, ValueError):
            return Missing(f"it returned a {type(g).__name__}, not an array")
        return arr

    # -- numeric side
    def _mode(self, t):
        mode = self.req_mode or self.plan.get("mode")
        if mode in ("full", "fast", "sample"):
            return mode
        return "full" if t.size <= FULL_LIMIT else "sample+fast"

    def _measure(self, ti, t, g):
        ev = Evidence(t, self.atol, self.rtol)
        ev.mode = self._mode(t)
        before = self.evaluations
        comparable = isinstance(g, np.ndarray) and g.shape == t.shape
        if ev.mode == "full":
            self._elements(ti, t, ev, range(t.size))
        if ev.mode in ("sample", "sample+fast"):
            k = min(SAMPLE_K, t.size)
            picks = np.sort(self.check_rng.choice(t.size, size=k, replace=False))
            self._elements(ti, t, ev, picks)
        if ev.mode in ("fast", "sample+fast"):
            self._fast(ti, t, ev, g.reshape(-1) if comparable else None)
        ev.evaluations = self.evaluations - before
        return ev

    def _kink_slack(self, L0, Lp, Lm, h):
        # One-sided differences carry rounding error of order |L| * ulp / h; a kink must
        # stand out of that, or a large L would look like kinks everywhere.
        return 4 * ULP * (abs(Lp) + 2 * abs(L0) + abs(Lm)) / h

    def _elements(self, ti, t, ev, indices):
        base = t.base
        flat = base.reshape(-1)
        eps, atol, rtol, L0 = self.eps, self.atol, self.rtol, self.L0
        for i in indices:
            i = int(i)
            xi = flat[i]
            xp = base.copy()
            xp.flat[i] = xi + eps
            hp = xp.flat[i] - xi   # the step actually taken, after rounding
            Lp = self.L(ti, xp)
            xm = base.copy()
            xm.flat[i] = xi - eps
            hm = xi - xm.flat[i]
            Lm = self.L(ti, xm)
            num = (Lp - Lm) / (hp + hm)
            one_sided_gap = abs((Lp - L0) / hp - (L0 - Lm) / hm)
            kink = one_sided_gap > atol + rtol * abs(num) + self._kink_slack(L0, Lp, Lm, eps)
            ev.idx.append(i)
            ev.num.append(num)
            ev.kink.append(bool(kink))

    def _probe(self, ti, t, ev, lo, hi):
        v = np.zeros(t.size)
        v[lo:hi] = ev.d[lo:hi]
        v = v.reshape(t.shape)
        Lp = self.L(ti, t.base + self.eps * v)
        Lm = self.L(ti, t.base - self.eps * v)
        num = (Lp - Lm) / (2 * self.eps)
        gap = abs((Lp - self.L0) / self.eps - (self.L0 - Lm) / self.eps)
        # Per-element errors of up to atol add up over the block like a random walk.
        tol = self.atol * math.sqrt(hi - lo) + self.rtol * abs(num)
        kink = gap > tol + self._kink_slack(self.L0, Lp, Lm, self.eps)
        return Projection(lo, hi, num, bool(kink), tol)

    def _fast(self, ti, t, ev, a_flat):
        """One random ±1 direction.  A direction that crosses a kink is split in halves
        until the kink is one element (counted, left out); a direction that disagrees is
        bisected, probing one half per level, down to a failing element: about log2(n)
        extra pairs of evaluations."""
        n = t.size
        ev.d = self.check_rng.integers(0, 2, size=n).astype(np.float64) * 2 - 1
        stack = [(0, n, None)]
        failing = None
        while stack:
            lo, hi, pr = stack.pop()
            pr = pr or self._probe(ti, t, ev, lo, hi)
            if pr.kink:
                if hi - lo == 1:
                    self._leaf(ev, pr)
                    continue
                mid = (lo + hi) // 2
                stack.append((mid, hi, None))
                stack.append((lo, mid, None))
                continue
            ev.proj.append(pr)
            if failing is None and a_flat is not None and hi - lo > 0 \
                    and not abs(ev.proj_value(a_flat, pr) - pr.num) <= pr.tol:
                failing = (lo, hi, pr)
        if failing is None or self._has_failing_element(ev, a_flat):
            return
        lo, hi, pr = failing
        while hi - lo > 1:
            mid = (lo + hi) // 2
            left = self._probe(ti, t, ev, lo, mid)
            if not left.kink:
                ev.proj.append(left)  # every measurement is evidence for the diagnosis
            if not left.kink and not abs(ev.proj_value(a_flat, left) - left.num) <= left.tol:
                lo, hi, pr = lo, mid, left
            else:
                # The left half agrees, so the disagreement is in the right half: no
                # need to spend evaluations on it until it is a single element.
                lo, hi, pr = mid, hi, None
        if pr is None:
            pr = self._probe(ti, t, ev, lo, hi)
        elif pr in ev.proj:
            ev.proj.remove(pr)  # kept as the element it measures
        self._leaf(ev, pr)

    def _has_failing_element(self, ev, a_flat):
        if a_flat is None or not ev.idx:
            return False
        ok, kink, _, _, _ = ev.element_ok(a_flat)
        return bool(np.any(~ok & ~kink))

    def _leaf(self, ev, pr):
        # A one-element projection is that element's centred difference times ±1.
        ev.idx.append(pr.lo)
        ev.num.append(pr.num * ev.d[pr.lo])
        ev.kink.append(pr.kink)

    # -- verdict and diagnosis
    def _judge(self, ti, t, g, evidence):
        check = {"wrt": t.name, "role": t.role, "shape": list(t.shape), "status": "pass",
                 "maxRelError": None, "evaluations": 0, "kinks": 0, "worst": None,
                 "diagnosis": None, "mode": None}
        if isinstance(g, NotChecked):
            check["status"] = "not-checked"
            check["note"] = g.why
            return check
        ev = evidence[ti]
        check["evaluations"] = ev.evaluations
        check["mode"] = ev.mode
        check["kinks"] = int(sum(ev.kink))
        if isinstance(g, Missing):
            check["status"] = "fail"
            check["diagnosis"] = {"code": "missing",
                                  "detail": f"your backward returns no gradient for {t.name}: "
                                            f"{g.why}"}
            return check
        if g.shape != t.shape:
            check["status"] = "fail"
            check["diagnosis"] = self._diagnose(ti, t, g, None, evidence)
            if 0 < g.size <= self.values_limit and 0 < int(np.prod(t.shape)) <= self.values_limit:
                # Side by side, each in its own shape: a transposed dW is plain to see.
                check["values"] = self._values(g.reshape(-1), ev, int(np.prod(t.shape)))
                check["values"]["analyticShape"] = list(g.shape)
            return check
        flat = g.reshape(-1)
        ok, kink, a, num, idx = ev.element_ok(flat)
        live = ~kink
        failed = False
        if idx.size:
            err = np.abs(a - num)
            rel = err / np.maximum(np.abs(a) + np.abs(num), TINY)
            if np.any(live):
                lr = np.where(live, rel, -1.0)
                check["maxRelError"] = float(np.nanmax(np.where(np.isnan(lr), np.inf, lr)))
                le = np.where(live, np.where(np.isnan(err), np.inf, err), -1.0)
                w = int(np.argmax(le))
                check["worst"] = {"index": _index(idx[w], t.shape), "analytic": float(a[w]),
                                  "numeric": float(num[w])}
            failed = bool(np.any(~ok & live))
        # Elements are what the relative error is about; a projection's own relative
        # error is reported only when no single element was measured (fast mode passing).
        from_projections = check["maxRelError"] is None
        for p in ev.proj:
            if p.kink:
                continue
            ana = ev.proj_value(flat, p)
            if from_projections:
                rel = abs(ana - p.num) / max(abs(ana) + abs(p.num), TINY)
                if check["maxRelError"] is None or not rel <= check["maxRelError"]:
                    check["maxRelError"] = rel if math.isfinite(rel) else None
            if not abs(ana - p.num) <= p.tol:
                failed = True
        if failed:
            check["status"] = "fail"
            check["diagnosis"] = self._diagnose(ti, t, g, ev, evidence)
        if 0 < flat.size <= self.values_limit:
            check["values"] = self._values(flat, ev)
        return check

    @staticmethod
    def _values(flat, ev, size=None):
        """Both gradients whole, row-major, for the report's heatmaps: finite differences
        where measured (None elsewhere: fast and sample modes measure a few elements)."""
        idx, num, kink = ev.arrays()
        numeric = [None] * (flat.size if size is None else size)
        for i, v in zip(idx.tolist(), num.tolist()):
            numeric[i] = v
        return {"numeric": numeric, "analytic": flat.tolist(),
                "kinks": sorted(int(i) for i in idx[kink].tolist())}

    def _diagnose(self, ti, t, g, ev, evidence):
        dn = t.grad_name
        if g.shape != t.shape:
            if g.ndim >= 2 and g.shape == t.shape[::-1]:
                e = evidence[ti]
                if e.agrees(g.T):
                    return {"code": "transposed",
                            "detail": f"{dn} is the transpose of what finite differences give: "
                                      f"return {dn}.T (it has shape {_shape_text(g.shape)}, "
                                      f"{t.name} has {_shape_text(t.shape)})"}
                return {"code": "mismatch",
                        "detail": f"your backward returns {dn} with shape {_shape_text(g.shape)}, "
                                  f"the transpose of {t.name}'s {_shape_text(t.shape)}, and even "
                                  "transposed it differs from finite differences"}
            detail = (f"your backward returns {dn} with shape {_shape_text(g.shape)}, but {t.name} "
                      f"has shape {_shape_text(t.shape)}")
            if g.size == t.size and evidence[ti].agrees(g.reshape(t.shape)):
                detail += f"; reshaped to {_shape_text(t.shape)} it matches finite differences"
            elif g.size == t.size:
                detail += f"; reshape it to {t.name}.shape"
            elif g.ndim > len(t.shape):
                detail += "; a sum over the broadcast axes may be missing"
            return {"code": "wrong-shape", "detail": detail}
        worst = self._worst_text(t, g, ev)
        if self.float32_all or t.low_precision:
            return {"code": "mismatch",
                    "detail": f"{dn} differs from finite differences{worst}; the unit computes in "
                              "float32, where finite differences with eps="
                              f"{_g(self.eps)} are mostly rounding error: compute in float64"}
        if g.ndim >= 2 and ev.agrees(g.T):
            return {"code": "transposed",
                    "detail": f"{dn} is the transpose of what finite differences give: "
                              f"return {dn}.T"}
        for oj, other in evidence.items():
            if oj != ti and other.target.shape == t.shape and other.agrees(g):
                on = other.target.name
                return {"code": "swapped",
                        "detail": f"{dn} matches what finite differences give for {on}: the "
                                  f"gradients of {t.name} and {on} look swapped"}
        if ev.agrees(-g):
            return {"code": "sign-flipped",
                    "detail": f"{dn} is minus what finite differences give: flip its sign"}
        scaled = self._scaled(t, g, ev)
        if scaled:
            return scaled
        if not np.any(g) and ev.numeric_nonzero():
            return {"code": "zero",
                    "detail": f"your backward returns all zeros for {dn}, but finite differences "
                              f"do not{worst}"}
        partial = self._partial(t, g, ev)
        if partial:
            return partial
        return {"code": "mismatch",
                "detail": f"{dn} differs from finite differences{worst}, and no simple pattern "
                          "(transpose, swap, sign, scale) explains it"}

    def _worst_text(self, t, g, ev):
        ok, kink, a, num, idx = ev.element_ok(g.reshape(-1))
        bad = ~ok & ~kink
        if not np.any(bad):
            return ""
        err = np.where(bad, np.abs(a - num), -1.0)
        err = np.where(np.isnan(err), np.inf, err)
        w = int(np.argmax(err))
        n_text, a_text = _two(num[w], a[w])
        return (f" (at index {_index(idx[w], t.shape)}: finite differences {n_text}, "
                f"your backward {a_text})")

    def _scaled(self, t, g, ev):
        a, n = ev.pairs(g.reshape(-1))
        nn = float(np.dot(n, n))
        if nn == 0 or not np.all(np.isfinite(a)):
            return None
        c = float(np.dot(a, n) / nn)
        if not math.isfinite(c) or abs(c) < 1e-12 or abs(c - 1) <= self.rtol:
            return None
        dn = t.grad_name
        known = []
        ups = [u for u in self.upstream if u is not None]
        if self.kind != "loss" and len(ups) == 1 and np.ndim(ups[0]) == 0 and float(ups[0]) != 0:
            # A scalar output's random dout is the factor when backward ignores it.
            r = float(ups[0])
            known.append((1.0 / r, f"{dn} does not scale with dout: your backward ignores the "
                                   f"upstream gradient (dout = {_g(r)} here); multiply by it"))
        known += [(2.0, f"{dn} is 2 times what finite differences give"),
                  (0.5, f"{dn} is half of what finite differences give")]
        for name, shape in self._array_shapes():
            if shape and shape[0] > 1:
                N = shape[0]
                known.append((float(N), f"{dn} is N = {N} times what finite differences give "
                                        f"(N the leading dim of {name}): a division by N is "
                                        "missing"))
                known.append((1.0 / N, f"{dn} is 1/N of what finite differences give (N = {N}, "
                                       f"the leading dim of {name}): it is divided by N once "
                                       "too often"))
        for value, text in known:
            if abs(c - value) <= self.rtol * abs(value) and ev.agrees(g / value):
                return {"code": "scaled", "detail": text, "factor": value}
        if ev.agrees(g / c):
            return {"code": "scaled", "factor": c,
                    "detail": f"{dn} is {_g(c)} times what finite differences give"}
        return None

    def _array_shapes(self):
        out = [(name, tuple(a.shape)) for name, a in zip(self.runner.names, self.runner.args)
               if isinstance(a, np.ndarray)]
        return out + [(t.name, t.shape) for t in self.runner.targets if t.role == "param"]

    def _partial(self, t, g, ev):
        ok, kink, a, num, idx = ev.element_ok(g.reshape(-1))
        live = ~kink
        bad = ~ok & live
        # Agreement only counts where finite differences are not zero: elements where
        # both sides are 0 (a relu mask, say) say nothing about the formula.
        agree = ok & live & (np.abs(num) > self.atol)
        if not np.any(bad) or not np.any(agree):
            return None
        # Where only some elements are wrong (a loop bound, a mask), the rest agree to
        # finite-difference accuracy.  A wrong formula can also pass some elements (1 - x**2
        # against 1 - tanh(x)**2 for small x), but only just inside the tolerance.
        tight = np.abs(a - num) <= 0.01 * (self.atol + self.rtol * np.abs(num))
        if np.sum(tight & agree) * 2 < np.sum(agree):
            return None
        nbad, nlive = int(np.sum(bad)), int(np.sum(live))
        first = int(np.flatnonzero(bad)[0])
        sampled = "" if ev.mode == "full" else " checked"
        return {"code": "partial", "count": nbad, "firstIndex": _index(idx[first], t.shape),
                "detail": f"{nbad} of {nlive}{sampled} elements of {t.grad_name} differ from finite "
                          f"differences, first at index {_index(idx[first], t.shape)} (finite "
                          "differences {}, your backward {})".format(*_two(num[first], a[first]))}

    def _summarise(self, res):
        checks = res["checks"]
        if self.float32:
            self.notes.insert(0, "computes in float32; the check needs float64: "
                              + "; ".join(dict.fromkeys(self.float32)))
        for c in checks:
            if c["status"] == "not-checked" and c.get("note"):
                self.notes.append(c["note"])
        failing = [c for c in checks if c["status"] == "fail"]
        checked = [c for c in checks if c["status"] == "pass"]
        tol = f"tolerance atol {_g(self.atol)}, rtol {_g(self.rtol)}, eps {_g(self.eps)}"
        lines = []
        if failing:
            res["status"] = "fail"
            for c in failing:
                d = c["diagnosis"] or {}
                lines.append(f"d{c['wrt']}: {d.get('code', 'mismatch')}: {d.get('detail', '')}")
            lines.append(tol)
        elif checked:
            res["status"] = "pass"
            rel = max((c["maxRelError"] or 0.0) for c in checked)
            kinks = sum(c["kinks"] for c in checks)
            what = (f"{len(checked)} gradients match" if len(checked) != 1
                    else "the gradient matches")
            lines.append(f"{what} finite differences (max rel error {_g(rel)}; {tol})")
            if kinks:
                lines.append(f"{kinks} element{'s' if kinks != 1 else ''} on a kink (the two "
                             "one-sided differences disagree) left out")
        else:
            res["status"] = "skipped"
            lines.append("nothing to check: no float array input or parameter with a gradient")
        res["message"] = "\n".join(lines + self.notes)
        res["notes"] = list(self.notes)


# The most elements of one gradient a `check` request may ask to see whole.
MAX_VALUES = 65536


def check_units(loader, file, plans, seed=0, mode=None, on_unit=None, values=0):
    """Checks every plan of one file; `on_unit(index, phase, payload)` reports progress;
    `values` > 0 adds both gradients of arrays with at most that many elements."""
    file = os.path.abspath(file)
    results = []
    try:
        module = loader.load(file)
        for i, plan in enumerate(plans):
            if on_unit:
                on_unit(i, "start", plan)
            unit = UnitCheck(module, file, plan, seed, mode, values).run()
            results.append(unit)
            if on_unit:
                on_unit(i, "result", unit)
    except KeyboardInterrupt:
        # SIGINT cancels the request, not the worker: its modules stay warm.
        for plan in plans[len(results):]:
            unit = UnitCheck(None, file, plan, seed, mode).result()
            unit["message"] = "cancelled"
            results.append(unit)
    return results


# ---------------------------------------------------------------------------
# Transport

def _clean(v):
    """JSON for JavaScript: no NaN or Infinity (JSON.parse rejects them), plain types."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if np is not None and isinstance(v, np.generic):
        v = v.item()
        return _clean(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    return str(v)


class Channel:
    """The protocol's own file descriptors.  fd 1 and fd 0 are handed to stderr and
    /dev/null so that nothing user code prints (Python or C) or reads can touch them."""

    def __init__(self):
        self.out_fd = os.dup(1)
        self.in_file = os.fdopen(os.dup(0), "rb")
        sys.stdout.flush()
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdin = open(os.devnull, "r")

    def send(self, msg):
        try:
            data = json.dumps(_clean(msg), allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as e:
            data = json.dumps({"id": msg.get("id"), "type": "error",
                               "message": f"cannot encode the response: {e}"})
        data = (data + "\n").encode("utf-8")
        while data:
            n = os.write(self.out_fd, data)
            data = data[n:]

    def lines(self):
        while True:
            line = self.in_file.readline()
            if not line:
                return
            if line.strip():
                yield line


def serve():
    sys.dont_write_bytecode = True
    channel = Channel()
    # A crash leaves a Python traceback on stderr, and SIGUSR1 prints the current one
    # without stopping anything: the extension can say where a timed-out unit was
    # stuck before it kills the worker.  Handlers only; no signal is ever blocked.
    faulthandler.enable(file=sys.stderr)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=False)
    greeting = hello()
    channel.send(greeting)
    if "error" in greeting:
        return 3
    loader = Loader()
    for raw in channel.lines():
        rid = None
        try:
            try:
                req = json.loads(raw.decode("utf-8"))
            except ValueError as e:
                channel.send({"id": None, "type": "error", "message": f"bad request: {e}"})
                continue
            if not isinstance(req, dict):
                channel.send({"id": None, "type": "error", "message": "bad request: not an object"})
                continue
            rid = req.get("id")
            kind = req.get("type")
            if kind == "ping":
                channel.send({"id": rid, "type": "pong"})
            elif kind == "shutdown":
                channel.send({"id": rid, "type": "bye"})
                return 0
            elif kind == "check":
                channel.send(handle_check(loader, req, channel))
            else:
                channel.send({"id": rid, "type": "error", "message": f"unknown request type {kind!r}"})
        except KeyboardInterrupt:
            raise
        except Exception as e:  # a harness bug must not take the worker down
            channel.send({"id": rid, "type": "error",
                          "message": f"internal error: {_exc_text(e)}", "traceback": _format_tb(e)})
    return 0


def handle_check(loader, req, channel=None):
    rid = req.get("id")
    file = req.get("file")
    plans = req.get("units") or []
    if not isinstance(file, str) or not isinstance(plans, list):
        return {"id": rid, "type": "error", "message": "check needs file and units"}
    for extra in reversed(req.get("sysPath") or []):
        if isinstance(extra, str) and extra not in sys.path:
            sys.path.insert(0, extra)
    on_unit = None
    if req.get("progress") and channel is not None:
        def on_unit(i, phase, payload):
            if phase == "start":
                channel.send({"id": rid, "type": "unit-start", "index": i,
                              "name": payload.get("name")})
            else:
                channel.send({"id": rid, "type": "unit-result", "index": i, "unit": payload})
    values = req.get("values")
    values = values if isinstance(values, int) and not isinstance(values, bool) and values > 0 else 0
    units = check_units(loader, file, plans, req.get("seed") or 0, req.get("mode"), on_unit,
                        min(values, MAX_VALUES))
    return {"id": rid, "type": "result", "units": units}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv.pop(0)
    if cmd == "serve":
        return serve()
    if cmd == "info":
        msg = hello()
        print(json.dumps(_clean(msg)))
        return 3 if "error" in msg else 0
    if cmd == "check":
        import argparse
        ap = argparse.ArgumentParser(prog="gradlens_harness.py check")
        ap.add_argument("file")
        ap.add_argument("--plan", required=True)
        ap.add_argument("--seed", type=int, default=0)
        ap.add_argument("--mode", choices=["full", "fast", "sample"])
        args = ap.parse_args(argv)
        channel = Channel()
        msg = hello()
        if "error" in msg:
            channel.send({"error": msg["error"]})
            return 3
        with open(args.plan, encoding="utf-8") as f:
            plan = json.load(f)
        plans = plan.get("units", []) if isinstance(plan, dict) else plan
        units = check_units(Loader(), args.file, plans, args.seed, args.mode)
        channel.send({"units": units, "python": {"executable": sys.executable,
                                                 "version": msg["python"], "numpy": msg["numpy"],
                                                 "torch": msg["torch"]}})
        return 0
    print(f"unknown command {cmd!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # SIGINT while idle ends the worker quietly
        sys.exit(130)
