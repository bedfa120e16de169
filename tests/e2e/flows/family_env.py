"""The family's environment and compute-layer decorators, run locally
(tests/e2e/test_family_env.py): @pypi_base/@pypi/@conda pins are checked against this
interpreter, @kubernetes/@batch count as @resources. FAMILY_ENV_MISSING adds a pin nothing
meets."""

import os

from flowscope import FlowSpec, batch, conda, current, kubernetes, pypi, pypi_base, resources, step

EXTRA = {"flowscope-no-such-package": "1.0"} if os.environ.get("FAMILY_ENV_MISSING") else {}


@pypi_base(packages={"lz4": ">=4"}, python=">=3.10")
class FamilyEnvFlow(FlowSpec):
    @kubernetes(cpu=2, memory=8000, image="python:3.11", node_selector={"pool": "cpu"})
    @step
    def start(self):
        self.trigger_seen = current.trigger
        self.next(self.middle)

    @pypi(packages={"blake3": "", **EXTRA})
    @step
    def middle(self):
        self.next(self.end)

    @conda(libraries={"conda-forge::lz4": ""}, disabled=True)
    @resources(memory=16000)
    @batch(cpu=4, memory=1024, queue="jobs")
    @step
    def end(self):
        pass


if __name__ == "__main__":
    FamilyEnvFlow()
