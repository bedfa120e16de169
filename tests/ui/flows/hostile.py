"""A flow whose every user string is hostile: parameters, tags (given on the command line),
printed output, and artifacts of many kinds (text, dict, DataFrame, array, PNG bytes). One
foreach task fails its first attempt and is retried."""

import json

from flowscope import FlowSpec, Parameter, current, retry, step

HOSTILE = [
    "<script>window.__pwned = 1; alert(1)</script>",
    '"><img src=x onerror="window.__pwned = 2; alert(2)">',
    "javascript:window.__pwned = 3; alert(3)",
]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


class HostileFlow(FlowSpec):
    note = Parameter("note", default=HOSTILE[0], help="a hostile string")
    alpha = Parameter("alpha", default=0.5, help="a number")

    @step
    def start(self):
        for h in HOSTILE:
            print(h)
        print("needle in the output")
        self.text = "\n".join(HOSTILE)
        self.mapping = {h: h for h in HOSTILE}
        self.png = PNG
        try:
            import numpy as np
            import pandas as pd

            self.frame = pd.DataFrame({HOSTILE[1]: HOSTILE, "n": [1, 2, 3]})
            self.array = np.arange(12, dtype="float64").reshape(3, 4)
        except ImportError:
            pass
        self.items = [0, 1, 2]
        self.next(self.body, foreach="items")

    @retry(times=1)
    @step
    def body(self):
        if self.input == 1 and current.retry_count == 0:
            raise RuntimeError(HOSTILE[1])
        self.value = self.input * self.alpha
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        self.accuracy = 0.5 + self.alpha / 10
        self.label = json.dumps(HOSTILE[2])


if __name__ == "__main__":
    HostileFlow()
