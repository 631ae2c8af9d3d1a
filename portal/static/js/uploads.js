// Resumable uploads on a dossier's documents page (docs/uploads.md).
// Without this script each slot's form posts its files and the page reloads. With it, a chosen
// file starts at once: each file gets a <progress> and a status text, files go one after
// another, and each is sent in chunks with the tus 1.0 protocol (portal/citizen/upload_views.py).
// After a network error the upload asks the server how much it holds (HEAD) and resumes from
// there, waiting longer after each failure. A large camera photo is scaled down first. When a file is in, the slot's file list is
// refreshed from the page; a refusal shows the server's sentence (it names the file and slot).
(function () {
  "use strict";
  var texts = document.getElementById("upload-texts");
  if (!texts || !window.fetch || !window.XMLHttpRequest) { return; }
  var endpoint = texts.dataset.endpoint;
  var chunkSize = parseInt(texts.dataset.chunk, 10) || 262144;
  var announcer = document.getElementById("upload-announcer");
  var PHOTO_SIDE = 2000, PHOTO_QUALITY = 0.8, SHRINK_ABOVE = 500 * 1024;  // as portal/operations/uploads.py
  var delays = [1, 2, 4, 8, 15, 30, 30, 30, 30, 30];  // seconds between attempts after a drop
  var queue = [];
  var busy = false;

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  function announce(text) { announcer.textContent = text; }

  function base64(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = "";
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  function wait(seconds) { return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); }); }

  function NetworkError() { this.network = true; }

  function Refused(message) { this.message = message; }

  function request(method, url, token, headers, body, onProgress) {
    // A promise of the XMLHttpRequest (for upload progress); a dropped connection rejects with NetworkError.
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("X-CSRFToken", token);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      if (onProgress) { xhr.upload.onprogress = function (e) { onProgress(e.loaded); }; }
      xhr.onload = function () { resolve(xhr); };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { reject(new NetworkError()); };
      xhr.send(body === undefined ? null : body);
    });
  }

  function refusal(xhr) {
    var message = "";
    try { message = JSON.parse(xhr.responseText).message; } catch (e) { message = ""; }
    return new Refused(message || xhr.status + " " + xhr.statusText);
  }

  async function patiently(item, attempt) {
    // Run ``attempt`` until it does not fail on the network, waiting longer each time.
    for (var i = 0; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!error.network || i >= delays.length) { throw error; }
        item.status.textContent = say(texts.dataset.retrying, { file: item.file.name, seconds: delays[i] });
        announce(item.status.textContent);
        await wait(delays[i]);
      }
    }
  }

  function show(item, sent) {
    var percent = item.file.size ? Math.floor(sent * 100 / item.file.size) : 100;
    item.bar.value = percent;
    item.status.textContent = say(texts.dataset.sending, { file: item.file.name, percent: percent });
  }

  async function create(item) {
    var meta = "filename " + base64(item.file.name) + ",document " + base64(item.form.dataset.document);
    var xhr = await request("POST", endpoint, item.token, { "Upload-Length": String(item.file.size), "Upload-Metadata": meta });
    if (xhr.status !== 201) { throw refusal(xhr); }
    return xhr.getResponseHeader("Location");
  }

  async function serverOffset(item) {
    var xhr = await request("HEAD", item.location, item.token, {});
    if (xhr.status === 404) {  // ended: expired, or completed while its answer was lost (the list shows it)
      throw new Refused(say(texts.dataset.lost, { file: item.file.name }));
    }
    if (xhr.status !== 200) { throw refusal(xhr); }
    return parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
  }

  async function sendFrom(item, offset) {
    // Send chunks from ``offset`` to the end; the server's offset after each.
    while (offset < item.file.size) {
      var chunk = item.file.slice(offset, offset + chunkSize);
      var start = offset;
      var xhr = await request("PATCH", item.location, item.token,
        { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }, chunk,
        function (loaded) { show(item, start + loaded); });
      if (xhr.status !== 204) { throw refusal(xhr); }
      offset = parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
      show(item, offset);
    }
  }

  async function smaller(file) {
    // A camera photo scaled to at most PHOTO_SIDE pixels and re-encoded as JPEG before it is
    // sent (a few hundred kilobytes instead of several megabytes on a weak link); anything else,
    // or a photo the browser cannot decode (HEIC), is sent as chosen and checked by the server.
    if (!/^image\/(jpeg|png)$/.test(file.type) || file.size < SHRINK_ABOVE || !window.createImageBitmap) { return file; }
    try {
      var bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      var scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG on white, as on paper
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      var blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", PHOTO_QUALITY); });
      if (!blob || blob.size >= file.size) { return file; }
      return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
    } catch (error) {
      return file;
    }
  }

  async function upload(item) {
    item.file = await smaller(item.file);
    item.location = await patiently(item, function () { return create(item); });
    var first = true;
    await patiently(item, async function () {
      var offset = first ? 0 : await serverOffset(item);
      first = false;
      await sendFrom(item, offset);
    });
  }

  async function refresh(form) {
    // The slot's file list as the server now has it (no reload of the page).
    var response = await fetch(window.location.href, { credentials: "same-origin" });
    var page = new DOMParser().parseFromString(await response.text(), "text/html");
    var slot = form.closest(".upload-slot");
    var fresh = page.getElementById(slot.id + "-files");
    var current = document.getElementById(slot.id + "-files");
    if (fresh && current) { current.replaceWith(fresh); }
    // The dossier's version moved with the new file: a form of the page that sends it stays current.
    document.querySelectorAll("input[type=hidden][name$=version]").forEach(function (input) {
      var same = input.id && page.getElementById(input.id);
      if (same) { input.value = same.value; }
    });
  }

  async function next() {
    if (busy || !queue.length) { return; }
    busy = true;
    var item = queue.shift();
    try {
      show(item, 0);
      announce(item.status.textContent);
      await upload(item);
      item.bar.value = 100;
      item.status.textContent = say(texts.dataset.done, { file: item.file.name });
      await refresh(item.form).catch(function () { return null; });
    } catch (error) {
      item.row.classList.add("upload-failed");
      item.status.textContent = error.network ? say(texts.dataset.failed, { file: item.file.name }) : error.message;
      if (item.location && !error.network) {
        request("DELETE", item.location, item.token, {}).catch(function () { return null; });
      }
      await refresh(item.form).catch(function () { return null; });
    }
    announce(item.status.textContent);
    busy = false;
    next();
  }

  function enqueue(form, file) {
    var list = form.querySelector(".upload-progress");
    var row = document.createElement("li");
    var bar = document.createElement("progress");
    var status = document.createElement("span");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", say(texts.dataset.progressLabel, { file: file.name }));
    status.className = "upload-status";
    status.textContent = say(texts.dataset.waiting, { file: file.name });
    row.append(bar, " ", status);
    list.append(row);
    queue.push({ form: form, file: file, row: row, bar: bar, status: status,
      token: form.querySelector("input[name=csrf_token]").value });
  }

  // Leaving the page while a file is still on its way would lose it: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (busy || queue.length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.querySelectorAll("form.upload-form").forEach(function (form) {
    form.querySelector("button[type=submit]").hidden = true;  // a chosen file starts at once
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "file") { return; }
      Array.prototype.forEach.call(input.files, function (file) { enqueue(form, file); });
      input.value = "";
      next();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });
}());
