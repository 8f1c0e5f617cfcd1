"""Recurrent cells in numpy with the gates packed into one matrix: an LSTM
(forward and backward for one step, forward over a sequence) and a GRU whose
gates read the concatenation [x, h]."""
import numpy as np


def sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """
    Forward pass for a single timestep of an LSTM.

    Inputs:
    - x: Input data, of shape (N, D)
    - prev_h: Previous hidden state, of shape (N, H)
    - prev_c: previous cell state, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, 4*H)
    - Wh: Hidden-to-hidden weights, of shape (H, 4*H)
    - b: Biases, of shape (4*H,)

    Returns a tuple of (next_h, next_c, cache).
    """
    N, H = prev_h.shape
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    ai = a[:, :H]
    af = a[:, H:2 * H]
    ao = a[:, 2 * H:3 * H]
    ag = a[:, 3 * H:]
    i = sigmoid(ai)
    f = sigmoid(af)
    o = sigmoid(ao)
    g = np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """
    Backward pass for a single timestep of an LSTM.

    Inputs:
    - dnext_h: Gradients of next hidden state, of shape (N, H)
    - dnext_c: Gradients of next cell state, of shape (N, H)
    - cache: Values from the forward pass:
      - x: Input data, of shape (N, D)
      - prev_h: Previous hidden state, of shape (N, H)
      - prev_c: Previous cell state, of shape (N, H)
      - Wx: Input-to-hidden weights, of shape (D, 4*H)
      - Wh: Hidden-to-hidden weights, of shape (H, 4*H)
      - i: input gate, of shape (N, H)
      - f: forget gate, of shape (N, H)
      - o: output gate, of shape (N, H)
      - g: candidate cell, of shape (N, H)
      - next_c: next cell state, of shape (N, H)

    Returns a tuple of (dx, dprev_h, dprev_c, dWx, dWh, db).
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    do = dnext_h * tanh_c
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    df = dc * prev_c
    dprev_c = dc * f
    di = dc * g
    dg = dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)])
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """
    Forward pass for an LSTM over an entire sequence of data.

    Inputs:
    - x: Input data of shape (N, T, D)
    - h0: Initial hidden state of shape (N, H)
    - Wx: Weights for input-to-hidden connections, of shape (D, 4*H)
    - Wh: Weights for hidden-to-hidden connections, of shape (H, 4*H)
    - b: Biases of shape (4*H,)
    """
    N, T, D = x.shape
    _, H = h0.shape
    h = np.zeros((N, T, H))
    prev_h = h0
    prev_c = np.zeros_like(h0)
    caches = []
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(cache)
    return h, caches


def gru_step_forward(x, prev_h, W_rz, b_rz, W_n, b_n):
    """
    One step of a GRU whose gates read the concatenation [x, h].

    - x: Input data, of shape (N, D)
    - prev_h: Previous hidden state, of shape (N, H)
    - W_rz: Reset and update gate weights, of shape (D + H, 2 * H)
    - b_rz: Reset and update gate biases, of shape (2 * H,)
    - W_n: Candidate weights, of shape (D + H, H)
    - b_n: Candidate biases, of shape (H,)
    """
    H = prev_h.shape[1]
    xh = np.concatenate([x, prev_h], axis=1)
    rz = sigmoid(xh @ W_rz + b_rz)
    r = rz[:, :H]
    z = rz[:, H:]
    xrh = np.concatenate([x, r * prev_h], axis=1)
    n = np.tanh(xrh @ W_n + b_n)
    next_h = (1.0 - z) * n + z * prev_h
    return next_h


def gru_forward(x, h0, W_rz, b_rz, W_n, b_n):
    """
    Run the GRU over a batch of sequences.

    - x: Input data of shape (N, T, D)
    - h0: Initial hidden state of shape (N, H)
    - W_rz: of shape (D + H, 2 * H)
    - b_rz: of shape (2 * H,)
    - W_n: of shape (D + H, H)
    - b_n: of shape (H,)
    """
    hs = []
    h = h0
    for x_t in x.transpose(1, 0, 2):
        h = gru_step_forward(x_t, h, W_rz, b_rz, W_n, b_n)
        hs.append(h)
    h_all = np.stack(hs, axis=1)
    last = h_all[:, -1, :]
    return h_all, last
