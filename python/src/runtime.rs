//! The tokio runtime the module's futures run on, and how a future's value reaches Python: at
//! once when it needs no I/O, on the caller's thread with the GIL released (`blocking`), or as an
//! asyncio awaitable resolved from a runtime thread.
//!
//! It also keeps the runtime's threads out of Python once the interpreter starts to exit. Up to
//! CPython 3.13 a thread that waits for the GIL while the interpreter finalizes is ended with
//! `pthread_exit`; when that happens in the middle of a call into Python (resolving an asyncio
//! future releases the GIL to wake the loop), the unwinding drops Python objects without the GIL
//! and the process dies with SIGSEGV after the program's last line. So an `atexit` hook
//! ([`before_exit`]) closes the door and waits for the threads already inside; every runtime
//! thread enters Python through [`attach_unless_exiting`].

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The process's runtime (multi-threaded, built on first use).
pub(crate) fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("logto-runtime")
            .build()
            .expect("the operating system refused the threads of the tokio runtime")
    })
}

/// Runs `future` on this thread with the GIL released. Python threads are never runtime
/// threads, so blocking here is allowed.
pub(crate) fn block_on<F>(py: Python<'_>, future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(|| runtime().block_on(future))
}

/// Runs `future` to its value, converted by `convert`: at once when its first poll needs no I/O,
/// with `blocking` on this thread with the GIL released, else as an asyncio awaitable.
///
/// Handing a future to a runtime thread and waking the event loop back costs hundreds of
/// microseconds; most calls of a web request (a cached token, a sign-in URL) finish without I/O,
/// so the first poll happens here, inside the runtime's context.
pub(crate) fn drive_with<'py, Fut, C>(
    py: Python<'py>,
    blocking: bool,
    future: Fut,
    convert: C,
) -> PyResult<Bound<'py, PyAny>>
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
    C: FnOnce(Python<'_>, Fut::Output) -> PyResult<Py<PyAny>> + Send + 'static,
{
    let mut future = Box::pin(future);
    let first_poll = {
        let _context = runtime().enter();
        future.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    };
    let output = match first_poll {
        Poll::Ready(output) => output,
        Poll::Pending if blocking => block_on(py, future),
        Poll::Pending => return awaitable(py, future, convert),
    };
    Ok(convert(py, output)?.into_bound(py))
}

/// [`drive_with`] for a future of a `PyResult` of something Python can hold.
pub(crate) fn drive<'py, T, Fut>(py: Python<'py>, blocking: bool, future: Fut) -> PyResult<Bound<'py, PyAny>>
where
    Fut: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    drive_with(py, blocking, future, |py, result| result?.into_py_any(py))
}

/// An asyncio future of the running loop, resolved with `future`'s value (always an awaitable,
/// even when the value is ready at once).
pub(crate) fn into_awaitable<T, Fut>(py: Python<'_>, future: Fut) -> PyResult<Bound<'_, PyAny>>
where
    Fut: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    awaitable(py, future, |py, result| result?.into_py_any(py))
}

/// An asyncio future of the running loop, resolved with `convert(future's output)` (or its
/// error) when `future` ends on the runtime; cancelling it drops `future`.
fn awaitable<'py, Fut, C>(py: Python<'py>, future: Fut, convert: C) -> PyResult<Bound<'py, PyAny>>
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
    C: FnOnce(Python<'_>, Fut::Output) -> PyResult<Py<PyAny>> + Send + 'static,
{
    if EXITING.load(Ordering::SeqCst) {
        // Its answer could never be delivered.
        return Err(PyRuntimeError::new_err(
            "the interpreter is exiting: logto's calls cannot be awaited any more",
        ));
    }
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_future = event_loop.call_method0("create_future")?;
    let (event_loop, target) = (event_loop.unbind(), py_future.clone().unbind());
    // The work runs as a task of its own, so a panic in it reaches its `JoinHandle` and is
    // answered as an exception instead of leaving the awaitable pending forever.
    let work = runtime().spawn(future);
    let abort = work.abort_handle();
    runtime().spawn(async move {
        let output = work.await;
        // Waiting for the GIL must not hold a runtime worker.
        drop(tokio::task::spawn_blocking(move || {
            attach_unless_exiting(|py| {
                let value = match output {
                    Ok(output) => {
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| convert(py, output)))
                            .unwrap_or_else(|_| {
                                Err(PanicException::new_err("logto's conversion of a result panicked"))
                            })
                    }
                    // Cancelled: the future is done already and `resolve` leaves it alone.
                    Err(error) if error.is_cancelled() => Err(PyRuntimeError::new_err("cancelled")),
                    Err(_) => Err(PanicException::new_err("logto's task panicked")),
                };
                resolve_soon(py, &event_loop, target, value);
            });
        }));
    });
    py_future.call_method1("add_done_callback", (AbortIfCancelled { task: abort },))?;
    Ok(py_future)
}

/// Asks the loop to resolve `target` with `value`. A closed loop (its program is over) is
/// nobody's to tell.
fn resolve_soon(py: Python<'_>, event_loop: &Py<PyAny>, target: Py<PyAny>, value: PyResult<Py<PyAny>>) {
    static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let Ok(resolve) = RESOLVE
        .get_or_try_init(py, || wrap_pyfunction!(resolve, py).map(|function| function.into_any().unbind()))
    else {
        return;
    };
    let (ok, value) = match value {
        Ok(value) => (true, value),
        Err(error) => (false, error.into_value(py).into_any()),
    };
    let _ = event_loop.call_method1(py, "call_soon_threadsafe", (resolve, target, ok, value));
}

/// Sets the result or exception of `future` unless it is already done (cancelled). Runs on the
/// loop's thread.
#[pyfunction]
fn resolve(future: &Bound<'_, PyAny>, ok: bool, value: Bound<'_, PyAny>) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    future.call_method1(if ok { "set_result" } else { "set_exception" }, (value,))?;
    Ok(())
}

/// The done-callback that stops the runtime's task when Python cancels its awaitable.
#[pyclass(frozen)]
#[derive(Debug)]
struct AbortIfCancelled {
    task: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortIfCancelled {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.task.abort();
        }
        Ok(())
    }
}

/// Threads inside [`attach_unless_exiting`] right now.
static IN_PYTHON: AtomicUsize = AtomicUsize::new(0);
/// Set by [`before_exit`]: no runtime thread enters Python any more.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Runs `f` attached to the interpreter, unless the interpreter is exiting (then `None`).
pub(crate) fn attach_unless_exiting<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    struct Inside;
    impl Drop for Inside {
        fn drop(&mut self) {
            IN_PYTHON.fetch_sub(1, Ordering::SeqCst);
        }
    }
    // Counted before the check: `before_exit` sets the flag before it reads the count, so a
    // thread it does not wait for is one that sees the flag.
    IN_PYTHON.fetch_add(1, Ordering::SeqCst);
    let _inside = Inside;
    if EXITING.load(Ordering::SeqCst) {
        return None;
    }
    Some(Python::attach(f))
}

/// The `atexit` hook: closes the door to runtime threads and waits (GIL released, at most two
/// seconds) for those already in Python to leave, before the interpreter starts to finalize.
#[pyfunction]
pub(crate) fn before_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(2);
    py.detach(|| {
        while IN_PYTHON.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}
