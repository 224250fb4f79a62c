"""Every call that differs between POSIX (Linux, macOS) and Windows, in one place.

The rest of qualcode calls these functions and never ``fcntl``, ``os.nice``,
``os.fchmod``, ``os.getuid``, ``start_new_session`` or ``loop.add_signal_handler``
directly. Each function has a POSIX path and a Windows path:

==========================  ==========================================  =========================================
what                        POSIX (Linux, macOS)                        Windows
==========================  ==========================================  =========================================
``try_lock``/``unlock``     ``fcntl.flock`` (whole file, advisory)      ``msvcrt.locking`` on the first byte
``lock_passes_to_child``    True: the child inherits the locked fd      False: the child takes the lock itself
``lower_priority``          ``os.nice(n)``                              ``SetPriorityClass(BELOW_NORMAL)``
``detached``                ``start_new_session`` + ``pass_fds``        ``DETACHED_PROCESS``, new process group,
                                                                        below-normal priority
``set_mode``                ``os.fchmod`` / ``os.chmod``                nothing (the folder's ACL applies)
``as_new_file``             mode ``0o666 & ~umask`` (mkstemp's 0600)    nothing (the folder's ACL applies)
``keep_owner``              ``os.fchown`` to the old file's owner       nothing (the folder's ACL applies)
``modes_mean_access``       True: ``st_mode`` bits are permissions      False: only the read-only flag
``fsync_folder``            ``fsync`` of the folder (a rename on disk)  nothing (NTFS has no folder fsync)
``on_stop``                 ``loop.add_signal_handler`` (INT, TERM)     ``signal.signal`` (INT, BREAK)
==========================  ==========================================  =========================================

Linux runs in CI (the whole test suite and the installed wheel's smoke test); macOS takes
the POSIX paths, as Linux does. The Windows paths are checked by reading and by the tests
of this module that force ``WINDOWS`` (they run the code, not Windows).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

WINDOWS = os.name == "nt"

# --- file locks ----------------------------------------------------------------------------


def try_lock(fd: int) -> bool:
    """Take an exclusive lock on the open file ``fd`` without waiting: True if taken (or
    already held through this descriptor), False if another holder has it."""
    if WINDOWS:
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def unlock(fd: int) -> None:
    """Release a lock taken by :func:`try_lock` (closing the descriptor releases it too)."""
    try:
        if WINDOWS:
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


def lock_passes_to_child() -> bool:
    """Whether a child process can inherit a held lock through its descriptor
    (``pass_fds``). On Windows it cannot: the child takes the lock itself."""
    return not WINDOWS


# --- processes -----------------------------------------------------------------------------

BELOW_NORMAL_PRIORITY_CLASS = 0x00004000
CREATE_NEW_PROCESS_GROUP = 0x00000200
DETACHED_PROCESS = 0x00000008


def lower_priority(increment: int = 10) -> None:
    """Make this process yield the processor to interactive work (best effort)."""
    if WINDOWS:
        try:
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS)
        except (AttributeError, OSError):
            pass
        return
    try:
        os.nice(increment)
    except (AttributeError, OSError):
        pass


def detached(pass_fds: tuple[int, ...] = ()) -> dict[str, Any]:
    """Keyword arguments for :class:`subprocess.Popen` that start a process which outlives
    this one and is not stopped by the terminal's Ctrl+C. ``pass_fds``: descriptors the child
    inherits (POSIX only; see :func:`lock_passes_to_child`)."""
    if WINDOWS:
        return {
            "creationflags": DETACHED_PROCESS
            | CREATE_NEW_PROCESS_GROUP
            | BELOW_NORMAL_PRIORITY_CLASS,
            "close_fds": True,
        }
    return {"start_new_session": True, "pass_fds": pass_fds}


# --- file modes and owners -----------------------------------------------------------------


def modes_mean_access() -> bool:
    """Whether ``st_mode``'s permission bits tell who may read or write a file. On Windows
    they only mirror the read-only flag (access is a matter of ACLs)."""
    return not WINDOWS


def set_mode(fd: int, mode: int) -> None:
    """Give the open file ``fd`` the permission bits ``mode`` (POSIX); nothing on Windows."""
    if WINDOWS:
        return
    os.fchmod(fd, mode)


def as_new_file(path: str | os.PathLike[str]) -> None:
    """Give a file made by :func:`tempfile.mkstemp` (mode 0600) the mode a newly created
    file gets (``0o666 & ~umask``), so an export is readable as usual; nothing on Windows."""
    if WINDOWS:
        return
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def keep_owner(fd: int, old: os.stat_result) -> None:
    """Give the open file ``fd`` the owner and group of ``old`` (a file it replaces) when
    they differ from this process's (POSIX; raises PermissionError if that is not allowed).
    Nothing on Windows, where the new file gets the folder's ACL."""
    if WINDOWS:
        return
    if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        os.fchown(fd, old.st_uid, old.st_gid)


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries to disk (after a rename), best effort; nothing on Windows."""
    if WINDOWS:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- signals -------------------------------------------------------------------------------


def on_stop(loop: Any, stop: Callable[[], None]) -> None:
    """Call ``stop`` in the event loop ``loop`` on Ctrl+C, and on SIGTERM (POSIX) or
    Ctrl+Break (Windows)."""
    import signal

    if not WINDOWS:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop)
            except (NotImplementedError, RuntimeError):  # not the main thread
                pass
        return
    for name in ("SIGINT", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            signal.signal(number, lambda _s, _f: loop.call_soon_threadsafe(stop))
        except ValueError:  # not the main thread
            pass
