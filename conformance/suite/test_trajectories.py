"""Training trajectories: weights and per-epoch losses after a few epochs of fit, by value.

Spec sources: 000 §3 and 001 (compile(optimizer, loss) then fit(x, y, epochs, batch_size)),
004 (the optimizers). A small MLP (relu, mse, 10 samples in batches 4, 4, 2), an LSTM (binary
crossentropy), a convnet (softmax, categorical crossentropy) and an embedding classifier (sparse
gradients), built by conformance/training_models.py, start from the recorded weights
(set_weights) and are fit for 3 epochs with shuffle=False; the final weights and
history.history['loss'] must be tf-keras 2.21's (fixtures/trajectories.json, recorded by
fixtures/record_training.py). Each step
combines a forward pass, the loss and its batch reduction, the gradient and the optimizer's
update, so a wrong epsilon placement, momentum schedule or loss reduction shows here even
where each piece alone agrees with its own golden to 1e-7.

The goldens were recorded with compile(run_eagerly=True) (documented in Keras 2 and 3: the
model's logic is not wrapped in a tf.function), and most cases here compile the same way: for
nine optimizer steps tf-keras spends far longer tracing the train function than running it
(the LSTM's traced fit takes about four times as long as its eager one). Per model, the SGD and
Nadam fits keep the default (traced) fit, so tf.function is still exercised in every family:
SGD must land on the same golden, and Nadam is where tf-keras 2.21's traced fit departs from
its eager one (see the tfkeras-legacy expectations).
"""

import pytest

from conformance import golden
from conformance.assertions import assert_allclose
from conformance.training_models import TRAJECTORY_MODELS, build_trajectory_model

OPTIMIZERS = ["sgd", "sgd_momentum", "sgd_nesterov", "rmsprop", "adagrad", "adadelta", "adam",
              "adam_amsgrad", "adamax", "nadam"]
# fit with the default compile(run_eagerly=None), traced by tf.function where there is one
TRACED = {"sgd", "nadam"}


def case_params():
    for model in TRAJECTORY_MODELS:
        for optimizer in OPTIMIZERS:
            yield pytest.param(f"{model}.{optimizer}",
                               marks=pytest.mark.behavior(f"training.trajectory.{model}."
                                                          f"{optimizer}"),
                               id=f"{model}-{optimizer}")


@pytest.mark.parametrize("name", list(case_params()))
def test_fit_trajectory_matches_keras2(keras, name):
    case = golden.case("trajectories", name)
    spec = TRAJECTORY_MODELS[case["model"]]
    model = build_trajectory_model(keras, case["model"])
    model.set_weights(case.input("initial"))
    traced = name.split(".")[1] in TRACED
    model.compile(optimizer=getattr(keras.optimizers, case["optimizer"])(**case["config"]),
                  loss=spec.loss, **({} if traced else {"run_eagerly": True}))
    history = model.fit(case.input("x"), case.input("y"), batch_size=spec.batch_size,
                        epochs=spec.epochs, shuffle=False, verbose=0)
    what = (f"{case['model']} fit with {case['optimizer']}(**{case['config']}), "
            f"loss={spec.loss!r}, {spec.epochs} epochs of batch_size={spec.batch_size}"
            f"{'' if traced else ', run_eagerly=True'}")
    assert_allclose(history.history["loss"], case.expected["losses"], rtol=case.rtol,
                    atol=case.atol, what=f"{what}: history.history['loss']")
    weights = model.get_weights()
    assert len(weights) == len(case.expected["weights"]), f"{what}: {len(weights)} weights"
    for index, (got, expected) in enumerate(zip(weights, case.expected["weights"],
                                                strict=True)):
        assert_allclose(got, expected, rtol=case.rtol, atol=case.atol,
                        what=f"{what}: weight {index} after fit")
