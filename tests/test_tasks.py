"""Task generators, the Iris data and the task CSV format."""

from __future__ import annotations

import numpy as np
import pytest

from desync_learning.tasks import (
    Task,
    accuracy,
    allostery_task,
    classification_task,
    load_iris,
    make_task,
    read_task,
    regression_task,
    write_task,
)

# ---------------------------------------------------------------------------
# Generators


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regression_linear_map(seed):
    task = regression_task(3, 2, 30, 10, seed)
    matrix = np.array(task.metadata["map"])
    assert matrix.shape == (2, 3)
    assert (matrix >= 0).all()
    # Row sums are drawn in the default total_weight range [0.3, 0.8].
    assert (matrix.sum(axis=1) >= 0.3).all()
    assert (matrix.sum(axis=1) <= 0.8).all()
    np.testing.assert_allclose(task.train_desired, task.train_inputs @ matrix.T, rtol=1e-14)
    np.testing.assert_allclose(task.test_desired, task.test_inputs @ matrix.T, rtol=1e-14)


def test_regression_shapes_and_range():
    task = regression_task(2, 1, 25, 7, seed=5, input_range=(0.2, 0.6))
    assert task.train_inputs.shape == (25, 2)
    assert task.test_inputs.shape == (7, 2)
    assert task.train_desired.shape == (25, 1)
    inputs = np.vstack([task.train_inputs, task.test_inputs])
    assert inputs.min() >= 0.2
    assert inputs.max() < 0.6
    assert not task.has_labels


def test_regression_full_weight():
    # Row sums of exactly 1 leave no weight to ground, so the map is convex.
    task = regression_task(4, 2, 10, 0, seed=3, total_weight=(1.0, 1.0))
    np.testing.assert_allclose(np.array(task.metadata["map"]).sum(axis=1), 1.0, rtol=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_allostery_in_range(seed):
    task = allostery_task(2, 3, seed, input_voltage=2.0, target_range=(0.25, 0.75))
    np.testing.assert_array_equal(task.train_inputs, [[2.0, 2.0]])
    assert task.train_desired.shape == (1, 3)
    assert (task.train_desired >= 0.5).all()
    assert (task.train_desired <= 1.5).all()
    np.testing.assert_array_equal(task.test_desired, task.train_desired)


def test_allostery_range_rejected():
    with pytest.raises(ValueError, match=r"target_range\[1\] must lie in \[0\.5, 1\.0\], got 1\.2"):
        allostery_task(1, 1, 0, target_range=(0.5, 1.2))


def test_iris_data():
    features, labels, names = load_iris()
    assert features.shape == (150, 4)
    assert names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(np.bincount(labels), [50, 50, 50])
    assert np.isfinite(features).all()


@pytest.mark.parametrize("n_train", [120, 100, 10, 4, 147])
def test_iris_split_sizes(n_train):
    task = classification_task(n_train, seed=7)
    assert task.n_train == n_train
    assert len(task.test_inputs) == 150 - n_train
    # Stratified: each class gets n_train / 3 training points, rounded.
    counts = np.bincount(task.train_labels, minlength=3)
    assert counts.sum() == n_train
    assert (np.abs(counts - n_train / 3) < 1).all()
    np.testing.assert_array_equal(counts + np.bincount(task.test_labels, minlength=3), 50)


def test_iris_split_seeded():
    first = classification_task(60, seed=3)
    again = classification_task(60, seed=3)
    other = classification_task(60, seed=4)
    np.testing.assert_array_equal(first.train_inputs, again.train_inputs)
    assert not np.array_equal(first.train_inputs, other.train_inputs)


def test_iris_scaling_and_targets():
    task = classification_task(90, seed=2, input_voltage=2.0, high=0.75, low=0.25)
    features = task.train_inputs[:, :4]
    # Training features are scaled by their own min and max to [0, 2] V.
    np.testing.assert_allclose(features.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(features.max(axis=0), 2.0, rtol=1e-15)
    assert task.test_inputs.min() >= 0.0
    assert task.test_inputs.max() <= 2.0
    np.testing.assert_array_equal(task.train_inputs[:, 4], 2.0)
    expected = np.full((90, 3), 0.5)
    expected[np.arange(90), task.train_labels] = 1.5
    np.testing.assert_array_equal(task.train_desired, expected)
    assert task.has_labels


def test_iris_without_bias():
    assert classification_task(30, seed=0, bias=False).n_sources == 4
    assert classification_task(30, seed=0, bias=True).n_sources == 5


def test_accuracy_hand():
    # Run 0: argmax picks 0, 2, 1 against labels 0, 2, 2 -> 2/3.
    # Run 1: argmax picks 1, 1, 1 against labels 0, 2, 2 -> 0.
    outputs = np.array([
        [[0.9, 0.1, 0.2], [0.1, 0.3, 0.4], [0.2, 0.5, 0.4]],
        [[0.1, 0.9, 0.2], [0.1, 0.8, 0.4], [0.2, 0.5, 0.4]],
    ])
    np.testing.assert_allclose(accuracy(outputs, np.array([0, 2, 2])), [2 / 3, 0.0])


def test_make_task_dispatch():
    task = make_task("regression", 2, 1, 4, n_train=5, n_test=2)
    assert task.name == "regression"
    assert task.train_inputs.shape == (5, 2)
    assert make_task("classification", 5, 3, 0, n_train=30).n_targets == 3


def test_unknown_task_rejected():
    with pytest.raises(ValueError, match=r"unknown task 'xor'; known names are \['allostery', "):
        make_task("xor", 2, 1, 0)


def test_classification_terminals_rejected():
    with pytest.raises(ValueError, match="classification needs 5 sources and 3 targets"):
        make_task("classification", 4, 3, 0, n_train=30)


def test_task_nan_rejected():
    inputs = np.array([[0.1, 0.2], [np.nan, 0.3]])
    with pytest.raises(ValueError, match=r"train inputs contains nan at index \(1, 0\)"):
        Task("regression", inputs, np.zeros((2, 1)), inputs[:0], np.zeros((0, 1)))


def test_task_length_mismatch():
    with pytest.raises(ValueError, match="3 training inputs but 2 desired outputs"):
        Task("regression", np.zeros((3, 1)), np.zeros((2, 1)), np.zeros((0, 1)), np.zeros((0, 1)))


# ---------------------------------------------------------------------------
# CSV files


@pytest.mark.parametrize("task", [
    regression_task(3, 2, 12, 5, seed=1),
    classification_task(30, seed=1),
    allostery_task(2, 2, seed=1),
], ids=["regression", "classification", "allostery"])
def test_csv_round_trip(tmp_path, task):
    path = tmp_path / "task.csv"
    write_task(task, path)
    loaded = read_task(path, task.name)
    for name in ("train_inputs", "train_desired", "test_inputs", "test_desired",
                 "train_labels", "test_labels"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(task, name), err_msg=name)


def write_csv(tmp_path, body):
    path = tmp_path / "bad.csv"
    path.write_text("split,x0,x1,y0,label\n" + body)
    return path


def test_csv_nan_rejected(tmp_path):
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,-1\ntrain,0.1,nan,0.3,-1\n")
    with pytest.raises(ValueError, match=r"line 3, column 'x1' is empty or NaN"):
        read_task(path, "regression")


def test_csv_empty_cell_rejected(tmp_path):
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,-1\ntest,0.1,0.2,,-1\n")
    with pytest.raises(ValueError, match=r"line 3, column 'y0' is empty or NaN"):
        read_task(path, "regression")


def test_csv_text_rejected(tmp_path):
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,-1\ntrain,0.1,0.2,0.3,-1\ntrain,0.1,high,0.3,-1\n")
    with pytest.raises(ValueError, match=r"line 4, column 'x1' holds 'high', which is not a number"):
        read_task(path, "regression")


def test_csv_long_row_rejected(tmp_path):
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,-1\ntrain,0.1,0.2,0.3,-1,7\n")
    with pytest.raises(ValueError, match=r"wrong number of fields.*line 3"):
        read_task(path, "regression")


def test_csv_short_row_rejected(tmp_path):
    # The label field is missing, so pandas would read it as NaN.
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,-1\ntrain,0.1,0.2,0.3\n")
    with pytest.raises(ValueError, match=r"line 3, column 'label' is empty"):
        read_task(path, "regression")


def test_csv_label_text_rejected(tmp_path):
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,setosa\n")
    with pytest.raises(ValueError, match=r"line 2, column 'label' holds 'setosa'"):
        read_task(path, "classification")


def test_csv_header_rejected(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("split,x0,x2,y0,label\ntrain,0.1,0.2,0.3,-1\n")
    with pytest.raises(ValueError, match=r"columns \['split', 'x0', 'x2', 'y0', 'label'\] do not match"):
        read_task(path, "regression")


def test_csv_split_rejected(tmp_path):
    path = write_csv(tmp_path, "train,0.1,0.2,0.3,-1\nvalidation,0.1,0.2,0.3,-1\n")
    with pytest.raises(ValueError, match=r"unknown split values \['validation'\]"):
        read_task(path, "regression")


def test_blank_line_keeps_line_numbers(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("split,x0,y0,label\ntrain,0.1,0.2,-1\n\ntrain,0.1,0.2,-1\n")
    with pytest.raises(ValueError, match=r"line 3, column 'x0' is empty or NaN"):
        read_task(path, "regression")


def test_infinite_value_rejected(tmp_path):
    path = tmp_path / "inf.csv"
    path.write_text("split,x0,y0,label\ntrain,0.1,inf,-1\n")
    with pytest.raises(ValueError, match=r"inf.csv: line 2, column 'y0' is inf"):
        read_task(path, "regression")


def test_empty_file_rejected(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ValueError, match="the file is empty"):
        read_task(path, "regression")


def test_header_typo_named(tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("split,x0,y_0,label\ntrain,0.1,0.2,-1\n")
    with pytest.raises(ValueError, match=r"unexpected column names \['y_0'\]"):
        read_task(path, "regression")
