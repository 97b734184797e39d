// salesweb's own behaviour: small progressive enhancements, no inline scripts (CSP).
(function () {
  "use strict";

  function dismissLater(toast) {
    if (toast.dataset.timer || toast.classList.contains("toast-error")) return;
    toast.dataset.timer = "1";
    window.setTimeout(function () { toast.remove(); }, 6000);
  }

  function enhance(root) {
    root.querySelectorAll(".toast").forEach(dismissLater);
    root.querySelectorAll("[data-autosubmit-button]").forEach(function (btn) {
      btn.classList.add("visually-hidden");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) {
      var toast = button.closest(".toast");
      if (toast) toast.remove();
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });

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
  });
})();
