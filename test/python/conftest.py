"""Shared helpers: plans as the TypeScript discovery writes them, in-process checks,
and a worker process spoken to over its JSON-lines protocol."""
import json
import os
import pathlib
import select
import subprocess
import sys
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HARNESS = ROOT / "python" / "gradlens_harness.py"
FIXTURES = HERE / "fixtures"

sys.dont_write_bytecode = True  # no __pycache__ beside the shipped harness
sys.path.insert(0, str(HARNESS.parent))
import gradlens_harness as gh  # noqa: E402

gh._load_numpy()


def fixture(name):
    return str(FIXTURES / name)


def line_of(name, marker):
    """1-based line of the fixture line holding `marker`, so tests survive edits."""
    for n, text in enumerate((FIXTURES / name).read_text().splitlines(), 1):
        if marker in text:
            return n
    raise AssertionError(f"{marker!r} not in {name}")


def plan(name, kind="pair", inputs=None, **extra):
    """A unit plan; `inputs` maps input names to directive expressions (or to a
    {"shape": [...], "dtype": ...} dict)."""
    p = {"name": name, "kind": kind, "line": 1, "inputs": []}
    for key, value in (inputs or {}).items():
        spec = {"name": key}
        spec.update(value if isinstance(value, dict) else {"expr": value})
        p["inputs"].append(spec)
    p.update(extra)
    return p


def check(file, *plans, seed=0, mode=None, loader=None):
    return gh.check_units(loader or gh.Loader(), fixture(file), list(plans), seed, mode)


def check_one(file, p, **kw):
    (unit,) = check(file, p, **kw)
    return unit


def by_wrt(unit):
    return {c["wrt"]: c for c in unit["checks"]}


def diag(unit, wrt):
    return by_wrt(unit)[wrt]["diagnosis"]


class Worker:
    """`gradlens_harness.py serve` as the extension runs it."""

    def __init__(self, tmp_path, argv=None):
        self.stderr_path = tmp_path / "worker-stderr.txt"
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv or [sys.executable, str(HARNESS), "serve"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=str(tmp_path))
        self.next_id = 0
        self.buffer = b""

    def read(self, timeout=20):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line from the worker")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise EOFError("worker closed its output")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def send(self, msg):
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, msg, timeout=20):
        self.next_id += 1
        msg = dict(msg, id=self.next_id)
        self.send(msg)
        while True:
            reply = self.read(timeout)
            if reply.get("type") in ("unit-start", "unit-result"):
                continue
            assert reply["id"] == self.next_id, reply
            return reply

    def check(self, file, *plans, **kw):
        return self.request(dict({"type": "check", "file": file, "units": list(plans),
                                  "seed": 0, "mode": None}, **kw))

    def stderr_text(self):
        self.stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.stderr.close()


@pytest.fixture
def worker(tmp_path):
    w = Worker(tmp_path)
    hello = w.read()
    assert hello["type"] == "hello", hello
    w.hello = hello
    yield w
    w.close()


def torch_python():
    """An interpreter with torch and numpy: this one, $GRADLENS_TORCH_PYTHON or Debian's."""
    candidates = [sys.executable, os.environ.get("GRADLENS_TORCH_PYTHON"), "/usr/bin/python3"]
    for exe in candidates:
        if not exe or not os.path.exists(exe):
            continue
        ok = subprocess.run([exe, "-c", "import torch, numpy"], capture_output=True, timeout=120)
        if ok.returncode == 0:
            return exe
    return None


def run_oneshot(python, file, plans, tmp_path, mode=None, seed=0):
    """`gradlens_harness.py check` in another interpreter; returns its JSON."""
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plans))
    argv = [python, str(HARNESS), "check", file, "--plan", str(plan_file), "--seed", str(seed)]
    if mode:
        argv += ["--mode", mode]
    proc = subprocess.run(argv, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)
