"""Golden fixtures: the committed files validate, and a malformed file is one clear error."""

from __future__ import annotations

import json

import pytest

from conformance import golden

# every committed family: a new fixture file is validated without being named here
FAMILIES = sorted(p.stem for p in golden.fixtures_dir().glob("*.json"))


@pytest.mark.parametrize("family", FAMILIES)
def test_committed_fixtures_come_from_tf_keras_2_with_tolerances(family):
    fixture = golden.load(family)
    assert fixture.provenance["producer"] == "tf-keras"
    assert fixture.provenance["version"].startswith("2.")
    for key in ("platform", "machine", "cpu"):  # DESIGN.md: the platform beside the versions
        assert fixture.provenance[key], f"{family}: provenance has no {key}"
    for name in fixture.cases:
        case = fixture.case(name)
        assert case.tolerance, f"{family}/{name}: no reason for its tolerance"


def _write(tmp_path, document) -> str:
    (tmp_path / "losses.json").write_text(
        document if isinstance(document, str) else json.dumps(document))
    return str(tmp_path)


def _valid() -> dict:
    return json.loads(golden.load("losses").path.read_text())


@pytest.mark.parametrize("mutate, message", [
    (lambda d: "{not json", "unreadable"),
    (lambda d: {**d, "schema_version": 7}, "schema_version must be"),
    (lambda d: {**d, "provenance": {**d["provenance"], "producer": "reference_impl"}},
     "golden data must come from tf-keras 2.x"),
    (lambda d: {**d, "provenance": {k: v for k, v in d["provenance"].items() if k != "cpu"}},
     "provenance lacks cpu"),
    (lambda d: {**d, "cases": {}}, "'cases' must be a non-empty object"),
    (lambda d: {**d, "cases": {"mse": {**d["cases"]["mean_squared_error"], "rtol": -1}}},
     "rtol must be a non-negative number"),
])
def test_malformed_fixture_is_one_line_naming_the_file(tmp_path, mutate, message):
    directory = _write(tmp_path, mutate(_valid()))
    with pytest.raises(golden.GoldenError) as info:
        golden.load("losses", directory)
    text = str(info.value)
    assert "losses.json" in text and message in text and "\n" not in text


def test_missing_fixture_says_how_to_record_it(tmp_path):
    with pytest.raises(golden.GoldenError, match="record it with"):
        golden.load("losses", str(tmp_path))


def test_layer_cases_hold_config_inputs_weights_outputs_and_gradients():
    """DESIGN.md, golden fixtures: a layer case holds its config, input, weights, output and the
    gradients of a recorded scalar function of the output w.r.t. the input and every weight."""
    fixture = golden.load("layers")
    for name, case in fixture.cases.items():
        assert case["layer"]["class"] and isinstance(case["layer"]["config"], dict), name
        weights, outputs = case.input("weights"), case.expected["outputs"]
        assert len(case.input("cotangents")) == len(outputs), name
        for c, y in zip(case.input("cotangents"), outputs, strict=True):
            assert c.shape == y.shape, name
        if "weight_gradients" not in case.expected:
            continue  # Dropout: recorded at inference only
        assert [g.shape for g in case.expected["weight_gradients"]] == [
            w.shape for w in weights], name
        float_inputs = [x for x in case.input("x") if x.dtype.kind == "f"]
        assert [g.shape for g in case.expected["input_gradients"]] == [
            x.shape for x in float_inputs], name
        assert case["gradient_tolerance"] and case["gradient_atol"] > 0, name
