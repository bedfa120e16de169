import os

from flowscope import FlowSpec, Parameter, exit_hook, step

OUT = os.environ.get("HOOK_OUT", "hooks.txt")


def _note(text):
    with open(OUT, "a") as f:
        f.write(text + "\n")


def announce():
    _note("success: no arguments")


def report(run):
    failed = [t.pathspec for s in run for t in s if not t.successful] if run else []
    _note(f"error: {run.pathspec if run else None} failed={failed}")


def broken(run=None):
    _note("broken hook ran")
    raise RuntimeError("the hook itself broke")


def after_broken(**kwargs):
    _note(f"after broken: {kwargs['run'].successful}")


@exit_hook(on_success=[announce], on_error=[report])
@exit_hook(on_error=[broken, after_broken], on_success=[broken, after_broken])
class ExitHookFlow(FlowSpec):
    fail = Parameter("fail", default=False, help="make start fail")

    @step
    def start(self):
        if self.fail:
            raise ValueError("failing as asked")
        self.next(self.end)

    @step
    def end(self):
        _note("end ran")


if __name__ == "__main__":
    ExitHookFlow()
