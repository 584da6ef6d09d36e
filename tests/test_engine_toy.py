"""The seed's worked example, reproduced number for number (shared/seed/toy-example.md)."""
import numpy as np

from aeviz.engine.toy import INPUTS, one_hot_argmax, toy_network


def test_seed_example_forward():
    net = toy_network()
    trace = net.forward([1, 0, 0, 0])
    np.testing.assert_array_equal(trace.outputs[0][0], [1, 1])
    np.testing.assert_array_equal(trace.preacts[1][0], [2, 0, 0, -2])
    np.testing.assert_allclose(trace.y[0], [0.776, 0.105, 0.105, 0.014], atol=5e-4)
    np.testing.assert_array_equal(one_hot_argmax(trace.y)[0], [1, 0, 0, 0])
    assert trace.y[0, 0] < 1.0  # the softmax itself is never the one-hot vector


def test_every_one_hot_input_is_reconstructed():
    net = toy_network()
    out = one_hot_argmax(net.forward(INPUTS).y)
    np.testing.assert_array_equal(out, INPUTS)


def test_decoder_is_encoder_transposed():
    net = toy_network()
    np.testing.assert_array_equal(net.weights[1], net.weights[0].T)
