"""A manager answers for the teams they lead, not only the team they sit in: giving accounts,
assigning training, the training matrix and the people in scope all follow `leads()`."""

from salesweb.customers.permissions import can_give_accounts_to
from salesweb.training.permissions import can_assign_to, can_view_matrix, people_ids_in_scope
from tests.factories import make_team, make_user


def _regional_manager():
    """A manager sitting in head office who leads the East team (as the importer sets them up)."""
    head, east, west = make_team(), make_team(), make_team()
    manager = make_user(role="manager", team_id=head.id)
    east.manager_id = manager.id
    east_rep = make_user(role="rep", team_id=east.id)
    west_rep = make_user(role="rep", team_id=west.id)
    return manager, east, west, east_rep, west_rep


def test_led_team_is_in_the_managers_scope(db):
    manager, east, west, east_rep, west_rep = _regional_manager()
    assert can_give_accounts_to(manager, east_rep)
    assert not can_give_accounts_to(manager, west_rep)
    assert can_assign_to(manager, east_rep)
    assert not can_assign_to(manager, west_rep)
    assert can_view_matrix(manager, east)
    assert not can_view_matrix(manager, west)
    assert east_rep.id in people_ids_in_scope(manager)
    assert west_rep.id not in people_ids_in_scope(manager)


def test_manager_without_a_team_of_their_own_still_answers_for_the_team_they_lead(db):
    east = make_team()
    manager = make_user(role="manager", team_id=None)
    east.manager_id = manager.id
    rep = make_user(role="rep", team_id=east.id)
    assert set(people_ids_in_scope(manager)) == {manager.id, rep.id}
    assert can_assign_to(manager, rep)


def test_a_rep_of_a_team_does_not_see_its_matrix(db):
    east = make_team()
    rep = make_user(role="rep", team_id=east.id)
    assert not can_view_matrix(rep, east)
