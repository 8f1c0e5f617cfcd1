"""The persistent worker, spoken to as the extension does: JSON lines on its stdin and
stdout, user output kept off the protocol, and a worker that outlives its users' code."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import HARNESS, Worker, fixture, line_of, plan


def test_hello_then_ping_while_idle(worker):
    h = worker.hello
    assert h["executable"] == sys.executable
    assert h["python"] == ".".join(map(str, sys.version_info[:3]))
    import numpy
    assert h["numpy"] == numpy.__version__
    assert "torch" in h and "error" not in h
    time.sleep(0.5)
    assert worker.request({"type": "ping"}) == {"id": 1, "type": "pong"}
    assert worker.request({"type": "ping"})["type"] == "pong"


def test_a_check_request_gets_the_units_back(worker):
    r = worker.check(fixture("correct.py"), plan("affine", inputs={
        "x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"}))
    assert r["type"] == "result"
    (u,) = r["units"]
    assert (u["name"], u["status"], len(u["checks"])) == ("affine", "pass", 3)


def test_user_prints_never_reach_the_protocol(worker):
    r = worker.check(fixture("noisy.py"), plan("loud", inputs={"x": "randn(3)"}))
    assert r["units"][0]["status"] == "pass", r["units"][0]["message"]
    assert worker.request({"type": "ping"})["type"] == "pong"
    err = worker.stderr_text()
    for said in ("printed while importing", "forward says hello", "written straight to fd 1",
                 "from a child process", '"type": "result", "units": []'):
        assert said in err


def test_user_code_reading_stdin_gets_nothing(worker):
    r = worker.check(fixture("noisy.py"), plan("reader", inputs={"x": "randn(2)"}))
    assert r["units"][0]["status"] == "error"
    assert "EOFError" in r["units"][0]["message"]
    assert worker.request({"type": "ping"})["type"] == "pong"


def test_sys_exit_leaves_the_worker_alive(worker):
    r = worker.check(fixture("raises.py"), plan("quitter", inputs={"x": "randn(3)"}))
    assert r["units"][0]["message"].startswith("quitter_forward called sys.exit(3)")
    assert worker.proc.poll() is None
    r = worker.check(fixture("raises.py"), plan("fine", inputs={"x": "randn(3)"}))
    assert r["units"][0]["status"] == "pass"


def test_module_is_reused_until_its_file_changes(worker, tmp_path):
    f = tmp_path / "user.py"
    src = ("import sys\nprint('IMPORTED', file=sys.stderr)\n"
           "def double_forward(x):\n    return 2 * x, None\n"
           "def double_backward(dout, cache):\n    return 3 * dout\n")
    f.write_text(src)
    p = plan("double", inputs={"x": "randn(3)"})
    assert worker.check(str(f), p)["units"][0]["status"] == "fail"
    assert worker.check(str(f), p)["units"][0]["status"] == "fail"
    assert worker.stderr_text().count("IMPORTED") == 1
    # Same size and the same time stamp: only the content changed.
    st = os.stat(f)
    f.write_text(src.replace("3 * dout", "2 * dout"))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert worker.check(str(f), p)["units"][0]["status"] == "pass"
    assert worker.stderr_text().count("IMPORTED") == 2


def test_helper_modules_of_the_user_are_reloaded_too(worker, tmp_path):
    (tmp_path / "helpers.py").write_text("K = 3\n")
    f = tmp_path / "main_units.py"
    f.write_text("from helpers import K\n"
                 "def k_forward(x):\n    return 2 * x, None\n"
                 "def k_backward(dout, cache):\n    return K * dout\n")
    p = plan("k", inputs={"x": "randn(3)"})
    assert worker.check(str(f), p)["units"][0]["status"] == "fail"
    (tmp_path / "helpers.py").write_text("K = 2\n")
    assert worker.check(str(f), p)["units"][0]["status"] == "pass"


def test_files_with_the_same_name_do_not_clash(worker, tmp_path):
    for folder, factor in (("a", 2), ("b", 5)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "layers.py").write_text(
            f"def s_forward(x):\n    return {factor} * x, None\n"
            f"def s_backward(dout, cache):\n    return {factor} * dout\n")
    for folder in ("a", "b", "a"):
        r = worker.check(str(tmp_path / folder / "layers.py"), plan("s", inputs={"x": "randn(2)"}))
        assert r["units"][0]["status"] == "pass"


def test_bad_requests_get_error_replies(worker):
    worker.proc.stdin.write(b"this is not json\n")
    worker.proc.stdin.flush()
    r = worker.read()
    assert (r["id"], r["type"]) == (None, "error")
    assert worker.request({"type": "launch"})["type"] == "error"
    assert worker.request({"type": "ping"})["type"] == "pong"


def test_progress_and_cancel_with_sigint(worker):
    worker.next_id += 1
    worker.send({"id": worker.next_id, "type": "check", "file": fixture("raises.py"),
                 "progress": True, "units": [plan("fine", inputs={"x": "randn(2)"}),
                                             plan("sleepy", inputs={"x": "randn(2)"}),
                                             plan("fine", inputs={"x": "randn(2)"})]})
    seen = [worker.read() for _ in range(3)]
    assert [(m["type"], m["index"]) for m in seen] == [
        ("unit-start", 0), ("unit-result", 0), ("unit-start", 1)]
    assert seen[1]["unit"]["status"] == "pass"
    assert seen[2]["name"] == "sleepy"
    time.sleep(0.3)
    worker.proc.send_signal(signal.SIGINT)
    r = worker.read()
    while r["type"] != "result":
        r = worker.read()
    assert [u["status"] for u in r["units"]] == ["pass", "error", "error"]
    assert r["units"][1]["message"] == "cancelled"
    assert worker.request({"type": "ping"})["type"] == "pong"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_hanging_unit_blocks_no_signal_says_where_it_is_and_dies_by_sigterm(worker):
    worker.next_id += 1
    worker.send({"id": worker.next_id, "type": "check", "file": fixture("raises.py"),
                 "progress": True, "units": [plan("spin", inputs={"x": "randn(2)"})]})
    assert worker.read()["type"] == "unit-start"
    time.sleep(0.3)
    status = open(f"/proc/{worker.proc.pid}/status").read()
    blocked = [line for line in status.splitlines() if line.startswith("SigBlk:")][0]
    assert int(blocked.split()[1], 16) == 0
    # SIGUSR1 asks where it is stuck, without stopping it.
    worker.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    assert worker.proc.poll() is None
    assert f'raises.py", line {line_of("raises.py", "spins here")} in spin_forward' \
        in worker.stderr_text()
    worker.proc.terminate()
    assert worker.proc.wait(10) == -signal.SIGTERM


def test_os_exit_ends_the_worker_without_a_partial_line(worker):
    worker.next_id += 1
    worker.send({"id": worker.next_id, "type": "check", "file": fixture("raises.py"),
                 "units": [plan("vanish", inputs={"x": "randn(2)"})]})
    assert worker.proc.wait(10) == 7
    assert worker.proc.stdout.read() == b""


def test_a_crash_leaves_the_users_line_on_stderr(worker):
    worker.next_id += 1
    worker.send({"id": worker.next_id, "type": "check", "file": fixture("raises.py"),
                 "units": [plan("crash", inputs={"x": "randn(2)"})]})
    assert worker.proc.wait(10) == -signal.SIGSEGV
    err = worker.stderr_text()
    assert "Segmentation fault" in err
    assert f'raises.py", line {line_of("raises.py", "crashes here")}' in err


def test_shutdown(worker):
    assert worker.request({"type": "shutdown"})["type"] == "bye"
    assert worker.proc.wait(10) == 0


def test_missing_numpy_is_said_in_hello_and_exits_3(tmp_path):
    # -S leaves site-packages, and so numpy, out of reach.
    w = Worker(tmp_path, [sys.executable, "-I", "-S", str(HARNESS), "serve"])
    try:
        h = w.read()
        assert h["type"] == "hello"
        assert h["error"] == f"numpy is not installed for {sys.executable}"
        assert h["numpy"] is None
        assert w.proc.wait(10) == 3
    finally:
        w.close()


def test_oneshot_check_prints_only_json(tmp_path):
    import json
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps([plan("loud", inputs={"x": "randn(3)"})]))
    proc = subprocess.run([sys.executable, str(HARNESS), "check", fixture("noisy.py"),
                           "--plan", str(plan_file), "--mode", "fast"],
                          capture_output=True, timeout=60)
    assert proc.returncode == 0
    out = json.loads(proc.stdout)
    assert out["units"][0]["status"] == "pass"
    assert out["units"][0]["checks"][0]["mode"] == "fast"
    assert b"forward says hello" in proc.stderr


def test_values_asked_for_come_whole_for_the_report_heatmaps(worker):
    r = worker.check(fixture("buggy.py"), plan("square_affine", inputs={
        "x": "randn(4, 3)", "w": "randn(3, 3)", "b": "randn(3)"}), values=12)
    checks = {c["wrt"]: c for c in r["units"][0]["checks"]}
    w = checks["w"]
    assert w["status"] == "fail" and len(w["values"]["numeric"]) == 9
    numeric = np.array(w["values"]["numeric"]).reshape(3, 3)
    analytic = np.array(w["values"]["analytic"]).reshape(3, 3)
    # the bug is a transpose, so the two whole arrays tell it apart and match its worst element
    assert not np.allclose(numeric, analytic) and np.allclose(numeric, analytic.T, rtol=1e-5)
    i, j = w["worst"]["index"]
    assert (analytic[i, j], numeric[i, j]) == pytest.approx((w["worst"]["analytic"], w["worst"]["numeric"]))
    assert all("values" in c for c in checks.values())


def test_values_are_left_out_unless_asked_for_or_over_the_limit(worker):
    affine = plan("tall_affine", inputs={"x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"})
    r = worker.check(fixture("buggy.py"), affine)
    assert not any("values" in c for c in r["units"][0]["checks"])
    r = worker.check(fixture("buggy.py"), affine, values=12)
    assert sorted(c["wrt"] for c in r["units"][0]["checks"] if "values" in c) == ["b", "x"]


def test_a_gradient_of_the_wrong_shape_comes_in_its_own_shape(worker):
    r = worker.check(fixture("buggy.py"), plan("tall_affine", inputs={
        "x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"}), values=15)
    w = {c["wrt"]: c for c in r["units"][0]["checks"]}["w"]
    assert w["diagnosis"]["code"] == "transposed"
    assert w["values"]["analyticShape"] == [5, 3]
    numeric = np.array(w["values"]["numeric"]).reshape(3, 5)
    analytic = np.array(w["values"]["analytic"]).reshape(5, 3)
    assert np.allclose(numeric, analytic.T, rtol=1e-5)
