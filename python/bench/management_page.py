"""Benchmark of `logto.management` (see BENCHMARKS.md, "Management API"): a page of 100 users
(an organization's members) fetched and decoded into models, against the usual recipe
(`requests` with the same bearer token and `.json()`, untyped; and the same with the models
validated by pydantic), on the test kit's in-process Logto.

    python bench/management_page.py [ROUNDS]     # from python/, in its venv
"""

import asyncio
import statistics
import sys
import time
from typing import Any, Callable, List

import requests
from pydantic import TypeAdapter

from logto.machine import MachineClient
from logto.management import ManagementClient
from logto.management import sync as management_sync
from logto.management._models import ListOrganizationUsersResponseItem
from logto.testing import MANAGEMENT_API_RESOURCE, MockLogto


def summary(name: str, times: List[float]) -> None:
    times = sorted(times)
    print(f"  {name}: median {statistics.median(times):.3f} ms, p90 {times[int(len(times) * 0.9)]:.3f} ms")


def timed(rounds: int, step: Callable[[], Any]) -> List[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(rounds: int) -> None:
    with MockLogto() as logto:
        logto.add_m2m_app("bench", "bench-secret", api_scopes={MANAGEMENT_API_RESOURCE: ["all"]})
        for n in range(100):
            logto.add_user(
                f"u{n:03}", username=f"user{n}", name=f"User {n}", email=f"user{n}@example.com",
                custom_data={"plan": "pro", "seats": n}, organizations={"org_bench": (["member"], ["read:org"])},
            )
        print(f"page of 100 users, {rounds} rounds (after 20 warm-up):")

        client = management_sync.ManagementClient(logto.endpoint, "bench", "bench-secret")

        def typed_sync() -> None:
            assert len(client.organizations.list_organization_users("org_bench", page_size=100).items) == 100

        timed(20, typed_sync)
        summary("logto.management.sync (typed models, Total-Number)", timed(rounds, typed_sync))

        async_client = ManagementClient(logto.endpoint, "bench", "bench-secret")

        async def typed_async() -> List[float]:
            times = []
            for round in range(rounds + 20):
                started = time.perf_counter()
                page = await async_client.organizations.list_organization_users("org_bench", page_size=100)
                assert len(page.items) == 100
                if round >= 20:
                    times.append((time.perf_counter() - started) * 1000)
            return times

        summary("logto.management (async, typed models)", asyncio.run(typed_async()))

        token = asyncio.run(MachineClient(logto.endpoint, "bench", "bench-secret").getToken(resource=MANAGEMENT_API_RESOURCE, scopes=["all"]))
        session = requests.Session()
        url = f"{logto.endpoint}/api/organizations/org_bench/users?page_size=100"
        headers = {"Authorization": f"Bearer {token}"}

        def recipe() -> None:
            answer = session.get(url, headers=headers, timeout=10)
            answer.raise_for_status()
            assert len(answer.json()) == 100

        timed(20, recipe)
        summary("requests + .json() (untyped, the usual recipe)", timed(rounds, recipe))

        adapter = TypeAdapter(List[ListOrganizationUsersResponseItem])

        def recipe_validated() -> None:
            answer = session.get(url, headers=headers, timeout=10)
            assert len(adapter.validate_json(answer.content)) == 100

        timed(20, recipe_validated)
        summary("requests + the same pydantic models", timed(rounds, recipe_validated))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
