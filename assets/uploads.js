// A drop on an upload area (Library, Find) is measured here before it is sent. dcc.Upload sends every file of a drop
// in one request, and the server refuses a request past its size limit (a 413 that the page never shows: the drop
// would seem to do nothing). So a drop too large is refused here with a message and never sent; one that fits
// sets the page's "...-go" store, which runs the server's upload callback (callbacks/library.py, callbacks/find.py).
(function () {
    var MB = 1024 * 1024;

    // The bytes of the file in a data URL ("data:<type>;base64,<data>"): 3 per 4 base64 characters, less padding.
    function fileBytes(url) {
        var data = url.slice(url.indexOf(",") + 1);
        var padding = data.endsWith("==") ? 2 : (data.endsWith("=") ? 1 : 0);
        return data.length / 4 * 3 - padding;
    }

    function human(bytes) {
        return bytes >= 1024 * MB ? (bytes / 1024 / MB).toFixed(1) + " GB" : (bytes / MB).toFixed(1) + " MB";
    }

    // What the user is told when the files of a drop (`names`, `total` bytes together) are more than `limit`, on
    // the Library page, or the Find page's photos (`page` "find-photos") or videos (`page` "find": the command
    // line can look through a video of any size).
    function tooLarge(names, total, limit, page) {
        var most = "at most " + Math.round(limit / MB) + " MB can be uploaded at a time, so nothing was uploaded. ";
        var find = page === "find" || page === "find-photos";
        if (names.length > 1) {
            return "These " + names.length + " files are " + human(total) + " together: " + most +
                (find ? "Drop fewer at a time." :
                 "Drop fewer at a time, or add the folder they are in with \u201cAdd folder\u201d above.");
        }
        var name = names[0] || "This file";
        if (page === "find-photos") {
            return name + " is " + human(total) + ": " + most + "Drop a smaller copy of it.";
        }
        if (find) {
            return name + " is " + human(total) + ": " + most +
                "Look through it from the command line instead: python app.py find PHOTO --video FILE.";
        }
        var zip = /\.zip$/i.test(name) ? "Unzip it and add that folder" : "Add the folder it is in";
        return name + " is " + human(total) + ": " + most + zip + " with \u201cAdd folder\u201d above.";
    }

    var clientside = window.dash_clientside = window.dash_clientside || {};
    clientside.uploads = Object.assign({}, clientside.uploads, {
        // [go, message, colour, shown]: go (a new value) sends the drop to the server; a drop too large is
        // refused with a message instead.
        checkSize: function (contents, filenames, limit, page) {
            var keep = window.dash_clientside.no_update;
            if (!contents || contents.length === 0) {
                return [keep, keep, keep, keep];
            }
            var urls = Array.isArray(contents) ? contents : [contents];
            var names = Array.isArray(filenames) ? filenames : [filenames];
            var total = urls.reduce(function (sum, url) { return sum + fileBytes(url || ""); }, 0);
            if (total <= limit) {
                return [Date.now(), keep, keep, keep];
            }
            return [keep, tooLarge(names, total, limit, page), "danger", true];
        },
        // The Find page's photos and videos: the same check, in its words.
        checkFindPhotoSize: function (contents, filenames, limit) {
            return window.dash_clientside.uploads.checkSize(contents, filenames, limit, "find-photos");
        },
        checkFindVideoSize: function (contents, filenames, limit) {
            return window.dash_clientside.uploads.checkSize(contents, filenames, limit, "find");
        }
    });
})();
