"""Checkpoint evaluations (issue 19 §3, contract 3) and Spearman's rho over grid points and over
grid points x checkpoints (contract 2), on synthetic series whose rho is known exactly."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from scipy import stats as scipy_stats
from synthetic_results import write_manifest, write_results

from clt_plugin.analysis.checkpoints import FINAL, step_key
from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.uncertainty import StatOptions
from clt_plugin.names import WEIGHTS_STEP_NAME, checkpoint_step

OPTS = StatOptions(resamples=500)
SEEN = ["es"]


def _eval(root, name, model_dir, es, ko):
    """One lm-eval run of the model in `model_dir`: es is the seen average, ko the unseen one."""
    write_results(
        root / "evals" / name,
        {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": es}, "clt_mgsm_ko": {"acc": ko}},
        model_args=f"pretrained={model_dir},dtype=bfloat16",
        stderr=0.02,
    )


def _training_run(root, k, evals, *, manifest_in_checkpoints=True, global_step=None):
    """A training output folder for grid point k, with `evals`: step ("final" or int) -> (es, ko)."""
    model = root / "models" / f"k{k}"
    counts = {"math": {"en": 100, "es": k}}
    write_manifest(model / "clt_manifest.json", counts, seen=SEEN)
    if global_step is not None:
        (model / "trainer_state.json").write_text(json.dumps({"global_step": global_step, "log_history": []}))
    for step, (es, ko) in evals.items():
        where = model if step == FINAL else model / f"checkpoint-{step}"
        if step != FINAL and manifest_in_checkpoints:
            write_manifest(where / "clt_manifest.json", counts, seen=SEEN)
        where.mkdir(parents=True, exist_ok=True)
        _eval(root, f"k{k}" if step == FINAL else f"k{k}-ckpt{step}", where, es, ko)


def _spearman_exact(x, y) -> Fraction:
    """rho = 1 - 6 sum d^2 / (n (n^2 - 1)) for series without ties."""
    rank = lambda v: {val: i for i, val in enumerate(sorted(v), 1)}  # noqa: E731
    rx, ry = rank(x), rank(y)
    n = len(x)
    d2 = sum((rx[a] - ry[b]) ** 2 for a, b in zip(x, y))
    return 1 - Fraction(6 * d2, n * (n * n - 1))


# Nine evaluations of three grid points (k = 0 is the English-only baseline): seen and unseen
# averages whose ranks disagree in a known way.
SERIES = {
    0: {50: (0.10, 0.20), 100: (0.20, 0.10), FINAL: (0.30, 0.50)},
    100: {50: (0.40, 0.30), 100: (0.50, 0.60), FINAL: (0.60, 0.40)},
    200: {50: (0.70, 0.90), 100: (0.80, 0.70), FINAL: (0.90, 0.80)},
}


def test_rho_over_checkpoints_and_over_grid_points_known_exactly(tmp_path):
    for k, evals in SERIES.items():
        _training_run(tmp_path, k, evals)
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)

    # Main tables: the final models only; the checkpoints are kept beside them.
    assert [r.run for r in m.rows] == ["k0", "k100", "k200"]
    assert all(r.step == FINAL and not r.checkpoint for r in m.rows)
    assert sorted((r.run, r.step) for r in m.checkpoints) == sorted(
        (f"k{k}-ckpt{s}", s) for k in SERIES for s in (50, 100)
    )
    assert all(r.checkpoint and r.training_run == str(tmp_path / "models" / r.run.split("-")[0]) for r in m.checkpoints)
    assert (
        "6 checkpoint evaluations of 3 training runs: rows show final models; checkpoints count in rho over training"
        in m.notes
    )

    (g,) = m.groups
    points = [v for evals in SERIES.values() for v in evals.values()]
    seen, unseen = [p[0] for p in points], [p[1] for p in points]
    want = _spearman_exact(seen, unseen)
    assert want == Fraction(17, 20)
    ref = scipy_stats.spearmanr(seen, unseen)
    rc = g.rho_checkpoints
    assert rc.n_points == 9 and rc.rho == pytest.approx(float(want), abs=1e-12)
    assert rc.p == pytest.approx(ref.pvalue, rel=1e-9) and rc.p < 0.05
    assert rc.low <= rc.rho <= rc.high and rc.note is None

    finals = [SERIES[k][FINAL] for k in SERIES]
    rg = g.rho_grid
    grid_ref = scipy_stats.spearmanr([f[0] for f in finals], [f[1] for f in finals])
    assert rg.n_points == 3 and rg.rho == pytest.approx(0.5) and rg.p == pytest.approx(grid_ref.pvalue, rel=1e-9)
    # The paper's reading: rho = 0.39 at p < 0.05 is out of reach of 3 (or 8) grid points.
    assert rg.p > 0.05

    assert g.checkpoint_curves == {
        f"k{k}": [(s, pytest.approx(SERIES[k][s][0]), pytest.approx(SERIES[k][s][1])) for s in (50, 100, FINAL)]
        for k in SERIES
    }


def test_no_checkpoints_no_rho_checkpoints_and_rows_unchanged(tmp_path):
    for k, evals in SERIES.items():
        _training_run(tmp_path, k, {FINAL: evals[FINAL]})
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)
    (g,) = m.groups
    assert g.rho_checkpoints is None and g.checkpoint_curves == {} and m.checkpoints == []
    assert g.rho_grid.rho == pytest.approx(0.5) and g.rho_grid.n_points == 3
    # Over grid points with one run per k, rho_grid is the group's rho across runs.
    assert (g.rho_grid.rho, g.rho_grid.p, g.rho_grid.n_points) == (g.spearman.rho, g.spearman.p_value, g.spearman.n)
    assert not any("checkpoint" in n for n in m.notes)


def test_a_final_model_saved_at_a_checkpoint_step_counts_once(tmp_path):
    """trainer_state.json gives the final model's step; a checkpoint at that step is the same
    weights evaluated twice, and counts once (as the final model)."""
    _training_run(tmp_path, 0, {50: (0.1, 0.2), 100: (0.3, 0.3), FINAL: (0.2, 0.1)}, global_step=100)
    _training_run(tmp_path, 100, {50: (0.4, 0.5), FINAL: (0.6, 0.6)})
    _training_run(tmp_path, 200, {50: (0.7, 0.8), FINAL: (0.9, 0.7)})
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)
    k0 = next(r for r in m.rows if r.run == "k0")
    assert k0.step == 100  # from trainer_state.json
    (g,) = m.groups
    assert [p[0] for p in g.checkpoint_curves["k0"]] == [50, 100]
    assert g.checkpoint_curves["k0"][1][1] == pytest.approx(0.2)  # the final model's, not checkpoint-100's
    assert g.rho_checkpoints.n_points == 6


def test_a_training_run_evaluated_only_at_checkpoints_is_its_last_one(tmp_path):
    _training_run(tmp_path, 0, {FINAL: (0.1, 0.1)})
    _training_run(tmp_path, 100, {50: (0.2, 0.3), 150: (0.4, 0.5)}, manifest_in_checkpoints=False)
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)
    row = next(r for r in m.rows if r.run == "k100-ckpt150")
    assert row.checkpoint and row.step == 150 and row.k == 100  # the manifest one folder up
    assert [r.run for r in m.checkpoints] == ["k100-ckpt50"]
    assert (
        f"run k100-ckpt150: its training run ({tmp_path / 'models' / 'k100'}) has no final-model evaluation; "
        "its last checkpoint stands for it"
    ) in m.notes


def test_checkpoint_steps_from_folder_names():
    assert checkpoint_step("/out/run/checkpoint-350") == 350
    assert checkpoint_step("/out/run/checkpoint-350/") == 350
    assert checkpoint_step("/out/run") is None and checkpoint_step("/out/checkpoint-x") is None
    assert sorted([FINAL, 100, 50], key=step_key) == [50, 100, FINAL]


def test_checkpoints_of_two_runs_at_one_step_are_told_apart(tmp_path):
    """lm-eval names its output folder after the model path; every training run has a checkpoint-4,
    so a checkpoint's run is named with its training run (k0/checkpoint-4), not by its folder alone."""
    for k, (es, ko) in ((0, (0.1, 0.2)), (100, (0.4, 0.3))):
        model = tmp_path / "models" / f"k{k}"
        counts = {"math": {"en": 100, "es": k}}
        for where in (model, model / "checkpoint-4"):
            write_manifest(where / "clt_manifest.json", counts, seen=SEEN)
            scores = {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": es}, "clt_mgsm_ko": {"acc": ko}}
            write_results(tmp_path / "evals" / str(where).replace("/", "__"), scores, model_args=f"pretrained={where}")
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)
    assert [r.run for r in m.rows] == ["k0", "k100"]
    assert sorted(r.run for r in m.checkpoints) == ["k0/checkpoint-4", "k100/checkpoint-4"]


def test_the_final_models_step_is_the_one_whose_weights_it_holds(tmp_path):
    """With load_best_model_at_end the final model holds the best checkpoint's weights: the plugin
    records that step (clt_weights_step.json), and it wins over trainer_state.json's last step."""
    _training_run(tmp_path, 0, {50: (0.1, 0.2), 100: (0.3, 0.3), FINAL: (0.2, 0.1)}, global_step=100)
    _training_run(tmp_path, 100, {50: (0.4, 0.5), FINAL: (0.6, 0.6)})
    weights = {"step": 50, "why": "best checkpoint by evaluation loss (load_best_model_at_end)"}
    (tmp_path / "models" / "k0" / WEIGHTS_STEP_NAME).write_text(json.dumps(weights))
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)
    assert next(r for r in m.rows if r.run == "k0").step == 50
    (g,) = m.groups
    # checkpoint-50 holds the final model's weights: it counts once, as the final model.
    assert [p[0] for p in g.checkpoint_curves["k0"]] == [50, 100]
    assert g.checkpoint_curves["k0"][0][1] == pytest.approx(0.2)
