"""Events of the customers area that higher areas listen to (blinker)."""

from blinker import Namespace

_signals = Namespace()

# sent with task=<Task>, actor=<User> after a task is marked done
task_done = _signals.signal("task_done")
