"""torch.autograd.Function units, run by an interpreter that has torch (Debian's
python3-torch here): the harness is started there as the extension would start it."""
import pytest

from conftest import by_wrt, fixture, plan, run_oneshot, torch_python

PYTHON = torch_python()
pytestmark = pytest.mark.skipif(PYTHON is None, reason="no interpreter with torch")


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    plans = [
        plan("MatMul", kind="function", inputs={"x": "randn(4, 3)", "w": "randn(3, 2)"}),
        plan("MatMulTransposed", kind="function", inputs={"x": "randn(4, 3)", "w": "randn(3, 2)"}),
        plan("ScaledTanh", kind="function", inputs={"x": "randn(5)", "k": "0.7"}),
        plan("Forgets", kind="function", inputs={"x": "randn(3)", "w": "randn(3)"}),
        plan("Half", kind="function", inputs={"x": "randn(6)"}),
        plan("TwoOut", kind="function", inputs={"x": "randn(4)"}),
        plan("Noisy", kind="function", inputs={"x": "randn(4)"}),
    ]
    out = run_oneshot(PYTHON, fixture("torch_units.py"), plans, tmp_path_factory.mktemp("torch"))
    assert out["python"]["torch"]
    return {u["name"]: u for u in out["units"]}


def test_correct_function_passes_with_float64_tensors(units):
    u = units["MatMul"]
    assert u["status"] == "pass", u["message"]
    assert [(c["wrt"], c["shape"], c["evaluations"]) for c in u["checks"]] == [
        ("x", [4, 3], 24), ("w", [3, 2], 12)]
    assert u["evaluations"] == 37


def test_transposed_gradient_is_diagnosed_where_autograd_would_just_refuse(units):
    d = by_wrt(units["MatMulTransposed"])["w"]["diagnosis"]
    assert d["code"] == "transposed"
    assert by_wrt(units["MatMulTransposed"])["x"]["status"] == "pass"


def test_number_arguments_are_not_differentiated(units):
    u = units["ScaledTanh"]
    assert u["status"] == "pass", u["message"]
    assert list(by_wrt(u)) == ["x"]


def test_none_for_a_tensor_input_is_missing(units):
    assert by_wrt(units["Forgets"])["w"]["diagnosis"]["code"] == "missing"


def test_float32_output_is_flagged(units):
    u = units["Half"]
    assert "computes in float32; the check needs float64" in u["message"]


def test_two_outputs_each_get_an_upstream(units):
    assert units["TwoOut"]["status"] == "pass", units["TwoOut"]["message"]


def test_randomness_inside_is_an_error(units):
    u = units["Noisy"]
    assert u["status"] == "error"
    assert u["message"].startswith("forward is not deterministic")


def test_numpy_units_run_under_that_interpreter_too(tmp_path):
    """The other interpreter has an older numpy: the harness must not care."""
    out = run_oneshot(PYTHON, fixture("correct.py"), [
        plan("affine", inputs={"x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"}),
        plan("Linear", kind="gate", init="4, 3", inputs={"x": "randn(4)"}),
        plan("softmax_loss", kind="loss", inputs={"x": "randn(5, 4)", "y": "randint(0, 4, 5)"}),
    ], tmp_path, mode=None)
    assert [u["status"] for u in out["units"]] == ["pass", "pass", "pass"]
    out = run_oneshot(PYTHON, fixture("buggy.py"), [
        plan("tall_affine", inputs={"x": "randn(4, 3)", "w": "randn(3, 5)", "b": "randn(5)"})],
        tmp_path, mode="fast")
    assert by_wrt(out["units"][0])["w"]["diagnosis"]["code"] == "transposed"
