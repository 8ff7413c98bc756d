// People: a click on a face (or Enter on it, assets/keyboard.js) selects it, another unselects it; "Clear
// selection" unselects all (and unticks the groups, as any change to people does: `untickGroups`). The selection
// lives here and in the "people-selected-faces" store, which the server's callbacks read and clear after a move. The tiles' "selected" class is set here, not by a callback:
// a page holds hundreds of tiles, and a Dash update of all of them took the browser seconds after every change.
(function () {
    var AREAS = "#people-grid, #people-unsorted-grid, #people-ignored-grid";
    var selected = new Set();
    var pending = false;

    function paint() {
        pending = false;
        document.querySelectorAll(".face-tile[data-fid]").forEach(function (tile) {
            if (tile.closest(AREAS)) {
                var on = selected.has(Number(tile.dataset.fid));
                tile.classList.toggle("selected", on);
                tile.setAttribute("aria-pressed", on ? "true" : "false");  // a screen reader tells it is selected
            }
        });
    }

    function publish() {
        paint();
        var ids = Array.from(selected).sort(function (a, b) { return a - b; });
        window.dash_clientside.set_props("people-selected-faces", {data: ids});
    }

    document.addEventListener("click", function (event) {
        var target = event.target;
        if (!target || !target.closest) {
            return;
        }
        if (target.closest("#people-clear-btn")) {
            selected.clear();
            publish();
            return;
        }
        var tile = target.closest(".face-tile[data-fid]");
        if (tile && tile.closest(AREAS)) {
            var fid = Number(tile.dataset.fid);
            if (!selected.delete(fid)) {
                selected.add(fid);
            }
            publish();
        }
    });

    // Tiles drawn anew (another page of cards or faces, the page after a change) show the selection.
    new MutationObserver(function () {
        if (!pending) {
            pending = true;
            window.requestAnimationFrame(paint);
        }
    }).observe(document.documentElement, {childList: true, subtree: true});

    var clientside = window.dash_clientside = window.dash_clientside || {};
    clientside.people = Object.assign({}, clientside.people, {
        // Runs when the store changes: on arrival (empty), after a click here, and when a callback clears it.
        showSelection: function (ids) {
            selected = new Set(ids || []);
            paint();
        },
        // Every group's tick, gone: after each change to people (here or elsewhere) and on "Clear selection". A card
        // left as it was keeps its tick in the browser, one drawn again loses it (callbacks/people.py draws only the
        // cards that changed), so after a change none stays by chance.
        untickGroups: function (_version, _clear, ticks) {
            var keep = window.dash_clientside.no_update;
            return (ticks || []).map(function (on) { return on ? false : keep; });
        }
    });
})();
