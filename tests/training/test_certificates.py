"""The printable certificate: bilingual, with its expiry, for the person and their managers only."""

from tests.core.test_pdf import _pdf_streams, _to_unicode_codepoints
from tests.factories import make_team, make_user
from tests.training.factories import make_certificate, make_course


def text_of(pdf: bytes) -> str:
    return "".join(chr(c) for c in sorted(_to_unicode_codepoints(_pdf_streams(pdf))))


def test_a_person_prints_their_certificate_in_both_languages(client, login_as, db):
    team = make_team()
    person = make_user(display_name="瑨赜", team_id=team.id)
    course = make_course(title_zh="报价合规", title_en="Quote compliance")
    certificate = make_certificate(person, course)
    login_as(user=person)
    page = client.get("/training/", headers={"Accept-Language": "en"})
    assert f'id="certificate-{certificate.id}-pdf"' in page.get_data(as_text=True)
    response = client.get(f"/training/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"TC-2026-{certificate.id:05d}.pdf" in response.headers["Content-Disposition"]
    glyphs = set(text_of(response.data))
    # The person's rare name, both course titles and the expiry year are printed.
    for text in ("瑨赜", "报价合规", "Quote compliance", "2027", "结业", "Valid until"):
        assert set(text) <= glyphs, text


def test_only_the_person_and_their_managers_get_the_certificate(client, login_as, db):
    team, other_team = make_team(), make_team()
    person = make_user(team_id=team.id)
    certificate = make_certificate(person, make_course())
    url = f"/training/certificates/{certificate.id}.pdf"
    login_as("rep", team_id=team.id)
    assert client.get(url).status_code == 404
    login_as("manager", team_id=other_team.id)
    assert client.get(url).status_code == 404
    manager = make_user(role="manager", team_id=team.id)
    team.manager_id = manager.id
    login_as(user=manager)
    assert client.get(url).status_code == 200
    assert client.get("/training/certificates/999999.pdf").status_code == 404
