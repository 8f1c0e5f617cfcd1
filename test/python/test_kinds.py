"""Each unit kind on correct code passes; gate parameters are found under every naming
convention of the contract, and a parameter without a gradient is not checked."""
from conftest import by_wrt, check, check_one, diag, plan


def test_pair_checks_every_float_array_argument():
    u = check_one("correct.py", plan("affine", inputs={"x": "randn(4, 3)", "w": "randn(3, 5)",
                                                       "b": "randn(5)"}))
    assert u["status"] == "pass", u["message"]
    assert [(c["wrt"], c["role"], c["shape"]) for c in u["checks"]] == [
        ("x", "input", [4, 3]), ("w", "input", [3, 5]), ("b", "input", [5])]
    assert all(c["maxRelError"] < 1e-6 for c in u["checks"])
    assert u["tolerance"] == {"atol": 1e-5, "rtol": 1e-3, "eps": 1e-6}
    assert "finite differences" in u["message"]


def test_pair_with_two_outputs_gets_a_dout_for_each():
    u = check_one("correct.py", plan("split", inputs={"x": "randn(6)"}))
    assert u["status"] == "pass", u["message"]


def test_integer_and_dict_arguments_are_passed_but_not_differentiated():
    u = check_one("correct.py", plan("embed", inputs={"idx": "randint(0, 5, (3, 2))",
                                                      "W": "randn(5, 4)"}))
    assert u["status"] == "pass", u["message"]
    assert list(by_wrt(u)) == ["W"]
    u = check_one("correct.py", plan("conv1d", inputs={"x": "randn(7)", "w": "randn(3)",
                                                       "param": "{'scale': 0.5}"}))
    assert u["status"] == "pass", u["message"]
    assert list(by_wrt(u)) == ["x", "w"]


def test_inputs_from_shapes_are_seeded():
    p = plan("tanh", inputs={"x": {"shape": [3, 4], "dtype": "float"}})
    a, b = check_one("correct.py", p), check_one("correct.py", p)
    assert a["status"] == "pass", a["message"]
    assert by_wrt(a)["x"]["worst"] == by_wrt(b)["x"]["worst"]
    c = check_one("correct.py", p, seed=1)
    assert by_wrt(c)["x"]["worst"] != by_wrt(a)["x"]["worst"]


def test_loss_checks_the_gradient_it_returns():
    u = check_one("correct.py", plan("softmax_loss", kind="loss", function="softmax_loss",
                                     inputs={"x": "randn(5, 4)", "y": "randint(0, 4, 5)"}))
    assert u["status"] == "pass", u["message"]
    assert list(by_wrt(u)) == ["x"]


def test_loss_with_a_tuple_covers_the_first_k_arrays_only():
    u = check_one("correct.py", plan("two_grad_loss", kind="loss",
                                     inputs={"a": "randn(3)", "b": "randn(3)", "c": "randn(3)"}))
    assert u["status"] == "pass", u["message"]
    assert list(by_wrt(u)) == ["a", "b"]


def test_gate_inputs_and_parameters():
    u = check_one("correct.py", plan("Linear", kind="gate", className="Linear", init="4, 3",
                                     inputs={"x": "randn(4)"}))
    assert u["status"] == "pass", u["message"]
    assert [(c["wrt"], c["role"], c["shape"]) for c in u["checks"]] == [
        ("x", "input", [4]), ("W", "param", [3, 4]), ("b", "param", [3])]


def test_gate_with_two_inputs_and_a_scalar_output():
    u = check_one("correct.py", plan("MultiplyGate", kind="gate",
                                     inputs={"x": "randn(3)", "y": "randn(3)"}))
    assert u["status"] == "pass", u["message"]
    u = check_one("correct.py", plan("SquareSum", kind="gate", inputs={"x": "randn(3)"}))
    assert u["status"] == "pass", u["message"]


def test_gate_parameter_found_under_each_naming_convention():
    for cls in ("ScaleD", "ScaleGradPrefix", "ScaleGradSuffix", "ScaleGradsDict"):
        u = check_one("params.py", plan(cls, kind="gate", init="5", inputs={"x": "randn(5)"}))
        assert u["status"] == "pass", (cls, u["message"])
        w = by_wrt(u)["W"]
        assert (w["role"], w["status"], w["evaluations"]) == ("param", "pass", 10), cls


def test_parameter_without_a_gradient_is_not_checked_not_failed():
    u = check_one("params.py", plan("ScaleNoGrad", kind="gate", init="5", inputs={"x": "randn(5)"}))
    assert u["status"] == "pass", u["message"]
    w = by_wrt(u)["W"]
    assert w["status"] == "not-checked"
    assert "self.dW" in w["note"] and "self.grads['W']" in w["note"]
    assert "no gradient for parameter W" in u["message"]


def test_gradient_buffers_and_non_float_attributes_are_not_parameters():
    u = check_one("params.py", plan("ScaleBuffers", kind="gate", init="5", inputs={"x": "randn(5)"}))
    assert list(by_wrt(u)) == ["x", "W"]
    assert u["status"] == "fail"
    assert diag(u, "W")["code"] == "zero"  # dW stayed the zeros of __init__
    u = check_one("params.py", plan("ScaleNone", kind="gate", init="5", inputs={"x": "randn(5)"}))
    assert diag(u, "W")["code"] == "missing"
    assert "self.dW as None" in diag(u, "W")["detail"]
    u = check_one("params.py", plan("ScaleWrongParam", kind="gate", init="5",
                                    inputs={"x": "randn(5)"}))
    assert list(by_wrt(u)) == ["x", "W"]
    assert diag(u, "W")["code"] == "sign-flipped"


def test_wrt_limits_the_checks():
    u = check_one("correct.py", plan("affine", wrt=["w", "z"],
                                     inputs={"x": "randn(4, 3)", "w": "randn(3, 5)",
                                             "b": "randn(5)"}))
    assert list(by_wrt(u)) == ["w"]
    assert "wrt names z" in u["message"]


def test_skip_and_needs_inputs():
    u = check_one("correct.py", plan("affine", skip=True))
    assert u["status"] == "skipped"
    u = check_one("correct.py", plan("tanh", inputs={"x": {"shape": ["N", 3]}}))
    assert u["status"] == "needs-inputs"
    assert "# gradcheck: x=randn(" in u["message"]
    u = check_one("correct.py", {"name": "tanh", "kind": "pair", "line": 3, "inputs": None})
    assert u["status"] == "needs-inputs"


def test_directive_expressions_see_numpy_earlier_inputs_and_the_module():
    u = check_one("correct.py", plan("softmax_loss", kind="loss", inputs={
        "x": "np.linspace(-1, 1, 12).reshape(4, 3)", "y": "np.arange(x.shape[0]) % 3"}))
    assert u["status"] == "pass", u["message"]


def test_unknown_names_are_errors_that_say_what_is_missing():
    u = check_one("correct.py", plan("nothing", inputs={"x": "randn(2)"}))
    assert u["status"] == "error"
    assert "nothing_forward" in u["message"]
    u = check_one("correct.py", plan("tanh", inputs={"x": "randn(2"}))
    assert u["status"] == "error" and "x=randn(2" in u["message"]


def test_gradients_in_a_dict_and_a_gate_with_two_outputs():
    u = check_one("correct.py", plan("named", inputs={"x": "randn(3)", "w": "randn(3)"}))
    assert u["status"] == "pass", u["message"]
    u = check_one("correct.py", plan("ridge_loss", kind="loss", inputs={
        "W": "randn(3, 2)", "X": "randn(4, 3)", "reg": "0.1"}))
    assert u["status"] == "pass", u["message"]
    assert list(by_wrt(u)) == ["W"]
    u = check_one("correct.py", plan("SinCos", kind="gate", inputs={"x": "randn(5)"}))
    assert u["status"] == "pass", u["message"]
