// Microsoft 365 connection → Service account: encrypt the password in the
// browser with the collector's public key before the form is sent.
//
// The result is a compact JWE (RFC 7516): protected header
// {"alg":"RSA-OAEP-256","enc":"A256GCM","kid":...}; a fresh 256-bit
// content-encryption key (CEK) encrypts the password with AES-GCM, the
// ASCII of the encoded header as additional authenticated data; the CEK is
// wrapped with RSA-OAEP (SHA-256) to the collector key. Only the JWE goes
// into the hidden password_jwe field; the password input has no name, so
// the browser never posts it. Without this script the submit button stays
// disabled (and the server refuses an empty password_jwe).
(function () {
  "use strict";
  var form = document.getElementById("sa-form");
  if (!form) return;
  var button = form.querySelector("#sa-save");
  var errorBox = form.querySelector("#sa-error");
  var password = form.querySelector("#sa-password");
  var hidden = form.querySelector("#sa-password-jwe");

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    showError("This browser cannot encrypt here (Web Crypto needs HTTPS). Open Canopy over HTTPS to set the service account.");
    return;
  }
  var jwk;
  try {
    jwk = JSON.parse(form.getAttribute("data-jwk"));
  } catch (e) {
    showError("The collector key on this page is unreadable. Reload the page.");
    return;
  }

  function b64url(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function encrypt(plaintext) {
    var enc = new TextEncoder();
    var rsaKey = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RSA-OAEP-256", ext: true },
      { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
    var header = b64url(enc.encode(JSON.stringify({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: jwk.kid })));
    var cek = crypto.getRandomValues(new Uint8Array(32));
    var iv = crypto.getRandomValues(new Uint8Array(12));
    try {
      var aesKey = await crypto.subtle.importKey("raw", cek, { name: "AES-GCM" }, false, ["encrypt"]);
      var sealed = new Uint8Array(await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: iv, additionalData: enc.encode(header), tagLength: 128 }, aesKey, plaintext));
      var wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, rsaKey, cek));
      var body = sealed.subarray(0, sealed.length - 16), tag = sealed.subarray(sealed.length - 16);
      return [header, b64url(wrapped), b64url(iv), b64url(body), b64url(tag)].join(".");
    } finally {
      cek.fill(0);
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errorBox.hidden = true;
    var plaintext = new TextEncoder().encode(password.value);
    if (plaintext.length === 0 || plaintext.length > 256) {
      plaintext.fill(0);
      showError("Enter the password (at most 256 bytes).");
      password.focus();
      return;
    }
    button.disabled = true;
    encrypt(plaintext).then(function (jwe) {
      plaintext.fill(0);
      password.value = "";
      hidden.value = jwe;
      form.submit(); // does not fire "submit" again
    }, function (e) {
      plaintext.fill(0);
      button.disabled = false;
      showError("Encrypting the password failed: " + (e && e.message ? e.message : e) + ". Reload the page and try again.");
    });
  });
  button.disabled = false;
})();
