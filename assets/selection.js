// People: a click on a face (or Enter on it, assets/keyboard.js) selects it, another unselects it; a click on a
// group's tick box ticks it; "Clear selection" unselects and unticks all. Both live here and in the
// "people-selected-faces" and "people-ticked-groups" stores, which the server's callbacks read, and clear after a
// move or a merge. The tiles' "selected" class and the boxes' ticks are set here, not by callbacks: a page holds
// hundreds of tiles, a Dash update of all of them took the browser seconds after every change, and a card drawn
// anew (callbacks/people.py draws only the cards that changed) shows its tick again from here.
(function () {
    var AREAS = "#people-grid, #people-unsorted-grid, #people-ignored-grid";
    var selected = new Set();
    var ticked = new Set();
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
        document.querySelectorAll(".person-tick[data-pid]").forEach(function (box) {
            box.setAttribute("aria-pressed", ticked.has(Number(box.dataset.pid)) ? "true" : "false");
        });
    }

    function sorted(set) {
        return Array.from(set).sort(function (a, b) { return a - b; });
    }

    function publish() {
        paint();
        window.dash_clientside.set_props("people-selected-faces", {data: sorted(selected)});
        window.dash_clientside.set_props("people-ticked-groups", {data: sorted(ticked)});
    }

    function toggle(set, id) {
        if (!set.delete(id)) {
            set.add(id);
        }
        publish();
    }

    document.addEventListener("click", function (event) {
        var target = event.target;
        if (!target || !target.closest) {
            return;
        }
        if (target.closest("#people-clear-btn")) {
            selected.clear();
            ticked.clear();
            publish();
            return;
        }
        var box = target.closest(".person-tick[data-pid]");
        if (box) {
            toggle(ticked, Number(box.dataset.pid));
            return;
        }
        var tile = target.closest(".face-tile[data-fid]");
        if (tile && tile.closest(AREAS)) {
            toggle(selected, Number(tile.dataset.fid));
        }
    });

    // Tiles and boxes drawn anew (another page of cards or faces, the page after a change) show the selection.
    new MutationObserver(function () {
        if (!pending) {
            pending = true;
            window.requestAnimationFrame(paint);
        }
    }).observe(document.documentElement, {childList: true, subtree: true});

    var clientside = window.dash_clientside = window.dash_clientside || {};
    clientside.people = Object.assign({}, clientside.people, {
        // Run when a store changes: on arrival (empty), after a click here, and when a callback clears it.
        showSelection: function (ids) {
            selected = new Set(ids || []);
            paint();
        },
        showTicks: function (ids) {
            ticked = new Set(ids || []);
            paint();
        }
    });
})();
