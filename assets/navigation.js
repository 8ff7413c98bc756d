// Everywhere: pages change in place (Dash's links write the address without loading a new document), so the focus
// stayed on the navbar's link followed, or was left on the page's body when the link was on the page taken away;
// keyboard users started again from the top and screen readers said nothing. Once the page reached by a link (or
// by Back and Forward) is drawn, its heading takes the focus, as a new document's start would: Tab goes on into
// the page, and a screen reader reads the heading (Dash itself sets the window's title to the page's).
// A link to the same page with another query (Find's "Search with all their faces", ?person=) takes the focus only
// if the page drawn anew lost it (to the body). Never on a page's first load, nor after the user put the focus
// somewhere else meanwhile.
(function () {
    var path = window.location.pathname;
    var pending = null;  // the navigation waiting for its page: the old page's heading, the focus then, a new path?

    function navigated() {
        var changed = window.location.pathname !== path;
        path = window.location.pathname;
        pending = {heading: document.querySelector("main h1"), from: document.activeElement, changed: changed,
                   until: Date.now() + 10000};
    }
    window.addEventListener("_dashprivate_pushstate", navigated);
    window.addEventListener("popstate", navigated);

    new MutationObserver(function () {
        if (!pending) {
            return;
        }
        var heading = document.querySelector("main h1");
        if (Date.now() > pending.until) {
            pending = null;
        } else if (heading && heading !== pending.heading) {  // the page drawn
            var active = document.activeElement;
            var lost = !active || active === document.body;
            if (lost || (pending.changed && active === pending.from)) {
                heading.focus();
            }
            pending = null;
        }
    }).observe(document.documentElement, {childList: true, subtree: true});
})();
