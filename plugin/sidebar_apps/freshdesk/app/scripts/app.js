/*
 * contactguard's panel in Freshdesk's ticket sidebar (Freshworks platform 3.0).
 *
 * Reads the ticket and its requester with the Data API, asks contactguard through the request template
 * `contactguardPanel` (config/requests.json: the secure iparam travels in a header added by Freshworks' servers,
 * never seen here) and shows the HTML panel contactguard answers. The panel is contactguard's own escaped HTML.
 */
(function () {
  "use strict";

  var panel = document.getElementById("panel");

  function showMessage(text) {
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = text;
    panel.replaceChildren(p);
  }

  function htmlFrom(text) {
    try {
      return JSON.parse(text).html || null;
    } catch (ignored) {
      return null;
    }
  }

  function requestBody(ticket, requester) {
    return JSON.stringify({
      ticket: { id: ticket.id },
      requester: { id: requester.id, email: requester.email, phone: requester.phone, mobile: requester.mobile }
    });
  }

  function load(client) {
    return Promise.all([client.data.get("ticket"), client.data.get("requester")])
      .then(function (found) {
        var body = requestBody(found[0].ticket || {}, found[1].requester || {});
        return client.request.invokeTemplate("contactguardPanel", { body: body });
      })
      .then(function (answer) {
        var html = htmlFrom(answer.response);
        if (html) {
          panel.innerHTML = html;
        } else {
          showMessage("contactguard answered without a panel.");
        }
      })
      .catch(function (error) {
        var html = error && htmlFrom(error.response);
        if (html) {
          panel.innerHTML = html;
        } else {
          showMessage("contactguard could not be reached (" + ((error && error.status) || "no answer") + ").");
        }
      });
  }

  app.initialized().then(function (client) {
    client.events.on("app.activated", function () {
      load(client);
    });
  });
})();
