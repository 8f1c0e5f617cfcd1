"""Each diagnosis code of contract section 3 on a small buggy unit, in the user's words."""
import pytest

from conftest import by_wrt, check_one, diag, plan

AFFINE = {"x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"}
SQUARE = {"x": "randn(4, 3)", "w": "randn(3, 3)", "b": "randn(3)"}


def failing(u, wrt):
    assert u["status"] == "fail", u["message"]
    c = by_wrt(u)[wrt]
    assert c["status"] == "fail"
    return c["diagnosis"]


def test_correct_inputs_of_a_buggy_unit_still_pass():
    u = check_one("buggy.py", plan("forgetful", inputs=AFFINE))
    assert by_wrt(u)["x"]["status"] == "pass"
    assert by_wrt(u)["w"]["status"] == "pass"


def test_wrong_shape():
    d = failing(check_one("buggy.py", plan("wide_affine", inputs=AFFINE)), "b")
    assert d["code"] == "wrong-shape"
    assert "db with shape ()" in d["detail"] and "b has shape (5,)" in d["detail"]


def test_wrong_shape_that_a_reshape_would_fix_says_so():
    u = check_one("buggy.py", plan("keep_affine", inputs=AFFINE))
    d = failing(u, "b")
    assert d["code"] == "wrong-shape"
    assert "shape (1, 5)" in d["detail"] and "reshaped to (5,) it matches" in d["detail"]
    assert by_wrt(u)["b"]["maxRelError"] is None


@pytest.mark.parametrize("name,inputs", [("tall_affine", AFFINE), ("square_affine", SQUARE)])
def test_transposed(name, inputs):
    d = failing(check_one("buggy.py", plan(name, inputs=inputs)), "w")
    assert d["code"] == "transposed"
    assert d["detail"].startswith("dw is the transpose of what finite differences give: "
                                  "return dw.T")


def test_swapped():
    u = check_one("buggy.py", plan("SwappedMultiply", kind="gate",
                                   inputs={"x": "randn(3)", "y": "randn(3)"}))
    assert failing(u, "x")["code"] == "swapped"
    assert "finite differences give for y" in diag(u, "x")["detail"]
    assert failing(u, "y")["code"] == "swapped"


def test_sign_flipped():
    d = failing(check_one("buggy.py", plan("neg_tanh", inputs={"x": "randn(3, 2)"})), "x")
    assert d["code"] == "sign-flipped"
    assert "flip its sign" in d["detail"]


def test_scaled_by_a_half():
    d = failing(check_one("buggy.py", plan("square", inputs={"x": "randn(6)"})), "x")
    assert (d["code"], d["factor"]) == ("scaled", 0.5)
    assert "half of what finite differences give" in d["detail"]


def test_scaled_by_the_leading_dim():
    u = check_one("buggy.py", plan("mse_loss", kind="loss",
                                   inputs={"pred": "randn(5)", "target": "randn(5)"}))
    d = failing(u, "pred")
    assert (d["code"], d["factor"]) == ("scaled", 5)
    assert "N = 5" in d["detail"] and "division by N" in d["detail"]


def test_scaled_because_dout_is_ignored():
    u = check_one("buggy.py", plan("IgnoresDout", kind="gate", inputs={"x": "randn(4)"}))
    d = failing(u, "x")
    assert d["code"] == "scaled"
    assert "ignores the upstream gradient" in d["detail"]


def test_zero():
    d = failing(check_one("buggy.py", plan("dead", inputs={"x": "randn(2, 3)"})), "x")
    assert d["code"] == "zero"
    assert "all zeros for dx" in d["detail"]


def test_missing_from_too_few_values_and_from_none():
    u = check_one("buggy.py", plan("forgetful", inputs=AFFINE))
    d = failing(u, "b")
    assert d["code"] == "missing"
    assert "returned 2 gradients for 3 float array inputs" in d["detail"]
    d = failing(check_one("buggy.py", plan("none", inputs={"x": "randn(3)", "y": "randn(3)"})), "y")
    assert d["code"] == "missing" and "None" in d["detail"]


def test_partial_names_how_many_and_the_first_index():
    u = check_one("buggy.py", plan("rows", inputs={"x": "randn(4, 3)"}))
    d = failing(u, "x")
    assert d["code"] == "partial"
    assert (d["count"], d["firstIndex"]) == (3, [3, 0])
    assert d["detail"].startswith("3 of 12 elements of dx differ from finite differences, "
                                  "first at index [3, 0]")


def test_mismatch():
    u = check_one("buggy.py", plan("wrong_tanh", inputs={"x": "randn(3, 4)"}))
    d = failing(u, "x")
    assert d["code"] == "mismatch"
    c = by_wrt(u)["x"]
    w = c["worst"]
    assert abs(w["analytic"] - w["numeric"]) > 1e-3
    assert c["maxRelError"] > 1e-3


def test_failure_message_names_the_sides_and_the_tolerance():
    u = check_one("buggy.py", plan("tall_affine", inputs=AFFINE))
    assert "dw: transposed" in u["message"]
    assert "tolerance atol 1e-05, rtol 0.001, eps 1e-06" in u["message"]
    assert "expected" not in u["message"] and "actual" not in u["message"]


@pytest.mark.parametrize("mode", ["fast", "sample"])
def test_diagnoses_hold_in_fast_and_sample_modes(mode):
    u = check_one("buggy.py", plan("square_affine", inputs=SQUARE), mode=mode)
    assert diag(u, "w")["code"] == "transposed"
    u = check_one("buggy.py", plan("SwappedMultiply", kind="gate",
                                   inputs={"x": "randn(40)", "y": "randn(40)"}), mode=mode)
    assert diag(u, "x")["code"] == "swapped"
    u = check_one("buggy.py", plan("neg_tanh", inputs={"x": "randn(50)"}), mode=mode)
    assert diag(u, "x")["code"] == "sign-flipped"
    u = check_one("buggy.py", plan("square", inputs={"x": "randn(50)"}), mode=mode)
    assert diag(u, "x")["code"] == "scaled"


def test_wrong_shape_from_a_missing_sum_over_the_batch():
    u = check_one("buggy.py", plan("unsummed", inputs={"x": "randn(4, 3)", "b": "randn(3)"}))
    d = failing(u, "b")
    assert d["code"] == "wrong-shape"
    assert "sum over the broadcast axes may be missing" in d["detail"]
    assert by_wrt(u)["x"]["status"] == "pass"
