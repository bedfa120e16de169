"""W3: make a float64 array and a DataFrame; keep them as artifacts only when `--save 1`.

The run with `--save 0` does the same work except storing the two values, so the difference
of the two run times is the cost of saving them.
"""

import importlib
import os

import numpy as np
import pandas as pd

pkg = importlib.import_module(os.environ.get("BENCH_PKG", "flowscope"))
FlowSpec, Parameter, step = pkg.FlowSpec, pkg.Parameter, pkg.step


class SaveFlow(FlowSpec):
    save = Parameter("save", default=1, type=int, help="1: store arr and df as artifacts")
    array_mb = Parameter("array_mb", default=200, type=int, help="size of the array in MB")
    rows = Parameter("rows", default=1_000_000, type=int, help="rows of the DataFrame")

    @step
    def start(self):
        rng = np.random.default_rng(0)
        arr = rng.random(self.array_mb * 1_000_000 // 8)  # float64
        labels = np.array(["alpha", "beta", "gamma", "delta"], dtype=object)
        df = pd.DataFrame(
            {
                "id": np.arange(self.rows, dtype=np.int64),
                "x": rng.random(self.rows),
                "y": rng.standard_normal(self.rows).astype(np.float32),
                "label": labels[np.arange(self.rows) % 4],
            }
        )
        if self.save:
            self.arr = arr
            self.df = df
        self.shape = (arr.shape, df.shape)
        self.next(self.end)

    @step
    def end(self):
        print("shape", self.shape)


if __name__ == "__main__":
    SaveFlow()
