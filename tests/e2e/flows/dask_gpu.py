"""A step that asks for a GPU: on a Dask cluster it runs only on a worker that declares one."""

from flowscope import FlowSpec, resources, step


class DaskGpuFlow(FlowSpec):
    @resources(gpu=1)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DaskGpuFlow()
