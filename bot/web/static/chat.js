// KIM Intake web chat: the forms work without this script. With it, a form is sent in the
// background and the answer shown below the earlier ones, as in a chat. No framework.
(function () {
  "use strict";
  var main = document.getElementById("chat");
  if (!main || !window.fetch || !window.FormData || !window.DOMParser) { return; }
  var log = document.createElement("div");
  log.id = "log";
  main.parentNode.insertBefore(log, main);

  function bubble(text, mine) {
    if (!text) { return; }
    var p = document.createElement("p");
    p.className = mine ? "bubble mine" : "bubble";
    p.setAttribute("dir", "auto");
    p.textContent = text;
    log.appendChild(p);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    event.preventDefault();
    var data = new FormData(form);
    var pressed = event.submitter;
    if (pressed && pressed.name) { data.append(pressed.name, pressed.value); }
    // The question asked: the prompt's second paragraph (the first is where one stands).
    var paragraphs = main.querySelectorAll("section.prompt p");
    var prompt = paragraphs[paragraphs.length > 1 ? 1 : 0];
    var mine = pressed && pressed.name === "a" ? pressed.textContent :
      (form.querySelector("input[name=text], textarea[name=text]") || {}).value;
    var buttons = document.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    main.setAttribute("data-busy", "1");
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(data),
      credentials: "same-origin",
      redirect: "follow"
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var next = page.getElementById("chat");
      if (!next) { document.open(); document.write(html); document.close(); return; }
      if (form.className === "buttons" || form.className === "answer") {
        bubble(prompt ? prompt.textContent : "", false);
        bubble(mine, true);
      }
      document.documentElement.lang = page.documentElement.lang;
      document.documentElement.dir = page.documentElement.dir;
      main.innerHTML = next.innerHTML;
      main.removeAttribute("data-busy");
      var footer = document.querySelector("footer");
      var nextFooter = page.querySelector("footer");
      if (footer && nextFooter) { footer.innerHTML = nextFooter.innerHTML; }
      var focus = main.querySelector("input[name=text]") || main.querySelector("button");
      if (focus) { focus.focus({ preventScroll: true }); }
      main.scrollIntoView({ block: "start", behavior: "smooth" });
    }).catch(function () {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      main.removeAttribute("data-busy");
      form.submit();
    });
  });
}());
