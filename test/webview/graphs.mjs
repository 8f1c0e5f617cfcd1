// Graphs the browser test posts to the panel, as the extension would.

/** f(x, y, z) = (x + y) * max(y, z) at (1, 2, 0): value 6, gradients x = 2, y = 5, z = 0. */
export function lectureGraph() {
  const node = (n) => ({ line: 3, shape: [], grad: null, local: '', ...n });
  return {
    function: 'lecture_example',
    output: 'n5',
    nodes: [
      node({ id: 'n0', op: 'input', label: 'x', name: 'x', line: 1, value: 1, grad: 2 }),
      node({ id: 'n1', op: 'input', label: 'y', name: 'y', line: 1, value: 2, grad: 5 }),
      node({ id: 'n2', op: 'input', label: 'z', name: 'z', line: 1, value: 0, grad: 0 }),
      node({
        id: 'n3', op: 'add', label: 'x + y', value: 3, grad: 2, from: 40, to: 45,
        local: '\\frac{\\partial q}{\\partial x} = 1,\\quad \\frac{\\partial q}{\\partial y} = 1',
        describe: 'distributes the upstream gradient to both inputs',
      }),
      node({
        id: 'n4', op: 'max', label: 'max(y, z)', value: 2, grad: 3, from: 49, to: 58,
        local: '\\frac{\\partial m}{\\partial y} = \\mathbb{1}[y \\ge z],\\quad \\frac{\\partial m}{\\partial z} = \\mathbb{1}[z > y]',
        describe: 'routes the upstream gradient to the larger input',
      }),
      node({
        id: 'n5', op: 'mul', label: '(x + y) * max(y, z)', value: 6, grad: 1, from: 39, to: 58,
        local: '\\frac{\\partial f}{\\partial q} = m,\\quad \\frac{\\partial f}{\\partial m} = q',
        describe: 'switches: each input gets the upstream gradient times the other input',
      }),
    ],
    edges: [
      { from: 'n0', to: 'n3', arg: 0, grad: 2 },
      { from: 'n1', to: 'n3', arg: 1, grad: 2 },
      { from: 'n1', to: 'n4', arg: 0, grad: 3 },
      { from: 'n2', to: 'n4', arg: 1, grad: 0 },
      { from: 'n3', to: 'n5', arg: 0, grad: 2 },
      { from: 'n4', to: 'n5', arg: 1, grad: 3 },
    ],
    inputs: { x: 1, y: 2, z: 0 },
    inputSource: 'given',
    seed: 0,
    notes: [],
  };
}

/**
 * A generated graph of `n` nodes shaped like unrolled network code: ops with one or
 * two recent inputs, some 4×4 arrays (drawn as heatmaps), some summarised 64×64 ones.
 */
export function bigGraph(n, seed = 7) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const ops = ['add', 'mul', 'tanh', 'matmul', 'max', 'sub', 'exp'];
  const nodes = [];
  const edges = [];
  const mat = () => Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => Math.round((rand() * 2 - 1) * 100) / 100));
  const summary = () => ({ summary: true, shape: [64, 64], min: -2.5, max: 2.4, mean: 0.01, head: [0.1, -0.2, 0.3, 0.5, -1, 2, 0, 0.7], nonFinite: 0 });
  for (let i = 0; i < n; i++) {
    const kind = i % 10 === 3 ? 'summary' : i % 5 === 1 ? 'matrix' : 'scalar';
    const value = kind === 'summary' ? summary() : kind === 'matrix' ? mat() : Math.round(rand() * 1000) / 100;
    const grad = kind === 'summary' ? summary() : kind === 'matrix' ? mat() : Math.round(rand() * 1000) / 100;
    const shape = kind === 'summary' ? [64, 64] : kind === 'matrix' ? [4, 4] : [];
    const isSource = i < 8 || rand() < 0.05;
    nodes.push({
      id: `n${i}`,
      op: isSource ? (i % 2 ? 'param' : 'input') : ops[i % ops.length],
      label: isSource ? `w${i}` : `v${i - 1} ${ops[i % ops.length]} v${Math.max(0, i - 2)}`,
      name: `v${i}`,
      line: 1 + Math.floor(i / 3),
      shape,
      value,
      grad,
      local: isSource ? '' : `\\frac{\\partial v_{${i}}}{\\partial v_{${i - 1}}} = 1`,
    });
    if (!isSource) {
      const k = rand() < 0.3 ? 1 : 2;
      for (let j = 0; j < k; j++) {
        const from = Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, 6)));
        edges.push({ from: `n${from}`, to: `n${i}`, arg: j, grad: typeof grad === 'number' ? grad : null });
      }
    }
  }
  return { function: `big_${n}`, output: `n${n - 1}`, nodes, edges, inputs: {}, inputSource: 'random', seed, notes: [] };
}
