/* contactguard in Zendesk's ticket sidebar: the ZAF SDK gives the ticket and its requester
 * (https://developer.zendesk.com/api-reference/apps/apps-support-api/ticket_sidebar/), panel_fetch.js shows the panel,
 * and the app's iframe is resized to it. The requester can change while the ticket is open: fetch again then. */
(function () {
  "use strict";
  var panel = window.contactguardPanel;
  if (typeof ZAFClient === "undefined") {
    panel.say("Open this panel from a Zendesk ticket.");
    return;
  }
  var client = ZAFClient.init();
  var FIELDS = ["ticket.id", "ticket.requester.id", "ticket.requester.email"];

  function resize() {
    client.invoke("resize", {width: "100%", height: Math.ceil(document.body.scrollHeight) + "px"});
  }

  function refresh() {
    return client.get(FIELDS).then(function (data) {
      var email = data["ticket.requester.email"];
      return panel.show({
        ticket: data["ticket.id"],
        user: data["ticket.requester.id"],
        emails: email ? [email] : []
      });
    }).then(resize, function () {
      panel.say("Zendesk did not give the ticket's requester. Reload the ticket.");
      resize();
    });
  }

  client.on("ticket.requester.id.changed", refresh);
  refresh();
})();
