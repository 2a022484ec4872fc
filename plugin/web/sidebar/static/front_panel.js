/* contactguard in Front's sidebar: Front.contextUpdates gives the selected conversation
 * (https://dev.frontapp.com/reference/context-updates); its recipient's handle is the customer's address when the
 * recipient is an e-mail one. The plugin stays open while the agent moves between conversations, longer than a panel
 * token lasts: when contactguard answers 401 (expired), reload the page (its URL keeps Front's auth_secret). */
(function () {
  "use strict";
  var panel = window.contactguardPanel;
  var loadedAt = Date.now();
  var TOKEN_SURELY_FRESH_MS = 60000;  // a 401 sooner than this is not an expiry: say so rather than reload forever
  if (typeof Front === "undefined") {
    panel.say("Open this panel from Front.");
    return;
  }

  function requestFor(conversation) {
    var recipient = conversation.recipient || {};
    var isEmail = recipient.type === "email" && recipient.handle;
    return {
      ticket: conversation.id,
      user: recipient.contact ? recipient.contact.id : null,
      emails: isEmail ? [recipient.handle] : []
    };
  }

  Front.contextUpdates.subscribe(function (context) {
    if (context.type === "singleConversation") {
      panel.show(requestFor(context.conversation)).then(function (status) {
        if (status === 401 && Date.now() - loadedAt > TOKEN_SURELY_FRESH_MS) {
          window.location.reload();
        }
      });
    } else if (context.type === "multiConversations") {
      panel.say("Select one conversation to see its customer's contact arrangement.");
    } else {
      panel.say("Select a conversation to see its customer's contact arrangement.");
    }
  });
})();
