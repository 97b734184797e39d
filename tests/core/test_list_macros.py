"""The shared list and form macros (templates/_macros/lists.html, forms.html): what each writes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup
from wtforms import Form, StringField

from tests.conftest import parse

LISTS = '{% from "_macros/lists.html" import data_table, paged_table, filter_form, search_field, select_field, sort_input %}'
FORMS = '{% from "_macros/forms.html" import fields, record_form %}'


def page_of(items, total=None, pages=1):
    total = len(items) if total is None else total
    return SimpleNamespace(
        items=items,
        total=total,
        pages=pages,
        page=1,
        has_prev=False,
        has_next=pages > 1,
        prev_num=None,
        next_num=2,
    )


def render(app, source: str, **context) -> SimpleNamespace:
    with app.test_request_context("/things/?q=x"), force_locale("en"):
        text = render_template_string(source, **context)
    return SimpleNamespace(text=text, tree=parse(SimpleNamespace(get_data=lambda as_text: text)))


TABLE = (
    LISTS + '{% call paged_table(page, "thing-table", caption, empty=empty, empty_html=empty_html,'
    ' pager_when_empty=when_empty) %}<tbody>{% for t in page.items %}<tr id="thing-{{ t }}"><td>{{ t }}</td></tr>'
    "{% endfor %}</tbody>{% endcall %}"
)


def table(app, page, caption="Things", empty="Nothing here.", empty_html=None, when_empty=False):
    return render(
        app,
        "<div>" + TABLE + "</div>",
        page=page,
        caption=caption,
        empty=empty,
        empty_html=empty_html,
        when_empty=when_empty,
    )


def test_paged_table_wraps_the_rows_with_a_hidden_caption_and_the_pager(app):
    out = table(app, page_of([1, 2], total=30, pages=2))
    wrap = out.tree.find_class("table-wrap")[0]
    tbl = wrap.get_element_by_id("thing-table")
    assert tbl.get("class") == "table"
    assert tbl.find("caption").get("class") == "visually-hidden"
    assert tbl.find("caption").text == "Things"
    assert [tr.get("id") for tr in tbl.iter("tr")] == ["thing-1", "thing-2"]
    assert out.tree.find_class("pager")[0].tag == "nav"  # after the table
    assert not out.tree.find_class("empty")


def test_paged_table_without_caption_writes_none(app):
    out = table(app, page_of([1]), caption=None)
    assert out.tree.get_element_by_id("thing-table").find("caption") is None


def test_paged_table_empty_state_is_the_sentence_or_the_page_markup(app):
    out = table(app, page_of([]))
    assert out.tree.get_element_by_id("thing-table", None) is None
    assert [(p.tag, p.text) for p in out.tree.find_class("empty")] == [("p", "Nothing here.")]
    markup = '<div class="empty"><p>None <a href="/new">yet</a></p></div>'
    rich = table(
        app, page_of([]), empty_html=Markup(markup)
    )  # what `{% set %}...{% endset %}` makes
    assert markup in rich.text
    assert "&lt;div" in table(app, page_of([]), empty_html=markup).text  # a plain string is escaped
    assert "Nothing here." not in rich.text


def test_pager_follows_an_empty_state_only_when_asked(app):
    past_the_end = page_of([], total=25, pages=1)
    assert not table(app, past_the_end).tree.find_class("pager")
    assert table(app, past_the_end, when_empty=True).tree.find_class("pager")


def test_filter_form_sends_by_get_and_by_htmx_into_results(app):
    source = (
        LISTS
        + '{% call filter_form("/things/", "change, submit", button=button, button_class=cls, search=search) %}<i>x</i>{% endcall %}'
    )
    form = render(app, source, button=None, cls="btn-secondary", search=True).tree
    assert form.tag == "form"
    assert dict(form.attrib) == {
        "class": "filters",
        "role": "search",
        "method": "get",
        "action": "/things/",
        "hx-get": "/things/",
        "hx-target": "#results",
        "hx-push-url": "true",
        "hx-trigger": "change, submit",
    }
    button = form.find("button")
    assert (button.get("type"), button.get("class"), button.text) == (
        "submit",
        "btn btn-secondary",
        "Filter",
    )
    assert form.find("i") is not None  # the caller's fields come before the button
    other = render(app, source, button="Show", cls="btn-small", search=False).tree
    assert "role" not in other.attrib
    assert (other.find("button").get("class"), other.find("button").text) == (
        "btn btn-small",
        "Show",
    )


def test_search_field_writes_only_the_attributes_asked_for(app):
    source = (
        LISTS
        + "{{ search_field('thing-q', 'a\"b', placeholder='Name', grow=grow, autocomplete=auto) }}"
    )
    box = render(app, source, grow=True, auto="off").tree
    assert box.get("class") == "field grow"
    assert box.find("label").get("for") == "thing-q" and box.find("label").text == "Search"
    field = box.find("input")
    assert dict(field.attrib) == {
        "id": "thing-q",
        "type": "search",
        "name": "q",
        "value": 'a"b',
        "maxlength": "100",
        "autocomplete": "off",
        "placeholder": "Name",
    }
    plain = render(app, source, grow=False, auto=None).tree
    assert plain.get("class") == "field" and "autocomplete" not in plain.find("input").attrib


def test_select_field_marks_the_current_choice_and_takes_extra_options(app):
    source = LISTS + (
        '{% call select_field("thing-kind", "kind", "Kind", [("a", "Alpha"), ("b", "Beta")], "b", all="All") %}'
        '<option value="z">Zed</option>{% endcall %}'
    )
    box = render(app, source).tree
    select = box.find("select")
    assert (select.get("id"), select.get("name")) == ("thing-kind", "kind")
    options = [(o.get("value"), o.text, "selected" in o.attrib) for o in select.iter("option")]
    assert options == [
        ("", "All", False),
        ("a", "Alpha", False),
        ("b", "Beta", True),
        ("z", "Zed", False),
    ]
    bare = render(app, LISTS + '{{ select_field("k", "k", "K", [("a", "A")], none) }}').tree
    assert [o.get("value") for o in bare.iter("option")] == ["a"]


def test_sort_input_keeps_the_order(app):
    field = render(app, LISTS + "{{ sort_input('-name') }}").tree
    assert (field.get("type"), field.get("name"), field.get("value")) == ("hidden", "sort", "-name")


class ThingForm(Form):
    name = StringField("Name")
    note = StringField("Note")


@pytest.mark.parametrize("versioned", [False, True])
def test_record_form_writes_token_version_errors_fields_save_and_cancel(app, versioned):
    form = ThingForm()
    form.form_errors = ["Changed meanwhile."]
    form.csrf_token = SimpleNamespace(
        __html__=lambda: '<input type="hidden" name="csrf_token" value="t">'
    )
    form.version = lambda: SimpleNamespace(
        __html__=lambda: '<input type="hidden" name="version" value="3">'
    )
    source = FORMS + (
        '{% call record_form(form, "thing-form", "/things/1", versioned=versioned, cancel="/things/",'
        ' class_="narrow", hx_target="#wrap") %}{{ fields(form.name, form.note) }}{% endcall %}'
    )
    tree = render(app, source, form=form, versioned=versioned).tree
    assert dict(tree.attrib) == {
        "id": "thing-form",
        "class": "narrow",
        "method": "post",
        "novalidate": "",
        "action": "/things/1",
        "hx-post": "/things/1",
        "hx-target": "#wrap",
    }
    names = [i.get("name") for i in tree.iter("input")]
    assert names == ["csrf_token"] + (["version"] if versioned else []) + ["name", "note"]
    assert tree.find_class("form-errors")[0].get("role") == "alert"
    assert [d.get("id") for d in tree.find_class("field")] == ["field-name", "field-note"]
    button, cancel = tree.find("button"), tree.find("a")
    assert (button.get("class"), button.text) == ("btn", "Save")
    assert (cancel.get("href"), cancel.text) == ("/things/", "Cancel")


def test_record_form_plain(app):
    form = ThingForm()
    form.csrf_token = ""
    source = FORMS + '{% call record_form(form, "f", "/x", save="Send") %}{% endcall %}'
    tree = render(app, source, form=form).tree
    assert "hx-post" not in tree.attrib and "class" not in tree.attrib
    assert tree.find("button").text == "Send" and tree.find("a") is None


def test_data_table_takes_the_table_class(app):
    source = (
        LISTS
        + '{% call data_table("heat", "Cells", class_="table heatmap") %}<tbody></tbody>{% endcall %}'
    )
    wrap = render(app, source).tree
    assert wrap.get("class") == "table-wrap"
    assert wrap.get_element_by_id("heat").get("class") == "table heatmap"
