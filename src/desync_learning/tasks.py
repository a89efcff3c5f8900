"""Learning tasks: allostery, linear regression and Iris classification.

A task is a training and a test set of input voltages (imposed on the source
nodes) and desired output voltages (at the target nodes). Datasets are
stored as CSV with one row per data point: ``split`` (train or test),
``x0..x{S-1}`` in volts, ``y0..y{T-1}`` in volts and ``label`` (class index,
or -1 where the task has none).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from .checks import check_choice, check_finite_array, check_in_range, check_integer

TASKS = ("allostery", "regression", "classification")


@dataclass
class Task:
    """Training and test data of one task.

    Attributes
    ----------
    name : str
        One of :data:`TASKS`.
    train_inputs, test_inputs : ndarray, shape (M, S)
        Source voltages in volts.
    train_desired, test_desired : ndarray, shape (M, T)
        Desired target voltages in volts.
    train_labels, test_labels : ndarray of int, shape (M,)
        Class indices for classification, -1 otherwise.
    metadata : dict
        Parameters that generated the task.
    """

    name: str
    train_inputs: np.ndarray
    train_desired: np.ndarray
    test_inputs: np.ndarray
    test_desired: np.ndarray
    train_labels: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        self.train_inputs = check_finite_array("train inputs", self.train_inputs, ndim=2)
        self.train_desired = check_finite_array("train desired outputs", self.train_desired, ndim=2)
        self.test_inputs = check_finite_array("test inputs", self.test_inputs, ndim=2)
        self.test_desired = check_finite_array("test desired outputs", self.test_desired, ndim=2)
        if len(self.train_inputs) != len(self.train_desired):
            raise ValueError(
                f"{len(self.train_inputs)} training inputs but {len(self.train_desired)} desired outputs"
            )
        if len(self.test_inputs) != len(self.test_desired):
            raise ValueError(f"{len(self.test_inputs)} test inputs but {len(self.test_desired)} desired outputs")
        if len(self.train_inputs) == 0:
            raise ValueError(f"task {self.name!r} has no training data")
        if self.train_labels is None:
            self.train_labels = np.full(len(self.train_inputs), -1)
        if self.test_labels is None:
            self.test_labels = np.full(len(self.test_inputs), -1)
        self.train_labels = np.asarray(self.train_labels, dtype=np.int64)
        self.test_labels = np.asarray(self.test_labels, dtype=np.int64)

    @property
    def n_sources(self) -> int:
        """Number of input voltages S."""
        return self.train_inputs.shape[1]

    @property
    def n_targets(self) -> int:
        """Number of outputs T."""
        return self.train_desired.shape[1]

    @property
    def n_train(self) -> int:
        """Training-set size M."""
        return len(self.train_inputs)

    @property
    def has_labels(self) -> bool:
        """Whether the task is a classification with class labels."""
        return bool((self.train_labels >= 0).all())


def allostery_task(n_sources, n_targets, seed, *, input_voltage=1.0, target_range=(0.1, 0.9)) -> Task:
    """Generate an allostery task: one data point with random desired outputs.

    Parameters
    ----------
    n_sources, n_targets : int
        Numbers of source and target nodes.
    seed : int or SeedSequence
    input_voltage : float
        Voltage of every source, volts.
    target_range : (float, float)
        Desired target voltages are uniform in this range, given as fractions
        of ``input_voltage``. Inside [0, 1] they lie between the lowest and
        highest boundary voltage, as every node voltage must.
    """
    n_sources = check_integer("n_sources", n_sources, 1)
    n_targets = check_integer("n_targets", n_targets, 1)
    low = check_in_range("target_range[0]", target_range[0], 0.0, 1.0)
    high = check_in_range("target_range[1]", target_range[1], low, 1.0)
    rng = np.random.default_rng(seed)
    inputs = np.full((1, n_sources), float(input_voltage))
    desired = input_voltage * rng.uniform(low, high, size=(1, n_targets))
    metadata = {"input_voltage": input_voltage, "target_range": [low, high]}
    return Task("allostery", inputs, desired, inputs.copy(), desired.copy(), metadata=metadata)


def realizable_map(n_sources, n_targets, rng, *, total_weight=(0.3, 0.8)):
    """Draw a T×S matrix with non-negative entries and row sums in ``total_weight``.

    A node voltage is a weighted average of the boundary voltages, with
    non-negative weights summing to 1. Because ground (0 V) takes the rest of
    the weight, the map from inputs to one output has non-negative
    coefficients summing to at most 1. Rows are drawn from a flat Dirichlet distribution
    and scaled to a random total in ``total_weight``.
    """
    weights = rng.dirichlet(np.ones(n_sources), size=n_targets)
    totals = rng.uniform(total_weight[0], total_weight[1], size=(n_targets, 1))
    return weights * totals


def teacher_map(network, seed, resistance_range=(1.0, 10.0)):
    """Return the T×S map from inputs to outputs of ``network`` with random resistances.

    Resistances are drawn uniformly in ``resistance_range`` (ohms). Column s
    of the map is the target voltages when source s is at 1 V and the other
    sources at 0 V. A task built on this map can be learned exactly by the
    same network with continuous conductances.
    """
    from .solver import solve_network

    low = check_in_range("resistance_range[0]", resistance_range[0], 0.0, None, low_open=True)
    high = check_in_range("resistance_range[1]", resistance_range[1], low, None)
    rng = np.random.default_rng(seed)
    conductances = 1.0 / rng.uniform(low, high, size=network.n_edges)
    voltages = solve_network(network, conductances, np.eye(len(network.sources)))
    return voltages[:, network.targets].T


def regression_task(n_sources, n_targets, n_train, n_test, seed, *, input_range=(0.0, 1.0),
                    total_weight=(0.3, 0.8), matrix=None) -> Task:
    """Generate a linear regression task ``V^D = A x`` with A realizable by a resistor network.

    Parameters
    ----------
    n_sources, n_targets : int
    n_train, n_test : int
        Training and test set sizes.
    seed : int or SeedSequence
    input_range : (float, float)
        Inputs are uniform in this range, volts.
    total_weight : (float, float)
        Range of the row sums of A (see :func:`realizable_map`).
    matrix : ndarray, shape (T, S), optional
        Use this map instead of drawing one, for example from
        :func:`teacher_map`.
    """
    n_sources = check_integer("n_sources", n_sources, 1)
    n_targets = check_integer("n_targets", n_targets, 1)
    n_train = check_integer("n_train", n_train, 1)
    n_test = check_integer("n_test", n_test, 0)
    low = check_in_range("total_weight[0]", total_weight[0], 0.0, 1.0)
    check_in_range("total_weight[1]", total_weight[1], low, 1.0)
    rng = np.random.default_rng(seed)
    if matrix is None:
        matrix = realizable_map(n_sources, n_targets, rng, total_weight=total_weight)
    matrix = check_finite_array("matrix", matrix, ndim=2)
    if matrix.shape != (n_targets, n_sources):
        raise ValueError(f"matrix must have shape ({n_targets}, {n_sources}), got {matrix.shape}")
    inputs = rng.uniform(input_range[0], input_range[1], size=(n_train + n_test, n_sources))
    desired = inputs @ matrix.T
    metadata = {"map": matrix.tolist(), "input_range": list(input_range)}
    return Task("regression", inputs[:n_train], desired[:n_train], inputs[n_train:],
                desired[n_train:], metadata=metadata)


def load_iris():
    """Return the shipped Iris data: features (150, 4) in cm, labels (150,), class names."""
    text = resources.files("desync_learning").joinpath("data/iris.csv").read_text()
    table = pd.read_csv(io.StringIO(text))
    names = sorted(table["species"].unique())
    labels = table["species"].map({name: i for i, name in enumerate(names)}).to_numpy()
    return table.iloc[:, :4].to_numpy(dtype=float), labels, names


def classification_task(n_train, seed, *, input_voltage=1.0, high=0.6, low=0.2, bias=True) -> Task:
    """Build the Iris classification task.

    Features are scaled with the training set's minimum and maximum to
    [0, input_voltage]. One target per class: the desired voltage is
    ``high * input_voltage`` on the true class and ``low * input_voltage``
    on the others. With ``bias`` an extra source held at ``input_voltage``
    is added, the circuit analogue of a bias term.

    Parameters
    ----------
    n_train : int
        Training-set size, 3..147; the remaining samples form the test set.
    seed : int or SeedSequence
        Seed of the train/test split, which is stratified by class.
    """
    features, labels, names = load_iris()
    n_train = check_integer("n_train", n_train, 3, len(labels) - 3)
    check_in_range("high", high, 0.0, 1.0)
    check_in_range("low", low, 0.0, high)
    rng = np.random.default_rng(seed)

    # Stratified split: every class gets its proportional share of n_train.
    # Shares are rounded by largest remainder (ties to the lower class index)
    # so that they add up to exactly n_train.
    members = [rng.permutation(np.flatnonzero(labels == label)) for label in range(len(names))]
    quotas = np.array([n_train * len(m) / len(labels) for m in members])
    shares = np.floor(quotas).astype(int)
    by_remainder = np.argsort(-(quotas - shares), kind="stable")
    shares[by_remainder[: n_train - shares.sum()]] += 1
    train = np.sort(np.concatenate([m[:share] for m, share in zip(members, shares)]))
    test = np.setdiff1d(np.arange(len(labels)), train)

    lowest = features[train].min(axis=0)
    span = features[train].max(axis=0) - lowest
    inputs = input_voltage * np.clip((features - lowest) / span, 0.0, 1.0)
    if bias:
        inputs = np.hstack([inputs, np.full((len(labels), 1), float(input_voltage))])
    desired = np.full((len(labels), len(names)), low * input_voltage)
    desired[np.arange(len(labels)), labels] = high * input_voltage
    metadata = {"classes": names, "high": high, "low": low, "bias": bias,
                "input_voltage": input_voltage}
    return Task("classification", inputs[train], desired[train], inputs[test], desired[test],
                labels[train], labels[test], metadata=metadata)


def make_task(name, n_sources, n_targets, seed, **parameters) -> Task:
    """Create a task by name; see the individual generators for ``parameters``.

    Raises
    ------
    ValueError
        If the name is unknown or the terminal counts do not fit the task.
    """
    check_choice("task", name, TASKS)
    if name == "allostery":
        return allostery_task(n_sources, n_targets, seed, **parameters)
    if name == "regression":
        return regression_task(n_sources, n_targets, seed=seed, **parameters)
    task = classification_task(seed=seed, **parameters)
    if (task.n_sources, task.n_targets) != (n_sources, n_targets):
        raise ValueError(
            f"classification needs {task.n_sources} sources and {task.n_targets} targets "
            f"(with bias={task.metadata['bias']}), the network has {n_sources} and {n_targets}"
        )
    return task


def accuracy(outputs, labels):
    """Return the fraction of points whose highest target voltage is the true class.

    Parameters
    ----------
    outputs : ndarray, shape (R, M, T)
    labels : ndarray of int, shape (R, M) or (M,)
    """
    return (outputs.argmax(axis=2) == labels).mean(axis=1)


# ---------------------------------------------------------------------------
# CSV files


def task_to_frame(task: Task) -> pd.DataFrame:
    """Return the task as a tidy table, one row per data point."""
    rows = []
    for split, x, y, labels in (("train", task.train_inputs, task.train_desired, task.train_labels),
                                ("test", task.test_inputs, task.test_desired, task.test_labels)):
        frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
        for j in range(y.shape[1]):
            frame[f"y{j}"] = y[:, j]
        frame.insert(0, "split", split)
        frame["label"] = labels
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def write_task(task: Task, path) -> None:
    """Write a task to CSV atomically."""
    from .io import atomic_path

    with atomic_path(path) as temporary:
        task_to_frame(task).to_csv(temporary, index=False, float_format="%.17g")


def read_task(path, name, metadata=None) -> Task:
    """Read a task from CSV, checking columns and values.

    Raises
    ------
    ValueError
        If the file is empty, columns are missing or misnamed, a row has the
        wrong number of fields or is blank, a value is not a number, or a
        value is NaN or infinite; the message names the file, and the line
        and column where there is one.
    """
    try:
        # Blank lines are kept (as empty rows) so that line numbers stay right.
        frame = pd.read_csv(path, skip_blank_lines=False)
    except pd.errors.EmptyDataError as err:
        raise ValueError(f"{path}: the file is empty; a dataset needs a header and data rows") from err
    except pd.errors.ParserError as err:
        raise ValueError(f"{path}: malformed CSV, a row has the wrong number of fields ({err})") from err
    x_columns = [c for c in frame.columns if c.startswith("x")]
    y_columns = [c for c in frame.columns if c.startswith("y")]
    expected = ["split"] + [f"x{i}" for i in range(len(x_columns))] + [f"y{j}" for j in range(len(y_columns))] + ["label"]
    if list(frame.columns) != expected or not x_columns or not y_columns:
        wrong = [c for c in frame.columns if c not in expected]
        hint = f"; unexpected column names {wrong}" if wrong else ""
        raise ValueError(
            f"{path}: columns {list(frame.columns)} do not match the dataset format "
            f"split, x0..x{{S-1}}, y0..y{{T-1}}, label{hint}"
        )
    values = frame[x_columns + y_columns]
    numeric = values.apply(pd.to_numeric, errors="coerce")
    text = numeric.isna() & values.notna()
    if text.any().any():
        row, column = np.argwhere(text.to_numpy())[0]
        raise ValueError(
            f"{path}: line {row + 2}, column {(x_columns + y_columns)[column]!r} "
            f"holds {values.iat[row, column]!r}, which is not a number"
        )
    bad = ~np.isfinite(numeric.to_numpy(dtype=float))
    if bad.any():
        row, column = np.argwhere(bad)[0]
        value = numeric.iat[row, column]
        found = "is empty or NaN" if np.isnan(value) else f"is {float(value)}"
        raise ValueError(
            f"{path}: line {row + 2}, column {(x_columns + y_columns)[column]!r} {found}; "
            "every input and output needs a finite value (a blank line also counts as empty)"
        )
    unknown = set(frame["split"]) - {"train", "test"}
    if unknown:
        raise ValueError(f"{path}: unknown split values {sorted(unknown)}; use 'train' or 'test'")
    labels = pd.to_numeric(frame["label"], errors="coerce")
    not_integer = (labels.isna() | (labels != labels.round())).to_numpy()
    if not_integer.any():
        row = int(np.flatnonzero(not_integer)[0])
        value = frame["label"].iat[row]
        shown = repr(value) if isinstance(value, str) else float(value)
        found = "is empty, which usually means the row has too few fields" if pd.isna(value) \
            else f"holds {shown}, which is not an integer class index"
        raise ValueError(
            f"{path}: line {row + 2}, column 'label' {found}; every row needs a class index, "
            "or -1 where the task has no classes"
        )
    train = frame["split"] == "train"
    x = numeric[x_columns].to_numpy(dtype=float)
    y = numeric[y_columns].to_numpy(dtype=float)
    labels = labels.to_numpy(dtype=np.int64)
    try:
        return Task(name, x[train], y[train], x[~train], y[~train], labels[train], labels[~train],
                    metadata=metadata or {})
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err
