"""One LSTM time step, forward and backward, with all four gates in one matrix multiply."""
import numpy as np


def sigmoid(z):
    """Numerically stable logistic function."""
    pos = z >= 0
    out = np.empty_like(z, dtype=float)
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM time step.

    Args:
        x: (N, D) input at this step
        prev_h: (N, H) previous hidden state
        prev_c: (N, H) previous cell state
        Wx: (D, 4*H) input-to-gates weights
        Wh: (H, 4*H) hidden-to-gates weights
        b: (4*H,) gate biases
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    ai, af, ao, ag = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    i = sigmoid(ai)
    f = sigmoid(af)
    o = sigmoid(ao)
    g = np.tanh(ag)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass for one LSTM time step.

    Args:
        dnext_h: (N, H) gradient of the next hidden state
        dnext_c: (N, H) gradient of the next cell state
        cache: the tuple saved by lstm_step_forward, holding
            x: (N, D)
            prev_h: (N, H)
            prev_c: (N, H)
            Wx: (D, 4*H)
            Wh: (H, 4*H)
            i: (N, H)
            f: (N, H)
            o: (N, H)
            g: (N, H)
            next_c: (N, H)
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    do = dnext_h * tc
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    df = dc * prev_c
    di = dc * g
    dg = dc * i
    dprev_c = dc * f
    da = np.concatenate(
        [di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)], axis=1
    )
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_demo(N, D, H):
    x = np.random.randn(N, D)
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    Wx = np.random.randn(D, 4 * H) * 0.1
    Wh = np.random.randn(H, 4 * H) * 0.1
    b = np.zeros(4 * H)
    h, c, cache = lstm_step_forward(x, h, c, Wx, Wh, b)
    return h, c
