// The board: a card moves by drag or through the one shared "Move to" dialog; both post to the
// deal's move endpoint through htmx (its headers, CSRF token and events). A move back asks for a
// reason first; a refusal is shown under the card, which goes back to its column; after a move
// the board redraws and focus returns to the moved card. A column's "Show more" link brings its
// next cards in (htmx) and focus goes to the first of them. A card carries only its id, version
// and links: its move URL and stage are read from its title link and its column.
(function () {
  "use strict";

  var pending = null; // { card, from, index } while the dialog is open for a card
  var focusAfterRedraw = null; // the id of the card to focus once the board is redrawn

  function dialog() { return document.getElementById("move-dialog"); }

  function dealUrl(card) { return card.querySelector(".card-title").getAttribute("href"); }

  // The stage a card is in: its column's, or (while a dragged card waits) the one it came from.
  function stageOf(card) {
    if (!card.dataset.stageKey) card.dataset.stageKey = card.closest(".board-cards").dataset.stageKey;
    return card.dataset.stageKey;
  }

  function position(key) {
    var option = document.querySelector("#move-dialog-stage option[value='" + key + "']");
    return option ? Number(option.dataset.position) : 0;
  }

  function feedbackSlot(card) {
    var slot = card.querySelector(".card-feedback");
    if (!slot) {
      slot = document.createElement("div");
      slot.className = "card-feedback";
      slot.id = "card-feedback-" + card.id.replace("card-", "");
      card.appendChild(slot);
    }
    return slot;
  }

  function putBack(move) {
    if (!move || !move.from) return;
    var ref = move.from.children[move.index] || null;
    if (ref !== move.card) move.from.insertBefore(move.card, ref);
  }

  function send(card, values, move) {
    var slot = feedbackSlot(card);
    slot.innerHTML = "";
    card.addEventListener("htmx:afterRequest", function (evt) {
      if (evt.detail.xhr && evt.detail.xhr.status < 300) { // a 422 is swapped, yet refused
        focusAfterRedraw = card.id;
      } else {
        putBack(move);
        var button = card.querySelector("[data-move]") || card.querySelector(".card-title");
        if (button) button.focus();
      }
    }, { once: true });
    htmx.ajax("POST", dealUrl(card) + "/move", {
      source: card, target: "#" + slot.id, swap: "innerHTML", values: values
    });
  }

  function openDialog(card, stageKey, move) {
    var box = dialog();
    if (!box) return;
    pending = { card: card, move: move };
    var form = box.querySelector("form");
    form.reset();
    form.elements.version.value = card.dataset.version;
    document.getElementById("move-dialog-deal").textContent = card.querySelector(".card-title").textContent;
    var select = form.elements.stage_key;
    Array.prototype.forEach.call(select.options, function (option) {
      option.disabled = option.value === stageOf(card);
    });
    var first = Array.prototype.find.call(select.options, function (o) { return !o.disabled; });
    select.value = stageKey || (first && first.value) || "";
    showReason(card);
    box.showModal();
    (stageKey ? form.elements.reason : select).focus();
  }

  function showReason(card) {
    var form = dialog().querySelector("form");
    var back = position(form.elements.stage_key.value) < position(stageOf(card));
    document.getElementById("move-dialog-reason-field").hidden = !back;
    form.elements.reason.required = back;
  }

  function closeDialog(cancelled) {
    var box = dialog();
    if (box && box.open) box.close();
    if (cancelled && pending) {
      putBack(pending.move);
      var button = pending.card.querySelector("[data-move]");
      if (button) button.focus();
    }
    pending = null;
  }

  function onDrop(evt) {
    if (evt.from === evt.to) return;
    var card = evt.item;
    var key = evt.to.dataset.stageKey;
    card.dataset.stageKey = evt.from.dataset.stageKey;
    var move = { card: card, from: evt.from, index: evt.oldIndex };
    if (position(key) < position(stageOf(card))) {
      openDialog(card, key, move); // moving back needs a reason: ask before sending
      return;
    }
    send(card, { stage_key: key, version: card.dataset.version, via: "board" }, move);
  }

  document.addEventListener("click", function (evt) {
    var opener = evt.target.closest(".deal-card [data-move]");
    if (opener && dialog()) {
      evt.preventDefault();
      openDialog(opener.closest(".deal-card"), "", null);
      return;
    }
    if (evt.target.closest("[data-close-dialog]")) closeDialog(true);
  });

  document.addEventListener("change", function (evt) {
    if (evt.target.id === "move-dialog-stage" && pending) showReason(pending.card);
  });

  document.addEventListener("submit", function (evt) {
    if (evt.target.id !== "move-dialog-form" || !pending) return;
    evt.preventDefault();
    var form = evt.target;
    var values = {
      stage_key: form.elements.stage_key.value,
      version: form.elements.version.value,
      via: "board",
      reason: form.elements.reason.value
    };
    var chosen = pending;
    closeDialog(false);
    send(chosen.card, values, chosen.move);
  });

  // Esc closes a modal dialog without a "close" from us: treat it as Cancel.
  document.addEventListener("cancel", function (evt) {
    if (evt.target === dialog()) { evt.preventDefault(); closeDialog(true); }
  }, true);

  // "Show more": remember the column and how many cards it had; focus the first new one after.
  var moreFor = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var link = evt.detail.elt;
    if (!link.closest || !link.closest(".board-more")) return;
    var list = link.closest(".board-cards");
    moreFor = { list: list, shown: list.querySelectorAll(".deal-card").length };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (moreFor) {
      var next = moreFor.list.querySelectorAll(".deal-card")[moreFor.shown];
      moreFor = null;
      if (next) next.querySelector(".card-title").focus();
    }
    if (!focusAfterRedraw) return;
    var card = document.getElementById(focusAfterRedraw);
    if (card && card.closest("#results") && !card.querySelector(".card-feedback")) {
      focusAfterRedraw = null;
      var link = card.querySelector(".card-title");
      if (link) { link.focus(); card.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    }
  });

  function init(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll(".board-cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "deals", animation: 120, draggable: ".deal-card", filter: "a.card-move, button, input, select",
        preventOnFilter: false, forceFallback: true, fallbackTolerance: 4,
        onEnd: onDrop
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
