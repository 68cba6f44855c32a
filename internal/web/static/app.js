// Canopy's small progressive enhancements. No framework: each block wires
// one behaviour through event delegation, so htmx-swapped content works too.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Cookies off means the session cookie is dropped and every form fails
  // with a confusing sign-in loop; say so up front.
  function showCookieBanner() {
    if (navigator.cookieEnabled) return;
    var banner = document.getElementById("cookie-banner");
    if (banner) banner.hidden = false;
  }

  // Ask before destructive actions. Capture phase so the check runs before
  // the form submits (and before htmx sees the click).
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // Copy buttons: data-copy="#id" copies that element's text,
  // data-copy-text="..." copies the attribute itself.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-HTTP deployments have no Clipboard API: fall back to a
    // temporary textarea and the legacy copy command.
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "visually-hidden";
      document.body.appendChild(ta);
      ta.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(ta);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function flashLabel(button, label) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = label;
    clearTimeout(button._copyTimer);
    button._copyTimer = setTimeout(function () {
      button.textContent = button.dataset.label;
    }, 2000);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy], [data-copy-text]");
    if (!button) return;
    var text = button.getAttribute("data-copy-text");
    if (text === null) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source) return;
      text = source.textContent.trim();
    }
    copyText(text).then(function () {
      flashLabel(button, "Copied");
      announce("Copied to the clipboard");
    }, function () {
      flashLabel(button, "Copy failed");
      announce("Could not copy. Select the text and copy it yourself.");
    });
  });

  // One polite live region for short announcements.
  function announce(message) {
    var region = document.getElementById("announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "announcer";
      region.className = "visually-hidden";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = "";
    setTimeout(function () { region.textContent = message; }, 50);
  }

  // Phone navigation: the menu button shows and hides the side nav.
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest && e.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    if (nav) nav.classList.toggle("open", open);
  });

  // Close the user menu on Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (e) {
    closeMenus(e.target.closest && e.target.closest("details.user-menu"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = document.querySelector("details.user-menu[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // A server-side error on a field describes what was submitted; once the
  // person types something new it no longer applies, so it goes.
  document.addEventListener("input", function (e) {
    var field = e.target;
    if (!field || field.getAttribute("aria-invalid") !== "true") return;
    field.removeAttribute("aria-invalid");
    var box = field.closest(".field");
    var err = box && box.querySelector(".field-error");
    if (!err) return;
    var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== err.id;
    });
    field.setAttribute("aria-describedby", ids.join(" "));
    err.remove();
  });

  // Progress panels poll themselves (hx-trigger "load delay:..."); one
  // failed request (a restart, a busy moment, a dropped connection)
  // would leave them frozen at "running" for good, so a failed poll is
  // tried again with a growing pause, up to half a minute.
  function retryPoll(e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.hasAttribute("data-poll") || !window.htmx) return;
    var tries = Number(elt.getAttribute("data-poll-tries") || "0") + 1;
    elt.setAttribute("data-poll-tries", String(tries));
    setTimeout(function () {
      if (elt.isConnected) window.htmx.trigger(elt, "poll-retry");
    }, Math.min(30000, 1000 * Math.pow(2, tries - 1)));
  }
  document.addEventListener("htmx:responseError", retryPoll);
  document.addEventListener("htmx:sendError", retryPoll);
  document.addEventListener("htmx:timeout", retryPoll);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showCookieBanner);
  } else {
    showCookieBanner();
  }

  // Single sign-on hand-over pages (SAML HTTP-POST) submit their form
  // by themselves; the button stays for browsers without JavaScript.
  function autosubmit() {
    var f = document.querySelector("form[data-autosubmit]");
    if (f) f.submit();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", autosubmit);
  } else {
    autosubmit();
  }
})();
