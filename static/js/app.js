// salesweb's own behaviour: small progressive enhancements, no inline scripts (CSP).
(function () {
  "use strict";

  // Every toast goes away by itself (an error stays longer) and can be dismissed at once.
  function dismissLater(toast) {
    if (toast.dataset.timer) return;
    toast.dataset.timer = "1";
    var delay = toast.classList.contains("toast-error") ? 12000 : 6000;
    window.setTimeout(function () { toast.remove(); }, delay);
  }

  function sweepToasts() {
    document.querySelectorAll("#toasts .toast").forEach(dismissLater);
  }

  function enhance(root) {
    sweepToasts();
    root.querySelectorAll("[data-autosubmit-button]").forEach(function (btn) {
      btn.classList.add("visually-hidden");
    });
    root.querySelectorAll("[data-copy]").forEach(function (btn) { btn.hidden = false; });
  }

  // The main menu: one drop-down open at a time; on a phone the menu button shows the menu.
  function setupMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("mainnav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    document.documentElement.classList.add("has-nav-toggle");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
  }

  function closeMenus(except) {
    document.querySelectorAll(".mainnav details[open]").forEach(function (d) {
      if (d !== except) d.open = false;
    });
  }

  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.matches && details.matches(".mainnav details") && details.open) closeMenus(details);
  }, true);

  document.addEventListener("click", function (event) {
    if (!event.target.closest(".mainnav details")) closeMenus(null);
    var button = event.target.closest("[data-dismiss]");
    if (button) {
      var toast = button.closest(".toast");
      if (toast) toast.remove();
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) copyFrom(copy);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
    var menu = document.querySelector(".mainnav details[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
      return;
    }
    var toasts = document.querySelectorAll("#toasts .toast");
    if (toasts.length) toasts[toasts.length - 1].remove();
  });

  // A copy button next to a read-only field (an invitation link shown once).
  function copyFrom(button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    field.select();
    var done = function () {
      button.textContent = button.dataset.copied || button.textContent;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (document.execCommand("copy")) done();
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () { setupMenu(); enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  // Toasts arrive out of band, beside the swapped region: look for them after every swap.
  document.addEventListener("htmx:afterSettle", sweepToasts);
  document.addEventListener("htmx:oobAfterSwap", sweepToasts);

  // A network failure during an htmx request: tell the person instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("toasts");
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-error";
    toast.setAttribute("role", "alert");
    toast.textContent = document.documentElement.lang.indexOf("zh") === 0
      ? "无法连接服务器，请检查网络后重试。"
      : "The server could not be reached. Check the connection and try again.";
    region.appendChild(toast);
    dismissLater(toast);
  });
})();
