/* contactguard: fetch the panel for a customer and show it (shared by the Zendesk app and the Front plugin).
 * The page carries the fetch URL and a short-lived token (data attributes of #panel); the answer is contactguard's
 * own escaped HTML fragment, or a refusal fragment with a 4xx status. */
(function () {
  "use strict";
  var panel = document.getElementById("panel");

  function say(text) {
    var p = document.createElement("p");
    p.textContent = text;
    panel.replaceChildren(p);
  }

  function show(request) {
    return fetch(panel.dataset.fetchUrl, {
      method: "POST",
      credentials: "omit",
      headers: {"Authorization": "Bearer " + panel.dataset.token, "Content-Type": "application/json"},
      body: JSON.stringify({ticket: request.ticket, emails: request.emails, user: request.user})
    }).then(function (answer) {
      return answer.text().then(function (html) {
        panel.innerHTML = html;  // contactguard's server-rendered fragment; the CSP forbids inline scripts anyway
        panel.dataset.status = String(answer.status);
        return answer.status;
      });
    }).catch(function () {
      say("contactguard could not be reached. Try again in a moment.");
      panel.dataset.status = "unreachable";
      return 0;
    });
  }

  window.contactguardPanel = {show: show, say: say, element: panel};
})();
