"""The rules of a check (contract section 3): kinks, determinism, untouched inputs,
float32, how evaluations are counted, and the modes."""
import math

import pytest

import gradlens_harness as gh
from conftest import by_wrt, check, check_one, diag, fixture, plan

AFFINE = {"x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"}
AT_ZERO = "np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -2.0]])"


def test_relu_at_exactly_zero_passes_with_kinks_counted():
    u = check_one("kinks.py", plan("relu", inputs={"x": AT_ZERO}))
    assert u["status"] == "pass", u["message"]
    assert by_wrt(u)["x"]["kinks"] == 2
    assert "2 elements on a kink" in u["message"]


def test_a_tie_in_max_is_a_kink():
    u = check_one("kinks.py", plan("Max", kind="gate", inputs={
        "x": "np.array([1.0, 2.0, -1.0])", "y": "np.array([1.0, 0.5, 3.0])"}))
    assert u["status"] == "pass", u["message"]
    assert by_wrt(u)["x"]["kinks"] == 1 and by_wrt(u)["y"]["kinks"] == 1


def test_kinks_do_not_hide_a_wrong_backward_elsewhere():
    u = check_one("kinks.py", plan("bad_relu", inputs={"x": AT_ZERO}))
    assert u["status"] == "fail"
    assert by_wrt(u)["x"]["kinks"] == 2


def test_smooth_code_with_large_values_has_no_kinks():
    u = check_one("correct.py", plan("affine", inputs={
        "x": "1e3 * randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"}))
    assert u["status"] == "pass", u["message"]
    assert all(c["kinks"] == 0 for c in u["checks"])


def test_kinks_in_fast_mode_are_isolated_and_left_out():
    u = check_one("big.py", plan("relu", inputs={
        "x": "np.where(np.arange(64) % 16 == 0, 0.0, randn(64))"}), mode="fast")
    assert u["status"] == "pass", u["message"]
    assert by_wrt(u)["x"]["kinks"] == 4


def test_randomness_inside_forward_is_an_error():
    u = check_one("state.py", plan("dropout", inputs={"x": "randn(10)"}))
    assert u["status"] == "error"
    assert u["message"].startswith("forward is not deterministic: randomness inside, or state "
                                   "carried between calls")
    assert u["checks"] == []


def test_state_carried_between_calls_is_an_error():
    u = check_one("state.py", plan("Counter", kind="gate", inputs={"x": "randn(3)"}))
    assert u["status"] == "error"
    assert "forward is not deterministic" in u["message"]


def test_randomness_seeded_inside_is_deterministic():
    u = check_one("state.py", plan("seeded_dropout", inputs={"x": "randn(10)",
                                                            "param": "{'seed': 1}"}))
    assert u["status"] == "pass", u["message"]


def test_inputs_are_never_mutated_and_a_mutating_forward_is_named():
    u = check_one("state.py", plan("inplace", inputs={"x": "randn(5)"}))
    assert u["status"] == "pass", u["message"]
    assert "forward changes its input x in place" in u["message"]


def test_a_backward_that_writes_into_dout_does_not_corrupt_the_check():
    u = check_one("state.py", plan("relu_inplace_backward", inputs={"x": "randn(4, 5)"}))
    assert u["status"] == "pass", u["message"]


def test_float32_output_is_flagged_and_its_checks_fail_as_mismatch():
    u = check_one("float32.py", plan("half", inputs={"x": "randn(4, 3)", "w": "randn(3, 2)"}))
    assert u["status"] == "fail"
    assert "computes in float32; the check needs float64: forward returns its output in " \
           "float32" in u["message"]
    # the notes alone too, for shells that list the checks themselves
    assert u["notes"] == [n for n in u["message"].split("\n") if n.startswith("computes in float32")]
    for c in u["checks"]:
        if c["status"] == "fail":
            assert c["diagnosis"]["code"] == "mismatch"
            assert "float32" in c["diagnosis"]["detail"]


def test_float32_inside_forward_is_flagged():
    u = check_one("float32.py", plan("cast_back", inputs={"x": "randn(4, 3)"}))
    assert "forward rounds its output to float32" in u["message"]
    assert u["status"] == "fail"
    assert diag(u, "x")["code"] == "mismatch"


def test_float32_gradient_is_flagged_even_when_it_passes():
    u = check_one("float32.py", plan("grad32", inputs={"x": "randn(6)"}))
    assert u["status"] == "pass"
    assert "your backward returns dx in float32" in u["message"]


def test_full_mode_costs_exactly_two_evaluations_per_element():
    loader = gh.Loader()
    counts = loader.load(fixture("counting.py")).CALLS
    (u,) = check("counting.py", plan("affine", inputs=AFFINE), mode="full", loader=loader)
    assert u["status"] == "pass", u["message"]
    sizes = {"x": 12, "w": 15, "b": 5}
    n = sum(sizes.values())
    for c in u["checks"]:
        assert c["evaluations"] == 2 * sizes[c["wrt"]]
    # L(x) once (from the first of the two determinism forwards) plus 2 per element;
    # the second determinism forward feeds the one backward.
    assert u["evaluations"] == 2 * n + 1
    assert u["forwardCalls"] == counts["forward"] == 2 * n + 2
    assert u["backwardCalls"] == counts["backward"] == 1


def test_fast_mode_on_correct_code_costs_two_evaluations_per_input():
    u = check_one("big.py", plan("scale", inputs={"x": "randn(64, 64)"}), mode="fast")
    assert u["status"] == "pass", u["message"]
    c = by_wrt(u)["x"]
    assert (c["evaluations"], c["mode"], c["worst"]) == (2, "fast", None)


def test_fast_mode_finds_the_failing_element_with_about_log_n_evaluations():
    u = check_one("big.py", plan("flawed", inputs={"x": "randn(64, 64)"}), mode="fast")
    assert u["status"] == "fail"
    c = by_wrt(u)["x"]
    n = 64 * 64
    assert c["worst"]["index"] == [19, 18]
    assert c["evaluations"] <= 2 + 2 * (math.ceil(math.log2(n)) + 1)
    w = c["worst"]
    assert abs(w["analytic"] / w["numeric"] - 1.5) < 1e-3
    assert "[19, 18]" in c["diagnosis"]["detail"]


def test_sample_mode_checks_k_elements():
    u = check_one("big.py", plan("scale", inputs={"x": "randn(20, 20)"}), mode="sample")
    c = by_wrt(u)["x"]
    assert (c["status"], c["evaluations"], c["mode"]) == ("pass", 2 * gh.SAMPLE_K, "sample")


def test_default_mode_is_full_up_to_ten_thousand_elements_then_sample_plus_fast():
    u = check_one("big.py", plan("scale", inputs={"x": "randn(10, 10)"}))
    assert by_wrt(u)["x"]["mode"] == "full"
    u = check_one("big.py", plan("flawed", inputs={"x": "randn(101, 100)"}))
    c = by_wrt(u)["x"]
    assert c["mode"] == "sample+fast"
    assert c["status"] == "fail" and c["worst"]["index"] == [19, 18]
    assert c["evaluations"] <= 2 * gh.SAMPLE_K + 2 + 2 * (math.ceil(math.log2(10100)) + 1)


def test_plan_mode_and_tolerances_are_used_and_reported():
    u = check_one("correct.py", plan("tanh", inputs={"x": "randn(5)"}, mode="sample",
                                     eps=1e-5, atol=1e-6, rtol=1e-4))
    assert u["tolerance"] == {"atol": 1e-6, "rtol": 1e-4, "eps": 1e-5}
    assert by_wrt(u)["x"]["mode"] == "sample"
    assert "atol 1e-06, rtol 0.0001, eps 1e-05" in u["message"]


def test_the_seed_sets_inputs_upstream_and_global_generators():
    p = plan("Linear", kind="gate", className="Linear", init="4, 3", inputs={"x": "randn(4)"})
    a, b = check_one("correct.py", p), check_one("correct.py", p)
    assert [c["worst"] for c in a["checks"]] == [c["worst"] for c in b["checks"]]


def test_float32_exact_inputs_are_not_mistaken_for_float32_code():
    u = check_one("float32.py", plan("triple", inputs={"x": "np.linspace(0, 1, 9)"}))
    assert u["status"] == "pass", u["message"]
    assert "float32" not in u["message"]


def test_values_mark_the_kinks_and_leave_unmeasured_elements_empty():
    (u,) = gh.check_units(gh.Loader(), fixture("kinks.py"), [plan("relu", inputs={"x": AT_ZERO})],
                          values=100)
    v = by_wrt(u)["x"]["values"]
    assert v["kinks"] == [1, 3]  # the two zeros of AT_ZERO, row-major
    # relu's backward is zero where x <= 0 whatever the upstream gradient is
    assert [v["analytic"][i] == 0 for i in range(6)] == [True, True, False, True, False, True]
    assert v["numeric"][2] == pytest.approx(v["analytic"][2])
    (u,) = gh.check_units(gh.Loader(), fixture("kinks.py"), [plan("relu", inputs={"x": AT_ZERO})],
                          mode="fast", values=100)
    assert None in by_wrt(u)["x"]["values"]["numeric"]
