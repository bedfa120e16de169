"""A small data-science flow: a pandas DataFrame and a numpy array as artifacts, a model
per regularization strength in parallel, and the best one kept.

    python examples/datasci.py run --rows 100000
"""

from flowscope import FlowSpec, Parameter, retry, step


class DataSciFlow(FlowSpec):
    """Fit a ridge regression for several strengths and keep the best."""

    rows = Parameter("rows", default=20_000, help="rows of synthetic data")
    seed = Parameter("seed", default=7, help="random seed")

    @step
    def start(self):
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(self.seed)
        features = rng.normal(size=(self.rows, 4))
        truth = np.array([1.5, -2.0, 0.0, 0.7])
        self.frame = pd.DataFrame(features, columns=["a", "b", "c", "d"])
        self.frame["y"] = features @ truth + rng.normal(scale=0.1, size=self.rows)
        self.strengths = [0.01, 0.1, 1.0, 10.0]
        self.next(self.fit, foreach="strengths")

    @retry(times=1)
    @step
    def fit(self):
        import numpy as np

        x = self.frame[["a", "b", "c", "d"]].to_numpy()
        y = self.frame["y"].to_numpy()
        self.strength = self.input
        self.coef = np.linalg.solve(x.T @ x + self.strength * np.eye(4), x.T @ y)
        self.error = float(np.mean((x @ self.coef - y) ** 2))
        self.next(self.join)

    @step
    def join(self, inputs):
        best = min(inputs, key=lambda i: i.error)
        self.best_strength, self.coef, self.error = best.strength, best.coef, best.error
        self.merge_artifacts(inputs, include=["frame"])
        self.next(self.end)

    @step
    def end(self):
        print(
            f"best strength {self.best_strength}: error {self.error:.5f}, coef {self.coef.round(2)}"
        )


if __name__ == "__main__":
    DataSciFlow()
