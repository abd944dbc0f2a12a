"""A program that ends right after its last await exits cleanly.

The core resolves an awaitable from one of its own threads, and resolving it wakes the event
loop, which lets the program run on to its end while that thread is still inside Python. Up to
CPython 3.13 such a thread is killed when the interpreter finalizes; before the `atexit` hook that
waits for it, about one run in four of the program below died with SIGSEGV after its last line.
"""

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import asyncio, sys
    from logto._core import CoreOidc

    async def main():
        url = sys.argv[1] + "/oidc/.well-known/openid-configuration"
        await asyncio.gather(*(CoreOidc.discover(url) for _ in range(40)))

    asyncio.run(main())
    """
)


def test_programs_ending_right_after_many_awaits_exit_with_status_zero(idp):
    failures = []
    for run in range(20):
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM, idp.endpoint], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            failures.append(f"run {run}: exit status {done.returncode}, stderr: {done.stderr[-500:]}")
    assert not failures, "\n".join(failures)


LATE = textwrap.dedent(
    """
    import asyncio, atexit, sys

    async def late():
        from logto._core import CoreOidc
        try:
            await CoreOidc.discover(sys.argv[1] + "/oidc/.well-known/openid-configuration")
        except RuntimeError as error:
            print("refused:", error)

    # Registered before logto is imported, so it runs after logto's own exit hook.
    atexit.register(lambda: asyncio.run(late()))
    import logto._core
    """
)


def test_an_await_after_the_exit_hook_is_refused_instead_of_hanging(idp):
    done = subprocess.run([sys.executable, "-c", LATE, idp.endpoint], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: the interpreter is exiting" in done.stdout, done.stdout + done.stderr
