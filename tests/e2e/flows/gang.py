"""A @parallel step run as a gang of `--width` tasks; node 1 fails until `--marker` exists."""

import os

from flowscope import FlowSpec, Parameter, current, parallel, step


class GangFlow(FlowSpec):
    width = Parameter("width", default=3, help="how many tasks in the gang")
    marker = Parameter("marker", default="", help="node 1 fails until this file exists")

    @step
    def start(self):
        self.next(self.train, num_parallel=self.width)

    @parallel
    @step
    def train(self):
        here = current.parallel
        self.node, self.num_nodes, self.main_ip = here.node_index, here.num_nodes, here.main_ip
        self.control = here.control_task_id
        self.env = {k: v for k, v in os.environ.items() if k.startswith("MF_PARALLEL_")}
        if self.marker and not os.path.exists(self.marker) and self.node == 1:
            raise RuntimeError("node 1 is not ready")
        print(f"node {self.node} of {self.num_nodes}")
        self.next(self.join)

    @step
    def join(self, inputs):
        self.nodes = [i.node for i in inputs]
        self.controls = sorted({i.control for i in inputs})
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    GangFlow()
