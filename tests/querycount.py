"""The N+1 guard shared by the areas' query-count tests."""

from __future__ import annotations

from salesweb.extensions import db as _db
from tests.conftest import count_queries
from tests.factories import make_team, make_user

MAX_STATEMENTS = 12


def signed_in_team(role: str, login_as):
    """A rep alone, or a manager with two reps in one team; signed in. Returns (user, people)."""
    team = make_team()
    if role == "rep":
        user = make_user(role="rep", team_id=team.id)
        people = [user]
    else:
        user = make_user(role="manager", team_id=team.id)
        people = [*(make_user(role="rep", team_id=team.id) for _ in range(2)), user]
    login_as(user=user)
    return user, people


def statements(client, url: str, headers: dict) -> list[str]:
    """The SQL of one request to `url`, after a warm-up request (first-request work is not
    what is measured)."""
    client.get(url, headers=headers)
    with count_queries(_db.engines[None]) as seen:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return seen


def assert_few_and_flat(page: str, small: list[str], large: list[str], sizes: str) -> None:
    """At most MAX_STATEMENTS, and no more with more data (an N+1 would grow)."""
    assert len(small) <= MAX_STATEMENTS, "\n\n".join(small)
    assert len(large) == len(small), (
        f"{page}: {len(small)} statements with {sizes}, {len(large)} with more (N+1?)\n\n"
        + "\n\n".join(large)
    )
