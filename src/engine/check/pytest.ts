import type { UnitPlan } from "./units.js";

/**
 * "Copy as pytest": a standalone, seeded regression test that reproduces a unit's
 * gradient check with plain numpy (torch's own gradcheck for autograd Functions), for
 * the user's own test suite. It imports the user's file by path and needs nothing from
 * GradLens.
 */
export function pytestFor(plan: UnitPlan, file: string, seed = 0): string {
  const name = plan.name.replace(/\W/g, "_").toLowerCase();
  const tol = `atol=${plan.atol ?? 1e-5}, rtol=${plan.rtol ?? 1e-3}`;
  const eps = plan.eps ?? 1e-6;
  const inputs = plan.inputs.map((i) => {
    if (i.expr) return i.expr;
    if (i.dtype === "int") return `randint(0, ${i.high ?? 2}, (${(i.shape ?? []).join(", ")}${i.shape?.length === 1 ? "," : ""}))`;
    return `randn(${(i.shape ?? []).join(", ")})`;
  });
  const lines = [
    `"""Gradient check of ${plan.name} (${plan.kind}), written by GradLens: finite differences against your backward."""`,
    "import importlib.util",
    "",
    "import numpy as np",
    "",
    `spec = importlib.util.spec_from_file_location("module_under_test", ${JSON.stringify(file)})`,
    "module = importlib.util.module_from_spec(spec)",
    "spec.loader.exec_module(module)",
    "",
    `rng = np.random.default_rng(${seed})`,
    "",
    "",
    "def randn(*shape):",
    "    return rng.standard_normal(shape)",
    "",
    "",
    "def rand(*shape):",
    "    return rng.random(shape)",
    "",
    "",
    "def randint(low, high, shape):",
    "    return rng.integers(low, high, shape)",
    "",
    "",
    `def finite_differences(L, x, eps=${eps}):`,
    '    """Centred differences of the scalar L() with respect to the array x, in place."""',
    "    grad = np.zeros_like(x, dtype=np.float64)",
    "    for i in np.ndindex(x.shape):",
    "        old = x[i]",
    "        x[i] = old + eps",
    "        plus = L()",
    "        x[i] = old - eps",
    "        minus = L()",
    "        x[i] = old",
    "        grad[i] = (plus - minus) / (2 * eps)",
    "    return grad",
    "",
    "",
    `def test_${name}_gradient():`,
    `    inputs = [${inputs.join(", ")}]`,
  ];
  lines.push("    inputs = [np.asarray(x, dtype=np.float64) if isinstance(x, np.ndarray) and x.dtype.kind == 'f' else x for x in inputs]");
  const checked = `[i for i, x in enumerate(inputs) if isinstance(x, np.ndarray) and x.dtype.kind == "f"${plan.wrt ? ` and i in ${JSON.stringify(plan.wrt.map((w) => plan.inputs.findIndex((p) => p.name === w)).filter((i) => i >= 0))}` : ""}]`;
  switch (plan.kind) {
    case "pair":
      lines.push(
        `    out, cache = module.${plan.forward}(*inputs)`,
        "    upstream = randn(*np.shape(out))",
        `    grads = module.${plan.backward}(upstream, cache)`,
        "    grads = grads if isinstance(grads, (list, tuple)) else [grads]",
        `    L = lambda: np.sum(module.${plan.forward}(*inputs)[0] * upstream)`,
        `    array_args = [i for i, x in enumerate(inputs) if isinstance(x, np.ndarray)]`,
        `    for k, i in enumerate(array_args):`,
        `        if i not in ${checked}:`,
        "            continue",
        "        numeric = finite_differences(L, inputs[i])",
        `        np.testing.assert_allclose(grads[k], numeric, ${tol}, err_msg=f"your backward vs finite differences for argument {i}")`,
      );
      break;
    case "loss":
      lines.push(
        `    loss, grad = module.${plan.function}(*inputs)`,
        "    grads = grad if isinstance(grad, (list, tuple)) else [grad]",
        `    L = lambda: module.${plan.function}(*inputs)[0]`,
        `    for k, i in enumerate(${checked}[: len(grads)]):`,
        "        numeric = finite_differences(L, inputs[i])",
        `        np.testing.assert_allclose(grads[k], numeric, ${tol}, err_msg=f"your gradient vs finite differences for argument {i}")`,
      );
      break;
    case "gate":
      lines.push(
        `    gate = module.${plan.className}(${plan.init ?? ""})`,
        "    out = gate.forward(*inputs)",
        "    upstream = randn(*np.shape(out))",
        "    grads = gate.backward(upstream)",
        "    grads = grads if isinstance(grads, (list, tuple)) else [grads]",
        `    L = lambda: np.sum(module.${plan.className}.forward(gate, *inputs) * upstream)`,
        `    for k, i in enumerate(${checked}):`,
        "        numeric = finite_differences(L, inputs[i])",
        `        np.testing.assert_allclose(grads[k], numeric, ${tol}, err_msg=f"your backward vs finite differences for input {i}")`,
      );
      break;
    case "function":
      lines.push(
        "    import torch",
        "    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) if isinstance(x, np.ndarray) and x.dtype.kind == 'f' else x for x in inputs]",
        `    assert torch.autograd.gradcheck(module.${plan.className}.apply, tuple(tensors), eps=${eps}, ${tol})`,
      );
      break;
  }
  return lines.join("\n") + "\n";
}
