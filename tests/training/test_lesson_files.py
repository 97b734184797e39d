"""Lesson files: checked by content, kept outside static/, images shown in the lesson, documents
downloaded, only authors upload."""

import io
import zipfile

from sqlalchemy import func, select

from salesweb.training.models import LessonFile
from tests.conftest import by_id, parse
from tests.office_files import MACRO_FILES
from tests.training.factories import make_course

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EN = {"Accept-Language": "en"}


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(client, lesson_id, data: bytes, name: str):
    return client.post(
        f"/training/lessons/{lesson_id}/files",
        headers=EN,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(db):
    return db.session.scalar(select(func.count()).select_from(LessonFile))


def test_image_is_stored_and_shown_in_the_lesson(client, login_as, db, app):
    login_as("admin")
    course = make_course()
    lesson = course.lessons[0]
    db.session.commit()
    assert upload(client, lesson.id, PNG, "diagram.png").status_code == 303
    stored = db.session.scalar(select(LessonFile).where(LessonFile.lesson_id == lesson.id))
    assert stored.kind == "png" and len(stored.sha256) == 64
    from pathlib import Path

    from salesweb.core import files

    with app.app_context():
        path = files.path_of(stored.stored_name, area="lesson-files")
    assert path.is_file() and Path(app.static_folder) not in path.parents
    image = client.get(f"/training/files/{stored.id}")
    assert image.mimetype == "image/png" and "attachment" not in image.headers.get(
        "Content-Disposition", ""
    )
    image.close()
    lesson.body_en = (
        f"See ![diagram](/training/files/{stored.id}) and ![x](https://evil.example/x.png)"
    )
    db.session.commit()
    page = client.get(f"/training/lessons/{lesson.id}", headers=EN)
    sources = parse(page).xpath("//article[@id='lesson-body']//img/@src")
    assert sources == [f"/training/files/{stored.id}"]


def test_documents_download_as_attachments(client, login_as, db):
    login_as("admin")
    course = make_course()
    lesson = course.lessons[0]
    db.session.commit()
    assert upload(client, lesson.id, _docx(), "price list.docx").status_code == 303
    stored = db.session.scalar(select(LessonFile).where(LessonFile.lesson_id == lesson.id))
    login_as("rep")
    download = client.get(f"/training/files/{stored.id}")
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    page = client.get(f"/training/lessons/{lesson.id}", headers=EN)
    assert by_id(page, "lesson-downloads") is not None


def test_disguised_empty_and_foreign_files_are_refused(client, login_as, db):
    login_as("admin")
    course = make_course()
    lesson = course.lessons[0]
    db.session.commit()
    for data, name in (
        (b"MZ\x90\x00 this is a program", "photo.png"),
        (PNG, "report.pdf"),
        (b"", "empty.png"),
    ):
        response = upload(client, lesson.id, data, name)
        assert response.status_code == 422, name
        assert by_id(response, "file-error") is not None
    assert count(db) == 0


def test_only_authors_upload(client, login_as, db):
    course = make_course()
    lesson = course.lessons[0]
    db.session.commit()
    login_as("rep")
    assert upload(client, lesson.id, PNG, "a.png").status_code == 403
    assert client.get("/training/files/999999").status_code == 404
    assert count(db) == 0


def test_lesson_files_are_private_and_never_stored_by_caches(client, login_as, db):
    login_as("admin")
    course = make_course()
    lesson = course.lessons[0]
    db.session.commit()
    assert upload(client, lesson.id, PNG, "diagram.png").status_code == 303
    assert upload(client, lesson.id, _docx(), "notes.docx").status_code == 303
    login_as("rep")
    for stored in db.session.scalars(select(LessonFile).where(LessonFile.lesson_id == lesson.id)):
        response = client.get(f"/training/files/{stored.id}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store", stored.filename
        response.close()


def test_office_files_with_macros_are_refused_with_a_message(client, login_as, db):
    login_as("admin")
    course = make_course()
    lesson = course.lessons[0]
    db.session.commit()
    for data, name in MACRO_FILES:
        response = upload(client, lesson.id, data, name)
        assert response.status_code == 422, name
        assert "macros" in by_id(response, "file-error").text_content(), name
    assert count(db) == 0
    login_as("admin", locale="zh_CN")
    zh = client.post(
        f"/training/lessons/{lesson.id}/files",
        data={"file": (io.BytesIO(MACRO_FILES[0][0]), "offer.docx")},
        content_type="multipart/form-data",
    )
    assert zh.status_code == 422 and "宏" in by_id(zh, "file-error").text_content()
