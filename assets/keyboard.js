// Keyboard shortcuts of the dashboard. None acts while the user types in a field (where the keys, Ctrl+Z
// included, do what they do everywhere else).
(function () {
    function typing(event) {
        var t = event.target;
        return Boolean(t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)));
    }

    function press(event, button) {
        if (button && !button.disabled) {
            event.preventDefault();
            button.click();
            return true;
        }
        return false;
    }

    // People: Ctrl+Z (Cmd+Z on a Mac) presses Undo; in "Sort one by one", its Back button.
    function undo(event) {
        if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== "z") {
            return false;
        }
        return press(event, document.getElementById("people-sort-back") || document.getElementById("people-undo-btn"));
    }

    // People, "Sort one by one" (its buttons are in the page only while it is open): 1-3 give the face to
    // that suggested person, I sets it aside as Ignored, S skips it.
    function sortFaces(event) {
        var skip = document.getElementById("people-sort-skip");
        if (!skip || event.ctrlKey || event.metaKey || event.altKey) {
            return false;
        }
        var key = event.key.toLowerCase();
        if (/^[1-9]$/.test(key)) {
            return press(event, document.querySelectorAll(".sort-accept")[Number(key) - 1]);
        }
        return press(event, key === "i" ? document.getElementById("people-sort-ignore") : key === "s" ? skip : null);
    }

    // Photos: the left and right arrows show the previous and next photo of the list, turning the page at its
    // ends; not while a dialog is open. The focus, if on a photo of the list or the one shown (a face box, drawn
    // anew with the next photo), goes along to the photo now shown: Enter and Tab go on from there.
    function browsePhotos(event) {
        var grid = document.getElementById("photos-grid");
        if (!grid || (event.key !== "ArrowLeft" && event.key !== "ArrowRight") || event.ctrlKey || event.metaKey ||
            event.altKey || document.querySelector(".modal.show")) {
            return false;
        }
        var focus = document.activeElement;
        var follow = Boolean(focus && (grid.contains(focus) || focus.closest("#photos-detail")));
        var step = event.key === "ArrowRight" ? 1 : -1;
        var tiles = Array.prototype.slice.call(grid.querySelectorAll(".photo-tile"));
        var at = tiles.findIndex(function (t) { return t.classList.contains("active"); });
        var next = tiles[at + step];
        var turning = !next;
        if (turning) {  // the end of this page: the next (or previous) page, if there is one
            var current = document.querySelector("#photos-pager .page-item.active");
            var sibling = current && (step > 0 ? current.nextElementSibling : current.previousElementSibling);
            var link = sibling && sibling.querySelector(".page-link");
            // parseInt: the active item reads "3(current)" (a hidden word for screen readers).
            next = link && parseInt(link.textContent, 10) === parseInt(current.textContent, 10) + step ? link : null;
        }
        if (next && press(event, next)) {
            if (turning) {  // on the new page, its first photo; back a page, its last, the one just before
                whenReplaced(tiles[0], function () {
                    var tile = document.querySelector("#photos-grid .photo-tile" + (step < 0 ? ":last-child" : ""));
                    if (tile && step < 0) { tile.click(); }
                    if (tile && follow) { tile.focus(); }
                });
            } else if (follow) {
                next.focus();
            }
            next.scrollIntoView({block: "nearest"});
            return true;
        }
        return false;
    }

    // Runs `then` once `element` has left the page (its page drawn anew by the server), within a few seconds.
    function whenReplaced(element, then) {
        var waited = 0;
        var timer = setInterval(function () {
            waited += 100;
            if (!element.isConnected || waited > 5000) {
                clearInterval(timer);
                if (!element.isConnected) { then(); }
            }
        }, 100);
    }

    // Everywhere: Enter or Space on a focused face, photo or face box (a div with role="button", reached with
    // Tab) clicks it, as on a real button.
    function activate(event) {
        var t = event.target;
        if ((event.key !== "Enter" && event.key !== " ") || !t || t.getAttribute("role") !== "button" ||
            /^(BUTTON|A)$/.test(t.tagName)) {
            return false;
        }
        return press(event, t);
    }

    // People: Enter in a card's name field saves the name (as leaving the field does) and puts the cursor in the
    // next card's name field: a whole album is named from the keyboard. With "Not named yet" (where a named card
    // gives its place to the next group to name) the cursor goes to the next card still without a name, from the
    // page's first card again after its last.
    function nameNext(event) {
        var field = event.target;
        if (event.key !== "Enter" || !field.classList || !field.classList.contains("person-name-input")) {
            return;
        }
        var fields = Array.prototype.slice.call(document.querySelectorAll("#people-grid .person-name-input"));
        var at = fields.indexOf(field);
        var next = fields[at + 1];
        var unnamedOnly = document.getElementById("people-unnamed-only");
        if (unnamedOnly && unnamedOnly.checked) {
            next = fields.slice(at + 1).concat(fields.slice(0, at)).find(function (f) { return !f.value.trim(); });
        }
        if (next) {
            next.focus();  // and if the cards are drawn anew meanwhile, it moves to the field's copy (below)
        }
    }

    // Everywhere: the element with the keyboard focus may be drawn anew under it (a card drawn again after a name
    // or a change made in another window, a card giving its place to the next group): its copy then takes the
    // focus, found by its id, or a face by its data-fid, or a pager's page link by its pager (the page chosen is
    // then the current one, not a link: the focus goes to it, and Tab on to the next page's link); and what was
    // typed meanwhile in a field the field's copy gets, as if typed there. Not a dialog's: closed, a dialog gives
    // the focus back to the element that had it before, which may have been drawn anew meanwhile (the cards, after
    // a name that asked to merge).
    var focused = null;
    var focusedPager = null;  // the pager of a focused page link (taken out of it, the link knows it no more)
    document.addEventListener("focusin", function (event) {
        if (!event.target.closest || !event.target.closest(".modal")) {
            focused = event.target;
            focusedPager = event.target.closest && event.target.closest(".pagination[id]");
        }
    });
    new MutationObserver(function () {
        if (!focused || focused.isConnected || (document.activeElement && document.activeElement !== document.body)) {
            return;
        }
        var fid = focused.dataset && focused.dataset.fid;
        var copy = focused.id ? document.getElementById(focused.id)
            : fid ? document.querySelector(".face-tile[data-fid='" + fid + "']")
            : focusedPager ? currentPage(document.getElementById(focusedPager.id)) : null;
        if (!copy) {
            return;
        }
        if (focused.tagName === "INPUT" && focused.value && !copy.value) {
            var setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
            setValue.call(copy, focused.value);
            copy.dispatchEvent(new Event("input", {bubbles: true}));
        }
        copy.focus();
        focused = copy;
    }).observe(document.documentElement, {childList: true, subtree: true});

    // A pager's current page (a span), focusable by script only.
    function currentPage(pager) {
        var page = pager && pager.querySelector(".page-item.active .page-link");
        if (page && !page.hasAttribute("tabindex")) {
            page.setAttribute("tabindex", "-1");
        }
        return page;
    }

    // People, "Sort one by one": Enter in its name field gives the face that name; the keys 1-3, I and S work
    // again once the cursor leaves the field.
    function leaveSortName(event) {
        if (event.key === "Enter" && event.target.id === "people-sort-new") {
            event.target.blur();
        }
    }

    // Once a dialog that asked to confirm closes, the focus goes back to the button that opened it, as a dialog
    // should. After Cancel or Escape react-bootstrap's Modal does it itself (the page is not drawn again); after a
    // confirmation that button is gone (its merge suggestion merged, its folder removed) or disabled (People's
    // "Merge selected groups", no group ticked any more) once the page is drawn anew, and the focus, left on the
    // page's body, goes to the button now in its place in the list, else to `rest` (once it is enabled). Unless
    // the user has put it somewhere meanwhile. A rule with no `yes` is a button that acts at once, with no dialog,
    // and may disable itself doing so: People's "Move faces" (no face selected any more), Undo (nothing left), Map's
    // Assign (no face selected any more); or take itself away: People's "Not the same" and Hide.
    var CONFIRMED = [
        {openers: "#people-merge-btn, button[id*='\"suggest-merge\"']", list: "button[id*='\"suggest-merge\"']",
         yes: "#people-confirm-yes", rest: "h1"},  // People: merges
        {openers: "button[id*='\"lib-remove-folder\"']", list: "button[id*='\"lib-remove-folder\"']",
         yes: "#lib-remove-yes", rest: "#lib-path"},  // Library: no folder left, the box to add one
        {openers: "#people-move-btn", list: "#people-move-btn", yes: null, rest: "#people-undo-btn"},  // names the move
        {openers: "#people-undo-btn", list: "#people-undo-btn", yes: null, rest: "h1"},
        {openers: "#map-assign", list: "#map-assign", yes: null, rest: "#map-pick"},  // Map: select the next faces
        // People: a merge suggestion dismissed, a group hidden: the next one's same button
        {openers: "button[id*='\"suggest-dismiss\"']", list: "button[id*='\"suggest-dismiss\"']", yes: null,
         rest: "h1"},
        {openers: "button[id*='\"person-hide\"']", list: "button[id*='\"person-hide\"']", yes: null, rest: "h1"},
    ];
    var opener = null;  // the button that opened the dialog, and its rule
    var confirmed = null;  // the opener of the dialog just confirmed, until the page drawn anew shows it done
    function inList(rule) {
        return Array.prototype.slice.call(document.querySelectorAll(rule.list));
    }
    function focusAfterConfirm() {
        var button = document.getElementById(confirmed.id);
        if (button && !button.disabled) {
            return false;  // not drawn anew yet (or refused: the button is still there)
        }
        if (document.querySelector(".modal")) {
            return false;  // the dialog is still fading out: the focus moved now would come back to it
        }
        var active = document.activeElement;
        if (active && active !== document.body && !active.disabled) {
            return true;  // the user has put it somewhere
        }
        var list = inList(confirmed.rule);
        button = confirmed.index >= 0 && list.length ? list[Math.min(confirmed.index, list.length - 1)] : null;
        if (!button || button.disabled) {
            button = document.querySelector(confirmed.rule.rest);
            if (button && button.disabled) {
                return false;  // Undo, not enabled yet for the move just made
            }
            if (button && button.tagName === "H1" && !button.hasAttribute("tabindex")) {
                button.setAttribute("tabindex", "-1");  // focusable by script only, as a page's heading is
            }
        }
        if (button) {
            button.focus();
        }
        return true;
    }
    document.addEventListener("click", function (event) {
        var target = event.target.closest ? event.target : null;
        var rule = target && CONFIRMED.find(function (r) { return target.closest(r.openers); });
        if (rule) {
            var button = target.closest(rule.openers);
            opener = {rule: rule, id: button.id, index: inList(rule).indexOf(button)};
            if (!rule.yes) {  // no dialog: done at once
                confirmed = Object.assign({}, opener, {until: Date.now() + 10000});
                opener = null;
            }
        } else if (opener && target && target.closest(opener.rule.yes)) {
            confirmed = Object.assign({}, opener, {until: Date.now() + 10000});
            opener = null;
        }
    }, true);
    new MutationObserver(function () {
        if (confirmed && (Date.now() > confirmed.until || focusAfterConfirm())) {
            confirmed = null;
        }
    }).observe(document.documentElement, {childList: true, subtree: true, attributeFilter: ["disabled"]});

    // Everywhere: Enter in a slider's number box (Find's strictness, the Attributes page's thresholds) applies the
    // number typed. Dash's slider takes it only when the box loses the focus (and then keeps it within the slider's
    // range), so leaving the box and coming back does it, with the cursor still there for another number.
    function applySliderNumber(event) {
        var box = event.target;
        if (event.key === "Enter" && box.classList && box.classList.contains("dash-range-slider-input")) {
            event.preventDefault();
            box.blur();
            box.focus();
        }
    }

    document.addEventListener("keydown", function (event) {
        applySliderNumber(event);
        if (!typing(event)) {
            activate(event) || undo(event) || sortFaces(event) || browsePhotos(event);
        }
    });

    // On key up: the name fields save on Enter's key up, before these run.
    document.addEventListener("keyup", function (event) {
        nameNext(event);
        leaveSortName(event);
    });
})();
