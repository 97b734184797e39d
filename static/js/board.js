// The board: dragging a card posts to the same move endpoint as the "Move to" control.
// A refused move puts the card back and shows why (the server's 422 fragment).
(function () {
  "use strict";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, ref);
  }

  function onDrop(evt) {
    if (evt.from === evt.to) return;
    var card = evt.item;
    var body = new URLSearchParams({
      stage_key: evt.to.dataset.stageKey,
      version: card.dataset.version,
      via: "board"
    });
    var feedback = document.getElementById("move-feedback");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    }).then(function (result) {
      if (feedback) { feedback.innerHTML = result.html; htmx.process(feedback); }
      if (result.ok) {
        document.body.dispatchEvent(new CustomEvent("dealMoved", { bubbles: true }));
      } else {
        putBack(evt);
      }
    }).catch(function () { putBack(evt); });
  }

  function init(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll(".board-cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "deals", animation: 120, filter: "select, button, input", preventOnFilter: false,
        forceFallback: true, fallbackTolerance: 4,
        onEnd: onDrop
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
