"""A two-layer ReLU network trained with SGD + momentum over a params dict."""
import numpy as np


def two_layer_loss(params, X, y, reg=0.0):
    """
    Softmax loss and gradients of a two-layer fully-connected network.

    Inputs:
    - params: Dictionary of weights with keys:
      - W1: First layer weights, of shape (D, H)
      - b1: First layer biases, of shape (H,)
      - W2: Second layer weights, of shape (H, C)
      - b2: Second layer biases, of shape (C,)
    - X: Minibatch of data, of shape (N, D)
    - y: Integer labels in [0, C), of shape (N,)
    - reg: L2 regularization strength

    Returns a tuple of:
    - loss: Scalar loss
    - grads: Dictionary with the same keys as params
    """
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    N, D = X.shape

    z1 = X.dot(W1) + b1
    a1 = np.maximum(0, z1)
    scores = a1.dot(W2) + b2

    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(N), y].mean()
    loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dW2 = a1.T.dot(dscores) + reg * W2
    db2 = dscores.sum(axis=0)
    da1 = dscores.dot(W2.T)
    dz1 = da1 * (z1 > 0)
    dW1 = X.T.dot(dz1) + reg * W1
    db1 = dz1.sum(axis=0)

    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return loss, grads


def train_momentum(X, y, H, C, num_iters=200, batch_size=32, lr=1e-1, mu=0.9, reg=1e-4):
    """
    Inputs:
    - X: Training data, of shape (N, D)
    - y: Training labels, of shape (N,)
    - H: Hidden layer width
    - C: Number of classes
    """
    N, D = X.shape
    params = {
        "W1": 1e-2 * np.random.randn(D, H),
        "b1": np.zeros(H),
        "W2": 1e-2 * np.random.randn(H, C),
        "b2": np.zeros(C),
    }
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    history = []
    for it in range(num_iters):
        batch = np.random.choice(N, batch_size)
        X_batch = X[batch]
        y_batch = y[batch]
        loss, grads = two_layer_loss(params, X_batch, y_batch, reg)
        for k in params:
            velocity[k] = mu * velocity[k] - lr * grads[k]
            params[k] += velocity[k]
        history.append(float(loss))
    hidden = np.maximum(0, X.dot(params["W1"]) + params["b1"])
    y_pred = np.argmax(hidden.dot(params["W2"]) + params["b2"], axis=1)
    train_acc = np.mean(y_pred == y)
    return params, history, train_acc
