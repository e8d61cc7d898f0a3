/*
 * Batch scoring upload: sends the chosen or dropped file as the raw body of POST /batch/upload,
 * so it is streamed to disk on the server instead of passing base64 through a Dash callback.
 * On success it hands the stored upload id to Dash through the "batch-upload" store.
 */
(function () {
    "use strict";
    var ACCEPT = ".csv,.txt,.parquet,.pq,.xlsx";

    function status(text, isError) {
        var box = document.getElementById("batch-upload-status");
        if (!box) { return; }
        box.textContent = text;
        box.className = "small mt-2 " + (isError ? "text-danger portal-upload-error" : "text-muted");
    }

    function send(file) {
        var model = (window.portalBatch && window.portalBatch.model) || "";
        var query = "model=" + encodeURIComponent(model) + "&filename=" + encodeURIComponent(file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", "/batch/upload?" + query);
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = function (event) {
            if (event.lengthComputable) {
                status("Uploading " + file.name + ": " + Math.floor(100 * event.loaded / event.total) + "%");
            }
        };
        xhr.onload = function () {
            var body = {};
            try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
            if (xhr.status === 201) {
                status("Uploaded " + body.file_name + " (" + body.bytes.toLocaleString() + " bytes); checking it...");
                window.dash_clientside.set_props("batch-upload", {
                    data: {batch_id: body.batch_id, file_name: body.file_name, model: body.model}
                });
            } else {
                var message = (body.error && body.error.message) || ("upload failed with HTTP " + xhr.status);
                status(message, true);
            }
        };
        xhr.onerror = function () { status("The upload was interrupted: check the connection and try again.", true); };
        status("Uploading " + file.name + "...");
        xhr.send(file);
    }

    function pick() {
        var input = document.createElement("input");
        input.type = "file";
        input.accept = ACCEPT;
        input.style.display = "none";
        input.addEventListener("change", function () {
            if (input.files && input.files.length) { send(input.files[0]); }
            input.remove();
        });
        document.body.appendChild(input);
        input.click();
    }

    document.addEventListener("click", function (event) {
        if (event.target.closest && event.target.closest("#batch-pick")) {
            event.preventDefault();
            pick();
        }
    });
    document.addEventListener("dragover", function (event) {
        if (event.target.closest && event.target.closest("#batch-drop")) { event.preventDefault(); }
    });
    document.addEventListener("drop", function (event) {
        if (!(event.target.closest && event.target.closest("#batch-drop"))) { return; }
        event.preventDefault();
        var files = event.dataTransfer && event.dataTransfer.files;
        if (files && files.length) { send(files[0]); }
    });
})();
