// The embed page of a chat app, inside a product's iframe.
//
// Tells the embedding page what happens (ready, signed-in, thread-change), posting only to
// the parent origin the server checked against the app's embed_origins. Signed out, "Sign in"
// opens sign-in in a top-level popup (providers refuse to be framed). The popup's pages send
// Cross-Origin-Opener-Policy: same-origin, which cuts its link to this frame, so the popup's
// last page speaks on a same-origin BroadcastChannel; polling /api/me is the fallback.
(function () {
  "use strict";

  var block = document.getElementById("embed-data");
  if (!block) {
    return;
  }
  var data = JSON.parse(block.textContent || "{}");
  var POLL_MS = 1500;
  var POLL_FOR_MS = 10 * 60 * 1000;

  function tell(type, detail) {
    if (!data.parentOrigin || window.parent === window) {
      return;
    }
    window.parent.postMessage({ type: type, detail: detail || {} }, data.parentOrigin);
  }

  function watchThreads() {
    var element = document.querySelector("openai-chatkit");
    if (!element) {
      return;
    }
    element.addEventListener("chatkit.thread.change", function (event) {
      var threadId = event.detail ? event.detail.threadId || null : null;
      tell("chatkit-bff:thread-change", { threadId: threadId });
    });
  }

  function waitForSignIn() {
    var button = document.querySelector("[data-sign-in]");
    var status = document.querySelector("[data-sign-in-status]");
    var done = false;
    var channel = null;
    var poller = null;

    function signedIn() {
      if (done) {
        return;
      }
      done = true;
      if (poller) {
        window.clearInterval(poller);
      }
      if (channel) {
        channel.close();
      }
      tell("chatkit-bff:signed-in", {});
      window.location.reload();
    }

    if ("BroadcastChannel" in window) {
      channel = new BroadcastChannel(data.channel);
      channel.onmessage = function (event) {
        if (event.data && event.data.type === "signed-in") {
          signedIn();
        }
      };
    }
    // A popup that kept its opener may also say so directly (same origin only).
    window.addEventListener("message", function (event) {
      if (event.origin === window.location.origin && event.data && event.data.type === "chatkit-bff:popup-signed-in") {
        signedIn();
      }
    });

    function poll() {
      var started = Date.now();
      if (poller) {
        window.clearInterval(poller);
      }
      poller = window.setInterval(function () {
        if (Date.now() - started > POLL_FOR_MS) {
          window.clearInterval(poller);
          return;
        }
        fetch(data.meUrl, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
          if (response.ok) {
            signedIn();
          }
        }, function () {});
      }, POLL_MS);
    }

    button.addEventListener("click", function () {
      var features = "popup,width=520,height=680";
      var popup = window.open(data.signInUrl, "chatkit-bff-sign-in", features);
      if (!popup) {
        status.textContent = "Your browser blocked the sign-in window. Allow pop-ups for this site and try again.";
        return;
      }
      status.textContent = "Finish signing in in the new window.";
      poll();
    });
  }

  if (data.signedIn) {
    watchThreads();
  } else {
    waitForSignIn();
  }
  tell("chatkit-bff:ready", { signedIn: Boolean(data.signedIn), app: data.app });
})();
