// Spend → Imports: upload a billing file with a real progress bar.
// XMLHttpRequest reports upload progress (fetch does not). The request is
// the form's own multipart POST with the HX-Request header, so the server
// answers with the import's progress fragment, which htmx then polls in
// place until the import is done. Without this script the form posts as
// usual and the browser goes to the upload's status page.
(function () {
  "use strict";

  function setError(form, input, message) {
    var err = form.querySelector("[data-upload-error]");
    if (!err) {
      err = document.createElement("p");
      err.className = "field-error";
      err.id = "cost-file-upload-error";
      err.setAttribute("data-upload-error", "");
      err.setAttribute("role", "alert");
      input.parentNode.appendChild(err);
    }
    err.textContent = message;
    input.setAttribute("aria-invalid", "true");
    var described = input.getAttribute("aria-describedby") || "";
    if (described.indexOf(err.id) < 0) input.setAttribute("aria-describedby", (described + " " + err.id).trim());
    input.focus();
  }

  // messageFrom takes the error out of the page the server answered with.
  function messageFrom(xhr) {
    var fallback = "The upload failed (HTTP " + xhr.status + "). Try again.";
    if (xhr.status === 413) fallback = "The file is larger than the upload limit.";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var el = doc.querySelector("#cost-file-error, #form-error, main .alert-error");
      return el ? el.textContent.replace(/^\s*⚠?\s*/, "").trim() : fallback;
    } catch (_) {
      return fallback;
    }
  }

  // showProgress puts the server's progress fragment in place of the
  // upload bar and lets htmx poll it.
  function showProgress(form, box, html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var frag = holder.querySelector("#import-progress");
    if (!frag) return false;
    var old = document.getElementById("import-progress");
    if (old) old.parentNode.removeChild(old);
    form.parentNode.insertBefore(frag, form.nextSibling);
    box.hidden = true;
    form.reset();
    if (window.htmx) window.htmx.process(frag);
    return true;
  }

  function upload(form, input, file) {
    var box = form.querySelector("[data-upload-progress]");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-upload-text]");
    var button = form.querySelector("button[type=submit]");
    var lastStep = -1;
    function show(pct, message) {
      bar.value = pct;
      bar.textContent = pct + "%";
      var step = Math.floor(pct / 10); // announce in tens, not every event
      if (message || step !== lastStep) {
        lastStep = step;
        text.textContent = message || ("Uploading " + file.name + ": " + pct + "%");
      }
    }
    function done(message) {
      button.disabled = false;
      input.disabled = false;
      box.hidden = true;
      setError(form, input, message);
    }
    var data = new FormData(form);
    box.hidden = false;
    button.disabled = true;
    input.disabled = true;
    show(0);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (ev) {
      if (ev.lengthComputable && ev.total > 0) show(Math.min(100, Math.floor(ev.loaded * 100 / ev.total)));
    });
    xhr.upload.addEventListener("load", function () {
      show(100, "Upload complete. Starting the import…");
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 200 && showProgress(form, box, xhr.responseText)) {
        button.disabled = false;
        input.disabled = false;
        return;
      }
      done(messageFrom(xhr));
    });
    xhr.addEventListener("error", function () {
      done("The connection was lost during the upload. Try again.");
    });
    xhr.send(data);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target.closest && e.target.closest("form[data-upload-form]");
    if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    if (!file) return; // let the browser's required check speak
    e.preventDefault();
    var max = Number(form.getAttribute("data-max-bytes")) || 0;
    if (max > 0 && file.size > max) {
      setError(form, input, "The file is larger than the upload limit of " + form.getAttribute("data-max-size") +
        "; split it, compress it with gzip, or import it with canopy import.");
      return;
    }
    upload(form, input, file);
  });
})();
