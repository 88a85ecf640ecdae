/* Progressive enhancements only: every page works without JavaScript. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-Hans";
  var zh = lang.toLowerCase().indexOf("zh") === 0;

  // Live length counters (characters for Chinese fields, words for English ones).
  function measure(text, unit) {
    if (unit === "words") { var t = text.trim(); return t ? t.split(/\s+/).length : 0; }
    return text.trim().length;
  }
  function label(count, limit, unit) {
    if (zh) { return count + " / " + limit + (unit === "words" ? " 词" : " 字"); }
    return count + " / " + limit + (unit === "words" ? " words" : " characters");
  }
  document.querySelectorAll("[data-limit]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    var unit = field.getAttribute("data-limit-unit");
    var out = document.createElement("div");
    out.className = "counter";
    out.setAttribute("aria-live", "polite");
    out.id = field.id + "_counter";
    field.insertAdjacentElement("afterend", out);
    function update() {
      var n = measure(field.value, unit);
      out.textContent = label(n, limit, unit);
      out.classList.toggle("over", n > limit);
    }
    field.addEventListener("input", update);
    update();
  });

  // A second click on a submit button while the first request runs would send the form twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var clicked = event.submitter;
      if (clicked && clicked.name) {  // keep the pressed button's value once buttons are disabled
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = clicked.name; hidden.value = clicked.value;
        form.appendChild(hidden);
      }
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  // "Add a row" for the structured rows (without JavaScript, saving adds an empty row).
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var template = document.getElementById(prefix + "-empty");
      var html = template.innerHTML.replace(/__prefix__/g, index);
      document.getElementById(prefix + "-rows").insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
    });
  });

  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();

document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
