"""Request ids made by the gateway (gateway/middleware.py RequestIds): unique under
the gthread workers' concurrency from the very first request, and new after a fork."""
import concurrent.futures
import os
import threading

from gateway.middleware import _SAFE_ID, RequestIds


def test_the_first_requests_of_many_threads_all_get_their_own_id():
    for _ in range(50):  # the race is at a fresh object's first calls: try it often
        ids = RequestIds()
        start = threading.Barrier(16)

        def take(_):
            start.wait()
            return [ids.next() for _ in range(20)]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            made = [rid for batch in pool.map(take, range(16)) for rid in batch]
        assert len(made) == len(set(made)) == 16 * 20
        assert all(_SAFE_ID.match(rid) for rid in made)


def test_a_forked_worker_starts_its_own_ids():
    ids = RequestIds()
    parent = ids.next()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a gunicorn worker forked from the master
        os.write(write, ids.next().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert child[:16] != parent[:16] and len(child) == len(parent) == 32
