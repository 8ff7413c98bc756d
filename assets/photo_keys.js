// Photos page: the left and right arrow keys show the previous and next photo of the list (turning the
// page at its ends); not while typing in a field or with a dialog open.
document.addEventListener("keydown", function (event) {
    if ((event.key !== "ArrowLeft" && event.key !== "ArrowRight") || event.ctrlKey || event.metaKey || event.altKey) {
        return;
    }
    var grid = document.getElementById("photos-grid");
    var target = event.target;
    if (!grid || document.querySelector(".modal.show") ||
        (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) {
        return;
    }
    var tiles = Array.prototype.slice.call(grid.querySelectorAll(".photo-tile"));
    var at = tiles.findIndex(function (t) { return t.classList.contains("active"); });
    var step = event.key === "ArrowRight" ? 1 : -1;
    var next = tiles[at + step];
    if (!next) {  // the end of this page: the next (or previous) page, if there is one
        var current = document.querySelector("#photos-pager .page-item.active");
        var sibling = current && (step > 0 ? current.nextElementSibling : current.previousElementSibling);
        var link = sibling && sibling.querySelector(".page-link");
        var number = current && Number(current.textContent) + step;
        next = link && Number(link.textContent) === number ? link : null;
    }
    if (next) {
        event.preventDefault();
        next.click();
        if (next.scrollIntoView) {
            next.scrollIntoView({block: "nearest"});
        }
    }
});
