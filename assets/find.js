// Find: a person card's Find link opens /find?person=ID, which starts a search for them. Once the page has read
// the id, it leaves the address: reloading the page, or coming Back to it from a result photo, shows that search
// (the page shows the latest one) instead of starting it again.
(function () {
    var clientside = window.dash_clientside = window.dash_clientside || {};
    clientside.find = Object.assign({}, clientside.find, {
        forgetPersonInAddress: function (person) {
            var params = new URLSearchParams(window.location.search);
            if (person !== null && person !== undefined && params.has("person")) {
                params.delete("person");
                var rest = params.toString();
                window.history.replaceState(window.history.state, "",
                    window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
                return true;
            }
            return window.dash_clientside.no_update;
        }
    });
})();

// Find: a video moment's time plays the video from that moment in the player above it; a video the browser cannot
// decode (not H.264 or WebM, say) shows a note in its place (the `error` event does not bubble: caught on its way
// down).
(function () {
    document.addEventListener("click", function (event) {
        var button = event.target && event.target.closest && event.target.closest(".find-video [data-seek]");
        var player = button && button.closest(".find-video").querySelector("video.find-player");
        if (!player) {
            return;
        }
        player.currentTime = parseFloat(button.getAttribute("data-seek"));
        player.scrollIntoView({block: "nearest"});
        var playing = player.play();
        if (playing && playing.catch) {
            playing.catch(function () {});  // a format it cannot play: the error event says so
        }
    });
    document.addEventListener("error", function (event) {
        var player = event.target;
        if (player && player.matches && player.matches("video.find-player")) {
            player.closest(".find-video").classList.add("find-unplayable");
        }
    }, true);
})();

// Find: another face of the query photo chosen (a face box, with Enter or a click) starts a search for it, and the
// photo is drawn anew without its boxes while it runs: the focus, left on the page's body, would send keyboard users
// back to the top of the page. It goes to the photo's place meanwhile, then to the box of the face searched for
// once the search is done. Unless the user has put it somewhere else meanwhile.
(function () {
    var chosen = null;  // the box of the face searched for when another face was chosen
    var waiting = false;
    document.addEventListener("click", function (event) {
        if (event.target && event.target.closest && event.target.closest("#find-query [id*='\"find-face\"']")) {
            chosen = document.querySelector("#find-query .find-chosen");
            waiting = true;
        }
    }, true);
    document.addEventListener("focusin", function (event) {
        if (waiting && !event.target.closest("#find-query")) {
            waiting = false;  // the user went elsewhere
        }
    });
    new MutationObserver(function () {
        var query = document.getElementById("find-query");
        var active = document.activeElement;
        if (!waiting || !query || (active && active !== document.body && active !== query)) {
            return;
        }
        var box = query.querySelector(".find-chosen");
        if (box && box !== chosen) {  // the new search's
            box.focus();
            waiting = false;
        } else if (active !== query) {
            query.focus();
        }
    }).observe(document.documentElement, {childList: true, subtree: true});
})();
